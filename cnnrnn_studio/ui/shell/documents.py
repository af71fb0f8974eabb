"""Files: new (empty or from a template), open, save, save as, recent files, unsaved-changes
prompts. A file that cannot be read leaves the current work untouched; a failed save leaves
the previous file intact (Project.save writes atomically)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from ...errors import ProjectError, StudioError
from ...project import Project, load_project, load_template
from ...project.fit import full_location, outside_data
from . import dialogs
from ..editor.editor import Editor, lay_out_unplaced
from ..editor.layout import fitted_positions

MAX_RECENT = 10
SUFFIX = ".cnnrnn.json"
UNTITLED = "Untitled"


class Documents(QObject):
    recent_changed = Signal(list)
    opened = Signal(object)   # the Project now shown

    def __init__(self, window: QWidget, editor: Editor, settings: QSettings,
                 view_size: Callable[[], tuple[float, float]]):
        super().__init__(window)
        self.window, self.editor, self.settings, self.view_size = window, editor, settings, view_size

    # --- state -----------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.editor.project

    def is_modified(self) -> bool:
        return not self.editor.stack.isClean()

    def recent(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        p = str(Path(path).resolve())
        items = [p] + [r for r in self.recent() if r != p]
        self.settings.setValue("recent_files", items[:MAX_RECENT])
        self.recent_changed.emit(self.recent())

    def default_folder(self) -> Path:
        """Where Save, Export and Import start: the project's folder, else the folder last used
        (the one Open starts in), else the home folder."""
        if self.project.path is not None:
            return self.project.path.parent
        for r in self.recent():
            if Path(r).parent.is_dir():
                return Path(r).parent
        return Path.home()

    def forget(self, path: str) -> None:
        self.settings.setValue("recent_files", [r for r in self.recent() if r != path])
        self.recent_changed.emit(self.recent())

    # --- asking before work is lost -----------------------------------------------------------
    def maybe_save(self) -> bool:
        """True if it is fine to replace the current project (saved, discarded, or unchanged)."""
        if not self.is_modified():
            return True
        answer = dialogs.ask_unsaved(self.window, self.project.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    # --- new and open -----------------------------------------------------------------------------
    def show(self, project: Project, modified: bool = False) -> None:
        self.editor.set_project(project)
        if modified:  # recovered work, a template: unsaved until the person saves it
            self.editor.stack.resetClean()
        self.opened.emit(project)

    def new_empty(self, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        self.show(Project(name=UNTITLED))
        return True

    def new_from_template(self, template_id: str, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        try:
            project = load_template(template_id)
        except (KeyError, StudioError) as e:
            dialogs.show_error(self.window, "Template not available", str(e).strip("'\""))
            return False
        return self.show_new(project, ask=False)

    def show_new(self, project: Project, ask: bool = True) -> bool:
        """A new, unsaved project (a template, the data wizard's proposal), laid out to fit the window."""
        if ask and not self.maybe_save():
            return False
        # wrap a long row of blocks to fit the window at a readable size
        for bid, pos in fitted_positions(project.graph, *self.view_size()).items():
            project.graph.move_block(bid, pos)
        self.show(project, modified=project.path is None)  # not on disk yet: closing asks to save it
        return True

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except ProjectError as e:
            dialogs.show_error(self.window, "Cannot open the project", str(e))
            return False
        self.guard_outside_data(project)  # before anything shows it (the Data tab would read it)
        lay_out_unplaced(project, self.view_size())
        self.show(project)
        self._remember(Path(path))
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        folder = str(self.default_folder()) if self.recent() else ""
        path = dialogs.ask_open_project(self.window, folder)
        return self.open_path(path, ask=False) if path else False

    # --- data outside the project's folder ------------------------------------------------------
    def _outside_key(self, project: Project, files: list[tuple[str, Path]]) -> str:
        """The settings key of one answer: the project file and the outside paths it reads, so a
        changed path is asked about again."""
        where = str(Path(project.path).resolve()) if project.path is not None else ""
        ident = json.dumps([where, sorted(str(p) for _, p in files)])
        return f"outside_data/{hashlib.sha256(ident.encode('utf-8')).hexdigest()[:32]}"

    def guard_outside_data(self, project: Project) -> None:
        """A project whose data lies outside its folder may read it only if the person allows it:
        asked once per project and those paths (remembered in the settings); while refused, the
        data is never read (`Project.refused_data`, see project/fit.py)."""
        files = outside_data(project)
        if not files:
            project.refused_data = frozenset()
            return
        key = self._outside_key(project, files)
        answer = self.settings.value(key)
        if answer not in ("allow", "refuse"):
            answer = self._ask_outside(project, files, key)
        project.refused_data = frozenset() if answer == "allow" else frozenset(p for _, p in files)

    def _ask_outside(self, project: Project, files: list[tuple[str, Path]], key: str) -> str:
        allowed = dialogs.ask_outside_data(self.window, project.name, str(Path(project.base_dir).absolute()),
                                           [(role, full_location(p)) for role, p in files])
        answer = "allow" if allowed else "refuse"
        if not dialogs.HEADLESS:  # nobody answered a headless run: ask the person next time
            self.settings.setValue(key, answer)
        return answer

    def review_outside_data(self) -> bool:
        """File → Data outside the project's folder…: ask again for the open project. True if the
        answer now allows reading them."""
        files = outside_data(self.project)
        if not files:
            dialogs.show_info(self.window, "Data outside the project's folder",
                              "This project reads no data from outside its folder.")
            return False
        answer = self._ask_outside(self.project, files, self._outside_key(self.project, files))
        self.project.refused_data = frozenset() if answer == "allow" else frozenset(p for _, p in files)
        self.window.editor.data_check.follow_project()  # the live data check follows the new answer
        return answer == "allow"

    # --- save ---------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self) -> bool:
        name = "".join(c if c.isalnum() or c in "-_ " else "_" for c in self.project.name).strip() or "network"
        path = dialogs.ask_save_project(self.window, str(self.default_folder() / f"{name}{SUFFIX}"))
        if not path:
            return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        from .replacing import is_studio_project, may_write, project_inputs

        # never over the project's own data; over a file the studio did not write only after a yes
        data = project_inputs(self.project, with_file=False)
        weights = getattr(getattr(self.window, "model_io", None), "weights", None)  # the weights in use
        if weights is not None:
            data += [weights.path, weights.path / "weights.safetensors"]
        if not may_write(self.window, path, title="Cannot save the project", own=is_studio_project,
                         inputs=data, skip=self.project.path):
            return False
        old, old_name = self.project.path, self.project.name
        if self.project.name.strip() in ("", UNTITLED):  # saved as mynet.json: the project is "mynet"
            self.project.name = file_stem(path) or old_name
        try:
            self.project.save(path)
        except ProjectError as e:
            self.project.path, self.project.name = old, old_name
            dialogs.show_error(self.window, "Cannot save the project", str(e))
            return False
        self.editor.stack.setClean()
        self._remember(path)
        if self.project.name != old_name:
            self.editor.project_fields_changed.emit()  # the inspector's Name field and the title
        self.opened.emit(self.project)  # the title shows the new file name
        return True


def file_stem(path: str | Path) -> str:
    """mynet.cnnrnn.json -> mynet; mynet.json -> mynet."""
    name = Path(path).name
    for suffix in (SUFFIX, ".json"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem
