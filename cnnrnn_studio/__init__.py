"""CNN-RNN Studio: build, train, understand and export CNNs, RNNs and hybrids without code.

The Python API over the same core the app and the command line use:

    import cnnrnn_studio as cs
    p = cs.load_project("digits.json")
    p.check()                 # raises cs.ValidationError naming each block at fault
    model = p.build_model()   # a torch.nn.Module
    run = cs.train(p, epochs=5)

Importing this package does not import torch (the GUI starts before torch loads).
"""

from __future__ import annotations

from .errors import GraphEditError, ProjectError, StudioError, ValidationError
from .project import Project, list_templates, load_project, load_template
from .version import __version__


def train(project, **kwargs):
    """Train a project (a Project or a path); see cnnrnn_studio.train.train."""
    from .train import train as _train

    return _train(project, **kwargs)


def export_onnx(project, path, model=None, weights=None, **kwargs):
    """Export to one verified .onnx file; see cnnrnn_studio.interop.onnx.export_onnx."""
    from .interop.onnx import export_onnx as _export

    return _export(project, path, model=model, weights=weights, **kwargs)


__all__ = ["load_project", "load_template", "list_templates", "Project", "train", "export_onnx",
           "StudioError", "ProjectError", "ValidationError", "GraphEditError", "__version__"]
