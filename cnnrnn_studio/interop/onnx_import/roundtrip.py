"""Files the studio exported: the project comes back from the metadata, and the weights of each
block are read from its ONNX nodes and turned back into torch's layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import OnnxImportError
from .read import _GATES, _TORCH_FROM_ONNX, _attrs, _consts
from .verify import _Layout, _check_state, _logical_roles


def _import_studio(proto, meta: dict[str, str], path: Path):
    import torch

    from ...compile.codegen import studio_module_names, studio_wrapper
    from ...errors import StudioError
    from ...project import Project

    try:
        d = json.loads(meta["project"])
        project = Project.from_dict(d, source=f"{path.name} (stored project)")
        analysis = project.check()
    except (ValueError, StudioError) as e:
        raise OnnxImportError(f"the project stored in this studio file cannot be read back: {e}", where=str(path)) from None
    project.path = None
    wrapped = json.loads(meta.get("probabilities", "false"))
    names = studio_module_names(project.graph, analysis)
    by_module: dict[str, list] = {}
    for node in proto.graph.node:
        parts = node.name.lstrip("/").split("/")
        if wrapped:
            parts = parts[1:]
        if len(parts) >= 2 and node.name.startswith("/"):
            by_module.setdefault(parts[0], []).append(node)
    consts = _consts(proto)
    state: dict[str, Any] = {}
    for bid, mod in names.items():
        btype = project.graph.block(bid).type
        prefix = f"blocks.{mod}.{studio_wrapper(btype, analysis.in_specs[bid][0])}"
        nodes = by_module.get(mod, [])
        try:
            found = _studio_block_weights(btype, nodes, consts)
        except (KeyError, IndexError, ValueError) as e:
            raise OnnxImportError(f"the weights of block '{bid}' could not be read back from the file ({e}).",
                                  where=str(path)) from None
        for k, v in found.items():
            state[prefix + k] = torch.from_numpy(v.copy())
    for key, value in json.loads(meta.get("buffers", "{}")).items():
        state[key] = torch.tensor(value)
    model = project.build_model()
    for key, value in model.state_dict().items():  # BatchNorm's step counter is not in ONNX
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    _check_state(model, state, path)
    layout = _Layout(roles=_logical_roles(analysis.input_spec.kind), input_name=proto.graph.input[0].name,
                     output_name=proto.graph.output[0].name, out_roles=("N", "F"))
    return project, state, layout


def _studio_block_weights(btype: str, nodes: list, consts: dict) -> dict[str, Any]:
    def first(op: str):
        for n in nodes:
            if n.op_type == op:
                return n
        raise KeyError(f"no {op} node")

    if btype in ("Conv1d", "Conv2d"):
        n = first("Conv")
        out = {"weight": consts[n.input[1]]}
        if len(n.input) > 2 and n.input[2]:
            out["bias"] = consts[n.input[2]]
        return out
    if btype == "Dense":
        gemm = [n for n in nodes if n.op_type == "Gemm"]
        if gemm:
            return _gemm_weights(gemm[0], consts)
        mm = first("MatMul")
        out = {"weight": consts[mm.input[1]].T}
        adds = [n for n in nodes if n.op_type == "Add"]
        if adds:
            out["bias"] = next(consts[i] for i in adds[0].input if i in consts)
        return out
    if btype == "BatchNorm":
        n = first("BatchNormalization")
        return {k: consts[n.input[i]] for i, k in enumerate(("weight", "bias", "running_mean", "running_var"), 1)}
    if btype == "LayerNorm":
        n = first("LayerNormalization")
        return {"weight": consts[n.input[1]], "bias": consts[n.input[2]]}
    if btype == "Embedding":
        n = next(n for n in nodes if n.op_type == "Gather" and n.input[0] in consts)
        return {"weight": consts[n.input[0]]}
    if btype in _GATES:
        out = {}
        for layer, n in enumerate([n for n in nodes if n.op_type == btype]):
            b = consts[n.input[3]] if len(n.input) > 3 and n.input[3] else None
            out.update(rnn_weights_to_torch(btype, consts[n.input[1]], consts[n.input[2]], b, layer))
        if not out:
            raise KeyError(f"no {btype} node")
        return out
    return {}


def _gemm_weights(node, consts: dict) -> dict[str, Any]:
    import numpy as np

    a = _attrs(node)
    w = consts[node.input[1]]
    w = w if a.get("transB", 0) else w.T
    out = {"weight": (w * a.get("alpha", 1.0)).astype(np.float32)}
    if len(node.input) > 2 and node.input[2]:
        c = np.asarray(consts[node.input[2]], dtype=np.float32) * a.get("beta", 1.0)
        out["bias"] = np.broadcast_to(c.reshape(-1) if c.size > 1 else c, (w.shape[0],)).astype(np.float32)
    return out


def rnn_weights_to_torch(cell: str, W, R, B, layer: int) -> dict[str, Any]:
    """ONNX W [dirs, G*H, I], R [dirs, G*H, H], B [dirs, 2*G*H] -> torch's weight_ih_l0 ... (gate order fixed)."""
    import numpy as np

    g = _GATES[cell]
    order = _TORCH_FROM_ONNX[cell]
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
