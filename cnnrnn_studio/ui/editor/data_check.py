"""The chosen dataset is part of what Design checks, continuously.

When the project's dataset section (or its file on disk) changes, the data is loaded on a background thread
(shell.tasks) and kept, per dataset spec and file stat, so choosing it again, undoing, or editing
the network never loads it again. After every edit the editor asks `problems()` for the cheap
comparison against the loaded data (project.fit.data_problems) and shows them with the graph's
own problems: on the cards, in Messages with their Fix buttons, in the inspector.

"Fit the network to this data" adapts the Input, the last Dense and the Output task with the
wizard's own `adapt()` as ONE undo step. When the data's kind differs from the network's Input
(pictures on a sequence network), adapting would leave a broken network, so the matching
templates are offered instead (`network_choices` / `propose_all`), also as one undo step.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...blocks import REGISTRY, ParamError
from ...errors import StudioError
from ...graph import Analysis, Graph, Problem
from ...project import Project
from ..shell.tasks import BackgroundTask, plain_message, wait_all
from . import commands as C

if TYPE_CHECKING:
    from .editor import Editor

log = logging.getLogger(__name__)

FIT = "fit_data"            # Problem.fix / offer action: adapt the network to the data
TEMPLATE = "use_template"   # ... replace the network with a template adapted to the data
ACTIONS = (FIT, TEMPLATE)
FIT_WORDS = "Fit the network to this data"
LOAD_DELAY_MS = 300         # a dataset starts loading this long after it was chosen (see follow_project)
MAX_CACHED = 2              # loaded datasets kept: the current one and the one undo goes back to

# What the data is, said to someone who did not build the dataset.
KIND_WORDS = {
    "image": "These are pictures",
    "sequence": "This is sensor or time-series data",
    "image_sequence": "These are clips of frames",
    "tokens": "This is text",
    "vector": "This is a table of numbers",
}


_JOIN_AT_EXIT: list[bool] = []


def _join_at_exit() -> None:
    """A load still running when Python exits would take the process down with Qt's "QThread
    destroyed while running" abort (the window may be gone without the app quitting: tests)."""
    if not _JOIN_AT_EXIT:
        _JOIN_AT_EXIT.append(True)
        atexit.register(wait_all, 30000)


@dataclass
class Loaded:
    """One dataset spec, loaded (or why not), and the templates that fit it, best first."""

    dataset: Any = None
    error: str | None = None
    templates: list = field(default_factory=list)  # from_data.Proposal, each ok


@dataclass
class Offer:
    """A sentence for the Data section and Messages, and its buttons: (words, fix dict)."""

    text: str
    actions: list[tuple[str, dict]] = field(default_factory=list)


def _stat(path: Path) -> tuple:
    """What tells a changed file or folder apart: size and time, and for a folder its sub-folders'
    (an image folder's classes) times too."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    out: tuple = (str(path), st.st_size, st.st_mtime_ns)
    if path.is_dir():
        try:
            subs = sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(path) if e.is_dir())
        except OSError:
            subs = []
        out += tuple(subs)
    return out


def _same_settings(type_id: str, a: dict, b: dict) -> bool:
    """Two settings dicts of a block mean the same: a value written out that equals the default left
    unwritten (an Input left at kind "image" that the fit spells out) is no change to offer."""
    if a == b:
        return True
    spec = REGISTRY.get(type_id)
    if spec is None:
        return False
    try:
        return spec.resolve_params(a) == spec.resolve_params(b)
    except ParamError:
        return False


def dataset_key(project: Project) -> tuple | None:
    """The cache key of the project's dataset: its spec, where its relative paths start, and the
    files' stats. None when there is nothing to load (no dataset, or a file not named yet)."""
    ds = project.dataset
    if not isinstance(ds, dict) or not ds:
        return None
    stats: tuple = ()
    if ds.get("kind") == "file":
        if not str(ds.get("train") or "").strip():
            return None
        for k in ("train", "test"):
            if isinstance(ds.get(k), str) and ds[k].strip():
                p = Path(ds[k]).expanduser()
                stats += (_stat(p if p.is_absolute() else project.base_dir / p),)
    try:
        spec = json.dumps(ds, sort_keys=True, default=str)
    except (TypeError, ValueError):
        spec = repr(ds)
    refused = tuple(sorted(str(p) for p in project.refused_data))  # allowed later: loaded again
    return spec, str(project.base_dir), stats, refused


