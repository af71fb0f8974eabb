"""Converters for activations, dropout, softmax, Add, Mul, dense layers (Gemm, MatMul) and normalisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...blocks.onnx_weights import gemm_weights as _gemm_weights
from .tracked import _ConverterBase, _V

if TYPE_CHECKING:
    from onnx import NodeProto


class _LayerOps(_ConverterBase):
    """Activations, Dropout, Softmax, Add, Mul (Multiply, or SiLU for x * sigmoid(x)), Gemm and MatMul (Dense),
    BatchNorm and LayerNorm."""

    def _unary(self, node: NodeProto, btype: str, params: dict | None = None) -> None:
        x = self.vals[node.input[0]]
        if x.kind not in ("vector", "image", "seq"):
            self.fail(node, "is applied to something that is not a layer's output.")
        bid = self.new_block(btype, params or {}, [x.block])
        self._set(node, _V(bid, x.kind, x.roles))

    def _op_Relu(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._unary(node, "ReLU")

    def _op_Tanh(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._unary(node, "Tanh")

    def _op_Sigmoid(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._unary(node, "Sigmoid")
        self.sigmoid_of[node.output[0]] = node.input[0]

    def _op_LeakyRelu(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._unary(node, "LeakyReLU", {"negative_slope": float(a.get("alpha", 0.01))})

    def _op_Clip(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        # Opsets before 11 hold the range in attributes, later ones in (optional) inputs.
        lo, hi = a.get("min"), a.get("max")
        if self.opset >= 11:
            lo = hi = None
            if len(node.input) > 1 and node.input[1]:
                lo = self.const(node.input[1], node, "a fixed lower bound")
            if len(node.input) > 2 and node.input[2]:
                hi = self.const(node.input[2], node, "a fixed upper bound")
        lo = None if lo is None else float(np.asarray(lo).reshape(-1)[0])
        hi = None if hi is None else float(np.asarray(hi).reshape(-1)[0])
        if lo != 0.0 or hi != 6.0:
            def show(v: float | None) -> str:
                return "none" if v is None else f"{v:g}"
            self.fail(node, f"clips values to the range {show(lo)}..{show(hi)}; only the range 0..6 (ReLU6) has a block.")
        self._unary(node, "ReLU6")

    def _op_HardSwish(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._unary(node, "HardSwish")

    def _op_HardSigmoid(self, node: NodeProto, a: dict[str, Any]) -> None:
        alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
        if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
            self.fail(node, f"computes max(0, min(1, {alpha:g} * x + {beta:g})); only torch's hard sigmoid "
                            "(x / 6 + 0.5) has a block.")
        self._unary(node, "HardSigmoid")

    def _op_Dropout(self, node: NodeProto, a: dict[str, Any]) -> None:
        ratio = float(a.get("ratio", 0.5))
        if len(node.input) > 1 and node.input[1]:
            ratio = float(self.const(node.input[1], node, "a fixed ratio"))
        if len(node.output) > 1 and node.output[1] and self.uses.get(node.output[1]):
            self.fail(node, "has its dropout mask used; the studio cannot do that.")
        self._unary(node, "Dropout", {"p": min(max(ratio, 0.0), 0.99)})

    def _op_Softmax(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        axis = axis % len(x.roles)
        if x.kind not in ("vector", "seq", "image") or axis != self._feature_axis(x) \
                or (x.kind == "vector" and len(x.roles) != 2):
            self.fail(node, "is not over the features or channels; the studio's Softmax is.")
        self._unary(node, "Softmax")

    def _op_Add(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        xs = [self.vals.get(i) for i in node.input]
        if all(x is not None for x in xs):
            first = self._alike(node, xs, "adds")
            bid = self.new_block("Add", {}, [x.block for x in xs])
            return self._set(node, _V(bid, first.kind, first.roles))
        tracked = [i for i in node.input if i in self.vals]
        const = [i for i in node.input if i in self.consts]
        if len(tracked) == 1 and len(const) == 1:
            x = self.vals[tracked[0]]
            b = self.blocks[x.block]
            c = np.asarray(self.consts[const[0]], dtype=np.float32)
            if b.open_bias and self.uses.get(tracked[0], 0) == 1 and c.size == b.params["out_features"] \
                    and c.shape[-1] == c.size:
                b.params["bias"] = True
                b.weights["bias"] = c.reshape(-1)
                b.open_bias = False
                return self._set(node, x)
        self.fail(node, "adds a constant to a value; only a Dense layer's bias (MatMul + Add) has a block.")

    def _op_Mul(self, node: NodeProto, a: dict[str, Any]) -> None:
        """x * sigmoid(x) is SiLU (both torch exporters write nn.SiLU so); any other product of layers'
        outputs is a Multiply, where a vector of one value per channel scales the channels (a gate)."""
        xs = [self.vals.get(i) for i in node.input]
        if any(x is None for x in xs):
            self.fail(node, "multiplies a value by a constant; the studio's Multiply multiplies layers' outputs only.")
        for k in (0, 1):
            gate, x_name = node.input[k], node.input[1 - k]
            if self.sigmoid_of.get(gate) == x_name and self.uses.get(gate, 0) == 1:
                del self.blocks[self.vals[gate].block]  # the Sigmoid is part of the SiLU
                x = self.vals[x_name]
                bid = self.new_block("SiLU", {}, [x.block])
                return self._set(node, _V(bid, x.kind, x.roles))
        if len({x.block for x in xs}) < len(xs):
            self.fail(node, "multiplies a value by itself; no block squares a value.")
        shaped = [x for x in xs if x.kind != "vector"]
        first = self._alike(node, shaped or xs, "multiplies")
        for x in xs:
            if x.kind == "vector" and x.roles != first.roles and not self._scales_channels(x, first):
                self.fail(node, "multiplies by a vector whose axes do not line up with the channels of the other "
                                "input; the studio's Multiply scales each channel by one number.")
        bid = self.new_block("Multiply", {}, [x.block for x in xs])
        self._set(node, _V(bid, first.kind, first.roles))

    @staticmethod
    def _scales_channels(gate: _V, x: _V) -> bool:
        """The gate's axes are x's batch and channels (features) in x's places, with size 1 elsewhere:
        [N, C, 1, 1] beside an image [N, C, H, W] after a global pool, say."""
        if len(gate.roles) != len(x.roles):
            return False
        want = {"N": "N", "C": "F", "F": "F"}
        return all(g == want.get(r, 1) for g, r in zip(gate.roles, x.roles))

    def _op_Gemm(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        if x.kind != "vector" or x.roles != ("N", "F") or a.get("transA", 0):
            self.fail(node, "multiplies something that is not a batch of vectors.")
        import numpy as np

        consts = {n: np.asarray(self.const(n, node), dtype=np.float32) for n in node.input[1:] if n}
        b = consts[node.input[1]]
        if b.ndim != 2:
            self.fail(node, f"multiplies by weights of shape {list(b.shape)}; a Dense layer's are a 2-D matrix.")
        n_out = b.shape[1 if not a.get("transB", 0) else 0]
        if len(node.input) > 2 and node.input[2]:
            c = consts[node.input[2]]
            rows = c.reshape(-1, c.shape[-1]) if c.ndim >= 2 else c.reshape(1, -1)
            if c.ndim > 2 or rows.shape[-1] not in (1, n_out) or (c.ndim == 2 and rows.shape[0] > 1
                                                                  and np.any(rows != rows[:1])):
                self.fail(node, f"adds a bias of shape {list(c.shape)} that differs from sample to sample; a Dense "
                                f"layer adds one bias per output ({n_out} values, or a [1, {n_out}] row).")
            consts[node.input[2]] = rows[0]
        w = _gemm_weights(node, consts)
        bid = self.new_block("Dense", {"out_features": int(w["weight"].shape[0]), "bias": "bias" in w}, [x.block], w)
        self._set(node, _V(bid, "vector", ("N", "F")))

    def _op_MatMul(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        x = self.vals.get(node.input[0])
        if x is None or node.input[1] not in self.consts:
            self.fail(node, "multiplies two computed values; the studio's Dense multiplies by stored weights.")
        w = np.asarray(self.consts[node.input[1]], dtype=np.float32)
        if w.ndim != 2 or x.kind not in ("vector", "seq") or x.roles[-1] != "F" or (x.kind == "vector" and len(x.roles) != 2):
            self.fail(node, "is not a layer over the features (weights [in, out] after the features axis).")
        bid = self.new_block("Dense", {"out_features": int(w.shape[1]), "bias": False}, [x.block], {"weight": w.T.copy()})
        self.blocks[bid].open_bias = True
        self._set(node, _V(bid, x.kind, x.roles))

    def _op_BatchNormalization(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        x = self.vals[node.input[0]]
        ok = (x.kind == "vector" and x.roles == ("N", "F")) or (x.kind == "image" and x.roles == ("N", "C", "H", "W")) \
            or (x.kind == "seq" and x.roles == ("N", "F", "T"))
        if not ok:
            self.fail(node, "normalises an axis other than the channels/features.")
        if a.get("training_mode", 0) or (len(node.output) > 1 and any(self.uses.get(o) for o in node.output[1:] if o)):
            self.fail(node, "is in training mode; export the model for inference.")
        w = {k: np.asarray(self.const(node.input[i], node), dtype=np.float32)
             for i, k in enumerate(("weight", "bias", "running_mean", "running_var"), 1)}
        params = {"eps": float(a.get("epsilon", 1e-5)), "momentum": round(1.0 - float(a.get("momentum", 0.9)), 6)}
        bid = self.new_block("BatchNorm", params, [x.block], w)
        self._set(node, _V(bid, x.kind, x.roles))

    def _op_LayerNormalization(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        x = self.vals[node.input[0]]
        axis = a.get("axis", -1) % len(x.roles)
        ok = (x.kind in ("vector", "seq") and x.roles[-1] == "F" and axis == len(x.roles) - 1 and
              (x.kind == "seq" or len(x.roles) == 2)) or (x.kind == "image" and x.roles == ("N", "C", "H", "W") and axis == 1)
        if not ok or len(node.input) < 3 or not node.input[2]:
            self.fail(node, "normalises other axes than the studio's LayerNorm (features, or a whole image), "
                            "or has no bias.")
        w = {"weight": np.asarray(self.const(node.input[1], node), dtype=np.float32),
             "bias": np.asarray(self.const(node.input[2], node), dtype=np.float32)}
        bid = self.new_block("LayerNorm", {"eps": float(a.get("epsilon", 1e-5))}, [x.block], w)
        self._set(node, _V(bid, x.kind, x.roles))


# ONNX operator -> its converter, called with the converter, the node and its attributes.
OPS: dict[str, Callable[..., None]] = {
    "Relu": _LayerOps._op_Relu,
    "Tanh": _LayerOps._op_Tanh,
    "Sigmoid": _LayerOps._op_Sigmoid,
    "LeakyRelu": _LayerOps._op_LeakyRelu,
    "Clip": _LayerOps._op_Clip,
    "HardSwish": _LayerOps._op_HardSwish,
    "HardSigmoid": _LayerOps._op_HardSigmoid,
    "Dropout": _LayerOps._op_Dropout,
    "Softmax": _LayerOps._op_Softmax,
    "Add": _LayerOps._op_Add,
    "Mul": _LayerOps._op_Mul,
    "Gemm": _LayerOps._op_Gemm,
    "MatMul": _LayerOps._op_MatMul,
    "BatchNormalization": _LayerOps._op_BatchNormalization,
    "LayerNormalization": _LayerOps._op_LayerNormalization,
}
