"""Merge blocks: join two or more branches (skip connections, parallel towers)."""

from __future__ import annotations

from .base import BlockSpec, Code, CodeIn, ShapeError, TensorSpec
from .glyphs import line, rect
from ..kinds import kind_title


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
        type="Concat", category="Merge", label="Concat",
        help="Joins two or more inputs side by side: images along channels, sequences and vectors along "
             "features. Lets parallel branches (say a CNN and an LSTM) both feed the decision.",
        when_to_use="To combine parallel branches that look at the data differently.",
        params=(), infer=_infer_concat, build=_build_concat, min_inputs=2, max_inputs=None, color="#f4511e",
        code=_code_concat, glyph=(rect(0.18, 0.22, 0.28, 0.56), rect(0.54, 0.22, 0.28, 0.56)),
    ),
]
