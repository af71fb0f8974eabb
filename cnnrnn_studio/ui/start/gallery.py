"""The start page: "Start with my own data" (the data wizard), a gallery of templates (each with a
picture of its network and what it is for), an empty canvas, Open, and recent files. Shown at start
and by File → New from template."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QStyle,
                               QVBoxLayout, QWidget)

from ...project import list_templates, load_template
from ...project.templates import IO_WORDS, TemplateInfo
from ..editor.icons import app_icon

THUMB = QSize(300, 150)


def first_sentence(text: str, limit: int = 125) -> str:
    cut = text.find(". ")
    s = text[: cut + 1] if 0 < cut < limit else text
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


class TemplateCard(QFrame):
    chosen = Signal(str)

    def __init__(self, info: TemplateInfo | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.info = info
        self.template_id = info.id if info else ""
        self.setProperty("role", "card")
        self.setCursor(Qt.PointingHandCursor)
        self.setFixedWidth(THUMB.width() + 20)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(6)
        self.picture = QLabel()
        self.picture.setFixedSize(THUMB)
        self.picture.setAlignment(Qt.AlignCenter)
        lay.addWidget(self.picture)
        name = QLabel(info.name if info else "Empty canvas")
        name.setStyleSheet("font-weight: 600; font-size: 14px;")
        name.setWordWrap(True)
        lay.addWidget(name)
        # What goes in and comes out, in sequences: one-to-one, one-to-many, many-to-one, many-to-many.
        self.io_tag = QLabel(info.io if info and info.io else "")
        self.io_tag.setObjectName("io_tag")
        self.io_tag.setStyleSheet("border: 1px solid palette(mid); border-radius: 8px; padding: 1px 8px; "
                                  "font-size: 11px;")
        if info and info.io:
            self.io_tag.setToolTip(f"{info.io}: {IO_WORDS[info.io]}")
        else:  # no tag, but its room kept (sized by a stand-in text): the cards of a row stay equally tall
            policy = self.io_tag.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.io_tag.setSizePolicy(policy)
            self.io_tag.setText("many-to-many")
            self.io_tag.hide()
        lay.addWidget(self.io_tag, 0, Qt.AlignLeft)
        about = QLabel(first_sentence(info.description) if info else
                       "Start from nothing: drag an Input, the layers you want and an Output from the palette.")
        about.setWordWrap(True)
        about.setProperty("role", "muted")
        about.setFixedHeight(54)
        about.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        lay.addWidget(about)
        if info:
            self.setToolTip(f"<p style='max-width:420px'><b>{info.name}</b><br>{info.description}</p>")
        else:
            self.picture.setPixmap(app_icon().pixmap(96, 96))

    def set_picture(self, pm) -> None:
        self.picture.setPixmap(pm)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.rect().contains(event.position().toPoint()):
            self.chosen.emit(self.template_id)
        super().mouseReleaseEvent(event)


class OwnDataEntry(QFrame):
    """The first-run entry: start from the person's own folder or file (the data wizard)."""

    chosen = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("own_data_entry")
        self.setProperty("role", "card")
        self.setCursor(Qt.PointingHandCursor)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(14, 12, 14, 12)
        lay.setSpacing(14)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.SP_DirOpenIcon).pixmap(44, 44))
        lay.addWidget(icon)
        words = QVBoxLayout()
        title = QLabel("Start with my own images / table / time series / text")
        title.setStyleSheet("font-weight: 600; font-size: 15px;")
        about = QLabel("Pick a folder of pictures (one sub-folder per class) or a data file (CSV, .ts, .tsv, "
                       ".npz). The studio looks at your data and proposes a network that fits it, ready to "
                       "train. No typing needed.")
        about.setWordWrap(True)
        about.setProperty("role", "muted")
        words.addWidget(title)
        words.addWidget(about)
        lay.addLayout(words, 1)
        self.button = QPushButton("Start with my own data…")
        self.button.setObjectName("own_data_button")
        self.button.clicked.connect(self.chosen)
        lay.addWidget(self.button, 0, Qt.AlignVCenter)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.rect().contains(event.position().toPoint()):
            self.chosen.emit()
        super().mouseReleaseEvent(event)


class StartPage(QScrollArea):
    template_chosen = Signal(str)   # "" = empty canvas
    own_data_requested = Signal()   # "Start with my own data": the data wizard
    open_requested = Signal()
    recent_chosen = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("start_page")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(36, 28, 36, 28)
        outer.setSpacing(14)
        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(52, 52))
        head.addWidget(logo)
        titles = QVBoxLayout()
        title = QLabel("Start a new network")
        title.setStyleSheet("font-size: 22px; font-weight: 600;")
        sub = QLabel("Pick a template to learn from, or start with an empty canvas. Every template trains as it is.")
        sub.setProperty("role", "muted")
        titles.addWidget(title)
        titles.addWidget(sub)
        head.addLayout(titles, 1)
        self.back = QPushButton("Back to the canvas")
        self.back.clicked.connect(self.back_requested)
        self.back.hide()
        opener = QPushButton("Open a project…")
        opener.clicked.connect(self.open_requested)
        head.addWidget(self.back)
        head.addWidget(opener)
        outer.addLayout(head)
        self.own_data = OwnDataEntry()
        self.own_data.chosen.connect(self.own_data_requested)
        outer.addWidget(self.own_data)
        self.recent_box = QHBoxLayout()
        self.recent_box.setSpacing(8)
        outer.addLayout(self.recent_box)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(16)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.setWidget(body)
        self.cards: list[TemplateCard] = [TemplateCard(None)]
        self.templates = list_templates()
        self.cards += [TemplateCard(t) for t in self.templates]
        for c in self.cards:
            c.chosen.connect(self.template_chosen)
        self._columns = 0
        self._pictures_done = False
        self._reflow()

    def set_recent(self, paths: list[str]) -> None:
        while self.recent_box.count():
            w = self.recent_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if not paths:
            return
        label = QLabel("Recent:")
        label.setProperty("role", "muted")
        self.recent_box.addWidget(label)
        for p in paths[:5]:
            b = QPushButton(Path(p).name)
            b.setToolTip(p)
            b.setFlat(True)
            b.setStyleSheet("text-decoration: underline;")
            b.clicked.connect(lambda _=False, path=p: self.recent_chosen.emit(path))
            self.recent_box.addWidget(b)
        self.recent_box.addStretch(1)

    def set_can_go_back(self, yes: bool) -> None:
        self.back.setVisible(yes)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        cols = max(1, (self.viewport().width() - 72 + 16) // (THUMB.width() + 20 + 16))
        if cols == self._columns:
            return
        self._columns = cols
        for c in self.cards:
            self.grid.removeWidget(c)
        for i, c in enumerate(self.cards):
            self.grid.addWidget(c, i // cols, i % cols, Qt.AlignTop | Qt.AlignLeft)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._pictures_done:
            self._pictures_done = True
            QTimer.singleShot(0, self.render_pictures)

    def render_pictures(self) -> None:
        """Draw each template's network (after the window has appeared)."""
        from ..editor.canvas.render import thumbnail

        for c in self.cards[1:]:
            if c.picture.pixmap() is None or c.picture.pixmap().isNull():
                c.set_picture(thumbnail(load_template(c.template_id), THUMB))
