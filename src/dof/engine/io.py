"""Atomic writes and checked reads of the workflow's artifacts (checkpoints, Parquet tables)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CONFIG_METADATA_KEY = b"dof.config"


def current_umask() -> int:
    """The process umask, read from /proc where Linux has it (os.umask must set it to read it, racing threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block finishes, with the mode a plain
    open() would give (0o666 less the umask, not mkstemp's 0o600)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_table(frame: pd.DataFrame, path: str | os.PathLike, config: dict[str, Any] | None = None) -> None:
    """Write a DataFrame to Parquet atomically, with the resolved config as JSON in the file metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if config is not None:
        metadata = dict(table.schema.metadata or {})
        metadata[CONFIG_METADATA_KEY] = json.dumps(config, sort_keys=True, default=str).encode()
        table = table.replace_schema_metadata(metadata)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_table(path: str | os.PathLike, regenerate_hint: str = "delete it and rerun snakemake") -> pd.DataFrame:
    """Read a Parquet table; a missing or corrupt file raises an error naming it and the fix."""
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"cannot read table {path} ({err}); {regenerate_hint}") from err


def table_config(path: str | os.PathLike) -> dict[str, Any]:
    """The resolved experiment config stored in a Parquet file's metadata ({} if none)."""
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(CONFIG_METADATA_KEY)
    return json.loads(raw) if raw else {}


def save_checkpoint(payload: dict[str, Any], path: str | os.PathLike) -> None:
    """torch.save a checkpoint dict atomically."""
    import torch  # here, not at the top: the table and figure jobs that import io need no torch (1.5 s a job)

    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | os.PathLike, required: tuple[str, ...] = ("theta",)) -> dict[str, Any]:
    """Load a checkpoint dict; a missing, corrupt or incomplete file raises an error naming it and the fix."""
    import torch

    hint = f"delete {path} and rerun snakemake to regenerate it"
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"checkpoint {path} is missing; rerun snakemake to regenerate it") from err
    except Exception as err:  # torch raises many types for truncated or foreign files
        raise ValueError(f"checkpoint {path} is corrupt or truncated ({type(err).__name__}: {err}); {hint}") from err
    missing = [key for key in required if key not in payload] if isinstance(payload, dict) else list(required)
    if missing:
        raise ValueError(f"checkpoint {path} lacks {missing}; {hint}")
    return payload


def save_checkpoints(payloads: list[dict[str, Any]], path: str | os.PathLike) -> None:
    """torch.save the checkpoints of a chunk of seeds (one burn-in job) as one file, atomically."""
    save_checkpoint({"checkpoints": payloads}, path)


def load_seed_checkpoints(
    paths: list[str | os.PathLike], seeds: list[int], required: tuple[str, ...] = ("theta",)
) -> list[dict[str, Any]]:
    """The checkpoints of `seeds`, in that order, from files holding one checkpoint or a chunk (save_checkpoints)."""
    by_seed = {}
    for path in paths:
        payload = load_checkpoint(path, ())
        for checkpoint in payload.get("checkpoints", [payload]):
            missing = [key for key in (*required, "seed") if key not in checkpoint]
            if missing:
                raise ValueError(f"checkpoint {path} lacks {missing}; delete it and rerun snakemake to regenerate it")
            by_seed[int(checkpoint["seed"])] = checkpoint
    absent = [seed for seed in seeds if seed not in by_seed]
    if absent:
        names = ", ".join(map(str, paths))
        raise ValueError(f"seeds {absent} are in none of the checkpoint files {names}; delete them and rerun snakemake")
    return [by_seed[seed] for seed in seeds]


def redirect_output(log_path: str | os.PathLike) -> None:
    """Send this process's stdout, stderr and logging to a job's log file."""
    import logging
    import sys

    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    stream = open(log_path, "w", buffering=1)  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True)


def read_rows(path: str | os.PathLike, **equal: Any) -> pd.DataFrame:
    """The rows of a table whose columns equal the given values (e.g. one dataset and model of a figure)."""
    table = read_table(path)
    for column, value in equal.items():
        table = table[table[column] == value]
    return table
