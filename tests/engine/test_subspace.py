import io

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import dof
from dof.engine.models import build_model
from dof.engine.projections import make_projection
from dof.engine.subspace import AffineSubspace, ParamLayout, SubspaceModule, flatten_params, load_flat_params


@pytest.fixture
def subspace(tiny_data):
    model = build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, seed=0)
    theta = flatten_params(model)
    return AffineSubspace(model, theta, make_projection("dense", theta.numel(), 16, seed=5))


def test_theta_is_the_start_point_at_phi_zero(subspace, tiny_data):
    phi = torch.zeros(16)
    assert torch.equal(subspace.theta(phi), subspace.theta_start)
    assert torch.allclose(subspace.forward(tiny_data.x_train, phi), subspace.model(tiny_data.x_train), atol=1e-6)


def test_gradient_in_phi_is_a_transpose_times_full_gradient(subspace, tiny_data):
    x, y = tiny_data.x_train, tiny_data.y_train
    phi = (0.1 * torch.randn(16)).requires_grad_(True)
    F.cross_entropy(subspace.forward(x, phi), y).backward()
    # full-space gradient at the same point theta(phi)
    model = subspace.model
    load_flat_params(model, subspace.theta(phi.detach()))
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    full_grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    expected = subspace.projection.matrix.T @ full_grad
    assert torch.allclose(phi.grad, expected, rtol=1e-4, atol=1e-6)


def test_layout_round_trip(tiny_data):
    model = build_model("fc", tiny_data.input_shape, tiny_data.n_classes, seed=1)
    layout = ParamLayout.of(model)
    theta = flatten_params(model)
    params = layout.unflatten(theta)
    for name, p in model.named_parameters():
        assert torch.equal(params[name], p)


def test_mismatched_projection_is_refused(tiny_data):
    model = build_model("fc", tiny_data.input_shape, tiny_data.n_classes, seed=1)
    theta = flatten_params(model)
    with pytest.raises(ValueError, match="projection"):
        AffineSubspace(model, theta, make_projection("dense", theta.numel() + 1, 4, seed=0))


# --------------------------------------------------------------------------------------------------------------------
# SubspaceModule, the public wrapper (dof.SubspaceModule)


def conv2(tiny_data, seed=0):
    return build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, seed=seed)


