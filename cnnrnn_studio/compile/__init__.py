"""Graph -> torch.nn.Module (model.py) and readable PyTorch source (codegen.py).

Names resolve lazily so that importing the package does not import torch.
"""

from typing import Any

__all__ = ["StudioModel", "build_model", "module_name", "python_source"]


def __getattr__(name: str) -> Any:
    if name in ("StudioModel", "build_model", "module_name"):
        from . import model

        return getattr(model, name)
    if name == "python_source":
        from .codegen import python_source

        return python_source
    raise AttributeError(name)
