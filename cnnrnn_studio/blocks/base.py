"""The vocabulary every block declaration is written in.

A block is ONE `BlockSpec`: its id, category, plain-language help, parameters, ports, a pure
shape rule (`infer`), a pure cost rule (`count`) and a torch builder (`build`). The palette,
the inspector form, tooltips, the project file and the docs are all derived from it.

This module must not import torch: the editor imports the block library at start-up and
torch is loaded lazily, only when a model is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

KINDS = ("vector", "image", "sequence", "image_sequence", "tokens")

#: What each kind's per-sample axes mean; used in messages and the docs.
KIND_AXES = {
    "vector": ("features",),
    "image": ("channels", "height", "width"),
    "sequence": ("time", "features"),
    "image_sequence": ("time", "channels", "height", "width"),
    "tokens": ("time",),
}

KIND_WORDS = {
    "vector": "a flat vector",
    "image": "an image",
    "sequence": "a sequence",
    "image_sequence": "an image sequence",
    "tokens": "a sequence of word ids",
}


@dataclass(frozen=True)
class TensorSpec:
    """A per-sample tensor type as the person sees it: the kind and the axes (batch excluded).

    `None` marks a variable-length time axis.
    """

    kind: str
    dims: tuple[int | None, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown tensor kind {self.kind!r}")

    @property
    def time(self) -> int | None:
        return self.dims[0]

    @property
    def features(self) -> int:
        """The channel/feature size: what the next block's in_channels/in_features is."""
        if self.kind == "image":
            return self.dims[0]  # type: ignore[return-value]
        if self.kind == "image_sequence":
            return self.dims[1]  # type: ignore[return-value]
        return self.dims[-1]  # type: ignore[return-value]

    def show(self) -> str:
        return "[" + ", ".join("T" if d is None else str(d) for d in self.dims) + "]"

    def to_json(self) -> list[int | None]:
        return list(self.dims)

    def __str__(self) -> str:
        return self.show()


class ShapeError(Exception):
    """Raised by a block's shape rule: what is wrong, in plain words, and the fix if known.

    `fix` is a machine-usable suggestion, e.g. {"action": "insert_before", "type": "Flatten"},
    so the editor can offer it in one click; `field` names the parameter at fault, if any.
    """

    def __init__(self, message: str, *, fix: dict | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.field = field


@dataclass(frozen=True)
class Param:
    """One parameter of a block: the inspector form and the validation come from this.

    type: "int", "float", "bool", "choice", "size" (an int or a list of ints, one per
    spatial axis), "padding" (a size or "same"/"valid"), "shape" (list of ints/None).
    """

    name: str
    type: str
    default: Any
    label: str = ""
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None allowed (e.g. pooling stride: None means "= kernel_size")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class ParamError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _check_number(p: Param, v: Any, what: str) -> None:
    if p.min is not None and v < p.min:
        raise ParamError(p.name, f"{p.title} must be at least {_fmt(p.min)} (it is {v}).")
    if p.max is not None and v > p.max:
        raise ParamError(p.name, f"{p.title} must be at most {_fmt(p.max)} (it is {v}).")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def coerce_param(p: Param, value: Any) -> Any:
    """Check one value against its declaration and return it in canonical form.

    Accepts what a JSON file or a text field gives (ints as floats like 3.0, "true").
    Raises ParamError with a plain sentence.
    """
    if value is None:
        if p.optional:
            return None
        raise ParamError(p.name, f"{p.title} needs a value.")
    t = p.type
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise ParamError(p.name, f"{p.title} must be true or false (it is {value!r}).")
    if t == "int":
        v = _as_int(value)
        if v is None:
            raise ParamError(p.name, f"{p.title} must be a whole number (it is {value!r}).")
        _check_number(p, v, "int")
        return v
    if t == "float":
        if isinstance(value, bool):
            raise ParamError(p.name, f"{p.title} must be a number (it is {value!r}).")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ParamError(p.name, f"{p.title} must be a number (it is {value!r}).") from None
        if v != v or v in (float("inf"), float("-inf")):
            raise ParamError(p.name, f"{p.title} must be a finite number.")
        _check_number(p, v, "float")
        return v
    if t == "choice":
        if value in p.choices:
            return value
        raise ParamError(
            p.name, f"{p.title} must be one of {', '.join(map(str, p.choices))} (it is {value!r})."
        )
    if t in ("size", "padding"):
        if t == "padding" and isinstance(value, str):
            if value.lower() in ("same", "valid"):
                return value.lower()
            raise ParamError(p.name, f"{p.title} must be a number, 'same' or 'valid' (it is {value!r}).")
        if isinstance(value, (list, tuple)):
            out = [_as_int(v) for v in value]
            if not out or any(v is None for v in out):
                raise ParamError(p.name, f"{p.title} must be whole numbers (it is {value!r}).")
            for v in out:
                _check_number(p, v, "int")
            return out[0] if len(set(out)) == 1 and len(out) == 1 else out
        v = _as_int(value)
        if v is None:
            raise ParamError(p.name, f"{p.title} must be a whole number (it is {value!r}).")
        _check_number(p, v, "int")
        return v
    if t == "shape":
        if not isinstance(value, (list, tuple)) or not value:
            raise ParamError(p.name, f"{p.title} must be a list of sizes such as [1, 28, 28] (it is {value!r}).")
        out: list[int | None] = []
        for v in value:
            if v is None:
                out.append(None)
                continue
            iv = _as_int(v)
            if iv is None or iv < 1:
                raise ParamError(p.name, f"{p.title}: every size must be a whole number of at least 1 (got {v!r}).")
            out.append(iv)
        return out
    raise ValueError(f"unknown param type {t!r}")  # a bug in a declaration, not user input


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


InferFn = Callable[[dict, Sequence[TensorSpec]], TensorSpec]
CountFn = Callable[[dict, Sequence[TensorSpec], TensorSpec], "tuple[int, int]"]
BuildFn = Callable[[dict, Sequence[TensorSpec]], Any]


def no_cost(params: dict, ins: Sequence[TensorSpec], out: TensorSpec) -> tuple[int, int]:
    return 0, 0


@dataclass(frozen=True)
class BlockSpec:
    """One block type. `infer`, `count` and `build` are pure functions of (params, input specs)."""

    type: str
    category: str
    label: str
    help: str
    params: tuple[Param, ...]
    infer: InferFn
    build: BuildFn
    count: CountFn = no_cost
    min_inputs: int = 1
    max_inputs: int | None = 1  # None: any number (Add, Concat)
    has_output: bool = True
    summary: Callable[[dict], str] | None = None  # the key parameters shown on the canvas card
    when_to_use: str = ""
    color: str = "#607d8b"
    tags: tuple[str, ...] = field(default_factory=tuple)

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve_params(self, given: dict | None) -> dict:
        """Defaults filled in and every value checked. Raises ParamError (first problem)."""
        given = dict(given or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            names = ", ".join(sorted(known)) or "none"
            raise ParamError(
                unknown[0],
                f"{self.label} has no setting called '{unknown[0]}' (its settings: {names}).",
            )
        out = {}
        for p in self.params:
            out[p.name] = coerce_param(p, given.get(p.name, p.default))
        return out

    def short_summary(self, params: dict) -> str:
        if self.summary is None:
            return ""
        try:
            return self.summary(params)
        except Exception:  # a half-edited parameter must never break drawing
            return ""
