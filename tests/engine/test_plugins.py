"""Plug-ins: import paths, plug-in data and models, start checkpoints and the plug-in code fingerprint."""

import sys

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from dof.engine.data import from_plugin, load_dataset
from dof.engine.models import build_model, count_parameters
from dof.engine.plugins import (
    file_sha256,
    import_callable,
    load_start,
    load_state_dict,
    reinit_keys,
    state_dict_mismatches,
)
from dof.engine.provenance import plugin_fingerprint

PLUGIN = '''
import torch
from torch import nn


class Net(nn.Module):
    """A tiny classifier with an embedding (not touched by the paper's init) and a BatchNorm."""

    def __init__(self, input_shape, n_classes, width=4):
        super().__init__()
        self.embed = nn.Embedding(10, width)
        self.norm = nn.BatchNorm1d(width)
        self.out = nn.Linear(width * input_shape[0], n_classes)

    def forward(self, x):
        return self.out(self.norm(self.embed(x).transpose(1, 2)).flatten(1))


def not_a_module(input_shape, n_classes):
    return [input_shape, n_classes]


def tokens(n_train=20, n_classes=3):
    rng = torch.Generator().manual_seed(0)
    x = torch.randint(0, 10, (n_train + 8, 5), generator=rng)
    y = x[:, 0] % n_classes
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:], n_classes
'''


@pytest.fixture()
def plugin_dir(tmp_path, monkeypatch):
    """A folder holding the plug-in package `myplug` (removed from sys.modules afterwards)."""
    (tmp_path / "myplug").mkdir()
    (tmp_path / "myplug" / "__init__.py").write_text("")
    (tmp_path / "myplug" / "nets.py").write_text(PLUGIN)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("myplug")]:
        del sys.modules[name]


def spec(**extra):
    return {"name": "net", "factory": "myplug.nets:Net", "kwargs": {"width": 3}, "plugin_path": ["."], **extra}


def test_import_errors_name_the_path_and_the_fix(plugin_dir):
    with pytest.raises(ImportError, match=r"'nosuch\.module:f'.*does not import.*plugin_path"):
        import_callable("nosuch.module:f", ["."])
    with pytest.raises(ImportError, match="has no attribute 'Missing'"):
        import_callable("myplug.nets:Missing", ["."])
    assert import_callable("myplug.nets:Net", ["."]).__name__ == "Net"