def load_for_check(snapshot: Project) -> Loaded:
    """Runs on the worker thread: the dataset and the templates that fit it; a StudioError (or a
    bug) becomes the sentence shown, never an exception."""
    from ...project.fit import load_project_dataset
    from ...project.from_data import propose_all
    from ...project.training import TrainConfig

    try:
        try:
            cfg = TrainConfig.from_dict(snapshot.training)
        except StudioError:  # the training form reports that; the data check uses the defaults
            cfg = TrainConfig()
        dataset = load_project_dataset(snapshot, seed=cfg.seed, validation_split=cfg.validation_split)
    except Exception as e:  # noqa: BLE001 - shown as a message naming the file, not a traceback
        if not isinstance(e, StudioError):
            log.exception("loading the data for the check failed")
        return Loaded(error=plain_message(e))
    try:
        proposals = propose_all(snapshot.dataset, snapshot.base_dir, dataset=dataset,
                                validation_split=cfg.validation_split, seed=cfg.seed)
    except Exception:  # noqa: BLE001 - without templates the check still works
        log.exception("proposing templates for the data failed")
        proposals = []
    return Loaded(dataset, templates=[p for p in proposals if p.ok])


def short_label(proposal) -> str:
    """"1-d CNN" for "1-d CNN (convolutions along time)", "Small CNN" for "Small CNN with batch ..."."""
    return proposal.choice.label.split(" (")[0].split(" with ")[0]


def template_fix(proposal) -> dict:
    return {"action": TEMPLATE, "template": proposal.choice.id,
            "label": f"Start from the {short_label(proposal)} template"}


