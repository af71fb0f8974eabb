"""Lenient reading and friendly writing of size, padding and shape values typed in the inspector.

"3", "3x3", "3 x 3", "[3, 3]", "(3,3)", "same" are all accepted; the value is then checked by
the block declaration's own `coerce_param`, so the message a person sees is the core's.
"""

from __future__ import annotations

import re
from typing import Any

from ...blocks import Param, ParamError
from ...blocks.base import coerce_param

_OPEN = {"t", "none", "null", "?", "*", "var", "variable", "any"}
_SPLIT = re.compile(r"\s*(?:[x×X,;]|\s)\s*")


def parse_text(param: Param, text: str) -> Any:
    """The value a person meant by `text` for `param`, checked; raises ParamError."""
    raw = text.strip()
    if param.type == "padding" and raw.lower() in ("same", "valid"):
        return coerce_param(param, raw.lower())
    if raw.lower() in ("", "none", "default", "auto") and param.optional:
        return coerce_param(param, None)
    body = raw.strip("[]() ")
    if not body:
        raise ParamError(param.name, f"{param.title} needs a value.")
    parts = _SPLIT.split(body)
    if any(not p for p in parts):  # "3 x", "3 x x", "3,,3": a size is missing
        example = "1 x 28 x 28" if param.type == "shape" else "3 x 3"
        raise ParamError(param.name, f"{param.title}: a size is missing; write one number, or one per axis "
                                     f"such as {example}.")
    values: list[Any] = []
    for part in parts:
        if param.type == "shape" and part.lower() in _OPEN:
            values.append(None)
            continue
        try:
            values.append(int(part))
        except ValueError:
            try:
                f = float(part)
            except ValueError:
                hint = " (or 'same')" if param.type == "padding" else ""
                if param.type == "shape":
                    hint = " (T for an open time length)"
                raise ParamError(param.name, f"{param.title}: '{part}' is not a whole number{hint}.") from None
            values.append(f)
    if param.type == "shape":
        return coerce_param(param, values)
    return coerce_param(param, values[0] if len(values) == 1 else values)


def format_value(param: Param, value: Any) -> str:
    """How a value is written back into a text field: 3, 3 x 3, 1 x 28 x 28, T x 6, same."""
    if value is None:
        return "" if param.type != "shape" else "T"
    if isinstance(value, (list, tuple)):
        return " x ".join("T" if v is None else str(v) for v in value)
    return str(value)


def placeholder(param: Param) -> str:
    if param.type == "shape":
        return "e.g. 1 x 28 x 28  (T = any length)"
    if param.type == "padding":
        return "e.g. 1, 1 x 2 or same"
    if param.optional:
        return "empty = same as kernel size" if param.name == "stride" else "empty = automatic"
    return "e.g. 3 or 3 x 3"
