"""The vocabulary every block declaration is written in.

A block is ONE `BlockSpec`: its id, category, plain-language help, parameters, ports, a pure
shape rule (`infer`), a pure cost rule (`count`) and a torch builder (`build`), and everything
else the program knows about its type: its "Export as Python" code (constructor text and forward
expression, torch.fx style), the weight-key rule of its studio module, how its weights are read
back from an ONNX file, its icon glyph, its network family and its id stem. The palette, the
inspector form, tooltips, the project file, the docs, codegen, the icons and the ONNX round trip
are all derived from it.

This module must not import torch (nor Qt, nor onnx): the editor imports the block library at
start-up and torch is loaded lazily, only when a model is built. Code rules only make strings;
glyphs are data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..kinds import KIND_NAMES as KINDS
from ..kinds import KINDS as _KINDS
from ..kinds import format_shape

#: What each kind's per-sample axes mean, and what one sample is in words (cnnrnn_studio.kinds).
KIND_AXES = {name: k.axes for name, k in _KINDS.items()}
KIND_WORDS = {name: k.phrase for name, k in _KINDS.items()}


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
        return format_shape(self.dims)

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
class CodeIn:
    """What a block's code rule sees when "Export as Python" writes its forward line.

    args: the input values as Python expressions, in port order (for a wrapped layer the first
    is already adapted: `x.flatten(0, 1)` per frame, `x.transpose(1, 2)` over time).
    layer: `self.<name>` of the block's layer, if it declared one (`code_layer`).
    wrapped: "frames" (run on every frame of an image sequence), "time" (channels-first layer on
    a sequence) or "" (no wrapping); codegen adds the matching reshape after `expr`.
    """

    params: dict
    ins: tuple[TensorSpec, ...]
    out: TensorSpec
    args: tuple[str, ...]
    layer: str | None = None
    wrapped: str = ""

    @property
    def a(self) -> str:
        return self.args[0]

    @property
    def kind(self) -> str:
        return self.ins[0].kind


@dataclass(frozen=True)
class Code:
    """One block's forward line: `<value> = expr  # [shape]  note`, after the lines in `pre`.

    An `expr` that is just the input's name (an already flat Flatten) makes no line at all where
    the value can flow on under its name. `vocab`: the word ids this block accepts (Embedding),
    so the generated demo draws valid ones.
    """

    expr: str
    note: str = ""
    pre: tuple[tuple[str, str], ...] = ()  # (code, comment)
    vocab: int | None = None


def call_layer(c: CodeIn) -> Code:
    """The default forward of a block with a layer: call it on the input."""
    return Code(f"{c.layer}({c.a})")


CodeLayerFn = Callable[[dict, Sequence[TensorSpec]], "str | None"]
CodeFn = Callable[[CodeIn], Code]
#: Reads a block's weights back from its ONNX nodes: (nodes, constants) -> {torch name: array}.
OnnxWeightsFn = Callable[[list, dict], dict]


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
    # --- "Export as Python" (compile/codegen.py renders these; they only make strings) --------
    #: The layer as a person writes it, e.g. `nn.Conv2d(1, 32, kernel_size=3)`; None: no layer.
    code_layer: CodeLayerFn | None = None
    #: The forward expression; default (with a layer): call the layer on the input.
    code: CodeFn | None = None
    #: Input kinds on which the studio wraps the layer: OverTime on "sequence" (a channels-first
    #: layer, transposed around), PerFrame on "image_sequence" (run on every frame). Its weights
    #: then sit under `inner.`, and the generated code spells the wrapping out.
    wrap_kinds: tuple[str, ...] = ()
    #: Weight-key part the studio module always adds (Recurrent keeps the torch layer in `rnn.`).
    module_prefix: str = ""
    # --- the rest of the program ---------------------------------------------------------------
    #: The block has learned weights, read back from an exported ONNX file by this function
    #: (pure: nodes have .op_type/.input/.attribute, constants are numpy arrays).
    onnx_weights: OnnxWeightsFn | None = None
    #: Icon: strokes in unit coordinates (see blocks/glyphs.py); ui/icons.py paints them.
    glyph: tuple = ()
    #: Which kind of network a block makes ("CNN", "LSTM", "MLP"...), for run comparisons.
    family: str = ""
    #: Stem of new block ids (conv1, bn2); empty: the type in lower case.
    id_stem: str = ""
    #: The block keeps the number of features (activations, normalisation, Dropout).
    keeps_size: bool = False

    @property
    def stem(self) -> str:
        return self.id_stem or self.type.lower()

    @property
    def has_code(self) -> bool:
        return self.code_layer is not None or self.code is not None

    @property
    def has_weights(self) -> bool:
        return self.onnx_weights is not None

    def weight_prefix(self, in_spec: TensorSpec) -> str:
        """The part between `blocks.<name>.` and the torch parameter name in a studio state dict."""
        if self.module_prefix:
            return self.module_prefix
        return "inner." if in_spec.kind in self.wrap_kinds else ""

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
