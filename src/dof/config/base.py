"""What every config block shares: the `block` decorator (a frozen pydantic dataclass refusing unknown keys), `key`
(a documented field), the constrained value types, the names the schema enumerates, and conversion helpers.

Stdlib and pydantic only (the checks that need networks or data are in dof.validation)."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    TypeAdapter,
    ValidationError,
    WrapValidator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError, core_schema

T = TypeVar("T")

# Names the schema enumerates; tests/test_config.py checks them against the engine's registries.
DatasetName = Literal["mnist5k", "digits", "mnist", "fashion_mnist", "cifar10", "cifar100", "svhn"]
ModelName = Literal["conv2", "conv3", "fc", "lenet", "resnet20"]
Device = Literal["auto", "cpu", "cuda"]
BaseProjection = Literal["dense", "sparse", "fastfood"]
Projection = Literal["dense", "sparse", "fastfood", "said"]
Metric = Literal["train_acc", "test_acc"]
RefinementLevel = Literal["one_minus_delta", "half"]
SpectrumKind = Literal["bimodal", "bulk", "marchenko_pastur"]
SvdMethod = Literal["full", "lowrank"]
SupermaskEstimator = Literal["edge_popup", "bernoulli"]
SupermaskScope = Literal["layer", "global"]
SupermaskRescaling = Literal["variance", "mean", "none"]
JammingDataset = Literal["mnist5k", "digits", "mnist", "cifar10", "gaussian"]
JammingLoss = Literal["quadratic_hinge", "hinge"]
JammingDtype = Literal["float64", "float32"]
Activation = Literal["tanh", "relu"]
ConnectivityLoss = Literal["mse", "cross_entropy"]
Init = Literal["paper", "own"]

DATASETS = typing.get_args(DatasetName)
MODELS = typing.get_args(ModelName)
DEVICES = typing.get_args(Device)
BASE_PROJECTIONS = typing.get_args(BaseProjection)
PROJECTIONS = typing.get_args(Projection)
METRICS = typing.get_args(Metric)
REFINEMENT_LEVELS = typing.get_args(RefinementLevel)
SPECTRUM_KINDS = typing.get_args(SpectrumKind)
SVD_METHODS = typing.get_args(SvdMethod)
SUPERMASK_ESTIMATORS = typing.get_args(SupermaskEstimator)
SUPERMASK_SCOPES = typing.get_args(SupermaskScope)
SUPERMASK_RESCALINGS = typing.get_args(SupermaskRescaling)
JAMMING_DATASETS = typing.get_args(JammingDataset)
JAMMING_LOSSES = typing.get_args(JammingLoss)
JAMMING_DTYPES = typing.get_args(JammingDtype)
ACTIVATIONS = typing.get_args(Activation)
CONNECTIVITY_LOSSES = typing.get_args(ConnectivityLoss)
INITS = typing.get_args(Init)

NAME_PATTERN = "^[A-Za-z0-9_.-]+$"
DATASET_NAME_PATTERN = "^[A-Za-z0-9_]+$"
"""A dataset's name is a path segment and the `dataset` wildcard (common.smk's constraint)."""
MODEL_NAME_PATTERN = "^[A-Za-z0-9]+$"
"""A model's name is a path segment and the `model` wildcard (common.smk's constraint)."""
IMPORT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$"
"""A plug-in's import path, package.module:callable."""
INIT = "init"
"""The start of every model by default: its seeded initialisation theta_0 (burn-in t0 counts from it)."""

CONFIG_HELP = "config/README.md lists every key, its default and what it allows"


def block(cls: type[T]) -> type[T]:
    """A config block: a frozen pydantic dataclass (attribute access, dataclasses.replace and asdict as before) that
    converts and checks its keys and refuses unknown ones."""
    return pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))(cls)


