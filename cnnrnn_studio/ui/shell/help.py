"""Help → User guide (F1): docs/user-guide.md shown as Markdown in a window of its own.

The window is not modal, so the guide can stay open beside the canvas. Pictures load from the
guide's own folder; links inside the guide (``[Train](#train)``) jump to their section, web links
open in the browser. A search box finds the next match and wraps at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSize, QTimer, QUrl
from PySide6.QtGui import (QDesktopServices, QImageReader, QKeySequence, QShortcut, QTextCharFormat, QTextCursor,
                           QTextDocument)
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout,
                               QWidget)

from ...resources import USER_GUIDE, docs_dir

MISSING = "The user guide is not included in this copy of CNN-RNN Studio."
IMAGE_MARGIN = 40   # pixels kept free beside a picture scaled to the window


def guide_path() -> Path | None:
    """docs/user-guide.md in a source checkout, sys._MEIPASS/docs/user-guide.md in the frozen app."""
    folder = docs_dir()   # None unless the guide is there
    return folder / USER_GUIDE if folder is not None else None


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: "Compare runs" -> "compare-runs"."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


class UserGuide(QDialog):
    """The guide with a search box. ``path=None`` looks for it with guide_path()."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None):
        super().__init__(parent)
        self.setObjectName("user_guide")
        self.setWindowTitle("CNN-RNN Studio — User guide")
        self.setModal(False)
        self.path = Path(path) if path is not None else guide_path()
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_browser")
        self.browser.setOpenLinks(False)  # links are followed by open_link: the guide is never reloaded
        self.browser.anchorClicked.connect(self.open_link)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find in the guide")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.find_next)
        self.find_button = QPushButton("Find next")
        self.find_button.clicked.connect(self.find_next)
        self.top_button = QPushButton("Contents")
        self.top_button.setToolTip("Back to the start of the guide")
        self.top_button.clicked.connect(self.go_top)
        self.found = QLabel("")
        self.found.setProperty("role", "muted")
        QShortcut(QKeySequence.Find, self, self._focus_search)
        QShortcut(QKeySequence.FindNext, self, self.find_next)
        bar = QHBoxLayout()
        bar.addWidget(self.top_button)
        bar.addStretch(1)
        bar.addWidget(self.found)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.find_button)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.browser, 1)
        self._sizes: dict[str, QSize] = {}   # picture name -> its full size
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(80)
        self._fit_timer.timeout.connect(self.fit_images)
        self.missing = self.path is None or not self.path.is_file()
        if self.missing:
            self.browser.setPlainText(MISSING)
            for w in (self.search, self.find_button, self.top_button):
                w.setEnabled(False)
        else:
            self._load(self.path)
        self.resize(960, 760)

    # --- loading ------------------------------------------------------------------------------------
    def _load(self, path: Path) -> None:
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.MarkdownResource)
        self._mark_headings()  # the pictures are fitted once the window is shown (showEvent)

    def _mark_headings(self) -> None:
        """Give every heading its GitHub anchor (Qt's Markdown reader makes none) and some air above."""
        doc = self.browser.document()
        cursor = QTextCursor(doc)
        block = doc.begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level:
                cursor.setPosition(block.position())
                cursor.setPosition(block.position() + block.length() - 1, QTextCursor.KeepAnchor)
                fmt = QTextCharFormat()
                fmt.setAnchor(True)
                fmt.setAnchorNames([slug(block.text())])
                cursor.mergeCharFormat(fmt)
                bfmt = block.blockFormat()
                bfmt.setTopMargin(18 if level <= 2 else 10)
                bfmt.setBottomMargin(6)
                cursor.setBlockFormat(bfmt)
            block = block.next()

    def anchors(self) -> set[str]:
        """The anchor names in the shown document (tests check the guide's links against them)."""
        names: set[str] = set()
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                names.update(it.fragment().charFormat().anchorNames())
                it += 1
            block = block.next()
        return names

    def fit_images(self) -> None:
        """Scale each picture down to the window's width (never up), smoothly, keeping its proportions.

        The scaled copy replaces the picture in the document's resources: Qt's own scaling of an
        image in a text document is not smoothed and makes the screenshots' small text unreadable."""
        if self.missing:
            return
        doc = self.browser.document()
        width = max(200, self.browser.viewport().width() - IMAGE_MARGIN)
        ratio = self.browser.devicePixelRatioF()
        folder = self.path.parent
        pictures = []   # (position, length, format): collected first, as changing formats moves fragments
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.charFormat().isImageFormat():
                    pictures.append((frag.position(), frag.length(), frag.charFormat().toImageFormat()))
                it += 1
            block = block.next()
        cursor = QTextCursor(doc)
        for position, length, img in pictures:
            name = img.name()
            size = self._sizes.get(name)
            if size is None:
                size = self._sizes[name] = QImageReader(str(folder / name)).size()
            if not size.isValid() or size.width() <= 0:
                continue
            w = min(size.width(), width)
            h = round(size.height() * w / size.width())
            if round(img.width()) == w and round(img.height()) == h:
                continue
            reader = QImageReader(str(folder / name))
            if w < size.width():
                reader.setScaledSize(QSize(round(w * ratio), round(h * ratio)))  # smooth, as Qt reads it
            picture = reader.read()
            if picture.isNull():
                continue
            if w < size.width():
                picture.setDevicePixelRatio(ratio)
            # under the name the document looks it up by: resolved against the guide's own address
            doc.addResource(QTextDocument.ImageResource, doc.baseUrl().resolved(QUrl(name)), picture)
            img.setWidth(w)
            img.setHeight(h)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.KeepAnchor)
            cursor.setCharFormat(img)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_timer.start()

    # --- finding and moving -----------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def find_next(self, text: str | None = None) -> bool:
        """Select the next match after the cursor, wrapping to the top once; False if there is none."""
        text = self.search.text() if not isinstance(text, str) else text
        text = text.strip()
        if not text or self.missing:
            self.found.setText("")
            return False
        if self.browser.find(text):
            self.found.setText("")
            return True
        self.browser.moveCursor(QTextCursor.Start)
        ok = self.browser.find(text)
        self.found.setText("" if ok else "Not found.")
        return ok

    def go_top(self) -> None:
        self.browser.moveCursor(QTextCursor.Start)
        self.browser.verticalScrollBar().setValue(0)

    def open_link(self, url: QUrl) -> None:
        """A link into the guide jumps to its section; any other opens outside (the web browser)."""
        target = self.browser.source().resolved(url)
        if url.hasFragment() and (not url.path() or Path(target.toLocalFile()) == Path(self.path)):
            self.go_to(url.fragment())
        else:
            QDesktopServices.openUrl(target)

    def go_to(self, anchor: str) -> None:
        """Jump to a section (an anchor from slug())."""
        self.browser.scrollToAnchor(anchor)