def batchnorm_net(seed=0):
    """A torchvision-style conv-BatchNorm-ReLU network on 12x12 inputs: 8 parameter tensors, 4 buffers of note."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3),
    )  # fmt: skip


def test_the_public_name_is_the_engine_wrapper():
    assert dof.SubspaceModule is SubspaceModule and "SubspaceModule" in dir(dof)


@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood", "said"])
def test_the_only_trainable_parameters_are_phi_and_the_scales_and_they_count_d(tiny_data, kind):
    model = conv2(tiny_data)
    net = SubspaceModule(model, 40, kind, seed=3)
    m = len(list(model.parameters()))
    assert sum(p.numel() for p in net.parameters()) == net.dim == 40
    assert [name for name, _ in net.named_parameters()] == (["phi", "scales"] if kind == "said" else ["phi"])
    assert net.n_scales == (m if kind == "said" else 0) and net.phi.numel() == 40 - net.n_scales
    assert net.describe()["kind"] == kind and net.describe().get("n_scales", 0) == net.n_scales


@pytest.mark.parametrize("kind", ["dense", "fastfood", "said"])
def test_a_zero_phi_reproduces_theta_0_exactly(tiny_data, kind):
    model = conv2(tiny_data)
    net = SubspaceModule(model, 24, kind, seed=1)
    assert torch.equal(net.theta(), flatten_params(model))
    assert torch.equal(net(tiny_data.x_train), model(tiny_data.x_train))
    assert all(torch.equal(a, b) for a, b in zip(net.to_network().parameters(), model.parameters()))


def test_the_projection_is_the_engines_nested_seeded_one(tiny_data):
    model = conv2(tiny_data)
    net = SubspaceModule(model, 16, "dense", seed=5)
    assert torch.equal(net.projection.matrix, make_projection("dense", net.theta_start.numel(), 16, seed=5).matrix)
    small = SubspaceModule(model, 8, "dense", seed=5)
    assert torch.equal(small.projection.matrix, net.projection.matrix[:, :8])


def test_said_gradients_reach_phi_and_the_scales(tiny_data):
    """d theta_i / d lambda_m = (A phi)_i on tensor m: zero at phi = 0 (so the first step is the base's), then the
    tensor's sum of g_i (A phi)_i; d/d phi = A^T (lambda g)."""
    x, y = tiny_data.x_train, tiny_data.y_train
    net = SubspaceModule(conv2(tiny_data), 30, "said", seed=2, said_base="dense")
    F.cross_entropy(net(x), y).backward()
    assert net.phi.grad.abs().sum() > 0 and torch.equal(net.scales.grad, torch.zeros_like(net.scales))
    with torch.no_grad():
        net.phi.normal_(std=0.1)
        net.scales.uniform_(0.5, 1.5)
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    # the same gradients from the full-space gradient g at theta
    theta = net.theta().detach().requires_grad_(True)
    F.cross_entropy(torch.func.functional_call(net.network, net.subspace.layout.unflatten(theta), (x,)), y).backward()
    g, offset = theta.grad, net.projection(net.phi.detach())
    sizes = list(net.subspace.layout.sizes)
    per_tensor = torch.stack([piece.sum() for piece in torch.split(g * offset, sizes)])
    lam = torch.repeat_interleave(net.scales.detach(), torch.tensor(sizes))
    assert torch.allclose(net.scales.grad, per_tensor, rtol=1e-4, atol=1e-7)
    assert torch.allclose(net.phi.grad, net.projection.matrix.T @ (lam * g), rtol=1e-4, atol=1e-7)


def test_said_starts_like_its_base_projection(tiny_data):
    """Scales from 1 and a zero scale gradient at phi = 0: SAID's first Adam step on phi is the base's, bit for bit."""
    x, y = tiny_data.x_train[:16], tiny_data.y_train[:16]
    said = SubspaceModule(conv2(tiny_data), 30, "said", seed=4, said_base="fastfood")
    base = SubspaceModule(conv2(tiny_data), 30 - said.n_scales, "fastfood", seed=4)
    for net in (said, base):
        optimizer = torch.optim.Adam(net.parameters(), lr=0.1)
        F.cross_entropy(net(x), y).backward()
        optimizer.step()
    assert torch.equal(said.phi, base.phi) and torch.equal(said.scales, torch.ones_like(said.scales))
    assert torch.equal(said.theta(), base.theta())


def test_frozen_parameters_stay_and_keyword_arguments_pass_through(tiny_data):
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = nn.Linear(144, 8), nn.Linear(8, 3)

        def forward(self, x, temperature=1.0):
            return self.head(torch.relu(self.body(x.flatten(1)))) / temperature

    model = Scaled()
    model.body.requires_grad_(False)
    net = SubspaceModule(model, 5, "dense", seed=0)
    assert net.subspace.layout.names == ("head.weight", "head.bias") and net.theta_start.numel() == 27
    with torch.no_grad():
        net.phi.fill_(1.0)
    x = tiny_data.x_train
    assert torch.allclose(net(x, temperature=2.0), net(x) / 2)
    assert torch.equal(net.to_network().body.weight, model.body.weight)


def test_any_optimiser_trains_it_and_batchnorm_statistics_update_in_train_mode(tiny_data):
    model = batchnorm_net()
    net = SubspaceModule(model, 20, "fastfood", seed=0)
    before = model[1].running_mean.clone()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(tiny_data.x_train), tiny_data.y_train)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0] and not torch.equal(model[1].running_mean, before)
    net.eval()
    assert not model.training and not model[1].training
    assert torch.equal(net.to_network().eval()(tiny_data.x_test), net(tiny_data.x_test))


