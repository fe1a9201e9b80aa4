import torch

from dof.models import build_model, count_parameters


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
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.classifier.weight, c.classifier.weight)
    assert torch.count_nonzero(a.classifier.bias) == 0


def test_lecun_normal_scale():
    model = build_model("fc", (1, 28, 28), 10, seed=0)
    weight = model.net[1].weight  # 784 -> 200
    assert abs(weight.std().item() - (1 / 784) ** 0.5) < 0.1 * (1 / 784) ** 0.5
    assert weight.abs().max() <= 2 * (1 / 784) ** 0.5 / 0.87962566103423978 + 1e-6
