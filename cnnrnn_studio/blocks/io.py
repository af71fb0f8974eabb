"""Input and Output blocks: where data enters and what the network is asked to predict."""

from __future__ import annotations

from .base import KIND_AXES, KINDS, BlockSpec, Param, ShapeError, TensorSpec
from .glyphs import dot, line, oval
from ..kinds import kind_title

_EXAMPLE = {"vector": "[13]", "image": "[1, 28, 28]", "sequence": "[100, 6] or [null, 6]",
            "image_sequence": "[8, 1, 16, 16]", "tokens": "[50] or [null]"}


def _infer_input(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    kind, shape = p["kind"], p["shape"]
    axes = KIND_AXES[kind]
    if len(shape) != len(axes):
        raise ShapeError(
            f"A {kind_title(kind)} input has {len(axes)} size(s) ({', '.join(axes)}), "
            f"but the shape {shape} has {len(shape)}. Example: {_EXAMPLE[kind]}.",
            field="shape",
        )
    for i, d in enumerate(shape):
        if d is None and axes[i] != "time":
            raise ShapeError(
                f"Only the time axis may be left open (null); {axes[i]} needs a size.", field="shape"
            )
    return TensorSpec(kind, tuple(shape))


def _infer_output(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    """One vector per sample, or a sequence [T, K]: a prediction at every time step."""
    x = ins[0]
    if x.kind not in ("vector", "sequence"):
        if x.kind in ("image", "image_sequence"):
            fix, how = {"action": "insert_before", "type": "Flatten"}, "Insert Flatten and a Dense layer before the Output."
        else:
            fix, how = None, "Add an Embedding and a recurrent block first."
        raise ShapeError(
            f"The Output needs one vector per sample (one number per class or target), or a sequence with "
            f"one such vector per time step, but it gets {kind_title(x.kind)} {x.show()}. {how}",
            fix=fix,
        )
    if p["task"] == "ctc":
        if x.kind != "sequence":
            raise ShapeError(
                f"CTC reads a sequence of per-step scores [T, C] (C = symbols + 1 blank), but the Output gets "
                f"{kind_title(x.kind)} {x.show()}: turn on 'Output every step' on the last recurrent block and "
                "remove any pooling over time after it.",
            )
        if x.dims[-1] < 2:
            raise ShapeError(
                "CTC needs at least 2 scores at every step (the blank and one symbol): set the last Dense's "
                "outputs to the number of symbols plus one.",
            )
        return x
    if p["task"] == "classification" and x.dims[-1] < 2:
        per = " at every step" if x.kind == "sequence" else ""
        raise ShapeError(
            f"A classifier needs at least 2 outputs{per}, one per class: set the last Dense's outputs to the "
            "number of classes.",
        )
    return x


BLOCKS = [
    BlockSpec(
        type="Input", category="Input/Output", label="Input",
        help="Where the data enters. Its kind says what one sample is (a vector of numbers, an image, a "
             "sequence over time, a clip of images, or a sentence as word ids) and its shape gives the sizes.",
        params=(
            Param("kind", "choice", "image", "Data kind", "What one sample is.", choices=KINDS),
            Param("shape", "shape", [1, 28, 28], "Shape",
                  "Sizes of one sample without the batch: vector [features], image [channels, height, width], "
                  "sequence [time, features], image sequence [time, channels, height, width], tokens [time]. "
                  "null leaves the time axis open."),
        ),
        infer=_infer_input, build=lambda p, ins: None, min_inputs=0, max_inputs=0,
        summary=lambda p: kind_title(p["kind"]), color="#455a64",
        glyph=(line(0.12, 0.5, 0.62, 0.5), line(0.45, 0.32, 0.63, 0.5), line(0.45, 0.68, 0.63, 0.5),
               line(0.82, 0.2, 0.82, 0.8)),
    ),
    BlockSpec(
        type="Output", category="Input/Output", label="Output",
        help="What the network predicts. Classification: one score per class, trained with cross-entropy. "
             "Regression: numbers, trained with mean squared error. Given a sequence [T, K] (a recurrent "
             "block with 'Output every step', then Dense) it predicts at every time step: a class or K "
             "numbers per step; padding steps never count. CTC: reads a label sequence (a string) from per-step "
             "scores [T, C] without per-step labels; C = number of symbols + 1, score 0 being the 'blank'; "
             "trained with connectionist temporal classification, read greedily (best score per step, "
             "repeats collapsed, blanks dropped).",
        params=(Param("task", "choice", "classification", "Task", "Predict a class, predict numbers, or read a sequence of symbols (CTC).",
                      choices=("classification", "regression", "ctc")),),
        infer=_infer_output, build=lambda p, ins: None, has_output=False,
        summary=lambda p: p["task"], color="#455a64",
        glyph=(oval(0.18, 0.18, 0.64, 0.64), dot(0.5, 0.5, 0.09)),
    ),
]
