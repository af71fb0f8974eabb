"""Recurrent blocks (RNN, LSTM, GRU) and the Embedding that feeds them words."""

from __future__ import annotations

from .base import BlockSpec, Code, CodeIn, Param, ShapeError, TensorSpec
from .glyphs import line, loop_arrow, rect
from .onnx_weights import embedding_weights, recurrent_weights
from .rules import num_text, steps
from ..kinds import kind_title

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

RNN_PARAMS = (
    Param("hidden_size", "int", 64, "Memory size", "How many numbers the block keeps as its memory (hidden state) per step.", min=1, max=65536),
    Param("num_layers", "int", 1, "Layers", "Recurrent layers stacked on top of each other.", min=1, max=32),
    Param("bidirectional", "bool", False, "Both directions", "Also read the sequence backwards and join both views.", optional=False),
    Param("dropout", "float", 0.0, "Dropout between layers", "Dropout between stacked layers (needs 2+ layers).", min=0.0, max=0.99),
    Param("return_sequences", "bool", False, "Output every step",
          "On: an output at every time step (to feed another recurrent block). Off: only the final memory, one vector per sample."),
)

_HELP = {
    "RNN": ("The simplest recurrent layer: reads the sequence step by step and updates a memory from the "
            "previous memory and the new input. Over long sequences its gradients fade away (vanishing "
            "gradients), so it forgets what came early.",
            "Short sequences, and to see for yourself why LSTM and GRU were invented."),
    "LSTM": ("Long Short-Term Memory: a recurrent layer with gates that decide what to forget, what to store "
             "and what to output. Its cell state carries information across many steps without fading, "
             "which is why it learns long-range order where a plain RNN cannot.",
             "Sequences where order and long memory matter: sensor activities, text, forecasting."),
    "GRU": ("Gated Recurrent Unit: like an LSTM with two gates instead of three and no separate cell, so it "
            "is smaller and faster, and usually about as accurate.",
            "Like LSTM, when you want fewer weights or faster training."),
}


def _infer(name: str):
    def infer(p: dict, ins: list[TensorSpec]) -> TensorSpec:
        x = ins[0]
        if x.kind != "sequence":
            if x.kind == "image":
                raise ShapeError(
                    f"{name} reads a sequence [time, features], but it gets an image {x.show()}. "
                    "Insert ToSequence before it to read the image column by column (the CRNN way), "
                    "or use Conv2d for images.",
                    fix={"action": "insert_before", "type": "ToSequence"},
                )
            if x.kind == "image_sequence":
                raise ShapeError(
                    f"{name} reads a sequence [time, features], but it gets an image sequence {x.show()}. "
                    "Insert Flatten (or GlobalAvgPool) before it to turn every frame into a vector.",
                    fix={"action": "insert_before", "type": "Flatten"},
                )
            if x.kind == "tokens":
                raise ShapeError(
                    f"{name} needs vectors at each step, but it gets word ids {x.show()}. Insert an Embedding before it.",
                    fix={"action": "insert_before", "type": "Embedding"},
                )
            raise ShapeError(
                f"{name} reads a sequence [time, features], but it gets a flat vector {x.show()} with no time axis. "
                "Set the Input's kind to sequence, or set 'Output every step' on the recurrent block before it.",
            )
        if p["dropout"] > 0 and p["num_layers"] < 2:
            raise ShapeError("Dropout between layers needs 2 or more layers. Set dropout to 0 or add a layer.",
                             field="dropout")
        width = p["hidden_size"] * (2 if p["bidirectional"] else 1)
        if p["return_sequences"]:
            return TensorSpec("sequence", (x.dims[0], width))
        return TensorSpec("vector", (width,))
    return infer


