"""Every modal question the app asks, in one place.

Tests and the self-test replace these functions (a modal dialog would block them); the rest
of the UI calls them through this module (`dialogs.ask_open_project(...)`), never directly.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PROJECT_FILTER = "CNN-RNN Studio projects (*.cnnrnn.json *.json);;All files (*)"
log = logging.getLogger("cnnrnn_studio.ui")

#: the save dialogs leave "replace it?" to replacing.py, which knows whose file it is
NO_DOUBLE_ASK = QFileDialog.DontConfirmOverwrite

#: --screenshot runs with nobody at the screen: questions get their safe answer, errors go to stderr
HEADLESS = False


def set_headless(on: bool = True) -> None:
    global HEADLESS
    HEADLESS = on


def ask_open_project(parent: QWidget | None, folder: str = "") -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getOpenFileName(parent, "Open a project", folder, PROJECT_FILTER)
    return path or None


def ask_save_project(parent: QWidget | None, suggested: str) -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getSaveFileName(parent, "Save the project as", suggested, PROJECT_FILTER,
                                          options=NO_DOUBLE_ASK)
    return path or None


def ask_export_path(parent: QWidget | None, suggested: str, file_filter: str) -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getSaveFileName(parent, "Export the canvas", suggested, file_filter,
                                          options=NO_DOUBLE_ASK)
    return path or None


def ask_chart_path(parent: QWidget | None, suggested: str, file_filter: str) -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getSaveFileName(parent, "Save the chart", suggested, file_filter, options=NO_DOUBLE_ASK)
    return path or None


def ask_data_file(parent: QWidget | None, folder: str = "") -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getOpenFileName(
        parent, "Choose a data file", folder,
        "Data files (*.csv *.csv.gz *.txt *.ts *.tsv *.npz);;All files (*)")
    return path or None


def ask_save_file(parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter, options=NO_DOUBLE_ASK)
    return path or None


def ask_open_file(parent: QWidget | None, title: str, folder: str, file_filter: str) -> str | None:
    if HEADLESS:
        return None
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, file_filter)
    return path or None


def ask_folder(parent: QWidget | None, title: str, folder: str = "") -> str | None:
    if HEADLESS:
        return None
    return QFileDialog.getExistingDirectory(parent, title, folder) or None


def ask_weights_file(parent: QWidget | None, folder: str = "") -> str | None:
    """A .safetensors file (a run folder's weights.safetensors stands for its run)."""
    return ask_open_file(parent, "Choose trained weights", folder,
                         "Weights (*.safetensors);;All files (*)")


def run_dialog(dialog) -> bool:
    """Show a modal form; True if the person pressed its OK button."""
    if HEADLESS:
        return False
    return bool(dialog.exec())


def ask_unsaved(parent: QWidget | None, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    if HEADLESS:
        return "discard"
    box = QMessageBox(QMessageBox.Warning, "Unsaved changes",
                      f"'{name}' has changes that are not saved. Save them first?",
                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, parent)
    box.setDefaultButton(QMessageBox.Save)
    answer = box.exec()
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")


def ask_recover(parent: QWidget | None, text: str) -> bool:
    if HEADLESS:
        return False
    box = QMessageBox(QMessageBox.Question, "Recover unsaved work?", text,
                      QMessageBox.Yes | QMessageBox.No, parent)
    box.button(QMessageBox.Yes).setText("Recover")
    box.button(QMessageBox.No).setText("Discard")
    box.setDefaultButton(QMessageBox.Yes)
    return box.exec() == QMessageBox.Yes


def ask_outside_data(parent: QWidget | None, project_name: str, folder: str,
                     files: list[tuple[str, str]]) -> bool:
    """May this project read data files that lie outside its folder? True: allow; False: they are not read."""
    if HEADLESS:
        return False
    listing = "\n".join(f"•  {role}: {path}" for role, path in files)
    box = QMessageBox(QMessageBox.Warning, "Data outside the project's folder",
                      f"The project '{project_name}' (in {folder}) reads data from outside its own folder:\n\n"
                      f"{listing}\n\nA project someone sent you could use such paths to read your other files. "
                      "Let this project read them?\n\nYou are asked once for this project; File → Data outside "
                      "the project's folder… changes the answer.", QMessageBox.NoButton, parent)
    allow = box.addButton("Allow reading them", QMessageBox.AcceptRole)
    refuse = box.addButton("Do not read them", QMessageBox.RejectRole)
    box.setDefaultButton(refuse)
    box.setEscapeButton(refuse)
    box.exec()
    return box.clickedButton() is allow


def ask_replace(parent: QWidget | None, path: str, ours: bool | None) -> bool:
    """Replace an existing file? `ours`: True when the studio wrote it, False when it did not (asked
    more firmly, No by default), None when that cannot be told (a picture)."""
    if HEADLESS:
        return False
    if ours:
        text = f"{path} already exists (CNN-RNN Studio wrote it). Replace it?"
    elif ours is None:
        text = f"{path} already exists. Replace it? What it holds now will be lost."
    else:
        text = (f"{path} already exists and was not written by CNN-RNN Studio: it may be a file of yours. "
                "Replace it? What it holds now will be lost.")
    box = QMessageBox(QMessageBox.Warning if not ours else QMessageBox.Question, "Replace the file?", text,
                      QMessageBox.NoButton, parent)
    replace = box.addButton("Replace", QMessageBox.DestructiveRole)
    keep = box.addButton("Keep it", QMessageBox.RejectRole)
    box.setDefaultButton(replace if ours else keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is replace


def show_error(parent: QWidget | None, title: str, message: str, details: str | None = None) -> None:
    log.warning("%s: %s", title, message)
    if HEADLESS:
        print(f"{title}: {message}", file=sys.stderr)
        return
    box = QMessageBox(QMessageBox.Critical, title, message, QMessageBox.Ok, parent)
    if details:
        box.setDetailedText(details)  # the "Show details..." fold
    box.exec()


def show_info(parent: QWidget | None, title: str, message: str) -> None:
    if HEADLESS:
        return
    QMessageBox.information(parent, title, message)
