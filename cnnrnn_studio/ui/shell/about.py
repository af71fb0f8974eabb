"""What the About box says: the app's version, the versions of what it stands on, and the
device training would use."""

from __future__ import annotations

import platform
from importlib import metadata


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def find_device() -> str:
    """The device 'auto' picks, in words (imports torch: call it off the GUI thread)."""
    from ...train.engine import device_name, resolve_device

    return device_name(resolve_device("auto"))


def about_text(device: str | None) -> str:
    from PySide6.QtCore import qVersion

    from ...version import __version__

    lines = [
        f"CNN-RNN Studio {__version__}",
        "Build, train, understand and export CNNs, RNNs (RNN, LSTM, GRU) and hybrids without writing code.",
        "",
        f"Training on: {device or 'unknown (PyTorch could not be loaded)'}",
        "",
        f"PyTorch {_version('torch')}",
        f"Qt {qVersion()} (PySide6 {_version('PySide6_Essentials') if _version('PySide6_Essentials') != 'not installed' else _version('PySide6')})",
        f"ONNX {_version('onnx')}, ONNX Runtime {_version('onnxruntime')}, onnxscript {_version('onnxscript')}",
        f"pyqtgraph {_version('pyqtgraph')}, NumPy {_version('numpy')}",
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}",
    ]
    return "\n".join(lines)
