"""Benchmark of the public wrapper (a script, not a test): one training step of `dof.SubspaceModule` against a
full-space step and against the `intrinsic-dimensionality` package's FastfoodWrap and DenseWrap, on the same
network, side by side in one run.

Networks: `conv2`, dof's Conv-2 on (1, 28, 28) random inputs, 10 classes, batch 128 (D = 20,490); `resnet18`,
torchvision's ResNet-18 with 10 classes on (3, 32, 32) random inputs, batch 32 (D = 11,181,642; dense rows are left
out there: A would take 45 GB). A step is zero_grad, forward, cross-entropy, backward and torch.optim.Adam's step
on the trainable parameters: every weight for the full step, phi (and SAID's scales) for dof, V for the package's
wrappers. Every round runs each variant once, in turn; a variant's ratio is the median over rounds of its time
divided by the full step's time of the same round (a load that changes during the run affects both alike). The
last column is the median Euclidean norm of 16 columns of A (A e_j: theta at phi = e_j minus theta_0): 1 for dof.

The package (PyPI intrinsic-dimensionality 0.1, github.com/jgamper/intrinsic-dimensionality): its published wheel
and sdist hold no module (the repository's `intrinsic/` folder has no __init__.py, so setup.py's find_packages()
finds nothing to package), so `pip install intrinsic-dimensionality` installs nothing importable. The benchmark
imports `intrinsic.fastfood` and `intrinsic.dense` from a checkout of the repository: --intrinsic PATH, the folder
that holds `intrinsic/` (default /tmp/idlib), put on sys.path only here; without it those rows are skipped. The
wrappers are called as the package's README does, FastfoodWrap(model, intrinsic_dimension=d, device="cpu"), on
a copy of the network (they delete its parameters); their matrices come from the global RNG, seeded here.

Usage: .venv/bin/python benchmarks/wrapper.py [--networks conv2 resnet18] [--dim 1000] [--repeats 21]
       [--warmup 2] [--threads 1] [--intrinsic /tmp/idlib]
"""

from __future__ import annotations

import argparse
import copy
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import dof
from dof.engine.models import build_model

Step = Callable[[], None]


def network(name: str) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """The benchmark's network, seeded, and one random batch (inputs, labels)."""
    gen = torch.Generator().manual_seed(0)
    if name == "conv2":
        x = torch.randn(128, 1, 28, 28, generator=gen)
        model = build_model("conv2", (1, 28, 28), 10, seed=0)
    else:
        import torchvision

        torch.manual_seed(0)
        x, model = torch.randn(32, 3, 32, 32, generator=gen), torchvision.models.resnet18(num_classes=10)
    return model, x, torch.randint(0, 10, (len(x),), generator=gen)


def adam_step(forward: nn.Module, params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> Step:
    """One training step of `forward` with torch's Adam on `params`."""
    optimizer = torch.optim.Adam(params, lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(forward(x), y).backward()
        optimizer.step()

    return step


def intrinsic_module(path: Path, name: str):
    """The package's module `intrinsic.<name>` from a checkout at `path`, or None when absent."""
    if not (path / "intrinsic" / f"{name}.py").is_file():
        return None
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    return importlib.import_module(f"intrinsic.{name}")


def dof_column_norms(net: dof.SubspaceModule, columns: list[int]) -> float:
    """Median ||A e_j|| over `columns`, read through the wrapper's theta."""
    norms = []
    with torch.no_grad():
        for j in columns:
            net.phi.zero_()
            net.phi[j] = 1.0
            norms.append(float((net.theta() - net.theta_start).norm()))
        net.phi.zero_()
    return statistics.median(norms)


def package_column_norms(wrapped: nn.Module, vector: nn.Parameter, x: torch.Tensor, columns: list[int]) -> float:
    """Median ||A e_j|| of a package wrapper: its forward sets every layer to theta_0 + A V; read them back."""
    norms = []
    with torch.no_grad():
        for j in columns:
            vector.zero_()
            vector.view(-1)[j] = 1.0
            wrapped(x[:2])  # two examples: BatchNorm in train mode needs more than one
            offsets = [
                getattr(base, local) - wrapped.initial_value[name] for name, base, local in wrapped.name_base_localname
            ]
            norms.append(float(torch.cat([o.reshape(-1) for o in offsets]).norm()))
        vector.zero_()
    return statistics.median(norms)


def variants(name: str, dim: int, intrinsic: Path) -> tuple[list[tuple[str, Step, float]], int]:
    """(label, step, column norm) of every variant on network `name`, and D."""
    model, x, y = network(name)
    n_params = sum(p.numel() for p in model.parameters())
    columns = list(range(0, dim, max(1, dim // 16)))[:16]
    rows = [("full space (Adam on every weight)", adam_step(model, list(model.parameters()), x, y), float("nan"))]
    kinds = [("dense", {}), ("fastfood", {}), ("said", {"said_base": "fastfood"}), ("said", {"said_base": "dense"})]
    for kind, options in kinds:
        if name == "resnet18" and "dense" in (kind, options.get("said_base")):
            continue  # A would take D x d x 4 bytes = 45 GB, regenerated on every step
        net = dof.SubspaceModule(copy.deepcopy(model), dim, kind, seed=0, **options)
        label = f"dof.SubspaceModule {kind}" + (f" over {options['said_base']}" if options else "")
        rows.append((label, adam_step(net, list(net.parameters()), x, y), dof_column_norms(net, columns)))
    wrappers = [("fastfood", "FastfoodWrap"), ("dense", "DenseWrap")]
    for module_name, class_name in wrappers:
        module = intrinsic_module(intrinsic, module_name)
        if module is None:
            print(f"{class_name}: intrinsic/{module_name}.py not under {intrinsic} (--intrinsic): row skipped")
            continue
        if name == "resnet18" and class_name == "DenseWrap":
            continue  # per-layer dense matrices: D x d floats again
        torch.manual_seed(0)
        np.random.seed(0)
        wrapped = getattr(module, class_name)(copy.deepcopy(model), intrinsic_dimension=dim, device="cpu")
        params = list(wrapped.parameters())
        assert [p.numel() for p in params] == [dim], "the package's wrapper should train V alone"
        norm = package_column_norms(wrapped, params[0], x, columns)
        rows.append((f"intrinsic-dimensionality {class_name}", adam_step(wrapped, params, x, y), norm))
    return rows, n_params


def timed(step: Step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def table(name: str, dim: int, warmup: int, repeats: int, intrinsic: Path) -> None:
    rows, n_params = variants(name, dim, intrinsic)
    for _ in range(warmup):
        for _, step, _ in rows:
            step()
    times = [[timed(step) for _, step, _ in rows] for _ in range(repeats)]
    print(
        f"\n{name}: D = {n_params:,}, d = {dim}, {torch.get_num_threads()} thread(s), torch {torch.__version__}; "
        f"median of {repeats} rounds after {warmup} warm-up rounds"
    )
    print(f"{'step':<44} {'ms':>9} {'/ full step':>12} {'||A e_j||':>10}")
    for i, (label, _, norm) in enumerate(rows):
        ms = 1e3 * statistics.median(t[i] for t in times)
        ratio = statistics.median(t[i] / t[0] for t in times)
        print(f"{label:<44} {ms:>9.2f} {ratio:>12.2f} {norm:>10.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", nargs="+", default=["conv2"], choices=["conv2", "resnet18"])
    parser.add_argument("--dim", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--intrinsic", type=Path, default=Path("/tmp/idlib"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.networks:
        table(name, args.dim, args.warmup, args.repeats, args.intrinsic)


if __name__ == "__main__":
    main()
