"""Load the "Export as Python" file of a network back as a module, with the studio model's weights."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import torch
from safetensors.torch import save_file

from cnnrnn_studio.compile.codegen import python_source


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def network_class(mod: ModuleType) -> type:
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == mod.__name__]
    assert len(classes) == 1
    return classes[0]


def generated_model(project, studio: torch.nn.Module, folder: Path, name: str) -> tuple[ModuleType, torch.nn.Module]:
    """Write the project's code and the studio model's weights into folder, import the code, and
    return (module, its network with those weights, in eval mode)."""
    weights = folder / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in studio.state_dict().items()}, str(weights))
    path = folder / f"{name}.py"
    path.write_text(python_source(project))
    mod = load_module(path, name)
    return mod, mod.load_weights(network_class(mod)(), str(weights)).eval()
