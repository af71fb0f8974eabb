"""Bring an ONNX model into the studio as editable blocks, with its weights.

Two ways in:

* A file the studio exported carries its project (graph, ids, positions, settings) in the
  metadata, so it comes back exactly; the weights are read from the ONNX nodes of each block
  (node names carry the block's module name) and converted back to torch's layout (LSTM/GRU
  gate order, transposed MatMul weights).
* Any other model built from supported operators is translated node by node. Each ONNX value
  is tracked as a studio tensor plus the order its axes are stored in ("roles": N batch,
  T time, F features, C/H/W image axes), so the transposes torch and other exporters insert
  around Conv1d and LSTM disappear into the blocks. Shape arithmetic (Shape, Gather, Concat,
  ConstantOfShape or Expand of zeros for zero initial states, Mul on sizes as the dynamo exporter
  writes a flatten) is followed symbolically; nodes on constants only are folded with onnx's
  reference evaluator. The last step of a one-way recurrent layer's output (`out[:, -1]`: Gather or
  Slice on the time axis) is the block's last-step output (return_sequences false). A Mul of two
  layers' outputs is a Multiply block (x * Sigmoid(x), as torch writes nn.SiLU, is one SiLU block), and
  the squeeze-and-excitation gate of MobileNetV3 and EfficientNet comes in as the studio draws it: the
  pooled channels [N, C, 1, 1] are a vector, their 1x1 convolutions Dense layers, and the Multiply
  scales each channel of the image by that vector.

Either way the result is verified: the rebuilt network must compute what onnxruntime computes
on the original file (random inputs; onnx's reference evaluator for batch-first recurrent layers,
which onnxruntime does not run), within the rule the export check uses too (interop/tolerance.py),
else nothing comes in. Unsupported operators are listed
by name in one message. Nothing is written here: the caller (CLI, GUI) saves the project.

The modules: read.py opens and checks the file (and holds the operator lists); roundtrip.py
brings back studio files; convert.py walks a foreign model's nodes, with the converters by
family in ops_shape.py, ops_layers.py, ops_conv.py and ops_recurrent.py over the state in
tracked.py; verify.py checks the result against onnxruntime.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OnnxImportError
from .convert import _Converter
from .read import BLOCK_OPS, PLUMBING_OPS, SUPPORTED_OPS, read_model
from ...blocks.onnx_weights import rnn_weights_to_torch
from .roundtrip import _import_studio
from .verify import VERIFY_TOLERANCE, _verify

if TYPE_CHECKING:
    from ...project import Project


def import_onnx(path: str | os.PathLike, *, warnings: list[str] | None = None,
                verify: bool = True) -> tuple[Project, dict[str, Any]]:
    """(Project, state_dict) from an ONNX file (the state dict is empty for a network without weights).

    Studio exports come back as the same graph (ids, parameters, positions); other models built
    from supported operators come in block by block. Notes for the person (layout changes,
    guessed task) are appended to `warnings` if a list is given. Raises OnnxImportError.
    """
    p = Path(path).expanduser()
    proto = read_model(p)
    notes: list[str] = [] if warnings is None else warnings
    meta = {m.key: m.value for m in proto.metadata_props}
    if meta.get("format") == json.dumps("cnnrnn-studio-onnx") and "project" in meta:
        try:
            project, state, layout = _import_studio(proto, meta, p, notes)
            if verify:
                _verify(p, proto, project, state, layout)
            return project, state
        except OnnxImportError as studio_error:
            # Changed by another tool since the studio wrote it (renamed or fused nodes)? Then the
            # operators themselves are the truth; if they cannot come in either, say what went wrong first.
            try:
                project, state, layout = _Converter(proto, p, notes).run()
            except OnnxImportError:
                raise studio_error from None
            reason = studio_error.message
            notes.append("The studio project stored in the file's metadata is damaged or no longer fits the file's "
                         f"operators (was the file changed by another tool?), so it was ignored ({reason.rstrip('.')}); "
                         "the network was rebuilt from the operators instead, with new block names and layout.")
    else:
        project, state, layout = _Converter(proto, p, notes).run()
    if verify:
        _verify(p, proto, project, state, layout)
    return project, state


__all__ = ["import_onnx", "read_model", "rnn_weights_to_torch", "BLOCK_OPS", "PLUMBING_OPS", "SUPPORTED_OPS",
           "VERIFY_TOLERANCE"]
