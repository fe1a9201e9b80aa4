"""Architectures from the protocol (Conv-2/3, Li et al.'s FC and LeNet, ResNet20) with seeded LeCun-normal init, and
plug-in models built by a factory named in the config."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from dof.engine.plugins import import_callable
from dof.engine.seeding import generator


class AvgPool2x2(nn.Module):
    """2x2 average pooling with stride 2, odd sizes floored: nn.AvgPool2d(2) computed as two strided adds, which
    takes about half of its time forward and backward on the CPU (avg_pool2d was a third of a Conv-2 step)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
        rows = x[..., 0:height:2, :width] + x[..., 1:height:2, :width]
        return (rows[..., 0::2] + rows[..., 1::2]) * 0.25


class Conv2(nn.Module):
    """Conv-2: [3x3 conv (same) + ReLU + 2x2 average pool] x 2 with 16, 32 channels, then a dense layer.

    Other `widths` give the same pattern with more blocks (Conv-3: 32, 64, 64); pooling floors odd sizes."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, widths: tuple[int, ...] = (16, 32)):
        super().__init__()
        channels, height, width = input_shape
        layers: list[nn.Module] = []
        for out_channels in widths:
            layers += [nn.Conv2d(channels, out_channels, 3, padding=1), nn.ReLU(), AvgPool2x2()]
            channels, height, width = out_channels, height // 2, width // 2
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels * height * width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class FullyConnected(nn.Module):
    """Li et al.'s fully connected net: flatten, hidden ReLU layers (default 200, 200), linear output."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, hidden: tuple[int, ...] = (200, 200)):
        super().__init__()
        sizes = [math.prod(input_shape), *hidden]
        layers: list[nn.Module] = [nn.Flatten()]
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def conv3(input_shape: tuple[int, ...], n_classes: int) -> Conv2:
    """Conv-3: the Conv-2 pattern with 32, 64, 64 channels, pooling after every conv (28 -> 14 -> 7 -> 3 on MNIST);
    D = 61,514 on (1, 28, 28) and 66,570 on (3, 32, 32) with 10 classes."""
    return Conv2(input_shape, n_classes, widths=(32, 64, 64))


