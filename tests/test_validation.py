"""A bad config stops the run with a few lines naming the key path, the bad value and what is allowed."""

import dataclasses
from pathlib import Path

import jsonschema
import pytest
import yaml
from workflow_helpers import copy_project, snakemake, write_config

from dof import config as cfg
from dof.validation import (
    check_grid,
    check_lottery_dims,
    check_refined_curves,
    short_validation_error,
    validation_message,
)

ROOT = Path(__file__).resolve().parents[1]


def schema_error(change) -> jsonschema.ValidationError:
    """The first schema error of the smoke config changed by `change`."""
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    change(config)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(config))
    assert errors
    return errors[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update(subspacee={}), ["unknown config key subspacee", "did you mean subspace?", "thresholds"]),
        (lambda c: c["subspace"].update(projection="gauss"), ["subspace.projection", "'gauss'", "dense, sparse"]),
        (lambda c: c["burn_in"].update(t0=[4, -4]), ["burn_in.t0[1]", "-4", ">= 0"]),
        (lambda c: c["theory"]["quadratic"].update(n_subspaces="many"), ["theory.quadratic.n_subspaces", "integer"]),
        (lambda c: c.update(lottery={"tickets": {"keptfractions": [0.5]}}), ["lottery.tickets.keptfractions"]),
        (lambda c: c["subspace"].pop("dims"), ["subspace.dims missing"]),
        (  # a block where a built-in name or a block may stand: the block's own error, not the names'
            lambda c: c.update(datasets=[{"name": "w", "loadr": "a:b"}]),
            ["unknown config key datasets[0].loadr", "did you mean datasets[0].loader?"],
        ),
        (lambda c: c.update(models=["conv2", {"name": "my-net", "factory": "a:b"}]), ["models[1].name", "'my-net'"]),
        (lambda c: c.update(datasets=["mnist5kk"]), ["datasets[0]", "'mnist5kk'", "mnist5k, digits"]),
    ],
)
def test_message_names_key_value_and_what_is_allowed(change, expected):
    message = validation_message(schema_error(change))
    assert len(message.splitlines()) <= 3
    for text in expected:
        assert text in message


def test_the_schema_error_is_found_inside_a_wrapping_exception():
    error = schema_error(lambda c: c.update(subspacee={}))
    wrapped = RuntimeError("Error validating config file.", error)
    assert "subspacee" in str(short_validation_error(wrapped))
    other = RuntimeError("something else")
    assert short_validation_error(other) is other


