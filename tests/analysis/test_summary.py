"""The README's numbers of a run, from small thresholds and prediction tables written here: the rows the command
prints and the README block it replaces."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dof.analysis import summary

README = Path(__file__).resolve().parents[2] / "README.md"


def write_tables(folder: Path) -> Path:
    """A results folder with a thresholds table (t0 0 / 4 / 16, two metrics, a censored cell) and a prediction
    table (two Hessian seeds, a start_inside row)."""
    folder.mkdir(parents=True, exist_ok=True)
    grid = {0.3: (64, 32, 0), 0.9: (1024, 2048, None)}
    rows = []
    for metric in ("train_acc", "test_acc"):
        for eps, values in grid.items():
            for t0, d_star in zip((16, 0, 4), (values[2], values[0], values[1])):  # not in t0 order
                rows.append(
                    {
                        "metric": metric,
                        "t0": t0,
                        "epsilon": eps,
                        "delta": 0.1,
                        "d_star": d_star,
                        "d_max": 4096,
                        "fit_status": "ok" if (metric, eps, t0) == ("train_acc", 0.9, 0) else "separated",
                    }
                )
    thresholds = pd.DataFrame(rows).astype({"d_star": "Int64"})
    thresholds.to_parquet(folder / "thresholds.parquet")
    prediction = pd.DataFrame(
        {
            "seed": [0, 1, 0, 1, 0],
            "t0": [0, 0, 4, 4, 16],
            "metric": "train_acc",
            "epsilon": 0.9,
            "prediction_status": ["ok", "ok", "ok", "ok", "start_inside"],
            "d_star_predicted": [100.0, 120.0, 121.0, 121.0, 0.0],
            "log2_ratio": [np.log2(1024 / 100), np.log2(1024 / 120), np.log2(2048 / 121), 0.92, np.nan],
        }
    )
    prediction.to_parquet(folder / "d_star_prediction.parquet")
    return folder


def test_rows_give_grid_d_star_per_t0_the_fitted_count_and_the_ratio_range(tmp_path, capsys):
    folder = write_tables(tmp_path / "results" / "run")
    assert summary.main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert "| grid d* (train accuracy, delta = 0.1, t0 = 0 / 4 / 16) |" in out
    assert "epsilon 0.3: 64 / 32 / 0; 0.9: 1,024 / 2,048 / > 4,096 (0: the burn-in point" in out
    assert "fitted d* identified in 1 of 6 train accuracy cells" in out
    assert "log2(measured / predicted) from +0.9 (t0 = 4, train accuracy, epsilon = 0.9)" in out
    assert "to +4.1 (t0 = 4, train accuracy, epsilon = 0.9), median +3.2 over 4 cells" in out
    assert "the prediction moves by at most 10% with t0" in out  # mean over seeds: 110 at t0 = 0, 121 at t0 = 4
    assert out.startswith(summary.START) and out.strip().endswith(summary.END)


def test_epsilons_can_be_chosen_and_missing_ones_are_skipped(tmp_path, capsys):
    folder = write_tables(tmp_path / "run")
    summary.main([str(folder), "--epsilons", "0.9", "0.5"])
    out = capsys.readouterr().out
    assert "epsilon 0.9: 1,024 / 2,048 / > 4,096 (" in out and "0.3:" not in out and "0.5:" not in out


def test_readme_block_is_replaced_between_the_markers_only(tmp_path):
    folder = write_tables(tmp_path / "run")
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n\n{summary.START} -->\nold numbers\n{summary.END}\n\nafter\n")
    summary.main([str(folder), "--readme", str(readme)])
    text = readme.read_text()
    assert text.startswith("before\n\n") and text.endswith("\n\nafter\n") and "old numbers" not in text
    assert "fitted d* identified in 1 of 6" in text
    first = text
    summary.main([str(folder), "--readme", str(readme)])
    assert readme.read_text() == first  # a second run changes nothing
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="exactly one block"):
        summary.main([str(folder), "--readme", str(readme)])


def test_the_readme_holds_the_block_the_command_writes():
    text = README.read_text()
    block = text[text.index(summary.START) : text.index(summary.END) + len(summary.END)]
    lines = block.splitlines()
    assert lines[1].startswith("| `results/default` (written by `python -m dof.analysis.summary results/default")
    assert lines[3].startswith("| grid d* (") and lines[4].startswith("| predicted against measured d* | log2(")
    assert len(text.splitlines()) < 400