def _count(name: str):
    def count(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
        g, h, dirs = _GATES[name], p["hidden_size"], 2 if p["bidirectional"] else 1
        params = macs = 0
        fin = ins[0].features
        for layer in range(p["num_layers"]):
            i = fin if layer == 0 else h * dirs
            params += dirs * g * (h * i + h * h + 2 * h)
            macs += dirs * g * h * (i + h)
        return params, macs * steps(ins[0])
    return count


def _build(name: str):
    def build(p: dict, ins: list[TensorSpec]):
        from .modules import Recurrent

        return Recurrent(name, ins[0].features, p["hidden_size"], p["num_layers"], p["bidirectional"],
                         p["dropout"], p["return_sequences"])
    return build


def _summary(p: dict) -> str:
    s = f"{p['hidden_size']} units"
    if p["num_layers"] > 1:
        s += f" x{p['num_layers']}"
    if p["bidirectional"]:
        s += ", both ways"
    if p["return_sequences"]:
        s += ", every step"
    return s


def _code_layer(cell: str):
    def layer(p: dict, ins: list[TensorSpec]) -> str:
        args = [str(ins[0].features), str(p["hidden_size"])]
        if p["num_layers"] != 1:
            args.append(f"num_layers={p['num_layers']}")
        args.append("batch_first=True")
        if p["bidirectional"]:
            args.append("bidirectional=True")
        if p["num_layers"] > 1 and p["dropout"] > 0:
            args.append(f"dropout={num_text(p['dropout'])}")
        return f"nn.{cell}({', '.join(args)})"
    return layer


def _code(cell: str):
    def code(c: CodeIn) -> Code:
        """torch's recurrent layers return (output, state): pick what the studio's Recurrent returns."""
        p = c.params
        if p["return_sequences"]:
            return Code(f"{c.layer}({c.a})[0]", "the output at every step")
        state = "(h, _)" if cell == "LSTM" else "h"
        dirs = 2 if p["bidirectional"] else 1
        pre = ((f"_, {state} = {c.layer}({c.a})",
                f"h: final state of every layer{' and direction' if dirs > 1 else ''} "
                f"[{p['num_layers'] * dirs}, B, {p['hidden_size']}]"),)
        if p["bidirectional"]:
            return Code("torch.cat((h[-2], h[-1]), dim=1)", "last layer, both directions", pre)
        return Code("h[-1]", "last layer's final state", pre)
    return code


# The loop arrow; a gate bar for the gated cells (longer for LSTM's extra memory cell).
_GATE_BAR = {"RNN": (), "LSTM": (line(0.5, 0.38, 0.5, 0.62),), "GRU": (line(0.5, 0.38, 0.5, 0.55),)}

BLOCKS = [
    BlockSpec(type=n, category="Recurrent", label=n, help=_HELP[n][0], when_to_use=_HELP[n][1],
              params=RNN_PARAMS, infer=_infer(n), count=_count(n), build=_build(n), summary=_summary,
              color="#e53935", code_layer=_code_layer(n), code=_code(n), module_prefix="rnn.",
              onnx_weights=recurrent_weights(n), glyph=loop_arrow() + _GATE_BAR[n], family=n)
    for n in ("RNN", "LSTM", "GRU")
]


def _infer_embedding(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    if x.kind != "tokens":
        raise ShapeError(
            f"Embedding turns word ids into vectors, so it needs an Input of kind 'tokens'; it gets "
            f"{kind_title(x.kind)} {x.show()}.",
        )
    return TensorSpec("sequence", (x.dims[0], p["embedding_dim"]))


def _build_embedding(p: dict, ins: list[TensorSpec]):
    from torch import nn

    return nn.Embedding(p["num_embeddings"], p["embedding_dim"], padding_idx=0)


BLOCKS.append(BlockSpec(
    type="Embedding", category="Recurrent", label="Embedding",
    help="Gives every word id a learned vector, so that words used alike end up close together. "
         "Word id 0 is padding and stays zero.",
    when_to_use="The first block after a text (tokens) Input.",
    params=(
        Param("num_embeddings", "int", 1000, "Vocabulary size", "How many different word ids there are.", min=2, max=10_000_000),
        Param("embedding_dim", "int", 32, "Vector size", "How many numbers describe each word.", min=1, max=65536),
    ),
    infer=_infer_embedding,
    count=lambda p, ins, out: (p["num_embeddings"] * p["embedding_dim"], 0),
    build=_build_embedding, summary=lambda p: f"{p['num_embeddings']} words -> {p['embedding_dim']}",
    color="#6d4c41",
    code_layer=lambda p, ins: f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']}, padding_idx=0)",
    code=lambda c: Code(f"{c.layer}({c.a})", vocab=c.params["num_embeddings"]),
    onnx_weights=embedding_weights, id_stem="embed",
    glyph=tuple(s for i, fy in enumerate((0.3, 0.5, 0.7))
                for s in (line(0.15, fy, 0.35, fy), rect(0.5, fy - 0.07, 0.2 + 0.1 * i, 0.14))),
))