def error_text(output: str) -> list[str]:
    """The lines of the error message Snakemake prints: after its 'ValueError in file' line, before the trace."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ValueError in file")) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("  File ")), len(lines))
    return lines[start:end]


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c.update(subspacee=c["subspace"]), ["subspacee", "did you mean subspace?"]),
        (lambda c: c["subspace"].update(projection="gauss"), ["subspace.projection", "'gauss'", "dense, sparse"]),
    ],
)
def test_snakemake_prints_a_short_message_naming_the_key(tmp_path, change, named):
    workdir = copy_project(tmp_path)
    out = snakemake(workdir, "-n", "--configfile", write_config(workdir, "bad.yaml", change), check=False)
    output = out.stdout + out.stderr
    assert out.returncode != 0
    assert len(output.splitlines()) < 25, output
    message = error_text(output)
    assert 0 < len(message) < 10, output
    for text in named:
        assert text in "\n".join(message)
    assert not (workdir / "results").exists()


def test_check_grid_refuses_missing_torchvision_data_only_when_download_is_off(tmp_path):
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config.update(datasets=["mnist5k", "fashion_mnist"], data={"root": str(tmp_path), "download": False})
    with pytest.raises(FileNotFoundError, match=r"'fashion_mnist'.*data\.download"):
        check_grid(config)
    check_grid({**config, "data": {"root": str(tmp_path), "download": True}})  # the first job downloads it
    check_grid({**config, "datasets": ["mnist5k"]})  # embedded: nothing to look for


def test_check_grid_resolves_null_seeds_to_the_parents():
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    checked = check_grid({**config, "lottery": {"seeds": None}, "goldilocks": {"seeds": [1]}})
    assert checked.lottery.seeds == tuple(config["subspace"]["seeds"]) and checked.goldilocks.seeds == (1,)
    assert checked.jamming.subspace.seeds == checked.jamming.seeds


def test_lottery_dims_beyond_the_trajectory_are_refused_naming_the_keys():
    with pytest.raises(ValueError, match="lottery.dims"):
        check_lottery_dims(cfg.LotteryConfig(dims=(4, 200), trajectory_steps=640, record_every=5))
    check_lottery_dims(cfg.LotteryConfig(dims=(4, 128), trajectory_steps=640, record_every=5))


def test_refined_curves_outside_the_measured_ones_are_refused_naming_the_key():
    thresholds = cfg.ThresholdsConfig(metrics=("train_acc",), epsilons=(0.5, 0.9))
    with pytest.raises(ValueError, match=r"thresholds.refine.epsilons: \[0.7\]"):
        check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(epsilons=(0.9, 0.7))))
    with pytest.raises(ValueError, match="thresholds.refine.metrics"):
        check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(metrics=("test_acc",))))
    check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(epsilons=(0.9,))))


@pytest.mark.workflow
def test_dry_run_stops_on_a_missing_torchvision_dataset_with_download_off(tmp_path):
    workdir = copy_project(tmp_path)

    def offline_mnist(config: dict) -> None:
        config.update(datasets=["mnist"], data={"root": "no_data_here", "download": False})

    out = snakemake(workdir, "-n", "--configfile", write_config(workdir, "offline.yaml", offline_mnist), check=False)
    output = out.stdout + out.stderr
    assert out.returncode != 0
    assert "dataset 'mnist' is not under data.root = no_data_here/" in output and "data.download" in output
    assert not (workdir / "results").exists()


def test_said_dims_not_above_the_parameter_tensors_are_refused_naming_the_fix():
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    said = {**config["subspace"], "projection": "said", "said_base": "dense"}
    with pytest.raises(ValueError, match=r"subspace.dims: \[4, 6\] are too small.*m = 6.*use d >= 7"):
        check_grid({**config, "subspace": {**said, "dims": [4, 6, 64]}})
    with pytest.raises(ValueError, match=r"exceed D = 20496.*plus its 6 SAID scales.*7 .. 20496"):
        check_grid({**config, "subspace": {**said, "dims": [20497]}})
    assert check_grid({**config, "subspace": {**said, "dims": [7, 20496]}}).subspace.said_base == "dense"
    check_grid({**config, "subspace": {**config["subspace"], "dims": [4]}})  # plain projections: any d >= 1


def test_check_grid_runs_a_hugging_face_model_on_named_features_and_refuses_non_finite_ones(tmp_path):
    plain = yaml.safe_load((ROOT / "examples" / "hf_text.yaml").read_text())
    config = yaml.safe_load((ROOT / "examples" / "hf_text_said.yaml").read_text())
    plain["plugin_path"] = config["plugin_path"] = [str(ROOT), str(tmp_path)]
    assert check_grid(plain).subspace.projection == "fastfood" and check_grid(config).subspace.projection == "said"
    assert {k: v for k, v in plain.items() if k not in ("experiment", "subspace")} == {
        k: v for k, v in config.items() if k not in ("experiment", "subspace")
    }  # the same task, model and grid side by side
    with pytest.raises(ValueError, match=r"subspace.dims: \[25\] are too small.*m = 25"):
        check_grid({**config, "subspace": {**config["subspace"], "dims": [25, 64]}})
    (tmp_path / "sick.py").write_text(
        "import numpy as np\n\n\ndef tokens():\n"
        "    x = {'input_ids': np.ones((6, 4), dtype=int), 'weights': np.ones((6, 4))}\n"
        "    test = {**x, 'weights': np.where(np.arange(6)[:, None] == 3, np.inf, x['weights'])}\n"
        "    return x, np.arange(6) % 2, test, np.arange(6) % 2, 2\n"
    )
    sick = {**config, "datasets": [{"name": "sick", "loader": "sick:tokens"}]}
    with pytest.raises(
        ValueError, match=r"datasets\[0\] \(dataset 'sick'\).*x_test\['weights'\] holds non-finite.*index 3"
    ):
        check_grid(sick)


def test_a_start_may_differ_in_shape_only_in_its_re_drawn_tensors(monkeypatch):
    """A 3-class source fits a 5-class target once its head is re-drawn; any other mismatch and a pattern matching no
    key are refused before any job, naming the key (and listing the start's keys)."""
    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "config" / "transfer.yaml").read_text())
    config["pretrain"][0]["dataset"]["kwargs"]["keep"] = [0, 1, 2]
    tuned = {"name": "tuned", "model": "conv2", "pretrain": "digits04", "reinit": ["classifier.*"]}
    checked = check_grid({**config, "starts": ["init", tuned]})
    assert checked.start_spec("tuned").reinit == ("classifier.*",)
    with pytest.raises(ValueError, match=r"(?s)starts\[1\]\.pretrain.*does not fit model 'conv2'.*classifier\.weight"):
        check_grid(config)  # the source's head, 3 classes, on the 5-class target
    with pytest.raises(ValueError, match=r"(?s)does not fit.*\n  classifier\.weight: \(3, 1568\) in the file"):
        check_grid({**config, "starts": ["init", {**tuned, "reinit": ["classifier.bias"]}]})
    with pytest.raises(ValueError, match=r"(?s)starts\[1\]\.reinit: the pattern 'fc2\.\*' matches no key.*'features"):
        check_grid({**config, "starts": ["init", {**tuned, "reinit": ["classifier.*", "fc2.*"]}]})
