from pathlib import Path

import pytest
import torch
from torch import nn
from torch.func import functional_call

from dof.engine.data import DATASET_SHAPES
from dof.engine.models import (
    MODELS,
    AvgPool2x2,
    MeanField,
    ResNet,
    build_model,
    count_parameters,
    functional_logits,
    logits_of,
    mean_field_forward,
    model_logits,
)
from dof.engine.plugins import import_callable


def test_conv2_parameter_count_matches_protocol():
    assert count_parameters(build_model("conv2", (1, 28, 28), 10, seed=0)) == 20_490
    assert count_parameters(build_model("conv2", (3, 32, 32), 10, seed=0)) == 25_578


def test_fc_parameter_count_matches_li_et_al():
    assert count_parameters(build_model("fc", (1, 28, 28), 10, seed=0)) == 199_210


def test_initialisation_is_seeded_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a = build_model("conv2", (1, 28, 28), 10, seed=3)
    b = build_model("conv2", (1, 28, 28), 10, seed=3)
    c = build_model("conv2", (1, 28, 28), 10, seed=4)
    assert torch.equal(torch.random.get_rng_state(), state)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.classifier.weight, c.classifier.weight)
    assert torch.count_nonzero(a.classifier.bias) == 0


def test_lecun_normal_scale():
    model = build_model("fc", (1, 28, 28), 10, seed=0)
    weight = model.net[1].weight  # 784 -> 200
    assert abs(weight.std().item() - (1 / 784) ** 0.5) < 0.1 * (1 / 784) ** 0.5
    assert weight.abs().max() <= 2 * (1 / 784) ** 0.5 / 0.87962566103423978 + 1e-6


def test_conv3_parameter_count_matches_protocol():
    assert count_parameters(build_model("conv3", (1, 28, 28), 10, seed=0)) == 61_514
    assert count_parameters(build_model("conv3", (3, 32, 32), 10, seed=0)) == 66_570


def test_lenet_parameter_count_matches_li_et_al():
    assert count_parameters(build_model("lenet", (1, 28, 28), 10, seed=0)) == 44_426
    assert count_parameters(build_model("lenet", (3, 32, 32), 10, seed=0)) == 62_006  # Li et al.'s CIFAR-10 LeNet
    with pytest.raises(ValueError, match="16x16"):
        build_model("lenet", (1, 8, 8), 10, seed=0)


def test_resnet20_parameter_count():
    assert count_parameters(build_model("resnet20", (3, 32, 32), 10, seed=0)) == 269_722  # option-A shortcuts
    assert count_parameters(ResNet((3, 32, 32), 10, shortcut="B")) == 272_474  # 1x1 conv + BN projections


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("dataset", ["mnist", "cifar100"])
def test_forward_pass_shape(name, dataset):
    input_shape, n_classes = DATASET_SHAPES[dataset]
    model = build_model(name, input_shape, n_classes, seed=0)
    assert model(torch.randn(2, *input_shape)).shape == (2, n_classes)


