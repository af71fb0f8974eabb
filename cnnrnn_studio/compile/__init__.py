"""Graph -> torch.nn.Module."""

from .model import StudioModel, build_model, module_name

__all__ = ["StudioModel", "build_model", "module_name"]
