"""The workflow through the real `snakemake` command line, in a temporary copy of the project."""

import os
import signal
import subprocess
import time

import pandas as pd
import pytest
from workflow_helpers import ROOT, SNAKEMAKE, assert_same_tables, copy_project, job_counts, snakemake, write_config

from dof.analysis import records
from dof.engine import io

pytestmark = pytest.mark.workflow

SUBSPACE_TABLES = "results/smoke/thresholds.parquet"
"""The target that builds runs, success and thresholds (the tables assert_same_tables compares) and no more."""


def test_smoke_dag_writes_tables_and_figures(smoke_project):
    results = smoke_project / "results" / "smoke"
    runs = pd.read_parquet(results / "runs.parquet")
    assert len(runs) == 2 * 3 * 2  # t0 x d x seeds
    assert set(records.RUN_COLUMNS) <= set(runs.columns)
    assert (runs["status"] == "ok").all() and (runs["n_params"] == 20_490).all()
    success = pd.read_parquet(results / "success.parquet")
    assert {"dataset", "model", "t0", "d", "metric", "epsilon", "n_runs", "n_success", "p_success"} <= set(
        success.columns
    )
    assert len(success) == 2 * (1 + 3) * 2 * 3  # t0 x (start d = 0 + d) x metrics x epsilons
    assert (success.loc[success["d"] == 0, "n_runs"] == 2).all()  # the start point: one per seed
    assert {"p_success_lo", "p_success_hi"} <= set(success.columns)
    thresholds = pd.read_parquet(results / "thresholds.parquet")
    assert {"dataset", "model", "t0", "metric", "epsilon", "delta", "d_star", "d_star_lo", "d_star_hi"} <= set(
        thresholds.columns
    )
    assert {"censoring", "fit_status", "d_star_fit", "d_star_fit_lo", "d_star_fit_hi", "d50_fit"} <= set(
        thresholds.columns
    )
    assert set(thresholds["censoring"]) <= {"measured", "start", "below_grid", "above_grid"}
    assert io.table_config(results / "runs.parquet")["experiment"] == "smoke"
    assert (results / "figures" / "fig6_threshold_fraction.png").stat().st_size > 1000
    for stem in ("fig2_success_map", "fig3_thresholds"):
        for ext in ("png", "pdf"):
            path = results / "figures" / f"{stem}_mnist5k_conv2.{ext}"
            assert path.stat().st_size > 1000, path


def test_smoke_dag_writes_theory_tables_and_figures(smoke_project):
    results = smoke_project / "results" / "smoke"
    success = pd.read_parquet(results / "quadratic_success.parquet")
    assert {"spectrum", "n_params", "R", "d", "epsilon", "n_runs", "p_success"} <= set(success.columns)
    assert set(success["spectrum"]) == {"bimodal", "bulk"} and (success["n_params"] == 200).all()
    widths = pd.read_parquet(results / "widths.parquet")
    assert {
        "spectrum",
        "R",
        "epsilon",
        "w2",
        "w2_stderr",
        "w2_closed_form",
        "d_star_predicted",
        "d_star_empirical",
        "d_star_median",
    } <= set(widths.columns)
    assert len(widths) == 2 * 3 * 3  # spectra x distances x epsilons
    spectra = pd.read_parquet(results / "hessian_spectra.parquet")
    assert list(spectra["point"]) == ["t0_0", "t0_4", "solution"]
    assert {
        "top_eigenvalues",
        "density_grid",
        "density",
        "n_outliers",
        "trace",
        "trace_stderr",
        "distance_to_solution",
        "train_acc",
    } <= set(spectra.columns)
    assert (spectra["distance_to_solution"] > 0).sum() == 2
    prediction = pd.read_parquet(results / "d_star_prediction.parquet")
    assert {"t0", "metric", "epsilon", "d_star", "d_star_predicted", "gap", "prediction_status"} <= set(
        prediction.columns
    )
    assert len(prediction) == 2 * 2 * 3  # t0 x metrics x epsilons (one Hessian seed)
    assert (results / "baseline" / "mnist5k" / "conv2" / "seed_0.pt").exists()
    for stem in ("fig5_quadratic", "hessian_spectra_mnist5k_conv2", "d_star_prediction_mnist5k_conv2"):
        for ext in ("png", "pdf"):
            path = results / "figures" / f"{stem}.{ext}"
            assert path.stat().st_size > 1000, path