@pytest.mark.parametrize("kind", ["fastfood", "said"])
def test_state_dict_rebuilds_the_trained_network_from_phi_the_seed_and_the_settings(tiny_data, kind):
    net = SubspaceModule(batchnorm_net(), 20, kind, seed=7)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(5):
        optimizer.zero_grad()
        F.cross_entropy(net(tiny_data.x_train), tiny_data.y_train).backward()
        optimizer.step()
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    state = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    assert {"phi", "_extra_state", "buffers.1.running_mean"} <= set(state)
    assert sum(v.numel() for k, v in state.items() if not k.startswith(("buffers.", "_"))) == 20  # never theta
    rebuilt = SubspaceModule.from_state(batchnorm_net(), state).eval()
    assert torch.equal(rebuilt(tiny_data.x_test), net.eval()(tiny_data.x_test))
    with pytest.raises(ValueError, match="settings.*from_state"):
        SubspaceModule(batchnorm_net(), 20, kind, seed=8).load_state_dict(state)
    with pytest.raises(ValueError, match="starting weights theta_0"):
        SubspaceModule(batchnorm_net(seed=1), 20, kind, seed=7).load_state_dict(state)


# --------------------------------------------------------------------------------------------------------------------
# refusals that name the fix


def test_a_d_larger_than_d_is_refused_naming_the_largest_allowed(tiny_data):
    model = conv2(tiny_data)
    n_params = flatten_params(model).numel()
    with pytest.raises(ValueError, match=rf"d = {n_params + 1} exceeds D = {n_params}.*choose d <= {n_params}"):
        SubspaceModule(model, n_params + 1, "fastfood")
    with pytest.raises(ValueError, match="d >= 1"):
        SubspaceModule(model, 0, "fastfood")


def test_said_needs_d_above_the_number_of_parameter_tensors(tiny_data):
    model = conv2(tiny_data)
    m = len(list(model.parameters()))
    with pytest.raises(ValueError, match=rf"m = {m}.*choose d >= {m + 1}"):
        SubspaceModule(model, m, "said")
    assert SubspaceModule(model, m + 1, "said").phi.numel() == 1
    with pytest.raises(ValueError, match="said_base 'said'.*dense, sparse, fastfood"):
        SubspaceModule(model, 40, "said", said_base="said")
    with pytest.raises(ValueError, match="unknown projection 'gaussian'.*dense, sparse, fastfood, said"):
        SubspaceModule(model, 40, "gaussian")


def test_a_network_without_trainable_parameters_is_refused_naming_the_fix(tiny_data):
    model = conv2(tiny_data).requires_grad_(False)
    with pytest.raises(ValueError, match=r"no trainable parameters.*model.requires_grad_\(True\)"):
        SubspaceModule(model, 4)
    with pytest.raises(ValueError, match="no trainable parameters"):
        SubspaceModule(nn.ReLU(), 4)


def test_parameters_on_different_devices_are_refused_naming_the_fix():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    model[1].to("meta")
    with pytest.raises(ValueError, match=r"several devices \(cpu, meta\).*model.to\(device\)"):
        SubspaceModule(model, 3)


def test_moving_the_wrapper_is_refused_naming_the_fix(tiny_data):
    net = SubspaceModule(conv2(tiny_data), 4, "fastfood")
    assert net.to("cpu") is net and net.float() is net
    with pytest.raises(RuntimeError, match=r"wrap the network there, SubspaceModule\(model.to\('meta'\)"):
        net.to("meta")
    with pytest.raises(RuntimeError, match="float32"):
        net.double()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood", "said"])
def test_the_wrapper_trains_on_cuda(tiny_data, kind):
    model = conv2(tiny_data)
    cpu = SubspaceModule(model, 24, kind, seed=1)
    gpu = SubspaceModule(conv2(tiny_data).cuda(), 24, kind, seed=1)
    assert gpu.phi.is_cuda and gpu.projection.device.type == "cuda"
    x, y = tiny_data.x_train, tiny_data.y_train
    for net, xs, ys in ((cpu, x, y), (gpu, x.cuda(), y.cuda())):
        optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(net(xs), ys).backward()
            optimizer.step()
    if kind != "dense":  # dense draws A from the device's own random stream; the others on the CPU
        assert torch.allclose(gpu.phi.cpu(), cpu.phi, rtol=1e-3, atol=1e-5)
