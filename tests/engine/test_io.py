import os
import stat

import pandas as pd
import pytest
import torch

from dof.engine import io


def test_atomic_path_leaves_nothing_when_the_block_fails(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_atomic_path_gives_the_mode_a_plain_open_would(tmp_path, umask):
    """Not mkstemp's 0600: the file a block finishes gets 0666 less the umask, like open(path, "w")."""
    previous = os.umask(umask)
    try:
        assert io.current_umask() == umask
        with io.atomic_path(tmp_path / "out.parquet") as tmp:
            tmp.write_text("done")
        (tmp_path / "plain.txt").write_text("done")
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / "out.parquet").stat().st_mode)
    assert mode == 0o666 & ~umask == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)


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


def test_seed_checkpoints_come_back_in_the_asked_order_from_chunk_and_single_files(tmp_path):
    chunk, single = tmp_path / "seeds_0-1.pt", tmp_path / "solution.pt"
    io.save_checkpoints([{"theta": torch.zeros(2), "seed": 0}, {"theta": torch.ones(2), "seed": 1}], chunk)
    io.save_checkpoint({"theta": torch.full((2,), 7.0), "seed": 5}, single)
    loaded = io.load_seed_checkpoints([chunk, single], [5, 1, 0])
    assert [c["seed"] for c in loaded] == [5, 1, 0]
    assert torch.equal(loaded[1]["theta"], torch.ones(2))


def test_a_seed_no_checkpoint_file_holds_is_an_error_naming_the_files(tmp_path):
    chunk = tmp_path / "seeds_0-1.pt"
    io.save_checkpoints([{"theta": torch.zeros(2), "seed": 0}, {"theta": torch.ones(2), "seed": 1}], chunk)
    with pytest.raises(ValueError, match=r"seeds \[2\].*seeds_0-1\.pt.*rerun snakemake"):
        io.load_seed_checkpoints([chunk], [0, 2])
    with pytest.raises(ValueError, match=r"lacks \['t0'\]"):
        io.load_seed_checkpoints([chunk], [0], required=("theta", "t0"))
