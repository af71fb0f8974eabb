"""Reading a block's weights back from the ONNX nodes the studio exported for it.

Pure functions over (nodes, constants): nodes are ONNX NodeProtos (or anything with `.op_type`,
`.input` and `.attribute`), constants are numpy arrays by value name. No onnx import here; numpy
is imported inside the functions, so importing the block library stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# ONNX gate order -> torch gate order: LSTM iofc -> ifgo, GRU zrh -> rzn.
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
TORCH_FROM_ONNX = {"LSTM": (0, 2, 3, 1), "GRU": (1, 0, 2), "RNN": (0,)}


def attr(node, name: str, default: Any = None) -> Any:
    """A scalar attribute (int, float or string) of an ONNX node, or `default`."""
    for a in node.attribute:
        if a.name == name:
            # AttributeProto.type: 1 FLOAT, 2 INT, 3 STRING
            return {1: a.f, 2: a.i, 3: a.s}.get(a.type, default)
    return default


def first(nodes: list, op: str):
    for n in nodes:
        if n.op_type == op:
            return n
    raise KeyError(f"no {op} node")


def conv_weights(nodes: list, consts: dict) -> dict[str, Any]:
    n = first(nodes, "Conv")
    out = {"weight": consts[n.input[1]]}
    if len(n.input) > 2 and n.input[2]:
        out["bias"] = consts[n.input[2]]
    return out


def gemm_weights(node, consts: dict) -> dict[str, Any]:
    """A Gemm node's B (and C) as torch Linear's weight [out, in] (and bias)."""
    import numpy as np

    w = consts[node.input[1]]
    w = w if attr(node, "transB", 0) else w.T
    out = {"weight": (w * attr(node, "alpha", 1.0)).astype(np.float32)}
    if len(node.input) > 2 and node.input[2]:
        c = np.asarray(consts[node.input[2]], dtype=np.float32) * attr(node, "beta", 1.0)
        out["bias"] = np.broadcast_to(c.reshape(-1) if c.size > 1 else c, (w.shape[0],)).astype(np.float32)
    return out


def linear_weights(nodes: list, consts: dict) -> dict[str, Any]:
    """Dense: one Gemm, or a MatMul (sequence input) with an Add for the bias."""
    gemm = [n for n in nodes if n.op_type == "Gemm"]
    if gemm:
        return gemm_weights(gemm[0], consts)
    mm = first(nodes, "MatMul")
    out = {"weight": consts[mm.input[1]].T}
    adds = [n for n in nodes if n.op_type == "Add"]
    if adds:
        out["bias"] = next(consts[i] for i in adds[0].input if i in consts)
    return out


def rnn_weights_to_torch(cell: str, W: np.ndarray, R: np.ndarray, B: np.ndarray | None, layer: int) -> dict[str, Any]:
    """ONNX W [dirs, G*H, I], R [dirs, G*H, H], B [dirs, 2*G*H] -> torch's weight_ih_l0 ... (gate order fixed)."""
    import numpy as np

    g = GATES[cell]
    order = TORCH_FROM_ONNX[cell]
    dirs, gh = W.shape[0], W.shape[1]

    def reorder(m):
        chunks = np.split(m, g, axis=0)
        return np.concatenate([chunks[i] for i in order], axis=0)

    out = {}
    for d in range(dirs):
        sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
        b = B[d] if B is not None else np.zeros(2 * gh, dtype=W.dtype)
        out["weight_ih" + sfx] = reorder(W[d])
        out["weight_hh" + sfx] = reorder(R[d])
        out["bias_ih" + sfx] = reorder(b[:gh])
        out["bias_hh" + sfx] = reorder(b[gh:])
    return out


def recurrent_weights(cell: str):
    """RNN/LSTM/GRU: one ONNX node of that name per stacked layer."""
    def read(nodes: list, consts: dict) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for layer, n in enumerate([n for n in nodes if n.op_type == cell]):
            b = consts[n.input[3]] if len(n.input) > 3 and n.input[3] else None
            out.update(rnn_weights_to_torch(cell, consts[n.input[1]], consts[n.input[2]], b, layer))
        if not out:
            raise KeyError(f"no {cell} node")
        return out
    return read


def batchnorm_weights(nodes: list, consts: dict) -> dict[str, Any]:
    n = first(nodes, "BatchNormalization")
    return {k: consts[n.input[i]] for i, k in enumerate(("weight", "bias", "running_mean", "running_var"), 1)}


def layernorm_weights(nodes: list, consts: dict) -> dict[str, Any]:
    n = first(nodes, "LayerNormalization")
    return {"weight": consts[n.input[1]], "bias": consts[n.input[2]]}


def embedding_weights(nodes: list, consts: dict) -> dict[str, Any]:
    n = next(n for n in nodes if n.op_type == "Gather" and n.input[0] in consts)
    return {"weight": consts[n.input[0]]}
