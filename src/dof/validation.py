"""Schema errors in a few lines: the key path, the value and what is allowed (Snakemake's own message prints the
whole schema and config)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError


CONFIG_HELP = "config/README.md lists every key, its default and what it allows"

ALLOWED = {
    "type": lambda v: f"a value of type {' or '.join(v) if isinstance(v, list) else v}",
    "enum": lambda v: f"one of {', '.join(map(str, v))}",
    "const": lambda v: f"exactly {v!r}",
    "minimum": lambda v: f"a number >= {v}",
    "exclusiveMinimum": lambda v: f"a number > {v}",
    "maximum": lambda v: f"a number <= {v}",
    "exclusiveMaximum": lambda v: f"a number < {v}",
    "minItems": lambda v: f"a list of at least {v} item(s)",
    "maxItems": lambda v: f"a list of at most {v} item(s)",
    "uniqueItems": lambda v: "a list without repeated items",
    "pattern": lambda v: f"a string matching {v}",
    "minLength": lambda v: f"a string of at least {v} character(s)",
}


def key_path(parts: Iterable[Any]) -> str:
    """A config key path as written in config/README.md: blocks joined with '.', list items as [i]."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "the config"


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validation_message(error: ValidationError) -> str:
    """A jsonschema error of the config in two lines: the key path, the bad value, what is allowed."""
    where = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        lines = []
        for key in sorted(set(error.instance) - set(known)):
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {key_path([*where, close[0]])}?)" if close else ""
            lines.append(f"unknown config key {key_path([*where, key])}{hint}; allowed keys here: {', '.join(known)}")
        return "\n".join([*lines, CONFIG_HELP])
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [key for key in error.validator_value if key not in error.instance]
        paths = ", ".join(key_path([*where, key]) for key in missing)
        return f"config key(s) {paths} missing: required, with no default\n{CONFIG_HELP}"
    describe = ALLOWED.get(str(error.validator))
    allowed = describe(error.validator_value) if describe else error.message
    return f"config key {key_path(where)}: {_shown(error.instance)} is not allowed; allowed: {allowed}\n{CONFIG_HELP}"


def short_validation_error(exc: BaseException) -> BaseException:
    """A ValueError with `validation_message` for the jsonschema error inside `exc` (its args or its chain),
    else `exc` itself."""
    seen, pending = set(), [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if all(hasattr(current, name) for name in ("validator", "validator_value", "absolute_path", "instance")):
            return ValueError(validation_message(current))
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        pending += [current.__cause__, current.__context__]
    return exc
