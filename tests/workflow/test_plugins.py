"""Your own network, data and start through the real `snakemake` command: the tabular example, a shrunk transfer
experiment (pretrained, random and burn-in starts side by side), plug-in code tracking, bad plug-ins refused
before any job, and a Hugging Face classifier on token features (examples/hf_text.py)."""

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from workflow_helpers import copy_project, job_counts, snakemake

from dof.engine.models import build_model, count_parameters

pytestmark = pytest.mark.workflow

TINY = '''
import math

import numpy as np
from torch import nn


class Tiny(nn.Module):
    """One hidden layer of `width` units."""

    def __init__(self, input_shape, n_classes, width=8):
        super().__init__()
        hidden = nn.Linear(math.prod(input_shape), width)
        self.net = nn.Sequential(nn.Flatten(), hidden, nn.ReLU(), nn.Linear(width, n_classes))

    def forward(self, x):
        return self.net(x)


def not_a_module(input_shape, n_classes):
    return f"{n_classes} classes"


def bad_labels():
    x = np.zeros((8, 30))
    return x, np.arange(8) % 4, x, np.zeros(8, dtype=int), 2


def nan_features():
    x = np.zeros((8, 30))
    test = x.copy()
    test[5, 3] = np.nan
    return x, np.arange(8) % 2, test, np.zeros(8, dtype=int), 2
'''
"""A second plug-in model in its own module (mynets.py at the project root: editing it concerns its jobs only), and
bad plug-ins."""


def shrunk(config: dict, dims: list[int]) -> dict:
    """A shipped config on a tiny grid: t0 = 0, the given d, two seeds in one job, one epoch."""
    config["burn_in"]["t0"] = [0]
    subspace = config.setdefault("subspace", {})
    subspace.update(dims=dims, seeds=[0, 1], seeds_per_job=2, epochs=1)
    config["thresholds"]["n_bootstrap"] = 50
    return config


def save(workdir: Path, name: str, config: dict) -> str:
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(config))
    return str(path.relative_to(workdir))


@pytest.fixture(scope="module")
def tabular_project(tmp_path_factory) -> tuple[Path, str]:
    """The tabular example with a second model (a plug-in of its own module) run to thresholds.parquet."""
    workdir = copy_project(tmp_path_factory.mktemp("tabular"))
    (workdir / "mynets.py").write_text(TINY)
    config = shrunk(yaml.safe_load((workdir / "examples" / "tabular.yaml").read_text()), dims=[8])
    config["models"].append({"name": "tiny", "factory": "mynets:Tiny", "init": "own"})
    path = save(workdir, "tabular_test.yaml", config)
    snakemake(workdir, "results/tabular/thresholds.parquet", "--configfile", path)
    return workdir, path


def test_the_tabular_example_measures_d_star_of_plug_in_models(tabular_project):
    workdir, _ = tabular_project
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


def test_editing_a_plug_in_reruns_its_jobs_only_and_a_comment_nothing(tabular_project):
    workdir, path = tabular_project
    target = "results/tabular/thresholds.parquet"
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
        lambda c: c["subspace"].update(dims=[2, 5000]),
        ["config key subspace.dims: [5000] exceed D = 1058", "model 'mlp' on dataset 'cancer'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_plug_in_is_refused_before_any_job_and_nothing_is_lost(tabular_project, case):
    workdir, path = tabular_project
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


def test_transfer_from_a_pretrained_start_beside_random_and_burn_in_starts(tmp_path):
    workdir = copy_project(tmp_path)
    config = shrunk(yaml.safe_load((workdir / "config" / "transfer.yaml").read_text()), dims=[4, 64])
    config["baseline"]["epochs"] = 1
    for entry in (config["datasets"][0], config["pretrain"][0]["dataset"]):
        entry["kwargs"]["n_train"] = 1500  # mnist5k's first 1,500 of the split: about 750 per task
    path = save(workdir, "transfer_test.yaml", config)
    targets = ["results/transfer/thresholds.parquet", "results/transfer/figures/fig3_thresholds_mnist5k_hi_conv2.png"]
    snakemake(workdir, *targets, "--configfile", path)
    results = workdir / "results" / "transfer"
    runs = pd.read_parquet(results / "runs.parquet")
    checkpoint = results / "pretrain" / "digits04.pt"
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert set(runs["start"]) == {"init", "pretrained"} and len(runs) == 2 * 2 * 2  # starts x d x seeds
    assert set(runs.loc[runs["start"] == "pretrained", "start_sha256"]) == {digest}
    assert runs.loc[runs["start"] == "init", "start_sha256"].isna().all()
    start_acc = runs.groupby("start")["start_train_acc"].mean()  # the source's features help on the target digits
    assert start_acc["pretrained"] != start_acc["init"]
    thresholds = pd.read_parquet(results / "thresholds.parquet")
    assert set(zip(thresholds["start"], thresholds["t0"])) == {("init", 0), ("pretrained", 0)}
    assert (results / "burn_in/mnist5k_hi/conv2/start_pretrained/t0_0/seeds_0-1.pt").is_file()
    torch.save(torch.load(checkpoint), checkpoint)  # a replaced checkpoint reruns what starts from it, and only that
    dry = snakemake(workdir, "-n", *targets, "--configfile", path).stdout
    assert job_counts(dry)["burn_in"] == 1 and "start=/start_pretrained" in dry and "start=," not in dry


def test_a_hugging_face_classifier_on_named_token_features_runs_without_a_wrapper(tmp_path):
    """The tiny BERT of examples/hf_text.py (a ModelOutput, keyword inputs input_ids and attention_mask) on one d,
    in SAID's subspaces over fastfood (examples/hf_text_said.yaml; hf_text.yaml is the same with fastfood alone)."""
    config_name, projection, n_scales = "hf_text_said", "said", 25
    workdir = copy_project(tmp_path)
    config = yaml.safe_load((workdir / "examples" / f"{config_name}.yaml").read_text())
    config["datasets"][0]["kwargs"].update(n_train=64, n_test=32)
    config["burn_in"]["t0"] = [0]
    config["subspace"].update(dims=[32], seeds=[0], seeds_per_job=1, epochs=1)
    config["thresholds"]["n_bootstrap"] = 20
    path = save(workdir, f"{config_name}_test.yaml", config)
    snakemake(workdir, f"results/{config_name}/thresholds.parquet", "--configfile", path)
    runs = pd.read_parquet(workdir / "results" / config_name / "runs.parquet")
    bert = build_model({"name": "bert", **config["models"][0], "plugin_path": [str(workdir)]}, (16,), 2, seed=0)
    assert len(runs) == 1 and runs["status"].eq("ok").all() and runs["projection"].eq(projection).all()
    assert runs["n_params"].eq(count_parameters(bert)).all() and runs["n_scales"].eq(n_scales).all()
    assert runs[["train_loss", "test_loss", "start_train_acc"]].notna().all().all() and (runs["phi_norm"] > 0).all()
    thresholds = pd.read_parquet(workdir / "results" / config_name / "thresholds.parquet")
    assert "fit_interval" in thresholds.columns and set(thresholds["epsilon"]) == set(config["thresholds"]["epsilons"])