class DataCheck(QObject):
    """Owned by the editor: the project's dataset, loaded in the background and cached, compared
    with the network after every edit. `changed` tells views to read `offer()` again."""

    changed = Signal()

    def __init__(self, editor: Editor):
        super().__init__(editor)
        self.editor = editor
        self._cache: OrderedDict[tuple, Loaded] = OrderedDict()
        self._loading: dict[tuple, BackgroundTask] = {}
        self._key: tuple | None = None
        self._fit_memo: tuple | None = None  # (graph revision, dataset key, graph, fit_steps())
        self._pending: list[tuple[tuple, BackgroundTask]] = []
        self._start_timer = QTimer(self)
        self._start_timer.setSingleShot(True)
        self._start_timer.setInterval(LOAD_DELAY_MS)
        self._start_timer.timeout.connect(self._start_pending)
        editor.project_fields_changed.connect(self.follow_project)
        app = QCoreApplication.instance()
        if app is not None:  # quitting: let a load end before Python shuts down under it
            app.aboutToQuit.connect(self.wait)
        # another project: the editor re-checks right after announcing it, so no refresh here
        editor.project_replaced.connect(lambda _p: self.follow_project(announce=False))

    # --- loading ----------------------------------------------------------------------------
    @property
    def loaded(self) -> Loaded | None:
        """The current dataset's load, or None (no dataset, or still loading)."""
        return self._cache.get(self._key) if self._key is not None else None

    @property
    def loading(self) -> bool:
        return self._key is not None and self._key in self._loading

    def follow_project(self, announce: bool = True) -> None:
        """The dataset section (or the project) may have changed: load what is new, then re-check."""
        key = dataset_key(self.editor.project)
        if key == self._key:
            return
        self._key = key
        if key is not None and key not in self._cache and key not in self._loading:
            p = self.editor.project
            snapshot = Project(dataset=copy.deepcopy(p.dataset), training=copy.deepcopy(p.training), path=p.path)
            snapshot.refused_data = p.refused_data  # data the person chose not to let it read stays unread
            task = BackgroundTask(lambda: (key, load_for_check(snapshot)))
            task.done.connect(self._loaded)
            self._loading[key] = task
            _join_at_exit()
            # Started a moment later, not at once: the window paints first (loading data imports
            # torch, seconds of start-up work), and a path being typed loads only once it settles.
            self._pending.append((key, task))
            self._start_timer.start()
        elif key in self._cache:
            self._cache.move_to_end(key)
        if announce:
            self.editor.refresh()
            self.changed.emit()

    def _start_pending(self) -> None:
        pending, self._pending = self._pending, []
        for key, task in pending:
            if key == self._key:
                task.start()
            else:  # chosen and left again before it started: never loaded
                self._loading.pop(key, None)

    def _loaded(self, result: tuple) -> None:
        key, loaded = result
        self._loading.pop(key, None)
        self._cache[key] = loaded
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED:
            old = next(iter(self._cache))
            if old == self._key:
                self._cache.move_to_end(old)
                continue
            del self._cache[old]
        if key == self._key:
            self.editor.refresh()
            self.changed.emit()

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Join the loads still running (tests, closing)."""
        self._start_timer.stop()
        self._start_pending()
        return all(t.wait(timeout_ms) for t in list(self._loading.values()))

    # --- the check --------------------------------------------------------------------------
    def problems(self, a: Analysis) -> list[Problem]:
        """The data-fit problems of the network as it is now (cheap: the data is already loaded).
        A data file changed on disk since it was loaded is loaded again (its stat is in the key)."""
        self.follow_project(announce=False)
        loaded = self.loaded
        if loaded is None:
            return []
        if loaded.error is not None:
            return [Problem(None, loaded.error, "data", field="dataset")]
        from ...project.fit import data_problems

        try:
            found = data_problems(self.editor.project, loaded.dataset)
        except Exception:  # noqa: BLE001 - a fault in the check must not stop editing
            log.exception("the data-fit check failed")
            return []
        if loaded.templates:  # another kind of data: a template, not an Input that breaks the rest
            found = [dataclasses.replace(p, fix=template_fix(loaded.templates[0])) if p.field == "kind" else p
                     for p in found]
        return found

    def kind_differs(self) -> bool:
        """The data is another kind than the network's Input takes (or there is no Input yet)."""
        loaded = self.loaded
        if loaded is None or loaded.dataset is None:
            return False
        a = self.editor.project.analyze()  # resolved settings: an Input left at its default kind has one too
        if a.input_id is None:
            return True
        kind = a.params.get(a.input_id, self.editor.graph.block(a.input_id).params).get("kind")
        return kind != loaded.dataset.kind

    def fit_steps(self) -> list[tuple[str, dict]]:
        """(block, new settings) that `adapt` would change; empty when nothing would."""
        loaded = self.loaded
        if loaded is None or loaded.dataset is None or self.kind_differs():
            return []
        from ...project.from_data import adapt

        graph = self.editor.graph
        m = self._fit_memo
        if m is not None and m[0] == graph.revision and m[1] == self._key and m[2] is graph:
            return m[3]  # asked by several views after each edit
        fitted = Project(graph.copy())
        try:
            adapt(fitted, loaded.dataset)
        except StudioError:
            return []
        steps = [(b.id, fitted.graph.block(b.id).params) for b in graph.blocks
                 if not _same_settings(b.type, fitted.graph.block(b.id).params, b.params)]
        self._fit_memo = (graph.revision, self._key, graph, steps)
        return steps

    def offer(self) -> Offer | None:
        """What the Data section and Messages offer now (None: no data chosen)."""
        if self._key is None:
            return None
        loaded = self.loaded
        if loaded is None:
            return Offer("Loading the data to check it against the network…")
        if loaded.error is not None:
            return Offer("The data cannot be loaded: see Messages.")
        ds = loaded.dataset
        words = KIND_WORDS.get(ds.kind, "This data")
        if self.kind_differs():
            if not loaded.templates:
                return Offer(f"{words}, and no template fits it as it is: build the network from an Input "
                             f"of kind {ds.kind}.")
            names = " or ".join(short_label(p) for p in loaded.templates)
            return Offer(f"{words}: start from the {names} template?",
                         [(f"Start from {short_label(p)}", template_fix(p)) for p in loaded.templates])
        if not any(p.code == "data" for p in self.editor.analysis.problems):
            return Offer("The network fits this data.")
        if self.fit_steps():
            return Offer("The network does not fit this data yet.", [(FIT_WORDS, {"action": FIT, "label": FIT_WORDS})])
        return Offer("The network does not fit this data: see Messages.")

    # --- the commands -----------------------------------------------------------------------
    def apply(self, fix: dict) -> bool:
        if fix.get("action") == FIT:
            return self.fit()
        if fix.get("action") == TEMPLATE:
            return self.use_template(str(fix.get("template")))
        return False

    def fit(self) -> bool:
        """Fit the network to this data, as one undo step (another kind of data: the best template)."""
        loaded = self.loaded
        if loaded is None or loaded.dataset is None:
            return False
        if self.kind_differs():
            return bool(loaded.templates) and self.use_template(loaded.templates[0].choice.id)
        steps = self.fit_steps()
        if not steps:
            return False
        g = self.editor.graph
        macro = C.Edit(FIT_WORDS)
        for bid, params in steps:
            macro.add(C.SetParams(g, bid, params))
        return self.editor.execute(macro)

    def use_template(self, template_id: str) -> bool:
        """Replace the network with a template already adapted to the data, as one undo step."""
        loaded = self.loaded
        chosen = next((p for p in (loaded.templates if loaded else []) if p.choice.id == template_id), None)
        if chosen is None:
            return False
        ids = replace_network(self.editor, chosen.project.graph, f"Start from the {short_label(chosen)} template")
        return ids is not None


