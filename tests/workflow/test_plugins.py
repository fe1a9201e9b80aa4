"""Your own network, data and start through the real `snakemake` command: the tabular example, a shrunk transfer
experiment (pretrained, random and burn-in starts side by side), plug-in code tracking, bad plug-ins refused
before any job, and a Hugging Face classifier on token features (examples/hf_text.py)."""

import hashlib

import pandas as pd
import pytest
import torch
import yaml
from workflow_dags import (
    HF_TEXT,
    HF_TEXT_CONFIG,
    TABULAR_CONFIG,
    TABULAR_TARGET,
    TINY,
    TRANSFER_CONFIG,
    TRANSFER_TARGETS,
    save,
)
from workflow_helpers import job_counts, snakemake

from dof.engine.models import build_model, count_parameters

pytestmark = pytest.mark.workflow


def test_the_tabular_example_measures_d_star_of_plug_in_models(tabular_project):
    workdir = tabular_project
    runs = pd.read_parquet(workdir / "results/tabular/runs.parquet")
    assert set(runs["dataset"]) == {"cancer"} and set(runs["model"]) == {"mlp", "tiny"}
    assert (runs["start"] == "init").all() and runs["start_sha256"].isna().all()
    assert dict(runs.groupby("model")["n_params"].first()) == {
        "mlp": 30 * 32 + 32 + 32 * 2 + 2,
        "tiny": 30 * 8 + 8 + 18,
    }
    assert (runs["status"] == "ok").all() and len(runs) == 2 * 2  # models x seeds
    thresholds = pd.read_parquet(workdir / "results/tabular/thresholds.parquet")
    assert set(thresholds["model"]) == {"mlp", "tiny"} and set(thresholds["start"]) == {"init"}


def test_said_runs_through_the_workflow_with_d_counting_the_scales(tabular_project):
    """`subspace.projection: said` over `subspace.said_base`: the runs table keeps the grid's d, records the scales
    (n_scales: one per parameter tensor, 4 in either network) and the base."""
    workdir = tabular_project
    runs = pd.read_parquet(workdir / "results/tabular/runs.parquet")
    assert runs["d"].eq(8).all() and runs["n_scales"].eq(4).all()
    assert runs["projection"].eq("said").all() and runs["status"].eq("ok").all()
    assert runs["projection_settings"].str.contains('"base": "fastfood"').all()


def test_editing_a_plug_in_reruns_its_jobs_only_and_a_comment_nothing(tabular_project):
    workdir, path = tabular_project, TABULAR_CONFIG
    target = TABULAR_TARGET
    module = workdir / "mynets.py"
    module.write_text(TINY.replace("class Tiny", "# reworded\nclass Tiny").replace("One hidden", "A single hidden"))
    assert "Nothing to be done" in snakemake(workdir, "-n", target, "--configfile", path).stdout
    module.write_text(TINY.replace("nn.ReLU()", "nn.Tanh()"))
    dry = snakemake(workdir, "-n", target, "--configfile", path).stdout
    assert job_counts(dry)["burn_in"] == 1 and job_counts(dry)["train_subspaces"] == 1  # tiny's, not mlp's
    assert "model=tiny" in dry and "model=mlp" not in dry
    module.write_text(TINY)


