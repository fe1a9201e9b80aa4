"""Dropout stability and mode connectivity of SGD solutions (Shevchenko & Mondelli; Kuditipudi et al.): mean-field
networks trained with SGD at several widths; the loss change when only M neurons of every hidden layer are kept
(and rescaled), and the loss barrier between two solutions along the straight line and along a piecewise-linear
path through their dropout-stable halves."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch.nn import functional as F

from dof.config import ConnectivityConfig, as_dict
from dof.engine.data import Dataset, load_dataset
from dof.engine.models import MeanField, mean_field_forward, model_logits
from dof.engine.seeding import derive_seed, generator
from dof.engine.training import Progress, guarded_steps, minibatches, steps_per_epoch
from dof.stages.record import provenance_columns
from dof.tables import CONNECTIVITY_RUN_KEY, CONNECTIVITY_SPLITS

LOG = logging.getLogger("dof")

Weights = list[torch.Tensor]
"""A mean-field network's weight matrices W_1 .. W_{L+1} (see dof.engine.models.mean_field_forward)."""


def prepare(data: Dataset) -> Dataset:
    """Inputs flattened and divided by the training split's standard deviation (so that E |x|^2 / dim = 1)."""
    scale = data.x_train.std().clamp_min(1e-12)
    return dataclasses.replace(data, x_train=data.x_train.flatten(1) / scale, x_test=data.x_test.flatten(1) / scale)


