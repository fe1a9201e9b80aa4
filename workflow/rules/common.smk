# Shared by every stage: the validated config, the results folder, wildcard constraints, grids and seed chunks,
# dataset options, job settings. A stage's own input functions (its grid among them) live beside
# its rules; other rules' outputs are referred to as rules.X.output.
import posixpath
import re
from collections import namedtuple
from pathlib import Path

from dof.config import (
    INIT,
    as_dict,
    data_option,
    hyperparameters,
    model_option,
    name_of,
)
from dof.engine.provenance import code_fingerprint, plugin_fingerprint
from dof.validation import check_grid

CFG = check_grid(config)
"""The config as validated dataclasses, after the checks the schema cannot make (every d fits the networks, ...) and
with every `seeds: null` resolved to the seeds it inherits: what the input functions and params read."""

RESULTS = f"results/{CFG.experiment}"
ENV = "../../envs/dof.yaml"


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    model="[A-Za-z0-9]+",
    t0=r"\d+",
    seed=r"\d+",
    d=r"\d+",
    depth=r"\d+",
    width=r"\d+",
    n_train=r"\d+",
    seeds=r"\d+(-\d+)*",
    point=r"t0_\d+|solution",
    start=r"(|/start_[A-Za-z0-9_]+)",
    pretrain="[A-Za-z0-9_]+",


Grid = namedtuple("Grid", ["columns", "seeds_per_job"], defaults=[1])
"""A stage's grid: the key columns of its table, each a wildcard of the same name, with their configured values;
the `seed` column runs `seeds_per_job` seeds to a job, named by the `seeds` wildcard (e.g. seeds_0-1-2-3-4)."""


def chunk_names(seeds, size):
    """Seeds in groups of `size`, each named by its seeds joined with '-'."""
    seeds = list(seeds)
    return ["-".join(map(str, seeds[i : i + size])) for i in range(0, len(seeds), size)]


START_FOLDER = "start_"
"""The folder name's prefix of a checkpoint start, inside the model's folder."""


def start_segment(start):
    """The path segment of a start: none for init (the seeded initialisation; paths as without starts), else the
    folder `start_<name>` inside the model's. The `start` wildcard holds the segment."""
    return "" if start == INIT else posixpath.sep + START_FOLDER + start


def start_of(wildcards):
    """The start (the `start` column) of the path in the wildcards: init, or a checkpoint start's name."""
    return wildcards.start.partition(START_FOLDER)[2] or INIT


PATH_SEGMENTS = {"start": start_segment}
"""Columns whose path segment (the wildcard's value) is not their value."""


def grid_paths(template, grid, **fixed):
    """A path template expanded over a stage's grid, one path per cell and chunk of seeds; `fixed` pins columns
    (e.g. one cell's dataset). Columns that the template does not name are left out."""
    names = set(re.findall(r"{(\w+)}", template))
    axes = {column: list(values) for column, values in grid.columns.items()}
    if "seed" in axes:
        axes["seeds"] = chunk_names(axes.pop("seed"), grid.seeds_per_job)
    axes.update({column: [value] for column, value in fixed.items()})
    return expand(
        template,
        **{
            name: [PATH_SEGMENTS.get(name, str)(value) for value in values]
            for name, values in axes.items()
            if name in names
        },
    )


def expected_rows(grid):
    """The key columns and values a stage's aggregated table must hold, every combination exactly once."""
    return {column: list(values) for column, values in grid.columns.items()}


def chunk_seeds(wildcards):
    """The seeds of the chunk named in the wildcards."""
    return [int(seed) for seed in wildcards.seeds.split("-")]


SEED_CHUNK = {
    seed: name
    for name in chunk_names(CFG.subspace.seeds, CFG.subspace.seeds_per_job)
    for seed in map(int, name.split("-"))
}
"""The burn-in chunk name of every subspace seed, computed once for the input functions."""


