import pandas as pd
import pytest
import torch

from dof import io


def test_atomic_path_leaves_nothing_when_the_block_fails(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_table_round_trip_keeps_config_metadata(tmp_path):
    path = tmp_path / "t.parquet"
    io.write_table(pd.DataFrame({"a": [1, 2]}), path, config={"experiment": "x", "grid": [1, 2]})
    assert io.read_table(path)["a"].tolist() == [1, 2]
    assert io.table_config(path) == {"experiment": "x", "grid": [1, 2]}


def test_truncated_checkpoint_error_names_file_and_fix(tmp_path):
    path = tmp_path / "seed_0.pt"
    io.save_checkpoint({"theta": torch.ones(1000)}, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"seed_0\.pt.*rerun snakemake"):
        io.load_checkpoint(path)


def test_checkpoint_missing_keys_is_an_error(tmp_path):
    path = tmp_path / "c.pt"
    io.save_checkpoint({"theta": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="lacks"):
        io.load_checkpoint(path, required=("theta", "t0"))


def test_corrupt_table_error_names_file(tmp_path):
    path = tmp_path / "runs.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="runs.parquet"):
        io.read_table(path)
