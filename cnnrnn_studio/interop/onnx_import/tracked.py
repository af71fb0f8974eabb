"""What the translation of a foreign file keeps track of: each ONNX value as a studio block plus
the order its axes are stored in, sizes computed from tensor shapes, the blocks made so far;
and the converter's state and helpers that the operator converters (ops_*.py) share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import OnnxImportError

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto


def article(word: str) -> str:
    """'a' or 'an' before an operator or block name: an AveragePool, an LSTM, a Gemm, an RNN."""
    if word[:1].upper() in "AEIOU":
        return "an"
    # initialisms read letter by letter: an LSTM, an RNN, an MLP (but a GRU)
    if len(word) > 1 and word[:2].isupper() and word[0] in "FHLMNRSX":
        return "an"
    return "a"


@dataclass
class _V:
    """A tracked ONNX value: the studio block that makes it and how its axes are stored."""

    block: str
    kind: str                 # vector | image | seq | tokens | rnn_y | rnn_h | rnn_dir
    roles: tuple = ()         # physical axis roles: N T F C H W D(irections) 1(singleton)
    entries: tuple = ()       # rnn_h: ((block, direction), ...) in stacking order; rnn_dir: one entry
    neg: bool = False         # negated (the -x of a min pool written as -maxpool(-x))
    chain: tuple = ()         # a recurrent layer's every-step output: the ONNX values from its Y to here


@dataclass
class _Sym:
    """A shape computed from tensor sizes: ints and ("dim", value name, axis) items."""

    items: list


@dataclass
class _Block:
    id: str
    type: str
    params: dict
    inputs: list[str] = field(default_factory=list)
    weights: dict = field(default_factory=dict)
    open_bias: bool = False  # a Dense made from MatMul whose bias may follow as an Add


_STEMS = {"Conv1d": "conv", "Conv2d": "conv", "Input": "input", "Output": "output", "BatchNorm": "bn",
          "LayerNorm": "ln", "Embedding": "embed"}


class _ConverterBase:
    """The translation's state and the helpers every operator converter uses."""

    def __init__(self, proto: ModelProto, path: Path, notes: list[str]) -> None:
        self.proto = proto
        self.path = path
        self.notes = notes
        self.opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 13)
        self.consts: dict[str, Any] = {}
        self.vals: dict[str, _V] = {}
        self.syms: dict[str, _Sym] = {}
        self.zeros: set[str] = set()
        self.blocks: dict[str, _Block] = {}
        self.uses: dict[str, int] = {}
        self.rnn_use: dict[str, str] = {}  # rnn block -> "sequence" | "final"
        self.sigmoid_of: dict[str, str] = {}  # a Sigmoid's output -> its input (x * sigmoid(x) is SiLU)

    def fail(self, node: NodeProto, why: str) -> NoReturn:
        label = f"node '{node.name}' ({node.op_type})" if node.name else f"{article(node.op_type)} {node.op_type} node"
        raise OnnxImportError(f"{label} {why}", where=str(self.path))

    def new_block(self, btype: str, params: dict, inputs: list[str], weights: dict | None = None) -> str:
        stem = _STEMS.get(btype, btype.lower())
        i = 1
        while f"{stem}{i}" in self.blocks:
            i += 1
        bid = f"{stem}{i}"
        self.blocks[bid] = _Block(bid, btype, params, list(inputs), dict(weights or {}))
        return bid

    def const(self, name: str, node: NodeProto | None = None, what: str = "a weight") -> Any:
        if name not in self.consts:
            self.fail(node, f"needs {what} stored in the file, but it is computed; the studio cannot import that.")
        return self.consts[name]

    def axes_arg(self, node: NodeProto, a: dict[str, Any]) -> list[int] | None:
        if "axes" in a:
            return [int(x) for x in a["axes"]]
        if len(node.input) > 1 and node.input[1]:
            return [int(x) for x in self.const(node.input[1], node, "its axes").reshape(-1)]
        return None

    def _set(self, node: NodeProto, v: _V, k: int = 0) -> None:
        self.vals[node.output[k]] = v

    def _alike(self, node: NodeProto, xs: list[_V], does: str) -> _V:
        """The first of xs, once all are layer outputs of one kind stored in one order (Add, Concat)."""
        first = xs[0]
        if any(x.kind != first.kind or x.roles != first.roles for x in xs) or first.kind not in ("vector", "image", "seq"):
            self.fail(node, f"{does} tensors of different kinds or layouts.")
        return first

    def _feature_axis(self, x: _V) -> int | None:
        for r in ("F", "C"):
            if r in x.roles:
                return x.roles.index(r)
        return None

    def _mark_rnn(self, node: NodeProto, bid: str, use: str) -> None:
        prev = self.rnn_use.get(bid)
        if prev is not None and prev != use:
            self.fail(node, "uses both the every-step output and the final state of one recurrent layer; a studio "
                            "recurrent block gives one or the other.")
        self.rnn_use[bid] = use
        self.blocks[bid].params["return_sequences"] = use == "sequence"

    def _final(self, node: NodeProto, entries: tuple) -> _V:
        """A vector from final states: one direction of a one-way layer, or both of a two-way one."""
        bids = {b for b, _ in entries}
        if len(bids) != 1:
            self.fail(node, "joins the final states of different layers; the studio gives one layer's.")
        bid = bids.pop()
        dirs = 2 if self.blocks[bid].params["bidirectional"] else 1
        if [d for _, d in entries] != list(range(dirs)):
            self.fail(node, "uses the final states of a recurrent layer in an order or part the studio does not.")
        self._mark_rnn(node, bid, "final")
        return _V(bid, "vector", ("N", "F"))
