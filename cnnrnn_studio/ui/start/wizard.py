""""Start with my own data": a two-page wizard that turns a folder or a file into a network that fits it.

1. Your data: pick a folder of images or a data file (a file dialog, no typing). The format is
   detected; a CSV gets "what the file holds" and "column to predict" boxes, an image folder a size
   and a colour box. The data loads on a background thread and the page shows what was found
   (samples, classes and their counts, the shape of one sample, a few pictures) or, for bad
   input, the data layer's plain sentence.
2. Split and network: validation and test shares, then the networks that suit the data (the
   recommended one first) with a picture, why it was chosen and the result of the checks.

Finish leaves the adapted project in ``wizard.project``; the main window opens it. The choosing
and adapting is done by the Qt-free ``cnnrnn_studio.project.from_data``; this file only asks and shows.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QSizePolicy, QSpinBox, QStyle, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget, QWizard, QWizardPage)

from ...data.splits import TEST_FRACTION
from ...kinds import format_shape
from ...project.from_data import (CSV_MODES, IMAGE_SIZES, KIND_WORDS, csv_section, describe_source, propose_all,
                                 supports_test_share, with_test_share)
from ..shell import dialogs, theme

FORMAT_WORDS = {
    "image_folder": "a folder of images, one sub-folder per class",
    "csv": "a CSV file",
    "ts": "a time-series file (.ts, UCR/UEA archive)",
    "tsv": "a time-series file (.tsv, UCR archive)",
    "npz": "a NumPy file (.npz with X and y)",
}
MODE_WORDS = {
    "table": "A table: one sample per row",
    "timeseries": "A time series: each row is one moment",
    "text": "Texts: one text per row",
}
PER_CLASS = 4        # pictures shown per class
MAX_CLASSES_SHOWN = 6
THUMB = 56
NETWORK_PICTURE = QSize(820, 210)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _bold_head(text: str) -> str:
    """'Proposed: LeNet-5 ...' -> '<b>Proposed:</b> LeNet-5 ...' (escaped)."""
    head, sep, rest = text.partition(": ")
    if not sep:
        return html.escape(text)
    return f"<b>{html.escape(head)}:</b> {html.escape(rest)}"


def _shape(dims) -> str:
    return format_shape(dims, open_axis="any length", sep=" x ", brackets=False)


class DataPage(QWizardPage):
    """Step 1: pick the data, set how to read it, and see what the studio found."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle("1. Your data")
        self.setSubTitle("Choose a folder of pictures or a data file. The studio only reads it; nothing is changed.")
        self.path: str | None = None
        self.fmt: str | None = None
        self.info: Any = None          # CsvInfo for a CSV, image settings for a folder
        self.section: dict | None = None
        self.dataset = None
        self.error: str | None = None
        self._task = None
        self._token = 0
        self._filling = False

        self.folder_button = QPushButton(self.style().standardIcon(QStyle.SP_DirOpenIcon),
                                         "  A folder of images…")
        self.folder_button.setObjectName("wizard_folder")
        self.folder_button.setToolTip("A folder with one sub-folder per class, e.g. animals/cat and animals/dog")
        self.file_button = QPushButton(self.style().standardIcon(QStyle.SP_FileIcon), "  A data file…")
        self.file_button.setObjectName("wizard_file")
        self.file_button.setToolTip("A table, time series or texts as CSV; a UCR/UEA .ts or .tsv file; "
                                    "a NumPy .npz file with arrays X and y")
        for b in (self.folder_button, self.file_button):
            b.setMinimumHeight(34)
        self.folder_button.clicked.connect(self.choose_folder)
        self.file_button.clicked.connect(self.choose_file)
        self.where = QLabel("Nothing chosen yet.")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextSelectableByMouse)

        # How to read it (only the boxes that matter for the chosen format are shown).
        self.options = QGroupBox("How to read it")
        form = QFormLayout(self.options)
        self.mode = QComboBox()
        for m in CSV_MODES:
            self.mode.addItem(MODE_WORDS[m], m)
        self.label_column = QComboBox()
        self.size = QComboBox()
        self.color = QComboBox()
        self.color.addItem("Grayscale (one channel)", "grayscale")
        self.color.addItem("Colour (red, green, blue)", "rgb")
        form.addRow("The file holds", self.mode)
        form.addRow("Column to predict", self.label_column)
        form.addRow("Image size", self.size)
        form.addRow("Colours", self.color)
        self._form = form
        for box in (self.mode, self.label_column, self.size, self.color):
            box.setSizeAdjustPolicy(QComboBox.AdjustToContents)
            box.currentIndexChanged.connect(self._option_changed)
        self.options.hide()

        # What the studio found.
        self.found = QGroupBox("What the studio found")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("wizard_status")
        self.status.setTextFormat(Qt.PlainText)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        self.classes = QTableWidget(0, 2)
        self.classes.setObjectName("wizard_classes")
        self.classes.setHorizontalHeaderLabels(["class", "samples"])
        self.classes.verticalHeader().setVisible(False)
        self.classes.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.classes.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.classes.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.classes.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.classes.setFixedWidth(230)
        self.pictures = QWidget()
        self.pictures_layout = QGridLayout(self.pictures)
        self.pictures_layout.setContentsMargins(0, 0, 0, 0)
        self.pictures_layout.setSpacing(4)
        self.pictures_layout.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        row = QHBoxLayout()
        row.addWidget(self.classes, 0, Qt.AlignTop)
        row.addWidget(self.pictures, 1)
        fl = QVBoxLayout(self.found)
        fl.addWidget(self.status)
        fl.addWidget(self.summary)
        fl.addLayout(row, 1)
        self.found.hide()

        lay = QVBoxLayout(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.file_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addWidget(self.where)
        lay.addWidget(self.options)
        lay.addWidget(self.found, 1)

    # --- picking -----------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = dialogs.ask_folder(self, "Choose the folder of images (one sub-folder per class)",
                                  str(Path(self.path).parent) if self.path else "")
        if path:
            self.set_path(path)

    def choose_file(self) -> None:
        path = dialogs.ask_data_file(self, str(Path(self.path).parent) if self.path else "")
        if path:
            self.set_path(path)

    def set_path(self, path: str) -> None:
        """Look at the folder or file (format, columns, picture sizes), then load it."""
        self.path = str(path)
        self.fmt = self.info = self.section = self.dataset = None
        self.where.setText(f"<b>{html.escape(Path(path).name)}</b> <span style='color:{theme.current().muted}'>"
                           f"— {html.escape(str(path))}</span>")
        self.options.hide()
        self._busy("Looking at it…")
        self._run(lambda: describe_source(path), self._looked)

    def _looked(self, result) -> None:
        self.fmt, self.info = result
        self.where.setText(self.where.text() + f"<br>It is {FORMAT_WORDS.get(self.fmt, self.fmt)}.")
        self._fill_options()
        self.reload()

    def _fill_options(self) -> None:
        self._filling = True
        try:
            csv = self.fmt == "csv"
            images = self.fmt == "image_folder"
            for w, show in ((self.mode, csv), (self.label_column, csv), (self.size, images), (self.color, images)):
                self._form.setRowVisible(w, show)
            self.options.setVisible(csv or images)
            if csv:
                self.mode.setCurrentIndex(CSV_MODES.index(self.info.mode))
                self.label_column.clear()
                for j, name in enumerate(self.info.columns):
                    kind = "numbers" if self.info.numeric[j] else "words"
                    self.label_column.addItem(f"{name}   ({kind})", j)
                self.label_column.setCurrentIndex(self.info.label_index)
            if images:
                side = self.info["size"][0]
                self.size.clear()
                for s in sorted(set(IMAGE_SIZES) | {side}):
                    self.size.addItem(f"{s} x {s} pixels" + ("   (suggested for your pictures)" if s == side else ""),
                                      s)
                self.size.setCurrentIndex(self.size.findData(side))
                self.color.setCurrentIndex(self.color.findData(self.info["color"]))
        finally:
            self._filling = False

    def _option_changed(self, _index: int) -> None:
        if not self._filling and self.fmt is not None:
            self.reload()

    def current_section(self) -> dict | None:
        """The dataset section from the detected format and the boxes."""
        if self.path is None or self.fmt is None:
            return None
        if self.fmt == "csv":
            return csv_section(self.path, self.info, self.mode.currentData(), self.label_column.currentData())
        section = {"kind": "file", "format": self.fmt, "train": str(self.path)}
        if self.fmt == "image_folder":
            s = int(self.size.currentData())
            section.update(size=[s, s], color=self.color.currentData())
        return section

    # --- loading (background thread) -----------------------------------------------------------------
    def reload(self) -> None:
        section = self.current_section()
        if section is None:
            return
        self.section, self.dataset = section, None
        self._busy("Reading the data…")

        def load():
            from ...data import load_dataset

            return load_dataset(section)
        self._run(load, self._loaded)

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        from ..shell.tasks import BackgroundTask

        self._token += 1
        token = self._token
        task = BackgroundTask(fn)
        task.done.connect(lambda result: self._finished(token, on_done, result))
        task.failed.connect(lambda message: self._finished(token, self._failed, message))
        self._task = task
        task.start()

    def _finished(self, token: int, handler: Callable[[Any], None], value: Any) -> None:
        if not shiboken6.isValid(self) or token != self._token:
            return  # an older load the person has since replaced, or the wizard is gone
        self._task = None
        handler(value)

    def is_loading(self) -> bool:
        return self._task is not None

    def wait_until_idle(self, timeout_ms: int = 60000) -> bool:
        """Block until looking and loading are over (tests, screenshots)."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self._task is not None:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0:
                return False
            self._task.wait(left)
            QCoreApplication.processEvents()
        return True

    def _busy(self, text: str) -> None:
        self.error = None
        self.found.show()
        self.status.setStyleSheet(f"color: {theme.current().muted};")
        self.status.setText(text)
        self.summary.clear()
        self._clear_preview()
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.error = _sentence(message)
        self.status.setStyleSheet(f"color: {theme.current().error}; font-weight: 600;")
        self.status.setText("⚠ " + self.error + "\n\nChoose another folder or file, or change how it is read.")
        self.completeChanged.emit()

    def _loaded(self, dataset) -> None:
        self.dataset = dataset
        self.error = None
        self.status.setStyleSheet(f"color: {theme.current().ok}; font-weight: 600;")
        self.status.setText("✔ The data can be used.")
        self.show_dataset(dataset)
        self.completeChanged.emit()

    # --- the preview -------------------------------------------------------------------------------
    def _clear_preview(self) -> None:
        self.classes.setRowCount(0)
        while self.pictures_layout.count():
            w = self.pictures_layout.takeAt(0).widget()
            if w is not None:
                w.hide()  # at once: deleteLater waits for the event loop
                w.deleteLater()

    def show_dataset(self, ds) -> None:
        from ..dashboard.data_preview import class_counts

        self._clear_preview()
        total = sum(ds.counts().values())
        if ds.task == "classification" and ds.class_names:
            what = f"{len(ds.class_names)} classes"
        else:
            what = f"predicts {ds.n_outputs} number{'s' if ds.n_outputs != 1 else ''} (regression)"
        lengths = ""
        if ds.is_variable_length:
            ls = [n for s in (ds.train, ds.val, ds.test) for n in s.lengths()]
            lengths = f" (lengths {min(ls)} to {max(ls)} steps)" if ls else ""
        muted = theme.current().muted
        self.summary.setText(
            f"<b>{total:,} samples</b> · {what} · each sample is <b>{KIND_WORDS.get(ds.kind, ds.kind)}</b> "
            f"({ds.kind}) of shape <b>{_shape(ds.sample_shape)}</b>{lengths}"
            f"<br><span style='color:{muted}'>{html.escape(ds.description)}</span>")
        split = ds.train if len(ds.train) else ds.test
        y = split.y.detach().cpu().numpy()
        if ds.task == "classification" and ds.class_names:
            rows = class_counts(ds)
            self.classes.setHorizontalHeaderLabels(["class", "samples"])
            self.classes.setRowCount(len(rows))
            for r, (name, *ns) in enumerate(rows):
                self._cell(r, name, f"{sum(ns):,}")
            if ds.kind != "vector":  # a row of numbers has no picture worth showing
                for r, name in enumerate(ds.class_names[:MAX_CLASSES_SHOWN]):
                    idx = [int(i) for i in np.flatnonzero(y == r)[:PER_CLASS]]
                    self._picture_row(r, name, ds, split, idx)
        else:
            self.classes.setHorizontalHeaderLabels(["part", "samples"])
            c = ds.counts()
            self.classes.setRowCount(3)
            for r, (part, key) in enumerate((("training", "train"), ("validation", "val"), ("test", "test"))):
                self._cell(r, part, f"{c[key]:,}")
            if ds.kind != "vector":
                self._picture_row(0, "examples", ds, split, list(range(min(len(split), 2 * PER_CLASS))))
        names = ds.meta.get("feature_names")
        if ds.kind == "vector" and names:
            note = QLabel("<b>Features</b> (the numbers each sample gives the network):<br>" + ", ".join(names))
            note.setWordWrap(True)
            self.pictures_layout.addWidget(note, 0, 0)
        self._fit_table()

    def _fit_table(self) -> None:
        rows = self.classes.rowCount()
        height = self.classes.horizontalHeader().height() + sum(self.classes.rowHeight(r) for r in range(rows))
        self.classes.setFixedHeight(min(max(height + 4, 60), 260))

    def _cell(self, r: int, name: str, count: str) -> None:
        self.classes.setItem(r, 0, QTableWidgetItem(name))
        item = QTableWidgetItem(count)
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.classes.setItem(r, 1, item)

    def _picture_row(self, row: int, name: str, ds, split, idx: list[int]) -> None:
        from ..dashboard.samples import sample_pixmap

        label = QLabel(name)
        label.setStyleSheet("font-weight: 600;")
        label.setFixedWidth(100)
        label.setWordWrap(True)
        self.pictures_layout.addWidget(label, row, 0)
        for k, i in enumerate(idx):
            pic = QLabel()
            pic.setObjectName("wizard_thumb")
            pic.setPixmap(sample_pixmap(split.x[int(i)], ds.kind, THUMB, ds.vocab))
            pic.setFrameShape(QFrame.Box)
            self.pictures_layout.addWidget(pic, row, k + 1)

    def thumbnails(self) -> list[QLabel]:
        return [w for w in self.pictures.findChildren(QLabel, "wizard_thumb") if w.pixmap() and not w.pixmap().isNull()]

    def class_rows(self) -> list[tuple[str, str]]:
        """(class, count) as the table shows them (tests read these)."""
        return [(self.classes.item(r, 0).text(), self.classes.item(r, 1).text())
                for r in range(self.classes.rowCount())]

    def isComplete(self) -> bool:
        return self.dataset is not None and self._task is None


class NetworkPage(QWizardPage):
    """Step 2: how to split the data, and the proposed network (why, picture, checks)."""

    def __init__(self, data_page: DataPage, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle("2. Split and network")
        self.setSubTitle("Keep some data aside to check the network honestly, then pick the network to start from.")
        self.data_page = data_page
        self.proposals: list = []
        self.project = None
        self.error: str | None = None

        split = QGroupBox("How to split the data")
        form = QFormLayout(split)
        form.setFieldGrowthPolicy(QFormLayout.FieldsStayAtSizeHint)
        self.validation = QSpinBox()
        self.validation.setRange(0, 50)
        self.validation.setValue(20)
        self.validation.setSuffix(" %")
        self.validation.setMinimumWidth(90)
        self.validation.setToolTip("Checked after every epoch while training, never learned from.")
        self.test = QSpinBox()
        self.test.setRange(5, 50)
        self.test.setValue(20)
        self.test.setSuffix(" %")
        self.test.setMinimumWidth(90)
        self.split_note = QLabel("")
        self.split_note.setWordWrap(True)
        self.split_note.setProperty("role", "muted")
        form.addRow("Validation share (of the rest)", self.validation)
        form.addRow("Test share (kept for the end)", self.test)
        form.addRow(self.split_note)
        self.validation.valueChanged.connect(self._split_changed)
        self.test.valueChanged.connect(self._split_changed)

        net = QGroupBox("Proposed network")
        nl = QVBoxLayout(net)
        self.network = QComboBox()
        self.network.setObjectName("wizard_network")
        self.network.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.network.currentIndexChanged.connect(self._network_changed)
        self.picture = QLabel()
        self.picture.setFixedSize(NETWORK_PICTURE)
        self.picture.setAlignment(Qt.AlignCenter)
        self.why = QLabel("")
        self.why.setWordWrap(True)
        self.why.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        self.check = QLabel("")
        self.check.setWordWrap(True)
        self.check.setObjectName("wizard_check")
        top = QHBoxLayout()
        top.addWidget(QLabel("Start from"))
        top.addWidget(self.network)
        top.addStretch(1)
        nl.addLayout(top)
        self.why.setTextFormat(Qt.RichText)
        nl.addWidget(self.why)
        nl.addWidget(self.check)
        nl.addWidget(self.picture, 0, Qt.AlignHCenter)
        nl.addStretch(1)

        lay = QVBoxLayout(self)
        lay.addWidget(split)
        lay.addWidget(net, 1)

    def initializePage(self) -> None:
        page = self.data_page
        section, ds = page.section, page.dataset
        self.test.setEnabled(supports_test_share(section))
        self._split_changed()
        self.proposals = propose_all(section, dataset=ds, validation_split=self.validation.value() / 100)
        self.network.blockSignals(True)
        self.network.clear()
        first_ok = -1
        for i, p in enumerate(self.proposals):
            recommended = first_ok < 0 and p.ok
            text = p.choice.label + ("   (recommended)" if recommended else "" if p.ok else "   (does not fit)")
            self.network.addItem(text, p.choice.id)
            if not p.ok:
                self.network.setItemData(i, " ".join(p.problems), Qt.ToolTipRole)
            if recommended:
                first_ok = i
        self.network.setCurrentIndex(max(first_ok, 0))
        self.network.blockSignals(False)
        self._network_changed(self.network.currentIndex())

    def _split_changed(self, *_args) -> None:
        ds = self.data_page.dataset
        if ds is None:
            return
        total = sum(ds.counts().values())
        section = self.data_page.section or {}
        if section.get("test") is not None:
            test_words = "the test file is kept for the end"
            rest = total
        elif self.test.isEnabled():
            test_words = f"the last {self.test.value()} % of the windows are kept for the end"
            rest = total * (1 - self.test.value() / 100)
        else:
            self.test.blockSignals(True)
            self.test.setValue(round(100 * TEST_FRACTION))
            self.test.blockSignals(False)
            test_words = (f"{100 * TEST_FRACTION:.0f} % of the samples are kept for the end (this kind of data has "
                          "a fixed test share)")
            rest = total * (1 - TEST_FRACTION)
        n_val = round(rest * self.validation.value() / 100)
        self.split_note.setText(f"Of {total:,} samples: {test_words}; about {n_val:,} check the training as it "
                                f"goes; the network learns from about {max(0, round(rest) - n_val):,}.")

    def _network_changed(self, index: int) -> None:
        self.project = None
        self.error = None
        if not (0 <= index < len(self.proposals)):
            return
        p = self.proposals[index]
        t = theme.current()
        if p.ok:
            from ..editor.canvas.render import thumbnail

            self.project = p.project
            a = p.project.analyze()
            self.why.setText("".join(f"<p style='margin:0 0 4px 0'>{_bold_head(part)}</p>" for part in p.explanation))
            self.check.setStyleSheet(f"color: {t.ok}; font-weight: 600;")
            self.check.setText(f"✔ Checked: the network is valid and fits your data "
                               f"({a.total_params:,} weights to learn).")
            self.picture.setPixmap(thumbnail(p.project, NETWORK_PICTURE))
        else:
            self.error = f"{p.choice.label} does not fit this data: {' '.join(p.problems)}"
            self.why.setText(f"{p.choice.label}: {p.choice.why}.")
            self.check.setStyleSheet(f"color: {t.error}; font-weight: 600;")
            self.check.setText("⚠ " + self.error)
            self.picture.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.project is not None

    def validatePage(self) -> bool:
        """The chosen proposal (already adapted and checked on this page) with the split as set now."""
        p = self.proposals[self.network.currentIndex()]
        p.project.dataset = with_test_share(p.project.dataset, sum(self.data_page.dataset.counts().values()),
                                            self.test.value() / 100)
        p.project.training = {**(p.project.training or {}), "validation_split": self.validation.value() / 100}
        self.wizard().project = p.project
        return True


class DataWizard(QWizard):
    """Start with my own data. After Finish, ``project`` is the adapted, unsaved project."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("data_wizard")
        self.setWindowTitle("Start with my own data")
        self.setWizardStyle(QWizard.ModernStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.FinishButton, "Open this network")
        self.project = None
        self.data_page = DataPage()
        self.network_page = NetworkPage(self.data_page)
        self.addPage(self.data_page)
        self.addPage(self.network_page)
        self.resize(900, 700)

    def wait_until_idle(self, timeout_ms: int = 60000) -> bool:
        return self.data_page.wait_until_idle(timeout_ms)