def test_second_run_schedules_nothing(smoke_project):
    out = snakemake(smoke_project, "-n", "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_adding_a_seed_runs_only_the_new_runs(smoke_project):
    config = write_config(smoke_project, "more_seeds.yaml", lambda c: c["subspace"].update(seeds=[0, 1, 2]))
    out = snakemake(smoke_project, "-n", "--configfile", config)
    counts = job_counts(out.stdout)
    assert counts["burn_in"] == 2 and counts["train_subspaces"] == 6, counts
    new_chunk_jobs = out.stdout.split("rule train_subspaces:")[1:]
    outputs = [block.split("output:")[1].splitlines()[0] for block in new_chunk_jobs]
    assert len(outputs) == 6 and all("seeds_2.parquet" in output for output in outputs), outputs


def test_report_holds_every_figure_and_the_key_tables(smoke_project):
    report = smoke_project / "results" / "smoke" / "report.html"
    snakemake(smoke_project, "--configfile", "config/smoke.yaml", "--report", str(report))
    html = report.read_text(errors="replace")
    for figure in (
        "fig2_success_map_mnist5k_conv2.png",
        "fig3_thresholds_mnist5k_conv2.png",
        "fig5_quadratic.png",
        "fig6_threshold_fraction.png",
        "hessian_spectra_mnist5k_conv2.png",
        "d_star_prediction_mnist5k_conv2.png",
    ):
        assert figure in html, figure
    for table in ("thresholds.html", "widths.html", "d_star_prediction.html"):
        assert table in html, table
    page = (smoke_project / "results" / "smoke" / "report" / "thresholds.html").read_text()
    assert page.count("<tr>") > 10 and "d_star" in page and "<script>" in page
    assert "show all" in page and 'class="num">d_star</th>' in page  # key columns first, numbers right-aligned
    # captions rendered with this run's values and folder (config/smoke.yaml: 100 Hessian examples, top 10)
    assert "100 training examples" in html and "top 10 eigenvalues" in html and "results/smoke/" in html
    assert "&lt;experiment&gt;" not in html and "System Message" not in html


def test_killed_run_resumes_reruns_only_unfinished_jobs_and_matches(smoke_project, tmp_path):
    workdir = copy_project(tmp_path)
    # the subspace part of the smoke DAG (burn-in, 6 chunks, the tables): what a kill can interrupt
    command = [SNAKEMAKE, "--cores", "2", SUBSPACE_TABLES, "--configfile", "config/smoke.yaml"]
    log = tmp_path / "killed_run.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=workdir, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)

    def recorded_chunks() -> int:
        """train_subspaces jobs snakemake itself has recorded as finished (its own log line)."""
        return log.read_text().count("(Rule: train_subspaces)")

    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline and recorded_chunks() == 0:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # snakemake and every job it started
    process.wait()
    finished_before_kill = recorded_chunks()
    assert 1 <= finished_before_kill < 6
    assert not (workdir / "results" / "smoke" / "runs.parquet").exists()

    snakemake(workdir, "--unlock", "--configfile", "config/smoke.yaml")
    resumed = snakemake(workdir, SUBSPACE_TABLES, "--configfile", "config/smoke.yaml")
    rerun = job_counts(resumed.stdout + resumed.stderr).get("train_subspaces", 0)
    assert rerun <= 6 - finished_before_kill  # every chunk snakemake recorded as finished is kept

    assert_same_tables(workdir / "results" / "smoke", smoke_project / "results" / "smoke")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["subspace"].update(dimz=[1]), "dimz"),
        (lambda c: c["subspace"].update(dims="many"), "dims"),
        (lambda c: c["subspace"].update(dims=[]), "dims"),
        (lambda c: c["thresholds"].update(epsilons=[0.5, 1.5]), "1.5"),
        (lambda c: c["burn_in"].update(t0=[-4]), "-4"),
        (lambda c: c.update(models=["resnet9000"]), "resnet9000"),
        (lambda c: c["subspace"].update(dims=[8, 30000]), "D = 20490"),
        (lambda c: c["subspace"].update(seeds_per_job=0), "seeds_per_job"),
        (lambda c: c["thresholds"].update(epsilons=[0.0]), "epsilons"),
    ],
)
def test_bad_config_stops_before_any_job_naming_the_key(tmp_path, change, named):
    workdir = copy_project(tmp_path)
    config = write_config(workdir, "bad.yaml", change)
    out = snakemake(workdir, "-n", "--configfile", config, check=False)
    assert out.returncode != 0
    assert named in out.stdout + out.stderr
    assert not (workdir / "results").exists()


def test_tables_carry_provenance_and_query_with_pandas_and_duckdb(smoke_project):
    """The README's provenance recipes, run on the smoke tables."""
    import duckdb

    path = smoke_project / "results" / "smoke" / "runs.parquet"
    runs = pd.read_parquet(path)
    config = io.table_config(path)
    assert config["subspace"]["seeds"] == [0, 1] and config["subspace"]["projection"] == "dense"
    for column in ("dof_version", "git_commit", "torch_version", "device", "config_hash", "init_seed", "subspace_seed"):
        assert runs[column].notna().all(), column
    assert runs["config_hash"].nunique() == 1
    one_hash = runs["config_hash"].iloc[0]
    medians = duckdb.sql(
        f"SELECT t0, d, median(train_acc) AS median_train_acc FROM '{path}' "
        f"WHERE status = 'ok' AND config_hash = '{one_hash}' GROUP BY t0, d ORDER BY t0, d"
    ).df()
    expected = runs.groupby(["t0", "d"])["train_acc"].median().reset_index(drop=True)
    assert medians["median_train_acc"].tolist() == pytest.approx(expected.tolist())


def test_a_code_change_reruns_exactly_the_rules_that_run_it(smoke_project, tmp_path):
    """With track_code on, editing a package module reruns the jobs whose scripts import it, a comment none."""
    import shutil

    workdir = tmp_path / "project"
    shutil.copytree(smoke_project, workdir, symlinks=True)
    shutil.copytree(ROOT / "src", workdir / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}  # the copy's package, which the test edits
    figures = workdir / "src" / "dof" / "analysis" / "thresholds_figures.py"

    def rerun_rules() -> dict[str, int]:
        out = snakemake(workdir, "-n", "--configfile", "config/smoke.yaml", env=env)
        return {rule: n for rule, n in job_counts(out.stdout).items() if rule != "all"}

    assert rerun_rules() == {}
    figures.write_text(figures.read_text().replace('"""', '"""A reworded docstring. ', 1) + "\n# a comment\n")
    assert rerun_rules() == {}
    figures.write_text(figures.read_text() + "\nUNUSED_CONSTANT = 1\n")
    assert set(rerun_rules()) == {"figures", "figure6"}  # the scripts that import thresholds_figures
