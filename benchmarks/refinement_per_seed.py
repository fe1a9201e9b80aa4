"""What-if: refinement that runs single seeds and infers the others by monotonicity, replayed on the dense runs.

With nested subspaces a seed that trains at d also trains (almost always) at every d' > d, and one that fails at d
fails below it. A refinement could then run, at each new d, only the seeds whose outcome no earlier run implies, a
few per round, and fill the rest of the success table by that inference. This script replays such a strategy on
the dense fine grid that `benchmarks/refinement.py` trains (results/<experiment>/runs.parquet) and prints the runs
it needs and how often its grid thresholds agree with the dense grid's within one fine step, beside how often the
monotonicity it relies on fails in the dense runs. The workflow does not implement it (success.parquet holds only
trained runs); this measures what it would buy.

Usage: .venv/bin/python benchmarks/refinement_per_seed.py [--config config/config.yaml] [--experiment refine_bench]
       [--rounds 2] [--resolution 1.19] [--seeds-per-round 1 2 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dof.analysis import refinement
from dof.analysis.thresholds import GROUP, success_table

ROOT = Path(__file__).resolve().parents[1]


def outcomes(runs: pd.DataFrame, t0s: list[int], dims: list[int], seeds: list[int], curves: list) -> np.ndarray:
    """Success of every (t0, d, seed, curve) of the dense runs; d = 0 is the start point."""
    table = np.zeros((len(t0s), len(dims), len(seeds), len(curves)), dtype=bool)
    position = {d: i for i, d in enumerate(dims)}
    for row in runs.itertuples():
        at = (t0s.index(row.t0), position[row.d], seeds.index(row.seed))
        start = (t0s.index(row.t0), 0, seeds.index(row.seed))
        for k, (metric, epsilon) in enumerate(curves):
            table[(*at, k)] = row.status == "ok" and getattr(row, metric) >= epsilon
            table[(*start, k)] = getattr(row, f"start_{metric}") >= epsilon
    return table


def inferred(ran: np.ndarray, success: np.ndarray) -> np.ndarray:
    """+1 / -1 / 0 per (t0, d, seed, curve): trained or implied success, failure, unknown (monotone in d)."""
    won = ran[..., None] & success
    lost = ran[..., None] & ~success
    implied_win = np.maximum.accumulate(won, axis=1)
    implied_loss = np.flip(np.maximum.accumulate(np.flip(lost, axis=1), axis=1), axis=1)
    state = np.where(implied_win & ~implied_loss, 1, np.where(implied_loss & ~implied_win, -1, 0))
    return np.where(ran[..., None], np.where(success, 1, -1), state)


def replay(success, base_mask, fine, levels, resolution, per_round, max_rounds=40):
    """The trained (t0, d, seed) mask and grid mask after a per-seed refinement of the base grid."""
    ran = np.repeat(base_mask[:, :, None], success.shape[2], axis=2)
    grid = base_mask.copy()
    allowed = set(fine)
    n = success.shape[2]
    for _ in range(max_rounds):
        before = grid.copy()
        state = inferred(ran, success)
        wins, losses = (state == 1).sum(axis=2), (state == -1).sum(axis=2)  # (t0, d, curve)
        new = np.zeros_like(ran)
        for t, c, level in np.ndindex(grid.shape[0], success.shape[3], len(levels)):
            points = np.flatnonzero(grid[t])
            above = wins[t, points, c] / n >= levels[level]
            below = (n - losses[t, points, c]) / n < levels[level]
            first = next((i for i in range(len(points)) if not below[i]), None)
            if first is None:
                continue
            target = points[first]
            if not above[first]:  # unknown: more seeds here
                new[t, target, np.flatnonzero(state[t, target, :, c] == 0)[:per_round]] = True
                continue
            lo, hi = fine[points[first - 1]] if first else 0, fine[target]
            middle = refinement.midpoint(lo, hi)
            if first and refinement.needs_split(lo, hi, resolution) and middle in allowed:
                at = fine.index(middle)
                grid[t, at] = True
                new[t, at, np.flatnonzero(state[t, at, :, c] == 0)[:per_round]] = True
        new &= ~ran
        if not new.any() and (grid == before).all():
            break
        ran |= new
    return ran, grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--experiment", default="refine_bench")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--resolution", type=float, default=1.19)
    parser.add_argument("--seeds-per-round", type=int, nargs="+", default=[1, 2, 5])
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / args.config).read_text())
    thresholds = config["thresholds"]
    dense = ROOT / "results" / args.experiment / "runs.parquet"
    if not dense.exists():
        raise SystemExit(f"{dense} is missing: run benchmarks/refinement.py (it trains the dense grid) first")
    runs = pd.read_parquet(dense)
    base = [int(d) for d in config["subspace"]["dims"]]
    fine = [0, *refinement.dense_refinement(base, args.rounds, args.resolution)]
    t0s, seeds = sorted(runs["t0"].unique().tolist()), sorted(runs["seed"].unique().tolist())
    curves = [(m, float(e)) for m in thresholds["metrics"] for e in thresholds["epsilons"]]
    success = outcomes(runs, t0s, fine, seeds, curves)
    delta = float(thresholds.get("delta", 0.1))
    names = list(refinement.LEVELS)
    levels = [refinement.level_value(name, delta) for name in names]

    first_win = np.where(success.any(axis=1), success.argmax(axis=1), len(fine))
    later_loss = np.array(
        [
            not success[t, first_win[t, s, c] :, s, c].all()
            for t, s, c in np.ndindex(len(t0s), len(seeds), len(curves))
            if first_win[t, s, c] < len(fine)
        ]
    )
    print(f"dense runs: {len(runs)}; seed curves that fail again after training once: {later_loss.mean():.1%}")
    reference = success_table(runs, thresholds["epsilons"], thresholds["metrics"])
    base_mask = np.repeat(np.isin(fine, [0, *base])[None, :], len(t0s), axis=0)
    key = reference[GROUP].drop_duplicates().set_index("t0")
    for per_round in args.seeds_per_round:
        ran, grid = replay(success, base_mask, fine, levels, args.resolution, per_round)
        wins = (inferred(ran, success) == 1).sum(axis=2)
        rows = [
            {**key.loc[t0s[t]].to_dict(), "t0": t0s[t], "d": fine[i], "metric": m, "epsilon": e, "n_runs": len(seeds)}
            | {"n_success": int(wins[t, i, c]), "p_success": wins[t, i, c] / len(seeds)}
            for t, i in zip(*np.nonzero(grid))
            for c, (m, e) in enumerate(curves)
        ]
        agree = refinement.agreement_table(reference, pd.DataFrame(rows), fine[1:], names, delta)
        trained = int(ran[:, 1:].sum())
        print(
            f"  {per_round} seed(s) per bracket and round: runs {trained} ({trained / len(runs):.0%}),"
            f" agree {agree['agrees'].mean():.1%} of {len(agree)}"
        )


if __name__ == "__main__":
    main()
