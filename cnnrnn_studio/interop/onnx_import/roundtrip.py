"""Files the studio exported: the project comes back from the metadata, and the weights of each
block are read from its ONNX nodes by the block's own declaration (BlockSpec.onnx_weights)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OnnxImportError
from ...blocks import REGISTRY
from .read import _consts
from .verify import _Layout, _check_state, _logical_roles

if TYPE_CHECKING:
    import onnx

    from ...project import Project


def _without_file_dataset(d: Any, path: Path, notes: list[str] | None) -> Any:
    """A model's metadata never names a file for the project to read: only a built-in dataset's name
    is kept; a file dataset (a path chosen by whoever made the model) is dropped with a note."""
    if isinstance(d, dict) and "dataset" in d:
        ds = d["dataset"]
        if not (isinstance(ds, dict) and ds.get("kind") == "builtin" and isinstance(ds.get("name"), str)):
            d = {k: v for k, v in d.items() if k != "dataset"}
            if notes is not None:
                notes.append(f"The dataset stored in {path.name} was left out: an ONNX file may name a built-in "
                             "dataset, never a file to read. Choose the data in the project.")
    return d


def _meta_json(meta: dict[str, str], key: str, default: str | None, kind: type, path: Path) -> Any:
    """A metadata value the studio wrote as JSON; OnnxImportError naming the key if it is not JSON
    (or nested too deeply to read) or not of the expected kind."""
    text = meta.get(key, default)
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        raise OnnxImportError(f"the metadata '{key}' is not valid JSON (the file was changed or damaged).",
                              where=str(path)) from None
    if not isinstance(value, kind):
        raise OnnxImportError(f"the metadata '{key}' is not a {kind.__name__} as the studio writes it "
                              f"(found {type(value).__name__}).", where=str(path))
    return value


def _import_studio(proto: onnx.ModelProto, meta: dict[str, str], path: Path,
                   notes: list[str] | None = None) -> tuple[Project, dict[str, Any], _Layout]:
    import torch

    from ...compile.codegen import studio_module_names, studio_wrapper
    from ...errors import StudioError
    from ...project import Project

    try:
        d = _without_file_dataset(_meta_json(meta, "project", None, object, path), path, notes)
        project = Project.from_dict(d, source=f"{path.name} (stored project)")
        analysis = project.check()
    except (ValueError, StudioError) as e:
        raise OnnxImportError(f"the project stored in this studio file cannot be read back: {e}", where=str(path)) from None
    project.path = None
    wrapped = _meta_json(meta, "probabilities", "false", bool, path)
    names = studio_module_names(project.graph, analysis)
    by_module: dict[str, list] = {}
    for node in proto.graph.node:
        parts = node.name.lstrip("/").split("/")
        if wrapped:
            parts = parts[1:]
        if len(parts) >= 2 and node.name.startswith("/"):
            by_module.setdefault(parts[0], []).append(node)
    consts = _consts(proto)
    state: dict[str, Any] = {}
    for bid, mod in names.items():
        btype = project.graph.block(bid).type
        prefix = f"blocks.{mod}.{studio_wrapper(btype, analysis.in_specs[bid][0])}"
        nodes = by_module.get(mod, [])
        read = REGISTRY[btype].onnx_weights  # each block declares how its weights look in ONNX
        try:
            found = read(nodes, consts) if read is not None else {}
        except (KeyError, IndexError, ValueError) as e:
            raise OnnxImportError(f"the weights of block '{bid}' could not be read back from the file ({e}).",
                                  where=str(path)) from None
        for k, v in found.items():
            state[prefix + k] = torch.from_numpy(v.copy())
    for key, value in _meta_json(meta, "buffers", "{}", dict, path).items():
        try:
            state[key] = torch.tensor(value)
        except (TypeError, ValueError, RuntimeError):
            raise OnnxImportError(f"the metadata 'buffers' holds {key!r}, which is not a list of numbers.",
                                  where=str(path)) from None
    model = project.build_model()
    for key, value in model.state_dict().items():  # BatchNorm's step counter is not in ONNX
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    _check_state(model, state, path)
    layout = _Layout(roles=_logical_roles(analysis.input_spec.kind), input_name=proto.graph.input[0].name,
                     output_name=proto.graph.output[0].name)
    return project, state, layout
