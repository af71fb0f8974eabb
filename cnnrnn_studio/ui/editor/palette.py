"""The block palette: every block by category, with icons, search and plain-language help.

Drag a block onto the canvas to add it; double-click adds it after the selected block and
wires it in. Everything shown comes from the block declarations (STYLE rule 1).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from ...blocks import BlockSpec, by_category
from .canvas.view import BLOCK_TYPE_MIME, block_type_mime
from .icons import block_icon, category_icon

TYPE_ROLE = Qt.UserRole + 1


def block_tooltip(spec: BlockSpec) -> str:
    parts = [f"<b>{html.escape(spec.label)}</b>", html.escape(spec.help)]
    if spec.when_to_use:
        parts.append(f"<i>When to use:</i> {html.escape(spec.when_to_use)}")
    parts.append("<span style='color:gray'>Drag onto the canvas, or double-click to add after the selected block.</span>")
    return "<p style='max-width:360px'>" + "<br><br>".join(parts) + "</p>"


class _Tree(QTreeWidget):
    def mimeData(self, items) -> QMimeData:  # the drag the person starts
        types = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        return block_type_mime(types[0]) if types else QMimeData()

    def mimeTypes(self) -> list[str]:
        return [BLOCK_TYPE_MIME]


class Palette(QWidget):
    block_activated = Signal(str)  # double-click / Enter: add this type after the selection

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("palette")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search blocks (e.g. lstm, pool, image)")
        self.search.setClearButtonEnabled(True)
        self.tree = _Tree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setIconSize(QSize(22, 22))
        self.tree.setIndentation(10)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setProperty("role", "help")
        self.help.setMinimumHeight(90)
        self.help.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.help.setTextFormat(Qt.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.search)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.help)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.itemActivated.connect(self._activated)
        self.tree.currentItemChanged.connect(self._show_help)
        self.tree.itemEntered.connect(self._show_help)
        self.tree.setMouseTracking(True)
        self._show_help(None)

    def _fill(self) -> None:
        bold = QFont()
        bold.setBold(True)
        for category, specs in by_category().items():
            if not specs:
                continue
            head = QTreeWidgetItem([category])
            head.setIcon(0, category_icon(category))
            head.setFont(0, bold)
            head.setFlags(Qt.ItemIsEnabled)
            self.tree.addTopLevelItem(head)
            for spec in specs:
                it = QTreeWidgetItem([spec.label])
                it.setIcon(0, block_icon(spec.type))
                it.setData(0, TYPE_ROLE, spec.type)
                it.setToolTip(0, block_tooltip(spec))
                it.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                head.addChild(it)
                self.items[spec.type] = it
            head.setExpanded(True)

    def filter(self, text: str) -> None:
        """Show the blocks whose name has every word; only when none has, those whose description
        has them (typing a block's own name, "to sequence", must not list every block whose help
        says "to" and "sequence" first)."""
        words = text.lower().split()
        specs = [s for group in by_category().values() for s in group]

        def found(fields) -> set[str]:
            return {s.type for s in specs if all(w in " ".join(fields(s)).lower() for w in words)}

        shown_types = found(lambda s: (s.type, s.label, s.category, *s.tags)) or \
            found(lambda s: (s.type, s.label, s.category, s.help, s.when_to_use, *s.tags))
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            shown = 0
            for j in range(head.childCount()):
                it = head.child(j)
                ok = it.data(0, TYPE_ROLE) in shown_types
                it.setHidden(not ok)
                shown += ok
            head.setHidden(shown == 0)

    def visible_types(self) -> list[str]:
        return [t for t, it in self.items.items() if not it.isHidden() and not it.parent().isHidden()]

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        t = item.data(0, TYPE_ROLE) if item is not None else None
        if t:
            self.block_activated.emit(t)

    def _show_help(self, item, *_) -> None:
        t = item.data(0, TYPE_ROLE) if item is not None else None
        if not t:
            self.help.setText("Drag a block onto the canvas. Hover over one to read what it does.")
            return
        self.help.setText(block_tooltip(next(s for v in by_category().values() for s in v if s.type == t)))