def burn_in_files(dataset, model, t0, seeds, start=INIT):
    """The burn_in files holding the checkpoints theta_t0 of the given seeds (each file once), burnt in from `start`
    (init unless given): a seed's subspace chunk, or the seed alone outside the subspace grid (e.g. a lottery-only
    seed)."""
    chunks = dict.fromkeys(SEED_CHUNK.get(int(seed), str(seed)) for seed in seeds)
    return expand(
        rules.burn_in.output[0],
        dataset=dataset,
        model=model,
        start=start_segment(start),
        t0=t0,
        seeds=list(chunks),
    )


def seed_burn_in_files(wildcards):
    """The burn-in files of the seed in the wildcards, one per configured t0 (the theory and confinement stages)."""
    return [
        path
        for t0 in CFG.burn_in.t0
        for path in burn_in_files(
            wildcards.dataset, wildcards.model, t0, [wildcards.seed]
        )
    ]


def data_options_of(dataset):
    """Loader options of a dataset (dof.config.data_option): a plug-in's loader, kwargs and plugin_path; its own
    block for the embedded sets; else root/download."""
    return data_option(CFG, dataset)


def dataset_options(wildcards):
    """Loader options of the dataset in the wildcards (data_options_of)."""
    return data_options_of(wildcards.dataset)


def settings(block):
    """A config block without its grid keys (`GRID`), as a param: what the numbers of one job depend on, so
    that growing a grid does not rerun the finished jobs."""
    return hyperparameters(type(block), as_dict(block))


def model_options(wildcards):
    """What a job builds the model in the wildcards from: a built-in's name, or a plug-in's spec."""
    return model_option(CFG, wildcards.model)


def per_network(template, **axes):
    """A path template expanded over every configured dataset and model (and any further axes)."""
    return expand(template, dataset=CFG.dataset_names, model=CFG.model_names, **axes)


def plugin_code():
    """The code fingerprint of every plug-in by (wildcard, value): a plug-in dataset's loader module, a plug-in
    model's factory module, and a pretrain item's model and data (their syntax and that of the modules of their
    package and of dof they import, without comments and docstrings)."""
    search, datasets = CFG.plugin_path, CFG.dataset_names
    datasets += tuple(name_of(item.dataset) for item in CFG.pretrain)
    code = {
        ("dataset", name): plugin_fingerprint(CFG.dataset_spec(name).loader, search)
        for name in datasets
        if CFG.dataset_spec(name) is not None
    }
    code |= {
        ("model", name): plugin_fingerprint(CFG.model_spec(name).factory, search)
        for name in CFG.model_names
        if CFG.model_spec(name) is not None
    }
    for item in CFG.pretrain:
        parts = [
            code.get(("dataset", name_of(item.dataset))),
            code.get(("model", item.model)),
        ]
        if any(parts):
            code[("pretrain", item.name)] = "+".join(filter(None, parts))
    return code


PLUGIN_CODE = plugin_code() if CFG.track_code else {}
"""The fingerprints of the plug-ins' modules, computed once."""


def code_of(script):
    """The fingerprint of the code a rule's script runs (its syntax and that of the `dof` modules it imports, without
    comments and docstrings): as a param it reruns the rule's jobs when that code changes (`track_code`). With
    plug-ins, a function of the wildcards that adds the fingerprints of the plug-ins a job runs (its dataset, model
    or pretrain item), so that editing a plug-in reruns its jobs only.
    """
    if not CFG.track_code:
        return "not tracked"
    fingerprint = code_fingerprint(
        Path(workflow.basedir) / "workflow" / "scripts" / script
    )
    if not PLUGIN_CODE:
        return fingerprint

    def with_plugins(wildcards):
        keys = [
            (name, getattr(wildcards, name, None))
            for name in ("dataset", "model", "pretrain")
        ]
        return "+".join(
            [fingerprint, *(PLUGIN_CODE[key] for key in keys if key in PLUGIN_CODE)]
        )

    return with_plugins