def test_batchnorm_init_is_identity_and_convs_are_seeded():
    a, b = build_model("resnet20", (3, 32, 32), 10, seed=5), build_model("resnet20", (3, 32, 32), 10, seed=5)
    norms = [m for m in a.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 19
    for norm in norms:
        assert torch.all(norm.weight == 1) and torch.all(norm.bias == 0)
        assert torch.all(norm.running_mean == 0) and torch.all(norm.running_var == 1)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_resnet20_option_a_shortcut_subsamples_and_zero_pads():
    block = build_model("resnet20", (3, 32, 32), 10, seed=0).stages[3]  # first block of stage 2: 16 -> 32, stride 2
    x = torch.randn(2, 16, 8, 8)
    out = block.shortcut(x)
    assert out.shape == (2, 32, 4, 4)
    assert torch.equal(out[:, 8:24], x[:, :, ::2, ::2])
    assert torch.count_nonzero(out[:, :8]) == 0 and torch.count_nonzero(out[:, 24:]) == 0


def test_functional_call_trains_bn_affine_and_keeps_running_stats_in_module():
    model = build_model("resnet20", (1, 8, 8), 10, seed=0)
    params = {name: p.detach().clone().requires_grad_(True) for name, p in model.named_parameters()}
    x = torch.randn(4, 1, 8, 8) + 3.0
    model.train()
    functional_call(model, params, (x,)).sum().backward()
    assert params["stem.1.weight"].grad is not None  # BN's affine weight is a parameter of theta
    assert not torch.all(model.stem[1].running_mean == 0)  # batch statistics updated the module's buffers
    model.eval()
    a = functional_call(model, params, (x[:1],))
    b = functional_call(model, params, (x,))[:1]
    assert torch.allclose(a, b, atol=1e-5)  # eval mode: running statistics, no dependence on the batch


@pytest.mark.parametrize("size", [(28, 28), (7, 7), (14, 9)])
def test_avg_pool_2x2_equals_torch_avg_pool_forward_and_backward(size):
    x = torch.randn(3, 4, *size, dtype=torch.float64, requires_grad=True)
    g = torch.randn(3, 4, size[0] // 2, size[1] // 2, dtype=torch.float64)
    (ours,) = torch.autograd.grad(AvgPool2x2()(x), x, g)
    (theirs,) = torch.autograd.grad(nn.AvgPool2d(2)(x), x, g)
    assert torch.allclose(AvgPool2x2()(x), nn.AvgPool2d(2)(x), atol=1e-12)
    assert torch.allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_mean_field_network_averages_over_its_neurons(depth):
    """Every hidden neuron twice (rows repeated, hidden-to-hidden and output columns too) computes the same
    function: each layer is the mean over the neurons below it."""
    x = torch.randn(20, 6, dtype=torch.float64)
    first, *middle, last = [w.detach().double() for w in MeanField(6, 3, 5, depth, seed=depth).weights]
    twice = [first.repeat(2, 1), *[w.repeat(2, 2) for w in middle], last.repeat(1, 2)]
    reference = mean_field_forward([first, *middle, last], x)
    assert torch.allclose(mean_field_forward(twice, x), reference, atol=1e-12)


def test_logits_of_takes_a_tensor_a_logits_mapping_or_a_tuple_s_first_element():
    from transformers.modeling_outputs import SequenceClassifierOutput

    logits = torch.randn(3, 2)
    assert logits_of(logits) is logits
    assert logits_of(SequenceClassifierOutput(loss=torch.tensor(1.0), logits=logits)) is logits
    assert logits_of({"hidden": torch.zeros(3, 4), "logits": logits}) is logits
    assert logits_of((logits, torch.zeros(3, 4))) is logits
    with pytest.raises(TypeError, match=r"returned a dict with keys \['scores'\].*'logits'"):
        logits_of({"scores": logits})
    with pytest.raises(TypeError, match="returned a str"):
        logits_of("logits")


class Keywords(nn.Module):
    """Token ids and a mask as keyword arguments, a dict with the logits out (as a transformers model)."""

    def __init__(self, input_shape, n_classes):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, n_classes)

    def forward(self, input_ids, attention_mask):
        pooled = (self.embed(input_ids) * attention_mask[..., None]).sum(1) / attention_mask.sum(1, keepdim=True)
        return {"logits": self.out(pooled), "pooled": pooled}


def test_model_logits_calls_named_features_as_keywords_and_plain_ones_positionally():
    torch.manual_seed(0)
    model = Keywords((5,), 3)
    ids, mask = torch.randint(0, 10, (4, 5)), torch.ones(4, 5, dtype=torch.int64)
    mask[0, 3:] = 0
    logits = model_logits(model, {"input_ids": ids, "attention_mask": mask})
    assert torch.equal(logits, model(input_ids=ids, attention_mask=mask)["logits"]) and logits.shape == (4, 3)
    plain = nn.Linear(5, 3)
    x = torch.randn(4, 5)
    assert torch.equal(model_logits(plain, x), plain(x))
    params = {name: 2 * p.detach() for name, p in model.named_parameters()}
    doubled = functional_logits(model, params, {"input_ids": ids, "attention_mask": mask})
    assert not torch.allclose(doubled, logits)
    assert torch.allclose(
        doubled, functional_call(model, params, (), {"input_ids": ids, "attention_mask": mask})["logits"]
    )


def test_a_transformers_classifier_built_from_its_config_gives_its_logits():
    root = [str(Path(__file__).resolve().parents[2])]
    data = import_callable("examples.hf_text:marker_task", root)(n_train=8, n_test=4, length=12)
    spec = {"name": "bert", "factory": "examples.hf_text:tiny_bert", "init": "own", "plugin_path": root}
    model = build_model(spec, (12,), 2, seed=0)
    assert type(model).__name__ == "BertForSequenceClassification"
    features = {key: torch.as_tensor(value) for key, value in data["x_train"].items()}
    logits = model_logits(model.eval(), features)
    assert logits.shape == (8, 2) and torch.isfinite(logits).all()
    assert set(data["y_train"]) <= {0, 1} and (data["x_train"]["input_ids"][:, 0] == 1).all()
