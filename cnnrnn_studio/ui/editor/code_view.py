"""A read-only view of the PyTorch code the network becomes (compile.codegen.python_source).

The code generator is loaded only when this view is first shown, never at start-up.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ...errors import StudioError
from .editor import Editor


def generate_source(project) -> tuple[str | None, str]:
    """(source, note): the code, or None and a sentence saying why there is none."""
    from ...compile.codegen import python_source

    if not project.analyze().ok:
        return None, "Fix the problems in the Messages panel first: code is generated for a valid network."
    try:
        return python_source(project), "The PyTorch code of this network (read-only). File → Export writes it to a file."
    except StudioError as e:
        return None, str(e)
    except Exception as e:  # a bug in the generator must not take the editor down
        return None, f"The code could not be generated: {e}"


class CodeView(QWidget):
    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("code")
        self.editor = editor
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        f = QFont("DejaVu Sans Mono")
        f.setStyleHint(QFont.Monospace)
        f.setPointSize(10)
        self.text.setFont(f)
        self.text.setLineWrapMode(QPlainTextEdit.NoWrap)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.text, 1)
        self._stale = True
        editor.analysis_changed.connect(self._changed)
        editor.project_fields_changed.connect(self._fields_changed)

    def _changed(self, _a) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def _fields_changed(self) -> None:
        self._changed(None)

    def refresh(self) -> None:
        source, note = generate_source(self.editor.project)
        self.note.setText(note)
        self.text.setPlainText(source or "")
        self.text.setVisible(source is not None)
        self._stale = False

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)
