"""Architectures from the protocol (Conv-2, a fully connected net) with seeded LeCun-normal initialisation."""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from dof.seeding import generator


class Conv2(nn.Module):
    """Conv-2: [3x3 conv (same) + ReLU + 2x2 average pool] x 2 with 16, 32 channels, then a dense layer."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, widths: tuple[int, ...] = (16, 32)):
        super().__init__()
        channels, height, width = input_shape
        layers: list[nn.Module] = []
        for out_channels in widths:
            layers += [nn.Conv2d(channels, out_channels, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2)]
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


MODELS: dict[str, Callable[[tuple[int, ...], int], nn.Module]] = {
    "conv2": Conv2,
    "fc": FullyConnected,
}


@torch.no_grad()
def init_lecun_normal_(model: nn.Module, seed: int) -> nn.Module:
    """Flax's default init (truncated LeCun normal weights, zero biases), drawn from a seeded generator."""
    gen = generator(seed)
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            std = math.sqrt(1.0 / fan_in) / 0.87962566103423978
            nn.init.trunc_normal_(module.weight, 0.0, std, -2 * std, 2 * std, generator=gen)
            if module.bias is not None:
                module.bias.zero_()
    return model


def build_model(name: str, input_shape: tuple[int, ...], n_classes: int, seed: int) -> nn.Module:
    """Instantiate a registered architecture and initialise it from `seed`."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known models: {sorted(MODELS)}")
    with torch.random.fork_rng(devices=[]):  # module constructors draw from the global RNG; keep it untouched
        model = MODELS[name](tuple(input_shape), n_classes)
    return init_lecun_normal_(model, seed)


def count_parameters(model: nn.Module) -> int:
    """D: the number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
