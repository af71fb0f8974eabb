"""Reshape blocks: Flatten, ToSequence (the CRNN step) and RepeatVector (one-to-many) change
what kind a tensor is."""

from __future__ import annotations

from functools import lru_cache

from .base import BlockSpec, Code, CodeIn, Param, ShapeError, TensorSpec
from .glyphs import line, rect
from .rules import prod
from ..kinds import kind_title


def _infer_flatten(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    if x.kind == "image":
        return TensorSpec("vector", (prod(x.dims),))
    if x.kind == "image_sequence":
        return TensorSpec("sequence", (x.dims[0], prod(x.dims[1:])))
    if x.kind == "sequence":
        if x.dims[0] is None:
            raise ShapeError(
                "Flatten cannot flatten a sequence of open length (time is null): the size would change with "
                "every input. Use GlobalAvgPool, or a recurrent block without 'Output every step'.",
                fix={"action": "replace", "type": "GlobalAvgPool"},
            )
        return TensorSpec("vector", (x.dims[0] * x.dims[1],))
    if x.kind == "tokens":
        raise ShapeError("Flatten cannot work on word ids. Add an Embedding first.",
                         fix={"action": "insert_before", "type": "Embedding"})
    return x


def _build_flatten(p: dict, ins: list[TensorSpec]):
    from torch import nn

    from .modules import FlattenFrom

    x = ins[0]
    if x.kind == "vector":
        return nn.Identity()
    return FlattenFrom(2 if x.kind == "image_sequence" else 1)


def _code_flatten(c: CodeIn) -> Code:
    if c.kind == "vector":  # already flat: codegen writes no line where the value can flow on
        return Code(c.a, "already flat")
    if c.kind == "image_sequence":
        return Code(f"{c.a}.flatten(2)", "each frame flattened, time kept")
    return Code(f"{c.a}.flatten(1)")


def _infer_to_sequence(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    if x.kind != "image":
        raise ShapeError(
            f"ToSequence turns an image [channels, height, width] into a sequence read left to right; "
            f"it gets {kind_title(x.kind)} {x.show()}.",
        )
    c, h, w = x.dims
    return TensorSpec("sequence", (w, c * h))


def _build_to_sequence(p: dict, ins: list[TensorSpec]):
    from .modules import ToSequence

    return ToSequence()


def _infer_repeat(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    if x.kind in ("image", "image_sequence"):
        raise ShapeError(
            f"RepeatVector repeats a flat vector, but it gets {kind_title(x.kind)} {x.show()}. "
            "Flatten or GlobalAvgPool first.",
            fix={"action": "insert_before", "type": "Flatten" if x.kind == "image" else "GlobalAvgPool"},
        )
    if x.kind == "sequence":
        raise ShapeError(
            f"RepeatVector repeats a flat vector, but it gets a sequence {x.show()}. Use GlobalAvgPool first, "
            "or turn off 'Output every step' on the recurrent block before it.",
            fix={"action": "insert_before", "type": "GlobalAvgPool"},
        )
    if x.kind == "tokens":
        raise ShapeError(
            "RepeatVector repeats a flat vector, but it gets word ids. Add an Embedding and a recurrent block "
            "(or GlobalAvgPool) first.",
            fix={"action": "insert_before", "type": "Embedding"},
        )
    return TensorSpec("sequence", (p["steps"], x.dims[0]))


@lru_cache(maxsize=1)
def _repeat_module():
    """The torch module, made on first use so that importing the block library needs no torch."""
    from torch import nn

    class RepeatVector(nn.Module):
        """[B, F] -> [B, steps, F]: the vector at every step."""

        def __init__(self, steps: int):
            super().__init__()
            self.steps = steps

        def forward(self, x):
            return x.unsqueeze(1).repeat(1, self.steps, 1)

        def extra_repr(self) -> str:
            return f"steps={self.steps}"

    return RepeatVector


BLOCKS = [
    BlockSpec(
        type="Flatten", category="Reshape", label="Flatten",
        help="Lays all values of an image out in one long row (a vector) so Dense layers can use them. "
             "On an image sequence every frame is flattened and time is kept.",
        when_to_use="Between convolution/pooling and Dense layers, or before an LSTM on a clip of frames.",
        params=(), infer=_infer_flatten, build=_build_flatten, color="#5e35b1",
        code=_code_flatten,
        glyph=(rect(0.12, 0.15, 0.3, 0.3), line(0.27, 0.52, 0.27, 0.68), line(0.12, 0.8, 0.88, 0.8),
               line(0.55, 0.3, 0.85, 0.3)),
    ),
    BlockSpec(
        type="ToSequence", category="Reshape", label="To sequence",
        help="Reads an image column by column: the width becomes time and each column (all channels and "
             "rows) becomes one step. This is how a CRNN lets an LSTM read what a CNN saw, e.g. handwriting.",
        when_to_use="Between the convolutional part and the recurrent part of a CRNN.",
        params=(), infer=_infer_to_sequence, build=_build_to_sequence, color="#5e35b1",
        code=lambda c: Code(f"{c.a}.permute(0, 3, 1, 2).flatten(2)", "columns become time steps"),
        glyph=tuple(line(0.2 + i * 0.15, 0.2, 0.2 + i * 0.15, 0.8) for i in range(3))
        + (line(0.68, 0.5, 0.88, 0.5), line(0.78, 0.4, 0.88, 0.5), line(0.78, 0.6, 0.88, 0.5)),
    ),
    BlockSpec(
        type="RepeatVector", category="Reshape", label="Repeat vector",
        help="Turns a vector into a sequence by repeating it: every time step is a copy of the vector. "
             "This lets an encoder's summary (a Dense layer, or a recurrent block's final memory) feed a "
             "recurrent decoder that writes out a whole sequence: one input, many outputs (one-to-many).",
        when_to_use="Between an encoder that ends in a vector and a recurrent decoder with 'Output every step' on: "
                    "generating a sequence from one summary, or a sequence autoencoder.",
        params=(Param("steps", "int", 10, "Steps", "How many time steps the sequence gets (copies of the vector).",
                      min=1, max=100_000),),
        infer=_infer_repeat, build=lambda p, ins: _repeat_module()(p["steps"]),
        summary=lambda p: f"{p['steps']} steps", color="#5e35b1",
        code=lambda c: Code(f"{c.a}.unsqueeze(1).repeat(1, {c.params['steps']}, 1)", "the vector at every step"),
        # a vector, an arrow, and the same vector at three steps
        glyph=(rect(0.1, 0.2, 0.16, 0.6), line(0.34, 0.5, 0.5, 0.5), line(0.43, 0.41, 0.5, 0.5),
               line(0.43, 0.59, 0.5, 0.5)) + tuple(line(0.62 + i * 0.13, 0.2, 0.62 + i * 0.13, 0.8) for i in range(3)),
        id_stem="repeat",
    ),
]