class LeNet(nn.Module):
    """Li et al.'s LeNet: [5x5 conv ('valid', no padding) + ReLU + 2x2 max pool] with 6, then 16 channels,
    dense 120 + ReLU, dense 84 + ReLU, dense to the classes. D = 44,426 on MNIST, 62,006 on CIFAR-10."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, widths: tuple[int, int] = (6, 16)):
        super().__init__()
        channels, height, width = input_shape
        layers: list[nn.Module] = []
        for out_channels in widths:
            layers += [nn.Conv2d(channels, out_channels, 5), nn.ReLU(), nn.MaxPool2d(2)]
            channels, height, width = out_channels, (height - 4) // 2, (width - 4) // 2
        if height < 1 or width < 1:
            raise ValueError(f"LeNet needs inputs of at least 16x16 pixels, got {tuple(input_shape)}")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(channels * height * width, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class BasicBlock(nn.Module):
    """ResNet v1 basic block: conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU.

    Shortcut "A" (parameter-free): subsample by the stride and zero-pad the new channels. "B": 1x1 conv + BN."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, shortcut: str = "A"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride, self.extra = stride, out_channels - in_channels
        self.project: nn.Module | None = None
        if shortcut == "B" and (stride != 1 or self.extra != 0):
            self.project = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )
        elif shortcut not in ("A", "B"):
            raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.project is not None:
            return self.project(x)
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.extra:
            x = F.pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet(nn.Module):
    """ResNet v1 for CIFAR (He et al. 2016): 3x3 conv 16 + BN + ReLU, three stages of `blocks` basic blocks with
    16, 32, 64 channels (stride 2 at the start of stages 2 and 3), global average pool, dense to the classes.

    BatchNorm: in train mode it normalises with batch statistics and updates its running statistics (buffers,
    momentum 0.1); in eval mode it uses the running statistics. The package evaluates the model with
    torch.func.functional_call over its parameters only, so theta (and through it phi) carries BN's affine
    weights and biases like any other parameter, while the running statistics stay in the module, outside theta:
    a subspace run trains only phi, starts from the running statistics of its burn-in checkpoint (saved next to
    theta as the checkpoint's `buffers`), updates them from its own mini-batches (train mode), and its evaluation
    (eval mode) uses the statistics accumulated by the end of the run.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        n_classes: int,
        blocks: int = 3,
        widths: tuple[int, ...] = (16, 32, 64),
        shortcut: str = "A",
    ):
        super().__init__()
        channels = input_shape[0]
        self.stem = nn.Sequential(
            nn.Conv2d(channels, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()
        )
        layers: list[nn.Module] = []
        channels = widths[0]
        for stage, out_channels in enumerate(widths):
            for block in range(blocks):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(BasicBlock(channels, out_channels, stride, shortcut))
                channels = out_channels
        self.stages = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.stages(self.stem(x)).mean(dim=(2, 3)))


def resnet20(input_shape: tuple[int, ...], n_classes: int) -> ResNet:
    """ResNet20 v1 (3 stages x 3 basic blocks, 16/32/64 channels, BatchNorm, option-A zero-padding shortcuts):
    D = 269,722 on (3, 32, 32) with 10 classes (272,474 with option-B 1x1-conv + BN projection shortcuts).

    In train mode BatchNorm uses batch statistics and updates its running statistics; subspace training trains
    only the parameters (BN's affine weight and bias among them) through theta = theta_t + A phi, and evaluation
    uses the running statistics accumulated during the run (see ResNet)."""
    return ResNet(input_shape, n_classes, blocks=3, widths=(16, 32, 64), shortcut="A")


MODELS: dict[str, Callable[[tuple[int, ...], int], nn.Module]] = {
    "conv2": Conv2,
    "conv3": conv3,
    "fc": FullyConnected,
    "lenet": LeNet,
    "resnet20": resnet20,
}


@torch.no_grad()
def init_lecun_normal_(model: nn.Module, seed: int) -> nn.Module:
    """Flax's default init (truncated LeCun normal weights, zero biases) of every convolution and linear layer, drawn
    from a seeded generator; BatchNorm: weight 1, bias 0, fresh running statistics; other layers keep theirs."""
    gen = generator(seed)
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            fan_in = module.weight[0].numel()
            std = math.sqrt(1.0 / fan_in) / 0.87962566103423978
            nn.init.trunc_normal_(module.weight, 0.0, std, -2 * std, 2 * std, generator=gen)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
            module.reset_running_stats()
            if module.affine:
                module.weight.fill_(1.0)
                module.bias.zero_()
    return model


ModelSpec = str | Mapping[str, Any]
"""A built-in model's name, or a plug-in's spec: name, factory (package.module:callable), kwargs, init (paper or
own) and plugin_path (the folders its module is searched in)."""


def model_name(model: ModelSpec) -> str:
    """The name of a model given by name or by spec."""
    return model if isinstance(model, str) else str(model["name"])


def model_factory(model: ModelSpec) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The callable that builds a model and its keyword arguments: a registered architecture, or a plug-in's factory
    imported from its import path."""
    if isinstance(model, Mapping) and model.get("factory"):
        return import_callable(model["factory"], model.get("plugin_path", ())), dict(model.get("kwargs") or {})
    name = model_name(model)
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known models: {sorted(MODELS)}")
    return MODELS[name], {}


def build_model(model: ModelSpec, input_shape: tuple[int, ...], n_classes: int, seed: int) -> nn.Module:
    """Instantiate a registered architecture or a plug-in (`model` a name or a spec) and initialise it from `seed`:
    the constructor runs under torch's RNG seeded with `seed` (the global state is restored afterwards), then the
    paper's LeCun-normal init unless the spec asks for the module's own (`init: own`)."""
    factory, kwargs = model_factory(model)
    with torch.random.fork_rng(devices=[]):  # constructors draw from the global RNG: seed it, keep its state
        torch.manual_seed(seed)
        module = factory(tuple(input_shape), n_classes, **kwargs)
    if not isinstance(module, nn.Module):
        where = model["factory"] if isinstance(model, Mapping) else model_name(model)
        raise TypeError(
            f"model {model_name(model)!r}: {where} returned a {type(module).__name__}, not a torch.nn.Module"
        )
    own = isinstance(model, Mapping) and model.get("init") == "own"
    return module if own else init_lecun_normal_(module, seed)


def logits_of(output: Any) -> torch.Tensor:
    """The logits in a model's output: a tensor as is, the `logits` of a mapping (a transformers ModelOutput is one),
    the first element of a tuple or list; anything else is refused."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping) and isinstance(output.get("logits"), torch.Tensor):
        return output["logits"]
    if isinstance(output, tuple | list) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    keys = f" with keys {list(output)}" if isinstance(output, Mapping) else ""
    raise TypeError(
        f"the model returned a {type(output).__name__}{keys}: return the logits as a tensor, a mapping with a "
        f"'logits' tensor (e.g. a transformers ModelOutput) or a tuple whose first element is the logits"
    )


def model_logits(model: Callable[..., Any], x: Any) -> torch.Tensor:
    """The logits of `model` (a module, or any callable called like one) on a batch of features: model(**x) for
    named tensors (e.g. input_ids and attention_mask), model(x) for one tensor."""
    return logits_of(model(**x) if isinstance(x, Mapping) else model(x))


def functional_logits(model: nn.Module, params: Mapping[str, torch.Tensor], x: Any) -> torch.Tensor:
    """model_logits of `model` run at `params` (name -> tensor) through torch.func.functional_call, its buffers its
    own: what every functional forward (subspaces, Hessians, masks) calls."""
    return model_logits(lambda *args, **kwargs: functional_call(model, params, args, kwargs), x)


def count_parameters(model: nn.Module) -> int:
    """D: the number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"tanh": torch.tanh, "relu": torch.relu}


def mean_field_forward(weights: list[torch.Tensor], x: torch.Tensor, activation: str = "tanh") -> torch.Tensor:
    """Mean-field network (Shevchenko & Mondelli): h_1 = s(W_1 x), h_l = s(W_l h_{l-1} / N_{l-1}), output
    W_{L+1} h_L / N_L; the width of each layer is read from the weights' shapes (no biases)."""
    act = ACTIVATIONS[activation]
    h = act(x.flatten(1) @ weights[0].T)
    for w in weights[1:-1]:
        h = act(h @ w.T / h.shape[1])
    return h @ weights[-1].T / h.shape[1]


class MeanField(nn.Module):
    """A mean-field network of `depth` hidden layers of `width` units (not in MODELS: its width is a grid axis and
    its init is its own): first layer N(0, 1 / input_dim), later layers and the output N(0, 1) entries."""

    def __init__(self, input_dim: int, n_classes: int, width: int, depth: int, seed: int, activation: str = "tanh"):
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"a mean-field network needs depth >= 1 and width >= 1, got {depth}, {width}")
        gen = generator(seed)
        sizes = [input_dim, *[width] * depth, n_classes]
        scales = [1.0 / math.sqrt(input_dim)] + [1.0] * depth
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(n_out, n_in, generator=gen) * scale)
            for n_in, n_out, scale in zip(sizes[:-1], sizes[1:], scales)
        )
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mean_field_forward(list(self.weights), x, self.activation)
