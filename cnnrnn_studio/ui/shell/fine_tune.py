"""Fine-tuning in the app: Edit → "Replace the head for my data…", and an imported network's
weights as the starting point of training.

Replacing the head loads the project's dataset on a background thread (to count its classes),
then asks the editor for one undo step (project/head.py plans it). A project that
`cnnrnn-studio import-onnx` wrote comes with its weights beside it (same name, .safetensors);
opening it makes them the weights in use, marked as imported, so training starts from them
unless the person switches "Start from the imported weights" off in the Train tab.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from . import dialogs

TITLE = "Replace the head for my data"


def imported_weights_beside(project_path: Path | None) -> Path | None:
    """The .safetensors import-onnx wrote beside a project (its metadata names the .onnx source)."""
    if project_path is None:
        return None
    weights = Path(project_path).with_suffix(".safetensors")
    if not weights.is_file():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as f:
            source = (f.metadata() or {}).get("source", "")
    except Exception:  # noqa: BLE001 - not a weights file we wrote: not offered
        return None
    return weights if source.lower().endswith(".onnx") else None


class FineTune(QObject):
    """The Edit menu's replace-head command of one main window."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._task = None
        self.act_replace_head = QAction("Replace the &head for my data…", window)
        self.act_replace_head.setObjectName("replace_head")
        self.act_replace_head.setStatusTip("Cut the network at its last Dense, add one sized to the project's data, "
                                           "and freeze the rest: fine-tune an imported network (one undo step)")
        self.act_replace_head.triggered.connect(lambda _=False: self.replace_head())
        window.edit_menu.addSeparator()
        window.edit_menu.addAction(self.act_replace_head)
        window.editor.project_replaced.connect(self._project_opened)

    def _project_opened(self, project) -> None:
        from .model_io import WeightsSource

        weights = imported_weights_beside(project.path)
        if weights is not None and self.window.model_io.weights is None:
            self.window.model_io.set_weights(WeightsSource(weights, f"imported with {project.path.name}",
                                                           imported=True))

    def replace_head(self, outputs: int | None = None, task: str | None = None) -> bool:
        """With `outputs` (and `task`): replace the head at once. Without: size it to the project's
        dataset, loaded on a background thread first. False when it cannot start."""
        editor = self.window.editor
        if outputs is not None:
            new = editor.replace_head(outputs, task or "classification")
            if new is not None:
                self.window.show_status(f"The head is now '{new}' ({outputs} outputs); the other blocks with "
                                        "weights are frozen. Edit → Undo takes it back.", 10000)
            return new is not None
        project = editor.project
        if project.dataset is None:
            dialogs.show_error(self.window, TITLE, "Choose the data first (the project's Data settings): the new "
                                                   "head gets one output per class of that data.")
            return False
        if self._task is not None and self._task.is_running():
            return False
        from .tasks import BackgroundTask

        snapshot = project.copy()

        def work():
            from ...project.fit import load_project_dataset
            from ...project.head import head_size

            return head_size(load_project_dataset(snapshot))

        def done(result) -> None:
            errors: list[str] = []
            editor.edit_refused.connect(errors.append)
            try:
                ok = self.replace_head(*result)
            finally:
                editor.edit_refused.disconnect(errors.append)
            if not ok and errors:
                dialogs.show_error(self.window, TITLE, errors[0])

        task = BackgroundTask(work, self)
        task.done.connect(done)
        task.failed.connect(lambda message: dialogs.show_error(self.window, TITLE, message))
        self._task = task
        self.window.show_status("Reading the data to size the new head…")
        task.start()
        return True
