"""The message panel: every problem in the network, in words, with one-click fixes.

Clicking a message selects its block on the canvas; a "Fix" button applies the known fix
(Problem.fix) as one undoable edit. Refused edits and other notes appear here too.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from ...graph import Analysis
from ..shell import theme
from .data_check import OfferBar
from .editor import Editor, fix_label, sentence

MAX_FIX_BUTTONS = 60  # item widgets are costly; a network with more fixes shows the first ones
BLOCK_ROLE = Qt.UserRole + 1


def problem_count(a: Analysis) -> str:
    """ "1 error, 1 warning": each kind of row counted, so the header matches the list below."""
    e, w = len(a.errors), len(a.warnings)
    parts = [f"{e} error{'s' if e != 1 else ''}"] if e else []
    if w:
        parts.append(f"{w} warning{'s' if w != 1 else ''}")
    return ", ".join(parts) or "no problems"


class MessagePanel(QWidget):
    block_clicked = Signal(str)

    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("messages")
        self.editor = editor
        self.status = QLabel()
        self.status.setTextFormat(Qt.RichText)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Block", "Message", ""])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.ElideNone)  # long sentences wrap onto more lines, never end in "..."
        self.tree.setAlternatingRowColors(True)
        h = self.tree.header()
        h.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        h.setStretchLastSection(False)
        h.sectionResized.connect(lambda column, *_: column == 1 and self._fit_rows())  # heights follow the width
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        # "Fit the network to this data" / "Start from the LSTM template" when the chosen data needs it
        self.data_offer = OfferBar(editor.data_check, quiet=True, one_row=True)
        lay.addWidget(self.data_offer)
        lay.addWidget(self.note)
        lay.addWidget(self.tree, 1)
        self.note.hide()
        self.tree.itemClicked.connect(self._clicked)
        self.fix_buttons: list[QPushButton] = []
        editor.analysis_changed.connect(self.show_analysis)
        editor.edit_refused.connect(self.show_note)
        # a refusal is about the moment it happened: the next edit or another project clears it
        editor.graph_changed.connect(lambda event, _payload: event != "block_moved" and self.show_note(""))
        editor.project_replaced.connect(lambda _project: self.show_note(""))
        self.show_analysis(editor.analysis)

    def show_analysis(self, a: Analysis) -> None:
        t = theme.current()
        self.tree.clear()
        self.fix_buttons = []
        if not len(self.editor.graph):  # nothing to complain about yet
            self.status.setText("No blocks yet: drag an Input block from the palette to begin.")
            return
        elif a.ok:
            w = len(a.warnings)
            self.status.setText(f"<span style='color:{t.ok}'>✔ The network is valid</span> — "
                                f"{a.total_params:,} parameters, {a.total_macs:,} multiply-adds {a.macs_per}"
                                + (f"; {w} warning{'s' if w != 1 else ''}" if w else "") + ".")
        else:
            self.status.setText(f"<span style='color:{t.error}'><b>{problem_count(a)}</b></span>"
                                " — click one to find its block.")
        for pr in sorted(a.problems, key=lambda p: p.severity != "error"):
            item = QTreeWidgetItem([pr.block_id or "network", sentence(pr), ""])
            item.setData(0, BLOCK_ROLE, pr.block_id)
            item.setForeground(0, QBrush(QColor(t.error if pr.severity == "error" else t.warning)))
            item.setToolTip(1, sentence(pr))
            self.tree.addTopLevelItem(item)
            if pr.fix and len(self.fix_buttons) < MAX_FIX_BUTTONS:
                b = QPushButton(fix_label(pr.fix))
                b.setProperty("role", "fix")
                b.setToolTip("Apply this fix (Ctrl+Z undoes it).")
                b.clicked.connect(lambda _=False, fx=pr.fix: self.editor.apply_fix(fx))
                self.tree.setItemWidget(item, 2, b)
                self.fix_buttons.append(b)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Give each row the height its message needs at the column's width, so it wraps onto
        more lines (a tree view does not recompute wrapped heights when a column narrows)."""
        width = self.tree.header().sectionSize(1) - 8
        if width <= 40:
            return
        fm = self.tree.fontMetrics()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            r = fm.boundingRect(QRect(0, 0, width, 10000), int(Qt.TextWordWrap), item.text(1))
            item.setSizeHint(1, QSize(width, r.height() + 6))
        self.tree.doItemsLayout()

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        bid = item.data(0, BLOCK_ROLE)
        if bid:
            self.block_clicked.emit(bid)
