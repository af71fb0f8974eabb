"""The project file: JSON with a format name and a version, read through migrations, saved atomically.

A broken, truncated, unknown or future file is a `ProjectError` naming the file (and the line
for JSON syntax errors), never a half-loaded project (STYLE rule 8).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Callable

from ..errors import GraphEditError, ProjectError, ValidationError
from ..files import atomic_write_text as _atomic_write_text, special_file_kind
from ..graph import Analysis, Graph, analyze

FORMAT = "cnnrnn-studio-project"
VERSION = 1

# version -> function turning a dict of that version into the next version
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


def _from_v0(d: dict) -> dict:
    """Version 0 (pre-release drafts) called blocks 'nodes' and links 'edges' with 'source'/'target'."""
    d = dict(d)
    if "nodes" in d and "blocks" not in d:
        d["blocks"] = d.pop("nodes")
    if "edges" in d and "links" not in d:
        edges = d.pop("edges")
        if not isinstance(edges, list):
            raise ProjectError("'edges' (version 0's name for links) must be a list of links.")
        for i, e in enumerate(edges):
            if not isinstance(e, dict):
                raise ProjectError("each edge (version 0's name for a link) must be an object with 'source' and "
                                   "'target'.", where=f"edge {i + 1}")
        d["links"] = [{"from": e.get("source", e.get("from")), "to": e.get("target", e.get("to")),
                       **({"port": e["port"]} if "port" in e else {})} for e in edges]
    d["version"] = 1
    return d


MIGRATIONS[0] = _from_v0

_KNOWN_KEYS = {"format", "version", "name", "description", "blocks", "links", "dataset", "training"}


class Project:
    """A network (graph) plus its dataset and training settings and a few words about it."""

    def __init__(self, graph: Graph | None = None, *, name: str = "Untitled", description: str = "",
                 dataset: dict | None = None, training: dict | None = None, path: Path | None = None,
                 extra: dict | None = None):
        self.graph = graph if graph is not None else Graph()
        self.name = name
        self.description = description
        self.dataset = dataset
        self.training = training
        self.path = Path(path) if path else None
        self.extra = extra or {}  # keys other tools wrote: kept and written back untouched
        # Data files outside the project's folder that the person chose not to let it read (the app
        # asks when such a project is opened); load_project_dataset refuses them. Never saved.
        self.refused_data: frozenset[Path] = frozenset()
        self._analysis: tuple[tuple[int, int, int | None], Analysis] | None = None

    # --- the network -----------------------------------------------------------------
    def analyze(self) -> Analysis:
        """Shapes, counts and problems, with the training memory at the project's batch size (and,
        when it trains on a CUDA GPU that is present, against that GPU's memory); cached until the
        graph, the batch size or the device changes."""
        key = (self.graph.revision, self.batch_size, self.gpu_memory)
        if self._analysis is None or self._analysis[0] != key:
            self._analysis = (key, analyze(self.graph, batch_size=key[1], gpu_memory=key[2]))
        return self._analysis[1]

    @property
    def gpu_memory(self) -> int | None:
        """The memory of the GPU this project trains on: its training device is cuda and a GPU is
        there (None otherwise: auto and cpu never load torch here, the editor calls this often)."""
        device = (self.training or {}).get("device") if isinstance(self.training, dict) else None
        return chosen_gpu_memory(device) if isinstance(device, str) else None

    @property
    def batch_size(self) -> int:
        """The training batch size the project asks for (the training default where it does not say
        or says something unusable: that mistake is reported by the training settings check)."""
        from .training import TrainConfig

        value = (self.training or {}).get("batch_size") if isinstance(self.training, dict) else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        return TrainConfig.batch_size

    def check(self) -> Analysis:
        """The analysis if the network is valid; raises ValidationError listing every problem otherwise."""
        a = self.analyze()
        if not a.ok:
            raise ValidationError(a.errors)
        return a

    def build_model(self):
        """A fresh torch.nn.Module for this network (raises ValidationError if invalid)."""
        from ..compile import build_model

        return build_model(self.graph, self.check())

    @property
    def base_dir(self) -> Path:
        """Where relative dataset paths start: the project file's folder."""
        return self.path.parent if self.path else Path.cwd()

    # --- file ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": self.name}
        if self.description:
            d["description"] = self.description
        d.update(self.graph.to_dict())
        if self.dataset is not None:
            d["dataset"] = copy.deepcopy(self.dataset)
        if self.training is not None:
            d["training"] = copy.deepcopy(self.training)
        for k, v in self.extra.items():
            d.setdefault(k, copy.deepcopy(v))
        return d

    def copy(self) -> "Project":
        """An independent copy (same file path): a snapshot that later edits do not reach."""
        twin = Project.from_dict(self.to_dict(), path=self.path)
        twin.refused_data = self.refused_data
        return twin

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ProjectError("This project has no file yet: choose where to save it.")
        atomic_write_text(target, self.to_json())
        self.path = target
        return target

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "project", path: Path | None = None) -> "Project":
        d = migrate(d, source)
        graph = Graph()
        blocks = d.get("blocks", [])
        if not isinstance(blocks, list):
            raise ProjectError("'blocks' must be a list of blocks.", where=source)
        for i, b in enumerate(blocks):
            where = f"{source}, block {i + 1}"
            if not isinstance(b, dict):
                raise ProjectError("each block must be an object with 'id' and 'type'.", where=where)
            bid, btype = b.get("id"), b.get("type")
            if not isinstance(bid, str) or not bid:
                raise ProjectError("this block has no 'id' (a short name such as \"conv1\").", where=where)
            if not isinstance(btype, str) or not btype:
                raise ProjectError(f"block '{bid}' has no 'type' (such as \"Conv2d\").", where=where)
            params = b.get("params") or {}
            if not isinstance(params, dict):
                raise ProjectError(f"block '{bid}': 'params' must be an object of name: value.", where=where)
            pos = b.get("position")
            if pos is not None and not (isinstance(pos, (list, tuple)) and len(pos) == 2
                                        and all(isinstance(v, (int, float)) for v in pos)):
                raise ProjectError(f"block '{bid}': 'position' must be [x, y].", where=where)
            frozen = b.get("frozen", False)
            if not isinstance(frozen, bool):
                raise ProjectError(f"block '{bid}': 'frozen' must be true or false (found {frozen!r}).", where=where)
            try:
                graph.add_block(btype, params, bid, tuple(pos) if pos is not None else None, frozen)
            except GraphEditError as e:
                raise ProjectError(e.message, where=where) from None
        links = d.get("links", [])
        if not isinstance(links, list):
            raise ProjectError("'links' must be a list.", where=source)
        for i, l in enumerate(links):
            where = f"{source}, link {i + 1}"
            if not isinstance(l, dict) or "from" not in l or "to" not in l:
                raise ProjectError("each link must be an object with 'from' and 'to'.", where=where)
            port = l.get("port")
            if port is not None and (not isinstance(port, int) or isinstance(port, bool) or port < 0):
                raise ProjectError("'port' must be a whole number from 0.", where=where)
            try:
                graph.add_link(str(l["from"]), str(l["to"]), port)
            except GraphEditError as e:
                raise ProjectError(f"{e.message} (link {l['from']} -> {l['to']})", where=where) from None
        for key in ("dataset", "training"):
            if d.get(key) is not None and not isinstance(d[key], dict):
                raise ProjectError(f"'{key}' must be an object.", where=source)
        extra = {k: v for k, v in d.items() if k not in _KNOWN_KEYS}
        return cls(graph, name=str(d.get("name") or "Untitled"), description=str(d.get("description") or ""),
                   dataset=d.get("dataset"), training=d.get("training"), path=path, extra=extra)


