"""Merge blocks: join two or more branches (skip connections, parallel towers)."""

from __future__ import annotations

from .base import BlockSpec, Code, CodeIn, ShapeError, TensorSpec
from .glyphs import line, rect
from ..kinds import kind_phrase, kind_title


def _infer_add(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    first = ins[0]
    for i, x in enumerate(ins[1:], start=1):
        if x.kind != first.kind or len(x.dims) != len(first.dims) or any(
            a is not None and b is not None and a != b for a, b in zip(x.dims, first.dims)
        ):
            raise ShapeError(
                f"Add needs inputs of the same shape, but input 1 is {first.show()} and input {i + 1} is {x.show()}. "
                "Change the filters/units of one branch (or add a 1x1 Conv2d on the skip path) so they match.",
            )
    dims = tuple(next((d for d in col if d is not None), None) for col in zip(*(x.dims for x in ins)))
    return TensorSpec(first.kind, dims)


def _concat_axis(kind: str) -> int:
    """The per-sample axis that Concat joins on: channels for images, features otherwise."""
    return {"vector": 0, "sequence": 1, "image": 0, "image_sequence": 1}[kind]


def _infer_concat(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    first = ins[0]
    if first.kind == "tokens":
        raise ShapeError("Concat cannot join word ids. Add an Embedding to each branch first.")
    ax = _concat_axis(first.kind)
    total = 0
    for i, x in enumerate(ins):
        if x.kind != first.kind:
            raise ShapeError(
                f"Concat needs inputs of the same kind, but input 1 is {kind_title(first.kind)} and "
                f"input {i + 1} is {kind_title(x.kind)}."
            )
        for a_i, (a, b) in enumerate(zip(x.dims, first.dims)):
            if a_i != ax and a is not None and b is not None and a != b:
                raise ShapeError(
                    f"Concat joins on the {'channel' if first.kind.startswith('image') else 'feature'} axis, so all "
                    f"other sizes must match: input 1 is {first.show()}, input {i + 1} is {x.show()}."
                )
        total += x.dims[ax]  # type: ignore[operator]
    dims = list(first.dims)
    dims[ax] = total
    return TensorSpec(first.kind, tuple(dims))


#: Where a vector [F] that scales the channels (features) of another kind gets its size-1 axes: how many
#: go before its features and how many after, batch excluded (image [C,H,W] -> [C,1,1]).
_GATE_AXES = {"image": (0, 2), "image_sequence": (1, 2), "sequence": (1, 0)}


def _main_kind(ins: list[TensorSpec]) -> str:
    """The kind of a product: that of its inputs other than vectors (vectors scale them), else vector."""
    return next((x.kind for x in ins if x.kind != "vector"), "vector")


def _infer_multiply(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    if any(x.kind == "tokens" for x in ins):
        raise ShapeError("Multiply cannot work on word ids. Add an Embedding first.")
    kind = _main_kind(ins)
    first = next(i for i, x in enumerate(ins) if x.kind == kind)
    dims = list(ins[first].dims)
    for i, x in enumerate(ins):
        if x.kind != kind and x.kind != "vector":
            raise ShapeError(
                f"Multiply needs inputs of one kind (or a vector that scales each channel), but input {first + 1} is "
                f"{kind_phrase(kind)} and input {i + 1} is {kind_phrase(x.kind)}."
            )
        if x.kind != kind:
            continue
        for ax, (a, b) in enumerate(zip(dims, x.dims)):
            if a == b or b == 1:
                continue
            if a == 1 or (a is None) != (b is None):  # a size 1 stretches; an open time axis takes the fixed size
                dims[ax] = b if a == 1 or a is None else a
                continue
            raise ShapeError(
                f"Multiply needs inputs of the same shape (an axis of size 1 stretches to fit), but input {first + 1} "
                f"is {ins[first].show()} and input {i + 1} is {x.show()}. Change the filters/units of one branch so "
                "they match.",
            )
    out = TensorSpec(kind, tuple(dims))
    if kind != "vector":
        n, what = out.features, "channel" if kind.startswith("image") else "feature"
        for i, x in enumerate(ins):
            if x.kind == "vector" and x.dims[0] not in (n, 1):
                raise ShapeError(
                    f"Multiply scales each {what} of input {first + 1} ({ins[first].show()}) by the vector of input "
                    f"{i + 1}, so that vector needs {n} numbers (one per {what}), but it has {x.dims[0]}. "
                    f"Give the Dense before it {n} outputs.",
                )
    return out


def _gates(ins: list[TensorSpec]) -> tuple[tuple[int, int] | None, ...]:
    """Per input: the size-1 axes a vector gets to scale the channels of the others, or None."""
    kind = _main_kind(ins)
    return tuple(_GATE_AXES[kind] if x.kind == "vector" and kind != "vector" else None for x in ins)


def _build_multiply(p: dict, ins: list[TensorSpec]):
    from .modules import Multiply

    return Multiply(_gates(ins))


def _code_multiply(c: CodeIn) -> Code:
    parts = []
    for arg, gate in zip(c.args, _gates(list(c.ins))):
        if gate is not None:
            lead, trail = gate
            arg += "[:, " + "None, " * lead + ":" + ", None" * trail + "]"
        parts.append(arg)
    scaled = any(g is not None for g in _gates(list(c.ins)))
    return Code(" * ".join(parts), "the vector scales each channel" if scaled else "")


def _build_add(p: dict, ins: list[TensorSpec]):
    from .modules import Add

    return Add()


def _build_concat(p: dict, ins: list[TensorSpec]):
    from .modules import Concat

    return Concat(_concat_axis(ins[0].kind) + 1)  # +1: the batch axis


def _code_concat(c: CodeIn) -> Code:
    return Code(f"torch.cat(({', '.join(c.args)}), dim={_concat_axis(c.kind) + 1})")


BLOCKS = [
    BlockSpec(
        type="Add", category="Merge", label="Add",
        help="Adds two or more inputs of the same shape element by element. With a skip connection "
             "(ResNet), the signal and its gradient can bypass layers, so very deep networks still train.",
        when_to_use="Residual (skip) connections.",
        params=(), infer=_infer_add, build=_build_add, min_inputs=2, max_inputs=None, color="#f4511e",
        code=lambda c: Code(" + ".join(c.args)), glyph=(line(0.5, 0.22, 0.5, 0.78), line(0.22, 0.5, 0.78, 0.5)),
    ),
    BlockSpec(
        type="Multiply", category="Merge", label="Multiply",
        help="Multiplies two or more inputs element by element. Inputs of the same kind need the same shape, "
             "except that an axis of size 1 stretches to fit. A vector with one number per channel scales each "
             "channel of an image (or each feature of a sequence) by its number: the gate of a squeeze-and-"
             "excitation block, where GlobalAvgPool -> Dense -> ReLU -> Dense -> Sigmoid learns how much each "
             "channel matters (MobileNetV3, EfficientNet).",
        when_to_use="Gates: squeeze-and-excitation, or one branch deciding how much of another passes.",
        params=(), infer=_infer_multiply, build=_build_multiply, min_inputs=2, max_inputs=None, color="#f4511e",
        code=_code_multiply, glyph=(line(0.27, 0.27, 0.73, 0.73), line(0.27, 0.73, 0.73, 0.27)),
    ),
    BlockSpec(
        type="Concat", category="Merge", label="Concat",
        help="Joins two or more inputs side by side: images along channels, sequences and vectors along "
             "features. Lets parallel branches (say a CNN and an LSTM) both feed the decision.",
        when_to_use="To combine parallel branches that look at the data differently.",
        params=(), infer=_infer_concat, build=_build_concat, min_inputs=2, max_inputs=None, color="#f4511e",
        code=_code_concat, glyph=(rect(0.18, 0.22, 0.28, 0.56), rect(0.54, 0.22, 0.28, 0.56)),
    ),
]
