"""Reading the file: opening and checking an ONNX model, the operators the studio knows, and
helpers for node attributes and the constants (initializers, Constant nodes) a file holds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...files import special_file_kind
from ..errors import OnnxImportError

if TYPE_CHECKING:
    import numpy as np
    from onnx import ModelProto, NodeProto

# Operators with a block (or a pattern the blocks cover), and the shape plumbing around them.
BLOCK_OPS = ("Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "Add",
             "Mul", "Relu", "Tanh", "Sigmoid", "LeakyRelu", "Clip", "HardSwish", "HardSigmoid", "BatchNormalization", "LayerNormalization", "LSTM", "GRU",
             "RNN", "Flatten", "Concat", "Softmax", "Dropout", "Identity", "ReduceMean", "ReduceMax")
PLUMBING_OPS = ("Neg", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Gather", "Shape", "Slice", "ConstantOfShape",
                "Constant", "Cast", "Expand")
SUPPORTED_OPS = frozenset(BLOCK_OPS + PLUMBING_OPS)
# Operators followed symbolically on tensor sizes (Shape -> Slice/Gather -> Mul/Concat -> Reshape, as the
# dynamo exporter writes a flatten) and on zero initial states (Expand/Mul of zeros); not on tensors.
SIZE_OPS = frozenset(("Gather", "Slice", "Concat", "Unsqueeze", "Squeeze", "Reshape", "Cast", "Identity", "Mul",
                      "Add", "Sub", "Div", "Expand", "ConstantOfShape"))
_DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}


def read_model(path: str | os.PathLike) -> ModelProto:
    """The ModelProto, or an OnnxImportError saying plainly why the file is not a usable ONNX model."""
    import onnx
    from google.protobuf.message import DecodeError

    p = Path(path).expanduser()
    if not p.exists():
        raise OnnxImportError("the file does not exist.", where=str(p))
    if p.is_dir():
        raise OnnxImportError("this is a folder, not an .onnx file.", where=str(p))
    special = special_file_kind(p)
    if special is not None:  # a device reads without end, a FIFO blocks: only regular files are models
        raise OnnxImportError(f"this is {special}, not an .onnx file, so it is not read.", where=str(p))
    try:
        size = p.stat().st_size
    except OSError as e:
        raise OnnxImportError(f"cannot be read ({e.strerror}).", where=str(p)) from None
    if size == 0:
        raise OnnxImportError("the file is empty.", where=str(p))
    try:
        proto = onnx.load(str(p))
    except onnx.checker.ValidationError as e:  # raised while loading external data files
        raise OnnxImportError(_external_data_problem(_first_line(e)), where=str(p)) from None
    except (DecodeError, ValueError, RuntimeError, UnicodeDecodeError) as e:
        if "external data" in str(e).lower():
            raise OnnxImportError(_external_data_problem(_first_line(e)), where=str(p)) from None
        raise OnnxImportError("this is not an ONNX model (the file could not be decoded: it is damaged, cut off, "
                              f"or another kind of file). Detail: {_first_line(e)}", where=str(p)) from None
    except OSError as e:
        raise OnnxImportError(f"cannot be read ({e.strerror or _first_line(e)}); if the model keeps its weights in a "
                              "separate .data file, put that file next to it.", where=str(p)) from None
    if proto.ir_version <= 0 or not proto.graph.node or not proto.graph.output:
        raise OnnxImportError("this is not an ONNX model (it has no graph of operators).", where=str(p))
    try:
        onnx.checker.check_model(proto)
    except Exception as e:  # onnx.checker.ValidationError and friends
        raise OnnxImportError(f"this ONNX file is damaged or invalid: {_first_line(e)}", where=str(p)) from None
    return proto


def _external_data_problem(detail: str) -> str:
    """A plain sentence for onnx's ValidationErrors about a model's separate weight (.data) files."""
    if "points outside" in detail or "absolute path" in detail or "symbolic link" in detail:
        return ("the model keeps its weights in a separate file outside its own folder, which is never read "
                f"(a model file must not reach other files). Detail: {detail}")
    if "should be stored in" in detail or "not regular file" in detail or "does not exist" in detail:
        return ("the model keeps its weights in a separate .data file that is not there: put that file next to "
                f"the .onnx file (same folder, same name it was saved with). Detail: {detail}")
    return (f"the model's separate weight (.data) file cannot be used (damaged or cut off?). Detail: {detail}")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _attrs(node: NodeProto) -> dict[str, Any]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _to_str(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [_to_str(x) for x in v]
    return v


def _constant_value(node: NodeProto) -> np.ndarray:
    import numpy as np
    from onnx import numpy_helper

    a = _attrs(node)
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                       ("value_ints", np.int64)):
        if key in a:
            return np.asarray(a[key], dtype=dtype)
    raise KeyError("unsupported Constant")


def _consts(proto: ModelProto) -> dict[str, Any]:
    """Initializers, Constant nodes and Identity copies of them (the exporter dedups equal tensors)."""
    from onnx import numpy_helper

    consts = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    for n in proto.graph.node:
        if n.op_type == "Constant":
            try:
                consts[n.output[0]] = _constant_value(n)
            except KeyError:
                pass
        elif n.op_type == "Identity" and n.input[0] in consts:
            consts[n.output[0]] = consts[n.input[0]]
    return consts