def test_plugin_data_are_used_as_returned_and_checked(plugin_dir):
    data = load_dataset("tok", loader="myplug.nets:tokens", kwargs={"n_train": 12}, plugin_path=["."])
    assert data.input_shape == (5,) and data.x_train.dtype == torch.int64 and len(data.y_train) == 12
    x, y = np.zeros((4, 2)), np.array([0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"y_train spans 0 \.\. 2, but n_classes = 2"):
        from_plugin("bad", (x, y, x, y % 2, 2))
    with pytest.raises(ValueError, match=r"train examples have shape \(2,\), test examples \(3,\)"):
        from_plugin("bad", (x, y % 2, np.zeros((4, 3)), y % 2, 2))
    with pytest.raises(ValueError, match="one label per example"):
        from_plugin("bad", (x, y[:3] % 2, x, y % 2, 2))


@pytest.mark.parametrize(("split", "bad"), [("train", np.nan), ("test", np.inf), ("test", -np.inf)])
def test_non_finite_features_are_refused_naming_the_split_and_the_first_bad_example(split, bad):
    x, y = np.ones((6, 2, 3)), np.array([0, 1, 0, 1, 0, 1])
    spoilt = x.copy()
    spoilt[4, 1, 2] = spoilt[2, 0, 0] = bad
    returned = (spoilt, y, x, y, 2) if split == "train" else (x, y, spoilt, y, 2)
    with pytest.raises(ValueError, match=rf"dataset 'sick': x_{split} holds non-finite .* 2 of 6 .* index 2; drop or "):
        from_plugin("sick", returned)
    assert from_plugin("fine", (x, y, x, y, 2)).x_train.isfinite().all()


def test_plugin_models_are_seeded_and_keep_the_global_rng(plugin_dir):
    state = torch.random.get_rng_state()
    a, b = (build_model(spec(), (5,), 3, seed=7) for _ in range(2))
    own = build_model(spec(init="own"), (5,), 3, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert torch.equal(a.embed.weight, own.embed.weight)  # the embedding keeps its own (seeded) init either way
    assert not torch.equal(a.out.weight, own.out.weight)  # the paper's init replaces the linear layer's
    assert count_parameters(a) == 10 * 3 + 2 * 3 + 3 * 5 * 3 + 3
    with pytest.raises(TypeError, match="returned a list, not a torch.nn.Module"):
        build_model(spec(factory="myplug.nets:not_a_module", kwargs={}), (5,), 3, seed=0)


def test_a_start_checkpoint_is_loaded_with_its_buffers_or_refused_with_its_mismatches(plugin_dir):
    source = build_model(spec(), (5,), 3, seed=1)
    source.norm.running_mean.fill_(0.5)
    torch.save({"state_dict": source.state_dict()}, plugin_dir / "start.pt")
    state = load_state_dict(plugin_dir / "start.pt")
    target = load_start(build_model(spec(), (5,), 3, seed=2), state, "start 'x'")
    assert torch.equal(target.out.weight, source.out.weight) and torch.equal(
        target.norm.running_mean, source.norm.running_mean
    )
    other = nn.Sequential(nn.Linear(15, 3))
    problems = state_dict_mismatches(other, state)
    assert problems[0].startswith("missing 0.weight") and any(p.startswith("unexpected embed.weight") for p in problems)
    with pytest.raises(ValueError, match="start 'x' does not fit the model"):
        load_start(other, state, "start 'x'")
    assert len(file_sha256(plugin_dir / "start.pt")) == 64


def test_a_safetensors_start_loads_like_a_torch_save_one(plugin_dir):
    source = build_model(spec(), (5,), 3, seed=1)
    save_file(source.state_dict(), plugin_dir / "start.safetensors")
    state = load_state_dict(plugin_dir / "start.safetensors")
    assert state.keys() == source.state_dict().keys()
    assert all(torch.equal(state[name], value) for name, value in source.state_dict().items())
    target = load_start(build_model(spec(), (5,), 3, seed=2), state, "start 'x'")
    assert torch.equal(target.out.weight, source.out.weight)


def test_the_plugin_fingerprint_follows_code_not_comments(plugin_dir):
    path = plugin_dir / "myplug" / "nets.py"
    before = plugin_fingerprint("myplug.nets:Net", ["."])
    path.write_text(PLUGIN.replace("class Net", "# a comment\nclass Net").replace('"""A tiny', '"""Reworded: a tiny'))
    assert plugin_fingerprint("myplug.nets:Net", ["."]) == before
    path.write_text(PLUGIN.replace("width * input_shape[0]", "input_shape[0] * width"))
    assert plugin_fingerprint("myplug.nets:Net", ["."]) != before


def test_named_features_are_kept_as_named_tensors_and_checked_alike():
    ids, mask, y = np.arange(12).reshape(4, 3), np.ones((4, 3)), np.array([0, 1, 0, 1])
    data = from_plugin(
        "tok", ({"input_ids": ids, "attention_mask": mask}, y, {"input_ids": ids, "attention_mask": mask}, y, 2)
    )
    assert data.input_shape == (3,) and data.x_train["input_ids"].dtype == torch.int64
    assert data.x_test["attention_mask"].dtype == torch.float32
    with pytest.raises(
        ValueError, match=r"x_train hold different numbers of examples: \{'input_ids': \(4,\), 'mask': \(3,\)\}"
    ):
        from_plugin("tok", ({"input_ids": ids, "mask": mask[:3]}, y, {"input_ids": ids}, y, 2))
    with pytest.raises(
        ValueError, match=r"train examples have shape \{'input_ids': \(3,\)\}, test examples \{'ids': \(3,\)\}"
    ):
        from_plugin("tok", ({"input_ids": ids}, y, {"ids": ids}, y, 2))
    with pytest.raises(ValueError, match="one label per example"):
        from_plugin("tok", ({"input_ids": ids}, y[:3], {"input_ids": ids}, y, 2))


def test_re_drawn_tensors_keep_the_seeded_init_and_may_differ_in_shape_alone(plugin_dir):
    source = build_model(spec(), (5,), 4, seed=1)  # 4 classes; the target has 3
    state = source.state_dict()
    fresh = build_model(spec(), (5,), 3, seed=2)
    assert reinit_keys(fresh.state_dict(), ["out.*"]) == ("out.weight", "out.bias")
    assert state_dict_mismatches(fresh, state, reinit=("out.weight", "out.bias")) == []
    assert [p.split(":")[0] for p in state_dict_mismatches(fresh, state, reinit=("out.bias",))] == ["out.weight"]
    target = load_start(build_model(spec(), (5,), 3, seed=2), state, "start 'x'", reinit=["out.*"])
    assert torch.equal(target.out.weight, fresh.out.weight) and torch.equal(target.embed.weight, source.embed.weight)
    with pytest.raises(ValueError, match=r"start 'x': the pattern 'head\.\*' matches no key .*\['embed\.weight'"):
        load_start(build_model(spec(), (5,), 3, seed=2), state, "start 'x'", reinit=["out.*", "head.*"])