def key(
    default: Any = dataclasses.MISSING,
    doc: str = "",
    *,
    default_factory: Callable[[], Any] | None = None,
    required: bool = False,
    shown: str | None = None,
    note: str | None = None,
    **bounds: Any,
) -> Any:
    """A documented field (pydantic's Field): `bounds` are ge, gt, le, lt, pattern; a `required` key has no default in
    the schema (its placeholder default lets a block build from its settings); `shown`, `note` are for the README."""
    extra = {name: value for name, value in (("x-required", required), ("x-shown", shown), ("x-note", note)) if value}
    if default_factory is not None:
        bounds["default_factory"] = default_factory
        if not dataclasses.is_dataclass(default_factory):  # a dict: the README shows it (a block's keys show theirs)
            extra["x-default"] = default_factory()
    elif default is not dataclasses.MISSING:
        bounds["default"] = default
    return Field(description=doc, json_schema_extra=extra or None, **bounds)


@dataclasses.dataclass(frozen=True)
class Items:
    """A list's rules: at least `min` items, none repeated when `unique` (the schema's minItems and uniqueItems)."""

    min: int = 0
    unique: bool = True

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        if self.min:
            schema["min_length"] = self.min  # a tuple's core schema
        return core_schema.no_info_after_validator_function(self._check, schema) if self.unique else schema

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        result = handler(schema)
        return {**result, "uniqueItems": True} if self.unique else result

    @staticmethod
    def _check(value: tuple) -> tuple:
        if any(a == b and type(a) is type(b) for i, a in enumerate(value) for b in value[i + 1 :]):
            raise PydanticCustomError("unique_items", "a list without repeated items")
        return value


def _keep_int(value: Any, handler: Callable[[Any], Any]) -> Any:
    """A number key keeps an int as the YAML gave it (as_dict and the config hashes see 1, not 1.0)."""
    checked = handler(value)
    return value if type(value) is int else checked


def _unset_or(value: Any, handler: Callable[[Any], Any]) -> Any:
    """A required key's placeholder ("" or ()) passes unchecked: the schema's `required` refuses a config without it."""
    return value if value in ("", ()) else handler(value)


KEEP_INT = WrapValidator(_keep_int)
UNSET = WrapValidator(_unset_or)
Flag = Annotated[bool, Strict()]
"""true or false (not pydantic's lax 'yes' or 1, which the schema refuses too)."""
Number = Annotated[float, KEEP_INT]
NonNegative = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]
AtLeastTwo = Annotated[int, Field(ge=2)]
PositiveNumber = Annotated[float, Field(gt=0), KEEP_INT]
Fraction = Annotated[float, Field(gt=0, le=1), KEEP_INT]
"""A number in (0, 1]: an accuracy threshold or a kept fraction."""
Seeds = Annotated[tuple[NonNegative, ...], Items(1)]


# --------------------------------------------------------------------------------------------------------------------
# Conversion