def example_losses(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Per-example loss: 1/2 |y - yhat|^2 against the one-hot label ('mse', the seed's) or the cross-entropy."""
    if loss == "cross_entropy":
        return F.cross_entropy(out, y, reduction="none")
    return 0.5 * (out - F.one_hot(y, out.shape[1]).to(out.dtype)).pow(2).sum(dim=1)


def mean_field_groups(weights: list[torch.nn.Parameter], lr: float) -> list[dict[str, Any]]:
    """SGD parameter groups in the mean-field scaling: the first and last layers at lr N, the N x N layers at
    lr N^2 (their gradients are O(1/N) and O(1/N^2)), so that every neuron moves by O(lr) per step."""
    width = weights[0].shape[0]
    return [
        {"params": [w], "lr": lr * width * (width if 0 < i < len(weights) - 1 else 1)} for i, w in enumerate(weights)
    ]


@torch.no_grad()
def mean_field_loss(
    weights: Weights, x: torch.Tensor, y: torch.Tensor, config: ConnectivityConfig
) -> tuple[float, float]:
    """(mean loss, accuracy) of a network on (x, y): the forward pass in the weights' precision (float32 after
    training: half the time of float64, and its rounding is far below the gaps measured), the loss in float64."""
    out = mean_field_forward(weights, x.to(weights[0].dtype), config.activation).double()
    return float(example_losses(out, y, config.loss).mean()), float((out.argmax(dim=1) == y).double().mean())


def evaluate_splits(weights: Weights, data: Dataset, config: ConnectivityConfig) -> dict[str, float]:
    """train_loss, train_acc, test_loss, test_acc of a network."""
    train = mean_field_loss(weights, data.x_train, data.y_train, config)
    test = mean_field_loss(weights, data.x_test, data.y_test, config)
    return {"train_loss": train[0], "train_acc": train[1], "test_loss": test[0], "test_acc": test[1]}


def data_half(n_examples: int, half: int) -> torch.Tensor:
    """Indices of half 0 or 1 of the training split (a fixed seeded permutation cut in two, sizes floor / ceil)."""
    order = torch.randperm(n_examples, generator=generator(derive_seed("connectivity-data-halves")))
    return order[: n_examples // 2] if half == 0 else order[n_examples // 2 :]


def train_mean_field(
    data: Dataset,
    depth: int,
    width: int,
    seed: int,
    config: ConnectivityConfig,
    device: str = "cpu",
    half: int | None = None,
) -> tuple[dict[str, Any], Weights]:
    """Train one mean-field network with SGD (mean-field learning rates) through guarded_steps, on the whole
    training split or on its half `half` (data_half); (its record without provenance, its final weights on the CPU).
    L_N is always measured on the whole split."""
    start = time.perf_counter()
    data = data.to(device)
    init_seed = derive_seed("mean-field-init", seed, depth, width)
    batch_seed = derive_seed("mean-field-batches", seed)  # every width sees the same batches
    model = MeanField(data.x_train.shape[1], data.n_classes, width, depth, init_seed, config.activation).to(device)
    optimizer = torch.optim.SGD(mean_field_groups(list(model.weights), config.lr))
    x, y = data.x_train, data.y_train
    if half is not None:
        keep = data_half(len(y), half).to(device)
        x, y = x[keep], y[keep]
    per_epoch = steps_per_epoch(len(y), config.batch_size)
    n_steps = config.epochs * per_epoch
    label = f"{data.name} L={depth} N={width} seed {seed}"
    progress = Progress(label, per_epoch, n_steps)

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        out = model_logits(model, x[idx])
        progress.observe(out, y[idx])
        return example_losses(out, y[idx], config.loss).mean()

    model.train()
    outcome = guarded_steps(
        loss_of, optimizer, minibatches(len(y), config.batch_size, batch_seed), n_steps, progress=progress
    )
    weights = [w.detach().cpu().clone() for w in model.weights]
    metrics = evaluate_splits(weights, data.to("cpu"), config)
    finite = all(torch.isfinite(w).all() for w in weights) and all(map(math.isfinite, metrics.values()))
    status = "ok" if outcome.status == "ok" and finite else "diverged"
    record = {
        "dataset": data.name,
        "depth": depth,
        "width": width,
        "seed": seed,
        "n_params": sum(w.numel() for w in weights),
        "init_seed": init_seed,
        "batch_seed": batch_seed,
        "data_half": -1 if half is None else half,
        "status": status,
        "steps": outcome.steps,
        **metrics,
        "wall_time_s": time.perf_counter() - start,
    }
    LOG.info("%s: %s after %d steps, train loss %.4g, test loss %.4g", label, status, outcome.steps,
             metrics["train_loss"], metrics["test_loss"])  # fmt: skip
    return record, weights


def run_training_chunk(
    dataset: str,
    depth: int,
    width: int,
    seeds: list[int],
    config: ConnectivityConfig,
    data_options: dict[str, Any],
    device: str = "cpu",
    halves: list[int] | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The runs of one (dataset, depth, width) cell and a chunk of seeds, each on the whole training split or, given
    `halves` (one per seed), on that half of it: (records with provenance, checkpoints holding `weights` and the run
    key)."""
    data = prepare(load_dataset(dataset, **data_options))
    meta = provenance_columns(device, as_dict(config))
    records, checkpoints = [], []
    for seed, half in zip(seeds, halves or [None] * len(seeds), strict=True):
        record, weights = train_mean_field(data, depth, width, seed, config, device, half)
        records.append({**record, **meta})
        checkpoints.append(
            {"weights": weights, **{key: record[key] for key in CONNECTIVITY_RUN_KEY}, "status": record["status"]}
        )
    return pd.DataFrame(records), checkpoints


# ---------------------------------------------------------------------------------------------------------------
# Dropout: keep M neurons of every hidden layer and rescale


def kept_neurons(width: int, fraction: float) -> int:
    """M = round(fraction N), at least 1 and at most N."""
    return min(width, max(1, round(fraction * width)))


def draw_subsets(depth: int, width: int, kept: int, seed: int) -> list[torch.Tensor]:
    """A sorted random subset of `kept` neuron indices per hidden layer, drawn from `seed`."""
    gen = generator(seed)
    return [torch.randperm(width, generator=gen)[:kept].sort().values for _ in range(depth)]


def subnetwork(weights: Weights, subsets: list[torch.Tensor]) -> Weights:
    """The width-M network of the kept neurons: the mean over M neurons replaces the mean over N (the seed's L_M)."""
    rows = [*subsets, None]
    cols = [None, *subsets]
    kept = []
    for w, r, c in zip(weights, rows, cols):
        w = w if r is None else w[r]
        kept.append(w if c is None else w[:, c])
    return kept


def masks(width: int, subsets: list[torch.Tensor]) -> list[torch.Tensor]:
    """Boolean masks of the kept neurons per hidden layer."""
    out = []
    for subset in subsets:
        mask = torch.zeros(width, dtype=torch.bool)
        mask[subset] = True
        out.append(mask)
    return out


def drop_layer(weights: Weights, layer: int, kept: torch.Tensor) -> Weights:
    """The same N-wide network with hidden layer `layer` (1-based) dropped: the outgoing weights of its dropped
    neurons set to 0 and those of its kept ones multiplied by N / M, so that the next layer averages over M."""
    out = list(weights)
    scale = kept.numel() / int(kept.sum())
    out[layer] = weights[layer] * (kept.to(weights[layer].dtype) * scale)
    return out


def dropped(weights: Weights, kept_masks: list[torch.Tensor]) -> Weights:
    """The dropout network as an N-wide network (every hidden layer dropped); it computes what `subnetwork` does."""
    for layer, kept in enumerate(kept_masks, start=1):
        weights = drop_layer(weights, layer, kept)
    return weights


def dropout_rows(
    weights: Weights, data: Dataset, key: dict[str, Any], config: ConnectivityConfig
) -> list[dict[str, Any]]:
    """One row per (kept fraction, subset, split): L_N, L_M of the subset's rescaled network, gap = |L_N - L_M|, and
    the seed the subset was drawn from (`subset_seed`)."""
    depth, width = len(weights) - 1, weights[0].shape[0]
    full = evaluate_splits(weights, data, config)
    rows = []
    for fraction in config.fractions:
        m = kept_neurons(width, fraction)
        for subset in range(config.n_subsets):
            subset_seed = derive_seed("dropout", key["seed"], depth, width, m, subset)
            subsets = draw_subsets(depth, width, m, subset_seed)
            kept = evaluate_splits(subnetwork(weights, subsets), data, config)
            for split in CONNECTIVITY_SPLITS:
                lf, lm = full[f"{split}_loss"], kept[f"{split}_loss"]
                rows.append(
                    {
                        **key,
                        "fraction": fraction,
                        "kept": m,
                        "subset": subset,
                        "subset_seed": subset_seed,
                        "split": split,
                        "loss_full": lf,
                        "loss_kept": lm,
                        "acc_full": full[f"{split}_acc"],
                        "acc_kept": kept[f"{split}_acc"],
                        "gap": abs(lf - lm),
                    }
                )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Paths between two solutions


@dataclass(frozen=True)
class Segment:
    """One straight piece of a path; `kind` is what it claims about the output along it: 'exact' (unchanged: only
    weights into neurons without outgoing weight move), 'convex' (only the output layer moves: the output is the
    convex combination of the ends') or 'dropout' (a hidden layer is dropped: close only by dropout stability)."""

    name: str
    kind: str
    start: Weights
    end: Weights


def interpolate(a: Weights, b: Weights, t: float) -> Weights:
    """(1 - t) a + t b, layer by layer."""
    return [(1.0 - t) * wa + t * wb for wa, wb in zip(a, b)]


def with_rows(weights: Weights, source: Weights, rows: list[torch.Tensor]) -> Weights:
    """`weights` with the rows (incoming weights) of the hidden neurons in `rows` (a mask per layer) from `source`."""
    out = list(weights)
    for layer, mask in enumerate(rows):
        out[layer] = torch.where(mask[:, None], source[layer], weights[layer])
    return out


def dropout_path(a: Weights, b: Weights, kept_a: list[torch.Tensor]) -> list[Segment]:
    """The piecewise-linear path from a to b through their dropout halves: a keeps the neurons `kept_a` (a mask per
    hidden layer), b the others. 2L + 3 segments: drop a's layers from the top (L), move the silent half's rows
    to b's dropout network (exact), swap the output layer between the halves (convex), move the now silent rows to
    b's (exact), undo b's dropout from the bottom (L). Two-layer nets: the five segments of Kuditipudi et al."""
    depth = len(a) - 1
    kept_b = [~mask for mask in kept_a]
    a_steps, b_steps = [a], [b]
    for layer in range(depth, 0, -1):  # from the top
        a_steps.append(drop_layer(a_steps[-1], layer, kept_a[layer - 1]))
        b_steps.append(drop_layer(b_steps[-1], layer, kept_b[layer - 1]))
    a_half, b_half = a_steps[-1], b_steps[-1]
    hybrid = with_rows(a_half, b_half, kept_b)
    swapped = [*hybrid[:-1], b_half[-1]]
    segments = [
        Segment(f"drop A layer {depth - i}", "convex" if i == 0 else "dropout", a_steps[i], a_steps[i + 1])
        for i in range(depth)
    ]
    segments += [
        Segment("A's silent half -> B's half", "exact", a_half, hybrid),
        Segment("output A half -> B half", "convex", hybrid, swapped),
        Segment("silent half -> B's other half", "exact", swapped, b_half),
    ]
    for i in range(depth):  # from the bottom
        kind = "convex" if i == depth - 1 else "dropout"
        segments.append(Segment(f"restore B layer {i + 1}", kind, b_steps[depth - i], b_steps[depth - i - 1]))
    return segments


def straight_line(a: Weights, b: Weights) -> list[Segment]:
    """The straight line from a to b as one segment (no claim about the output)."""
    return [Segment("straight line", "none", a, b)]


def path_points(segments: list[Segment], points_per_segment: int) -> list[tuple[int, float, Weights]]:
    """(segment index, t, weights) at `points_per_segment` equally spaced t per segment, ends shared once."""
    ts = torch.linspace(0.0, 1.0, points_per_segment).tolist()
    points = []
    for i, segment in enumerate(segments):
        for t in ts if i == 0 else ts[1:]:
            points.append((i, t, interpolate(segment.start, segment.end, t)))
    return points


def path_curve(
    segments: list[Segment], data: Dataset, config: ConnectivityConfig, key: dict[str, Any], path: str
) -> list[dict[str, Any]]:
    """The loss and accuracy at every point of a path: one row per point with segment, kind, t and position."""
    rows = []
    for i, t, weights in path_points(segments, config.points_per_segment):
        rows.append(
            {
                **key,
                "path": path,
                "segment": i,
                "segment_name": segments[i].name,
                "kind": segments[i].kind,
                "t": t,
                "position": (i + t) / len(segments),
                **evaluate_splits(weights, data, config),
            }
        )
    return rows


def barrier_rows(curve: pd.DataFrame) -> list[dict[str, Any]]:
    """Per path and split: barrier = max loss along the path - max(L(A), L(B)), and where the maximum is."""
    rows = []
    for (path, split), group in curve.groupby(["path", "split"], sort=False):
        ends = group.loc[group["position"].isin([0.0, 1.0]), "loss"]
        top = group.loc[group["loss"].idxmax()]
        rows.append(
            {
                "path": path,
                "split": split,
                "loss_max": float(top["loss"]),
                "loss_ends": float(ends.max()),
                "barrier": float(top["loss"] - ends.max()),
                "argmax_segment": top["segment_name"],
                "argmax_position": float(top["position"]),
            }
        )
    return rows


def seed_pairs(seeds: list[int]) -> list[tuple[int, int]]:
    """Disjoint consecutive pairs of the seeds (0-1, 2-3, ...): independent pairs for the fits."""
    return [(seeds[i], seeds[i + 1]) for i in range(0, len(seeds) - 1, 2)]


def run_geometry_cell(
    checkpoints: list[dict[str, Any]],
    dataset: str,
    config: ConnectivityConfig,
    data_options: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The dropout gaps of every run and the straight and dropout-path barriers of every pair of one (dataset,
    depth, width) cell: (dropout rows, barrier rows, the loss along both paths of every pair)."""
    data = prepare(load_dataset(dataset, **data_options))
    by_seed = {int(c["seed"]): c for c in checkpoints}
    gaps, curves, barriers = [], [], []
    for checkpoint in by_seed.values():
        key = {k: checkpoint[k] for k in CONNECTIVITY_RUN_KEY}
        gaps += dropout_rows(list(checkpoint["weights"]), data, key, config)
    for seed_a, seed_b in seed_pairs(list(by_seed)):
        a, b = list(by_seed[seed_a]["weights"]), list(by_seed[seed_b]["weights"])
        depth, width = len(a) - 1, a[0].shape[0]
        key = {"dataset": dataset, "depth": depth, "width": width, "pair": f"{seed_a}-{seed_b}", "seed_a": seed_a,
               "seed_b": seed_b}  # fmt: skip
        halves = draw_subsets(
            depth, width, kept_neurons(width, 0.5), derive_seed("halves", seed_a, seed_b, depth, width)
        )
        start = time.perf_counter()
        rows = path_curve(straight_line(a, b), data, config, key, "straight")
        rows += path_curve(dropout_path(a, b, masks(width, halves)), data, config, key, "dropout")
        curve = long_curve(pd.DataFrame(rows))
        curves.append(curve)
        barriers += [{**key, **row} for row in barrier_rows(curve)]
        LOG.info("%s L=%d N=%d pair %d-%d: %s (%.1f s)", dataset, depth, width, seed_a, seed_b,
                 ", ".join(f"{r['path']}/{r['split']} {r['barrier']:.3g}" for r in barriers[-4:]),
                 time.perf_counter() - start)  # fmt: skip
    return pd.DataFrame(gaps), pd.DataFrame(barriers), pd.concat(curves, ignore_index=True)


def long_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """A path curve with one row per (point, split): columns loss and acc."""
    parts = []
    for split in CONNECTIVITY_SPLITS:
        part = curve.drop(columns=[f"{s}_{m}" for s in CONNECTIVITY_SPLITS for m in ("loss", "acc")])
        parts.append(part.assign(split=split, loss=curve[f"{split}_loss"], acc=curve[f"{split}_acc"]))
    return pd.concat(parts, ignore_index=True)