def replace_network(editor: Editor, new: Graph, text: str) -> list[str] | None:
    """One undo step: every block and link of the canvas replaced by `new`'s."""
    g = editor.graph
    macro = C.Edit(text)
    # removed last to first, so that undo puts them back in their order (the file stays the same)
    for link in reversed(g.links):
        macro.add(C.RemoveLink(g, link.src, link.dst))
    for bid in reversed(g.block_ids()):
        macro.add(C.RemoveBlock(g, bid))
    for b in new.blocks:
        macro.add(C.AddBlock(g, b.type, b.id, copy.deepcopy(b.params), b.position))
    for link in sorted(new.links, key=lambda l: (l.dst, l.port)):
        macro.add(C.AddLink(g, link.src, link.dst, link.port))
    if not editor.execute(macro):
        return None
    editor.select_requested.emit([])  # the old selection is gone; the project's form stays in view
    return new.block_ids()


class OfferBar(QWidget):
    """The data check's sentence and its buttons; `with_fit=False` leaves out the Fit button (the
    Data section has its own), `quiet=True` hides the bar when there is nothing to do."""

    def __init__(self, check: DataCheck, *, with_fit: bool = True, quiet: bool = False, one_row: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("data_offer")
        self.check = check
        self.with_fit, self.quiet, self.one_row = with_fit, quiet, one_row
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        lay = QHBoxLayout(self) if one_row else QVBoxLayout(self)  # one row: the sentence, then its buttons
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.text, 1)
        lay.addLayout(self.row)
        self.buttons: list[QPushButton] = []
        check.changed.connect(self.refresh)
        check.editor.analysis_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        offer = self.check.offer()
        while self.row.count():
            w = self.row.takeAt(0).widget()
            if w is not None:  # hidden now: deleteLater waits for the event loop
                w.hide()
                w.deleteLater()
        self.buttons = []
        actions = [(w, fx) for w, fx in (offer.actions if offer else []) if self.with_fit or fx["action"] != FIT]
        for words, fix in actions:
            b = QPushButton(words)
            b.setProperty("role", "fix")
            b.setToolTip("Ctrl+Z undoes it.")
            b.clicked.connect(lambda _=False, fx=fix: self.check.editor.apply_fix(fx))
            self.row.addWidget(b)
            self.buttons.append(b)
        if actions and not self.one_row:
            self.row.addStretch(1)
        self.text.setText(offer.text if offer else "")
        self.setVisible(offer is not None and (bool(actions) or not self.quiet))
