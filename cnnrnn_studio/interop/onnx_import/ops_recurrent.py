"""Converters for the recurrent layers: ONNX LSTM, GRU and RNN nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .read import _DEFAULT_ACTS, _to_str
from ...blocks.onnx_weights import rnn_weights_to_torch
from .tracked import _ConverterBase, _V

if TYPE_CHECKING:
    from onnx import NodeProto


class _RecurrentOps(_ConverterBase):
    """LSTM, GRU and RNN nodes, with their weights in torch's layout."""

    def _recurrent(self, node: NodeProto, a: dict[str, Any], cell: str) -> None:
        import numpy as np

        x = self.vals[node.input[0]]
        layout = a.get("layout", 0)
        # layout 0 reads [time, batch, features]; layout 1 (batch first) the studio's own [batch, time, features]
        wanted = ("T", "N", "F") if layout == 0 else ("N", "T", "F")
        if x.kind != "seq" or x.roles != wanted or layout not in (0, 1):
            self.fail(node, "reads a sequence stored in an order the studio does not follow.")
        direction = _to_str(a.get("direction", "forward"))
        if direction == "reverse":
            self.fail(node, "reads the sequence backwards only; the studio reads forwards or both ways.")
        dirs = 2 if direction == "bidirectional" else 1
        acts = _to_str(a.get("activations")) or _DEFAULT_ACTS[cell] * dirs
        if [s.lower() for s in acts] != [s.lower() for s in _DEFAULT_ACTS[cell] * dirs]:
            self.fail(node, f"uses activations {acts}; the studio's {cell} uses {_DEFAULT_ACTS[cell]}.")
        if "clip" in a or a.get("input_forget", 0):
            self.fail(node, "clips or couples its gates; the studio's recurrent layers do not.")
        if cell == "GRU" and not a.get("linear_before_reset", 0):
            self.fail(node, "uses linear_before_reset=0: it multiplies the state by the reset gate before the "
                            "recurrent weights, R(r*h). The studio's GRU is torch's, which applies the gate after "
                            "them, r*(Rh + b) (linear_before_reset=1); the two compute different numbers and no "
                            "change of weights turns one into the other, so it cannot be imported exactly.")
        extra = list(node.input[4:])
        if extra and extra[0]:
            self.fail(node, "takes per-sample sequence lengths; the studio's batches have equal lengths.")
        for name in extra[1:3]:
            if name and not (name in self.zeros or (name in self.consts and not np.any(self.consts[name]))):
                self.fail(node, "starts from a given state; the studio's recurrent layers start from zeros.")
        if len(extra) > 3 and extra[3] and np.any(self.const(extra[3], node)):
            self.fail(node, "has peephole connections; the studio's LSTM does not.")
        W = np.asarray(self.const(node.input[1], node), dtype=np.float32)
        R = np.asarray(self.const(node.input[2], node), dtype=np.float32)
        B = np.asarray(self.const(node.input[3], node), dtype=np.float32) if len(node.input) > 3 and node.input[3] else None
        hidden = int(a.get("hidden_size", R.shape[-1]))
        params = {"hidden_size": hidden, "num_layers": 1, "bidirectional": dirs == 2, "dropout": 0.0,
                  "return_sequences": False}
        bid = self.new_block(cell, params, [x.block], rnn_weights_to_torch(cell, W, R, B, 0))
        y_roles, h_roles = (("T", "D", "N", "H"), ("D", "N", "H")) if layout == 0 else (("N", "T", "D", "H"), ("N", "D", "H"))
        self._set(node, _V(bid, "rnn_y", y_roles, chain=(node.output[0],)), 0)
        if len(node.output) > 1 and node.output[1]:
            self._set(node, _V(bid, "rnn_h", h_roles, tuple((bid, d) for d in range(dirs))), 1)
        if len(node.output) > 2 and node.output[2] and self.uses.get(node.output[2]):
            self.fail(node, "has its cell state used; the studio's LSTM gives its hidden state.")

    def _op_LSTM(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._recurrent(node, a, "LSTM")

    def _op_GRU(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._recurrent(node, a, "GRU")

    def _op_RNN(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._recurrent(node, a, "RNN")


# ONNX operator -> its converter, called with the converter, the node and its attributes.
OPS: dict[str, Callable[..., None]] = {
    "LSTM": _RecurrentOps._op_LSTM,
    "GRU": _RecurrentOps._op_GRU,
    "RNN": _RecurrentOps._op_RNN,
}