BAD = {
    "import": (
        lambda c: c["models"][0].update(factory="examples.nosuch:MLP"),
        ["config key models[0] (model 'mlp')", "'examples.nosuch:MLP'", "does not import", "plugin_path"],
    ),
    "not a module": (
        lambda c: c["models"][0].update(factory="mynets:not_a_module", kwargs={}),
        ["config key models[0] (model 'mlp')", "returned a str, not a torch.nn.Module", "fix the factory"],
    ),
    "labels": (
        lambda c: c["datasets"][0].update(loader="mynets:bad_labels", kwargs={}),
        ["config key datasets[0] (dataset 'cancer')", "y_train spans 0 .. 3, but n_classes = 2"],
    ),
    "non-finite": (
        lambda c: c["datasets"][0].update(loader="mynets:nan_features", kwargs={}),
        ["config key datasets[0] (dataset 'cancer')", "x_test holds non-finite values", "at index 5", "drop or impute"],
    ),
    "checkpoint": (
        lambda c: c.update(starts=["init", {"name": "wrong", "model": "mlp", "checkpoint": "wrong.pt"}]),
        ["config key starts[1].checkpoint", "does not fit model 'mlp'", "unexpected other.weight"],
    ),
    "D below d": (
        lambda c: c["subspace"].update(dims=[2, 5000], projection="dense"),
        ["config key subspace.dims: [5000] exceed D = 1058", "model 'mlp' on dataset 'cancer'"],
    ),
    "SAID d not above m": (  # a d not above the SAID scales stops the run before any job, naming the key
        lambda c: c["subspace"].update(dims=[4, 8]),
        ["config key subspace.dims: [4] are too small for subspace.projection: said", "model 'mlp'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_plug_in_is_refused_before_any_job_and_nothing_is_lost(tabular_project, case):
    workdir, path = tabular_project, TABULAR_CONFIG
    change, expected = BAD[case]
    torch.save({"other.weight": torch.zeros(2, 2)}, workdir / "wrong.pt")
    config = yaml.safe_load((workdir / path).read_text())
    change(config)
    results = workdir / "results" / "tabular"
    before = {p: p.stat().st_mtime_ns for p in results.rglob("*") if p.is_file()}
    result = snakemake(workdir, "--configfile", save(workdir, "bad.yaml", config), check=False)
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr.split("config key")[-1][:300]
    assert {p: p.stat().st_mtime_ns for p in results.rglob("*") if p.is_file()} == before


def test_transfer_from_a_pretrained_start_beside_random_and_burn_in_starts(transfer_project):
    workdir, path, targets = transfer_project, TRANSFER_CONFIG, TRANSFER_TARGETS
    results = workdir / "results" / "transfer"
    runs = pd.read_parquet(results / "runs.parquet")
    checkpoint = results / "pretrain" / "digits04.pt"
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    starts = {"init", "pretrained", "tuned"}
    assert set(runs["start"]) == starts and len(runs) == 3 * 2 * 2  # starts x d x seeds
    assert set(runs.loc[runs["start"] != "init", "start_sha256"]) == {digest}
    assert runs.loc[runs["start"] == "init", "start_sha256"].isna().all()
    reinit = runs.groupby("start")["start_reinit"].agg(lambda keys: set(keys.fillna("")))
    assert reinit.to_dict() == {"init": {""}, "pretrained": {""}, "tuned": {"classifier.weight,classifier.bias"}}
    start_acc = runs.groupby("start")["start_train_acc"].mean()  # the source's features help on the target digits
    assert start_acc["pretrained"] != start_acc["init"] and start_acc["tuned"] != start_acc["pretrained"]
    thresholds = pd.read_parquet(results / "thresholds.parquet")
    assert set(zip(thresholds["start"], thresholds["t0"])) == {(start, 0) for start in starts}
    assert (thresholds["baseline_start"] == thresholds["start"]).all()  # d_int90 against fine-tuning from the start
    baseline = pd.read_parquet(results / "baseline.parquet")
    assert sorted(zip(baseline["start"], baseline["seed"])) == [(s, seed) for s in sorted(starts) for seed in (0, 1)]
    assert baseline.groupby("start")["test_acc"].mean().nunique() == 3  # one full fine-tuning per start
    fine_tuned = baseline[baseline["status"] == "ok"].groupby("start")["test_acc"].mean()
    reference = thresholds.groupby("start")["baseline_test_acc"].first().dropna()
    assert reference.to_dict() == pytest.approx(fine_tuned.to_dict())
    assert {"pretrained", "tuned"} <= set(reference.index)
    assert (results / "baseline/mnist5k_hi/conv2/seed_0.pt").is_file()  # init's path as before starts had a baseline
    assert (results / "baseline/mnist5k_hi/conv2/start_tuned/seed_0.pt").is_file()
    assert (results / "burn_in/mnist5k_hi/conv2/start_pretrained/t0_0/seeds_0-1.pt").is_file()
    config = yaml.safe_load((workdir / path).read_text())  # other re-drawn tensors rerun that start's jobs only
    config["starts"][2]["reinit"] = ["classifier.weight"]
    dry = snakemake(workdir, "-n", *targets, "--configfile", save(workdir, "reinit.yaml", config)).stdout
    assert job_counts(dry)["burn_in"] == 1 and "start=/start_tuned" in dry and "start=/start_pretrained" not in dry
    torch.save(torch.load(checkpoint), checkpoint)  # a replaced checkpoint reruns what starts from it, and only that
    dry = snakemake(workdir, "-n", *targets, "--configfile", path).stdout
    counts = job_counts(dry)
    assert counts["burn_in"] == 2 and counts["train_baseline"] == 2 * 2 and "start=," not in dry
    assert "start=/start_pretrained" in dry and "start=/start_tuned" in dry


def test_a_hugging_face_classifier_on_named_token_features_runs_without_a_wrapper(hf_text_project):
    """The tiny BERT of examples/hf_text.py (a ModelOutput, keyword inputs input_ids and attention_mask) on one d,
    in SAID's subspaces over fastfood (examples/hf_text_said.yaml; hf_text.yaml is the same with fastfood alone)."""
    config_name, projection, n_scales = HF_TEXT, "said", 25
    workdir = hf_text_project
    config = yaml.safe_load((workdir / HF_TEXT_CONFIG).read_text())
    runs = pd.read_parquet(workdir / "results" / config_name / "runs.parquet")
    bert = build_model({"name": "bert", **config["models"][0], "plugin_path": [str(workdir)]}, (16,), 2, seed=0)
    assert len(runs) == 1 and runs["status"].eq("ok").all() and runs["projection"].eq(projection).all()
    assert runs["n_params"].eq(count_parameters(bert)).all() and runs["n_scales"].eq(n_scales).all()
    assert runs[["train_loss", "test_loss", "start_train_acc"]].notna().all().all() and (runs["phi_norm"] > 0).all()
    thresholds = pd.read_parquet(workdir / "results" / config_name / "thresholds.parquet")
    assert "fit_interval" in thresholds.columns and set(thresholds["epsilon"]) == set(config["thresholds"]["epsilons"])