def hyperparameters(cls: type, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A block without its grid keys (`cls.GRID`): what the numbers of one job depend on."""
    grid = set(getattr(cls, "GRID", ()))
    return {key: value for key, value in mapping.items() if key not in grid}


def plain(value: Any) -> Any:
    """A value as YAML and JSON hold it: tuples as lists, mappings as dicts."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def as_dict(config: Any) -> dict[str, Any]:
    """A config block as plain JSON-able data (tuples as lists), e.g. for a table's metadata."""
    return plain(dataclasses.asdict(config))


def from_mapping(cls: type[T], mapping: Mapping[str, Any], where: str = "") -> T:
    """The config block `cls` from a mapping (pydantic converts, checks and fills defaults); a bad key or value is a
    ValueError of a few lines naming its path under `where`, the value and what is allowed."""
    try:
        return TypeAdapter(cls).validate_python(dict(mapping))
    except ValidationError as error:
        raise ValueError(pydantic_message(error, cls, where)) from None


# --------------------------------------------------------------------------------------------------------------------
# pydantic's errors in a few lines


def _bound(value: Any) -> Any:
    """A bound as the schema writes it: 1, not 1.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


ALLOWED = {
    "greater_than": lambda ctx: f"a number > {_bound(ctx['gt'])}",
    "greater_than_equal": lambda ctx: f"a number >= {_bound(ctx['ge'])}",
    "less_than": lambda ctx: f"a number < {_bound(ctx['lt'])}",
    "less_than_equal": lambda ctx: f"a number <= {_bound(ctx['le'])}",
    "too_short": lambda ctx: f"a list of at least {ctx['min_length']} item(s)",
    "literal_error": lambda ctx: f"one of {ctx['expected'].replace(' or ', ', ')}".replace("'", ""),
    "string_pattern_mismatch": lambda ctx: f"a string matching {ctx['pattern']}",
    "dataclass_type": lambda ctx: "a block (a mapping of its keys)",
    "dict_type": lambda ctx: "a mapping",
}
TYPES = {"int": "integer", "float": "number", "bool": "boolean", "string": "string", "tuple": "array"}
UNION_TAG = re.compile(r"[a-z_][a-z0-9_]*")
TYPE_NAMES = {"str", "int", "float", "bool", "none"}


def _path(loc: tuple, where: str) -> tuple[str, list]:
    """The key path of a pydantic error location (union branch tags dropped) under `where`, and its parts."""
    parts = [p for p in loc if isinstance(p, int) or (UNION_TAG.fullmatch(p) and p not in TYPE_NAMES)]
    path = where
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "the config", parts


def _blocks_in(hint: Any) -> list[type]:
    """The config blocks a field's type may hold (through Annotated, unions and tuples)."""
    if dataclasses.is_dataclass(hint):
        return [hint]
    if typing.get_origin(hint) in (Annotated, tuple, typing.Union, types.UnionType):
        return [found for arg in typing.get_args(hint) for found in _blocks_in(arg)]
    return []


def _keys_at(cls: type, loc: tuple) -> list[str]:
    """The keys of the block at pydantic location `loc` under `cls` (empty when it cannot be told)."""
    candidates = [cls]
    for part in loc:
        if isinstance(part, int):
            continue
        owners = [c for c in candidates if part in getattr(c, "__pydantic_fields__", {})]
        if owners:
            candidates = _blocks_in(owners[0].__pydantic_fields__[part].annotation)
        elif any(c.__name__ == part for c in candidates):
            candidates = [c for c in candidates if c.__name__ == part]
    return sorted(getattr(candidates[0], "__pydantic_fields__", {})) if len(candidates) == 1 else []


def pydantic_message(error: ValidationError, cls: type, where: str = "") -> str:
    """A pydantic error of config block `cls` as validation.validation_message words a schema error: unknown keys
    with a did-you-mean, missing keys, or the key path, the bad value and what is allowed."""
    errors = error.errors()
    unknown = [e for e in errors if e["type"] in ("unexpected_keyword_argument", "extra_forbidden")]
    if unknown:
        lines = []
        for e in unknown:
            path, _ = _path(e["loc"], where)
            known = _keys_at(cls, e["loc"][:-1])
            close = difflib.get_close_matches(str(e["loc"][-1]), known, n=1)
            hint = f" (did you mean {path.rsplit('.', 1)[0]}.{close[0]}?)" if close and "." in path else ""
            hint = hint or (f" (did you mean {close[0]}?)" if close else "")
            lines.append(f"unknown config key {path}{hint}; allowed keys here: {', '.join(known)}")
        return "\n".join([*lines, CONFIG_HELP])
    missing = [e for e in errors if e["type"] in ("missing", "missing_argument")]
    if missing:
        paths = ", ".join(_path(e["loc"], where)[0] for e in missing)
        return f"config key(s) {paths} missing: required, with no default\n{CONFIG_HELP}"
    e = max(errors, key=lambda e: len(_path(e["loc"], where)[1]))  # the branch the value was meant for
    kind = e["type"].split("_")[0]
    describe = ALLOWED.get(e["type"])
    allowed = describe(e["ctx"]) if describe else f"a value of type {TYPES[kind]}" if kind in TYPES else e["msg"]
    shown = repr(e["input"]) if len(repr(e["input"])) <= 80 else repr(e["input"])[:77] + "..."
    return f"config key {_path(e['loc'], where)[0]}: {shown} is not allowed; allowed: {allowed}\n{CONFIG_HELP}"
