"""Checking the options of a dataset spec: unknown keys and wrong values become plain DataErrors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import DataError


def check_known(options: Mapping[str, Any], allowed: Iterable[str], context: str) -> None:
    """Refuse any key not in ``allowed``; a typo must not be silently ignored."""
    allowed = list(allowed)
    unknown = [key for key in options if key not in allowed]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        known = ", ".join(sorted(allowed)) if allowed else "none"
        plural = "s" if len(unknown) > 1 else ""
        raise DataError(f"unknown option{plural} {names} for {context}; the options there are: {known}")


def get_int(options: Mapping[str, Any], name: str, default: int | None, minimum: int = 1) -> int | None:
    value = options.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise DataError(f"option '{name}' must be a whole number, got {value!r}")
    if value < minimum:
        raise DataError(f"option '{name}' must be at least {minimum}, got {value}")
    return value


def get_bool(options: Mapping[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise DataError(f"option '{name}' must be true or false, got {value!r}")
    return value


def get_choice(options: Mapping[str, Any], name: str, default: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    value = options.get(name, default)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise DataError(f"option '{name}' must be one of {listed}, got {value!r}")
    return value


def get_column(options: Mapping[str, Any], name: str) -> str | int | None:
    """A column given by its header name or by its position (0 = first, -1 = last)."""
    value = options.get(name)
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise DataError(f"option '{name}' must be a column name or a column number, got {value!r}")


def get_columns(options: Mapping[str, Any], name: str) -> list[str | int] | None:
    """One column or a list of columns."""
    value = options.get(name)
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not (isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool))):
            raise DataError(f"option '{name}' must list column names or column numbers, got {value!r}")
    if not items:
        raise DataError(f"option '{name}' must name at least one column")
    return list(items)


def get_size(options: Mapping[str, Any], name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = options.get(name, list(default))
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4096 for v in value)
    )
    if not ok:
        raise DataError(f"option '{name}' must be [height, width] in pixels (1 to 4096), got {value!r}")
    return int(value[0]), int(value[1])
