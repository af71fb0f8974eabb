"""Export and import: verified ONNX, readable PyTorch code, a torchrun (DDP) training folder,
ONNX import as editable blocks, and safetensors weight files.

    from cnnrnn_studio.export import export_onnx, import_onnx, load_weights
    report = export_onnx(project, "model.onnx", weights="runs/run1")
    project, state = import_onnx("model.onnx")

Importing this package does not import torch or onnx; the names below load their module on
first use (the GUI starts before torch loads).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import ExportError, OnnxImportError, WeightsError

_LAZY = {
    "export_onnx": "onnx", "ExportReport": "onnx", "verify_onnx": "onnx",
    "import_onnx": "onnx_import",
    "load_weights": "weights", "save_weights": "weights", "read_weights": "weights",
    "resolve_weights_path": "weights",
    "export_torchrun_script": "torchrun", "TorchrunReport": "torchrun", "README_SECTION": "torchrun",
}


def __getattr__(name: str) -> Any:
    if name == "python_source":
        return import_module("..compile.codegen", __name__).python_source
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ExportError", "OnnxImportError", "WeightsError", "python_source", *_LAZY]
