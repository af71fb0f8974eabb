"""Export and import: verified ONNX, readable PyTorch code, a torchrun (DDP) training folder,
ONNX import as editable blocks, and (from cnnrnn_studio.compile.weights) safetensors weight files.

    from cnnrnn_studio.interop import export_onnx, import_onnx, load_weights
    report = export_onnx(project, "model.onnx", weights="runs/run1")
    project, state = import_onnx("model.onnx")

Importing this package does not import torch or onnx; the names below load their module on
first use (the GUI starts before torch loads). The package was called `export` before it did
import too; `cnnrnn_studio.interop` still names it (see that package).
"""

from __future__ import annotations

import os
from typing import Any

from .errors import ExportError, OnnxImportError, WeightsError

_ONNX = ("export_onnx", "ExportReport", "verify_onnx")
_WEIGHTS = ("load_weights", "save_weights", "read_weights", "resolve_weights_path")
_TORCHRUN = ("export_torchrun_script", "TorchrunReport", "README_SECTION")


def __getattr__(name: str) -> Any:
    # Loaded on first use: these modules import torch and onnx, which the GUI must not wait for.
    if name in _ONNX:
        from . import onnx
        return getattr(onnx, name)
    if name == "import_onnx":
        from .onnx_import import import_onnx
        return import_onnx
    if name in _WEIGHTS:
        from ..compile import weights
        return getattr(weights, name)
    if name in _TORCHRUN:
        from . import torchrun
        return getattr(torchrun, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def python_source(project_or_path: Any, *, name: str | None = None) -> str:
    """Readable PyTorch source of a network: a Project, a Graph or the path of a project file."""
    from ..compile.codegen import python_source as _source

    if isinstance(project_or_path, (str, os.PathLike)):
        from ..project import load_project

        project_or_path = load_project(project_or_path)
    return _source(project_or_path, name=name)


__all__ = ["ExportError", "OnnxImportError", "WeightsError", "python_source", "import_onnx",
           *_ONNX, *_WEIGHTS, *_TORCHRUN]