MAX_DEPTH = 64  # lists/objects inside each other; a real project needs fewer than 10


def _depth_over(d: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than `limit` (iterative: no recursion to run out of)."""
    stack = [(d, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def migrate(d: Any, source: str = "project") -> dict:
    """Check the format and bring an older version up to the current one."""
    if not isinstance(d, dict):
        raise ProjectError("this is not a CNN-RNN Studio project (the file is not a JSON object).", where=source)
    if _depth_over(d, MAX_DEPTH):
        raise ProjectError(f"lists or objects are nested more than {MAX_DEPTH} levels deep; a project never needs "
                           "that, so the file is damaged or not a project.", where=source)
    fmt = d.get("format")
    if fmt != FORMAT:
        raise ProjectError(
            f"this is not a CNN-RNN Studio project (format is {fmt!r}, expected {FORMAT!r}).", where=source
        )
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError(f"the project has no valid 'version' (found {version!r}).", where=source)
    if version > VERSION:
        raise ProjectError(
            f"this project was saved by a newer CNN-RNN Studio (file version {version}; this version reads up "
            f"to {VERSION}). Update the app to open it.", where=source,
        )
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectError(f"project file version {version} is too old to read.", where=source)
        try:
            d = step(d)
        except ProjectError as e:  # name the file, and the place inside it when the step knows it
            raise ProjectError(e.message, where=f"{source}, {e.where}" if e.where else source) from None
        version = d["version"]
    return d


_GPU_MEMORY: dict[str, int | None] = {}


def chosen_gpu_memory(device: str) -> int | None:
    """Bytes of memory on the CUDA GPU `device` names ("cuda", "cuda:1"); None for other devices or
    where no GPU is present. Asked once per device (torch is loaded only for a cuda device)."""
    name = device.strip().lower()
    if not name.startswith("cuda"):
        return None
    if name not in _GPU_MEMORY:
        _GPU_MEMORY[name] = _ask_gpu_memory(name)
    return _GPU_MEMORY[name]


def _ask_gpu_memory(name: str) -> int | None:
    try:
        import torch

        if not torch.cuda.is_available():
            return None
        index = int(name.split(":", 1)[1]) if ":" in name else 0
        if not 0 <= index < torch.cuda.device_count():
            return None
        return int(torch.cuda.get_device_properties(index).total_memory)
    except Exception:  # noqa: BLE001 - no usable GPU: the device check reports that, not this
        return None


def load_project(path: str | os.PathLike) -> Project:
    """Read a project file. Raises ProjectError naming the file (and line) for anything wrong."""
    p = Path(path)
    kind = special_file_kind(p)  # os.stat only: a FIFO must not block, a device must not be read without end
    if kind is not None:
        raise ProjectError(f"this is {kind}, not a project file; it was not read.", where=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError("the file does not exist.", where=str(p)) from None
    except IsADirectoryError:
        raise ProjectError("this is a folder, not a project file.", where=str(p)) from None
    except UnicodeDecodeError:
        raise ProjectError("this is not a text file, so not a project file.", where=str(p)) from None
    except OSError as e:
        raise ProjectError(f"cannot be read ({e.strerror}).", where=str(p)) from None
    if not text.strip():
        raise ProjectError("the file is empty.", where=str(p))
    try:
        d = json.loads(text)
    except RecursionError:
        raise ProjectError("the JSON is nested too deeply to be a project file (lists or objects inside each "
                           "other hundreds of levels deep).", where=str(p)) from None
    except json.JSONDecodeError as e:
        hint = " The file looks cut off (truncated)." if e.pos >= len(text.rstrip()) - 1 else ""
        raise ProjectError(f"line {e.lineno}, column {e.colno}: not valid JSON ({e.msg}).{hint}",
                           where=str(p)) from None
    return Project.from_dict(d, source=str(p), path=p)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Save text atomically (files.atomic_write_text); a failure is a ProjectError naming the file."""
    _atomic_write_text(path, text, ProjectError)
