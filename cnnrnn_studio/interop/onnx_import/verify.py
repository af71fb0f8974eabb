"""Checking an import: the weights must fit the rebuilt network, and the network must compute
what onnxruntime computes on the original file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OnnxImportError
from ..tolerance import TOLERANCE, allowed_difference
from .read import _first_line

if TYPE_CHECKING:
    from onnx import ModelProto
    from torch import nn

    from ...project import Project

VERIFY_TOLERANCE = TOLERANCE  # the same rule as the export check: see interop/tolerance.py


def _check_state(model: nn.Module, state: dict, path: Path) -> None:
    from ...compile.weights import weight_mismatches

    problems = weight_mismatches(model.state_dict(), state)
    if problems:
        raise OnnxImportError("the weights in the file do not match the network it describes:\n  - "
                              + "\n  - ".join(problems), where=str(path))


@dataclass
class _Layout:
    roles: tuple             # physical roles of the ONNX input, e.g. ("N", "F", "T")
    input_name: str
    output_name: str
    batch: int | None = None  # a fixed batch size in the original file


def _logical_roles(kind: str) -> tuple:
    return {"vector": ("N", "F"), "image": ("N", "C", "H", "W"), "sequence": ("N", "T", "F"),
            "tokens": ("N", "T"), "image_sequence": ("N", "T", "C", "H", "W")}[kind]


def _check_verify_memory(analysis, layout: _Layout, path: Path) -> None:
    """The test inputs (at the file's fixed batch size, if it has one) and what torch and
    onnxruntime each compute from them must fit in the memory that is free now: refuse before
    torch allocates anything."""
    from ...graph.memory import available_memory, format_bytes

    mem = analysis.memory
    if mem is None:
        return
    batch = max(3, layout.batch or 0)
    per_sample = mem.activations // max(1, mem.batch_size)
    need = 2 * (mem.weights + per_sample * batch)  # the torch model and the onnxruntime session
    free = available_memory()
    if need > free:
        raise OnnxImportError(
            f"checking the import runs the network on {batch} test input(s) of the declared size, which needs "
            f"about {format_bytes(need)} of memory; only {format_bytes(free)} is free, so it was not imported. "
            "Export the model with a smaller (or open) batch size and input.", where=str(path))


def _verify(path: Path, proto: ModelProto, project: Project, state: dict, layout: _Layout) -> None:
    """The rebuilt network must compute what onnxruntime computes on the original file."""
    import numpy as np
    import torch

    from ..onnx import cpu_session, eager_output, random_inputs, valid_lengths

    analysis = project.check()
    _check_verify_memory(analysis, layout, path)
    model = project.build_model()
    model.load_state_dict(state, strict=True)
    model.eval()
    spec = analysis.input_spec
    lengths = valid_lengths(project.graph, analysis, 2) if None in spec.dims else [None, None]
    try:
        session = cpu_session(proto.SerializeToString())
        in_type = session.get_inputs()[0].type
    except Exception as e:
        # onnxruntime lacks some valid forms (batch-first recurrent layers, layout=1): onnx's own
        # reference implementation checks those instead
        session = _reference_session(proto)
        if session is None:
            raise OnnxImportError(f"onnxruntime cannot run this model, so the import cannot be checked: "
                                  f"{_first_line(e)}", where=str(path)) from None
        elem = proto.graph.input[0].type.tensor_type.elem_type
        in_type = {6: "int32", 11: "double", 10: "float16"}.get(elem, "float")
    logical = _logical_roles(spec.kind)
    perm = [logical.index(r) for r in layout.roles]
    gen = torch.Generator().manual_seed(3)
    for batch, length in zip((layout.batch or 2, layout.batch or 3), lengths):
        x = random_inputs(model, spec, batch, length, gen)
        ref = eager_output(model, x).numpy().astype(np.float64)
        feed = x.permute(*perm).numpy()
        if "int32" in in_type:
            feed = feed.astype(np.int32)
        elif "double" in in_type:
            feed = feed.astype(np.float64)
        elif "float16" in in_type:
            feed = feed.astype(np.float16)
        try:
            got = session.run([layout.output_name], {layout.input_name: feed})[0]
        except Exception as e:
            raise OnnxImportError(f"onnxruntime failed on a test input: {_first_line(e)}", where=str(path)) from None
        got = np.asarray(got, dtype=np.float64).reshape(ref.shape)
        diff = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        allowed = allowed_difference(got)
        if not diff <= allowed:
            raise OnnxImportError(
                f"the imported network does not compute what the ONNX model computes (largest difference "
                f"{diff:.3g} on an input of shape {list(x.shape)}, allowed {allowed:.3g}), so it was not imported.",
                where=str(path))


class _ReferenceSession:
    """onnx's reference evaluator behind onnxruntime's run(output names, feed) call."""

    def __init__(self, evaluator) -> None:
        self.evaluator = evaluator

    def run(self, names: list[str], feed: dict):
        return self.evaluator.run(names, feed)


def _reference_session(proto: ModelProto) -> _ReferenceSession | None:
    """The reference evaluator for a model whose only trouble in onnxruntime is a batch-first recurrent
    layer; None for any other model (onnxruntime's refusal is then the answer)."""
    if not any(n.op_type in ("LSTM", "GRU", "RNN") and any(a.name == "layout" and a.i == 1 for a in n.attribute)
               for n in proto.graph.node):
        return None
    try:
        from onnx.reference import ReferenceEvaluator

        return _ReferenceSession(ReferenceEvaluator(proto))
    except Exception:
        return None
