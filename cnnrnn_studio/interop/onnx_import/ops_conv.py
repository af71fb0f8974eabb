"""Converters for convolutions and pools (windowed, global, and ReduceMean/ReduceMax as pools)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NoReturn

from .read import _to_str
from .tracked import _ConverterBase, _V

if TYPE_CHECKING:
    from onnx import NodeProto


class _ConvOps(_ConverterBase):
    """Conv, MaxPool/AveragePool (min pools too), global pools, and ReduceMean/ReduceMax as global pools."""

    def _spatial(self, node: NodeProto, x: _V, n_kernel: int) -> int:
        """1 for a channels-first sequence, 2 for an image; anything else cannot be done."""
        if x.kind == "image" and x.roles == ("N", "C", "H", "W") and n_kernel == 2:
            return 2
        if x.kind == "seq" and x.roles == ("N", "F", "T") and n_kernel == 1:
            return 1
        self.fail(node, "slides over data laid out in a way the studio's 1-D/2-D layers do not read "
                        "(they need [batch, channels, time] or [batch, channels, height, width]).")

    @staticmethod
    def _pads(node: NodeProto, a: dict[str, Any], n: int, fail: Callable[..., NoReturn]) -> list[int]:
        pads = list(a.get("pads", [0] * (2 * n)))
        if pads[:n] != pads[n:]:
            fail(node, f"pads the borders unevenly ({pads}); the studio pads both sides alike.")
        return pads[:n]

    @staticmethod
    def _one(v: list[int]) -> int | list[int]:
        return v[0] if len(set(v)) == 1 else list(v)

    def _op_Conv(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        x = self.vals[node.input[0]]
        w = np.asarray(self.const(node.input[1], node), dtype=np.float32)
        if x.kind == "vector":
            return self._conv_on_channels(node, a, x, w)
        n = w.ndim - 2
        dims = self._spatial(node, x, n)
        k = list(a.get("kernel_shape", w.shape[2:]))
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        auto = _to_str(a.get("auto_pad", "NOTSET"))
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            if any(s != 1 for s in strides) or (auto == "SAME_LOWER" and any((d * (q - 1)) % 2 for d, q in zip(dil, k))):
                self.fail(node, f"uses auto_pad={auto} with a stride or kernel the studio's 'same' padding differs from.")
            padding: Any = "same"
        elif auto == "VALID":
            padding = 0
        else:
            padding = self._one(self._pads(node, a, n, self.fail))
        params = {"out_channels": int(w.shape[0]), "kernel_size": self._one(k), "stride": self._one(strides),
                  "padding": padding, "dilation": self._one(dil), "groups": int(a.get("group", 1)),
                  "bias": len(node.input) > 2 and bool(node.input[2])}
        weights = {"weight": w}
        if params["bias"]:
            weights["bias"] = np.asarray(self.const(node.input[2], node), dtype=np.float32)
        bid = self.new_block("Conv1d" if dims == 1 else "Conv2d", params, [x.block], weights)
        self._set(node, _V(bid, x.kind, x.roles))

    def _conv_on_channels(self, node: NodeProto, a: dict[str, Any], x: _V, w: Any) -> None:
        """A 1x1 convolution of one value per channel ([N, C, 1, 1] after a global pool, as squeeze-and-
        excitation blocks write their layers) is a Dense layer on the vector."""
        import numpy as np

        n = w.ndim - 2
        if x.roles[:2] != ("N", "F") or len(x.roles) != n + 2 or any(r != 1 for r in x.roles[2:]):
            self.fail(node, "slides over a vector laid out in a way the studio's layers do not read.")
        if any(k != 1 for k in w.shape[2:]) or any(self._pads(node, a, n, self.fail)) or int(a.get("group", 1)) != 1:
            self.fail(node, "convolves one value per channel (after a global pool) with a window wider than 1, "
                            "padding or groups; only a plain 1x1 convolution there (a Dense layer) has a block.")
        weights = {"weight": w.reshape(w.shape[0], w.shape[1])}
        if len(node.input) > 2 and node.input[2]:
            weights["bias"] = np.asarray(self.const(node.input[2], node), dtype=np.float32)
        bid = self.new_block("Dense", {"out_features": int(w.shape[0]), "bias": "bias" in weights}, [x.block], weights)
        self._set(node, _V(bid, "vector", x.roles))

    def _pool(self, node: NodeProto, a: dict[str, Any], op: str) -> None:
        x = self.vals[node.input[0]]
        k = list(a["kernel_shape"])
        n = len(k)
        dims = self._spatial(node, x, n)
        if any(d != 1 for d in a.get("dilations", [1] * n)):
            self.fail(node, "uses dilation; the studio's pools do not.")
        if _to_str(a.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID"):
            self.fail(node, "uses automatic 'same' padding; the studio's pools pad by a number.")
        pads = self._pads(node, a, n, self.fail)
        if op == "Avg" and any(pads) and not a.get("count_include_pad", 0):
            self.fail(node, "leaves the padding out of its averages; the studio's average pool counts it.")
        if any(2 * p > q for p, q in zip(pads, k)):
            self.fail(node, "pads by more than half its window.")
        if len(node.output) > 1 and node.output[1] and self.uses.get(node.output[1]):
            self.fail(node, "returns the positions of its maxima; the studio's pool does not.")
        params = {"kernel_size": self._one(k), "stride": self._one(list(a.get("strides", [1] * n))),
                  "padding": self._one(pads), "ceil_mode": bool(a.get("ceil_mode", 0))}
        if x.neg and any(pads):
            self.fail(node, "pads a negated input; a min pool's padding would differ.")
        if x.neg and op != "Max":
            self.fail(node, "averages negated values; only -maxpool(-x) has a block (min pool).")
        bid = self.new_block(f"{'Min' if x.neg else op}Pool{dims}d", params, [x.block])
        self._set(node, _V(bid, x.kind, x.roles, neg=x.neg))

    def _op_MaxPool(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._pool(node, a, "Max")

    def _op_AveragePool(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._pool(node, a, "Avg")

    def _global(self, node: NodeProto, x: _V, mode: str, axes: list[int], keep: bool) -> None:
        if x.kind == "image" and x.roles == ("N", "C", "H", "W") and sorted(axes) == [2, 3]:
            roles = ("N", "F", 1, 1) if keep else ("N", "F")
        elif x.kind == "seq" and axes == [x.roles.index("T")]:
            roles = tuple((1 if q == "T" else q) for q in x.roles) if keep else tuple(q for q in x.roles if q != "T")
        else:
            self.fail(node, "pools over axes other than the image's height and width or the sequence's time.")
        bid = self.new_block("GlobalAvgPool" if mode == "avg" else "GlobalMaxPool", {}, [x.block])
        self._set(node, _V(bid, "vector", roles))

    def _op_GlobalAveragePool(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        self._global(node, x, "avg", list(range(2, len(x.roles))), True)

    def _op_GlobalMaxPool(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        self._global(node, x, "max", list(range(2, len(x.roles))), True)

    def _reduce(self, node: NodeProto, a: dict[str, Any], mode: str) -> None:
        x = self.vals[node.input[0]]
        axes = self.axes_arg(node, a)
        if axes is None:
            self.fail(node, "reduces over every axis, batch included.")
        self._global(node, x, mode, sorted(q % len(x.roles) for q in axes), bool(a.get("keepdims", 1)))

    def _op_ReduceMean(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._reduce(node, a, "avg")

    def _op_ReduceMax(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._reduce(node, a, "max")


# ONNX operator -> its converter, called with the converter, the node and its attributes.
OPS: dict[str, Callable[..., None]] = {
    "Conv": _ConvOps._op_Conv,
    "MaxPool": _ConvOps._op_MaxPool,
    "AveragePool": _ConvOps._op_AveragePool,
    "GlobalAveragePool": _ConvOps._op_GlobalAveragePool,
    "GlobalMaxPool": _ConvOps._op_GlobalMaxPool,
    "ReduceMean": _ConvOps._op_ReduceMean,
    "ReduceMax": _ConvOps._op_ReduceMax,
}
