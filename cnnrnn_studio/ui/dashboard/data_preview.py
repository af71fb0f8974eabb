"""Look at the data before training: a few samples of every class, the class counts, and for a
forecasting dataset the whole series with its train / validation / test parts. With augmentation
on (the dataset section's "augment"), a row of augmented copies of one training sample.

The dataset loads on a background thread (a big image folder takes a while); the preview shows
"Loading…" meanwhile and a plain message if the data cannot be read. For an image folder it first
shows what loading will take (how many files, the cache on disk, the memory training will need),
then how many images are decoded so far, with a button that cancels.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QScrollArea,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .charts import BLUE, GREEN, ORANGE, Chart
from .engine import Engine, snapshot
from .samples import sample_pixmap
from ..shell.tasks import BackgroundTask

PER_CLASS = 8
AUGMENTED = 8  # augmented copies of one sample in the augmentation row


def dataset_key(project) -> str | None:
    """What decides the loaded data: the dataset spec, where relative paths start, and the split settings."""
    if project is None or project.dataset is None:
        return None
    from ...data.augment import AUGMENT_KEY

    training = project.training or {}
    split = {k: training.get(k) for k in ("seed", "validation_split")}
    # Augmentation does not change the loaded data: a change only redraws the augmented row.
    spec = {k: v for k, v in project.dataset.items() if k != AUGMENT_KEY} if isinstance(project.dataset, dict) \
        else project.dataset
    return json.dumps([spec, split], sort_keys=True, default=str) + "|" + str(project.base_dir)


def augment_spec(project) -> Any:
    """The project's augmentation settings as written (None when there are none)."""
    from ...data.augment import AUGMENT_KEY

    ds = getattr(project, "dataset", None)
    return ds.get(AUGMENT_KEY) if isinstance(ds, dict) else None


def class_counts(dataset) -> list[tuple[str, int, int, int]]:
    """(class name, train, validation, test) for every class; with a class at every time step, the
    steps of each class (-1, a step that does not count, is left out)."""
    names = dataset.class_names or []
    out = []
    per_split = []
    for split in (dataset.train, dataset.val, dataset.test):
        y = split.y.detach().cpu().numpy() if hasattr(split.y, "detach") else np.asarray(split.y)
        y = y.astype(np.int64).reshape(-1)
        y = y[y >= 0]
        per_split.append(np.bincount(y, minlength=len(names)) if len(y) else np.zeros(len(names), dtype=np.int64))
    for i, name in enumerate(names):
        out.append((name, int(per_split[0][i]), int(per_split[1][i]), int(per_split[2][i])))
    return out


class _LoadReports(QObject):
    """Carries what the loading thread learns to the GUI thread (queued signals)."""

    estimated = Signal(object)        # a data.image_cache.FolderEstimate
    progressed = Signal(int, int)     # images decoded, of how many


class DataPreview(QWidget):
    dataset_loaded = Signal(object)   # the Dataset
    load_failed = Signal(str)

    def __init__(self, engine: Engine | None = None, parent=None):
        super().__init__(parent)
        self.engine = engine or Engine()
        self.dataset = None
        self._key: str | None = None
        self._task: BackgroundTask | None = None
        self._loading = False
        self._augment: Any = None   # the project's "augment" settings
        self._seed = 0
        self._cancel: threading.Event | None = None
        self._reports: _LoadReports | None = None
        self._estimate = None  # what loading the image folder takes, once known

        self.title = QLabel("No dataset yet.")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.about = QLabel("")
        self.about.setWordWrap(True)
        self.about.setStyleSheet("color: #444;")
        self.counts = QTableWidget(0, 4)
        self.counts.setHorizontalHeaderLabels(["class", "training", "validation", "test"])
        self.counts.verticalHeader().setVisible(False)
        header = self.counts.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the class names take what is left
        for column in (1, 2, 3):  # a count column is never narrower than its heading ("validation")
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        self.gallery = QWidget()
        self.gallery_layout = QGridLayout(self.gallery)
        self.gallery_layout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.gallery)
        self.series_chart = Chart("The whole series", "time step", "value")
        self.series_chart.add_curve("train", "training part", BLUE)
        self.series_chart.add_curve("val", "validation part", ORANGE)
        self.series_chart.add_curve("test", "test part", GREEN)
        self.series_chart.hide()

        self.augment_row = QWidget()
        al = QHBoxLayout(self.augment_row)
        al.setContentsMargins(0, 4, 0, 0)
        al.setSpacing(3)
        self.augment_label = QLabel()
        self.augment_label.setWordWrap(True)
        self.augment_label.setMaximumWidth(260)
        self.augment_label.setStyleSheet("font-weight: bold;")
        al.addWidget(self.augment_label)
        self.augment_box = QHBoxLayout()
        self.augment_box.setSpacing(3)
        al.addLayout(self.augment_box)
        al.addStretch(1)
        self.augment_row.hide()

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.augment_row)
        rl.addWidget(scroll, 1)
        rl.addWidget(self.series_chart, 1)
        split = QSplitter()
        split.addWidget(self.counts)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([320, 960])  # the pictures matter more than the table
        self.counts.setMinimumWidth(60 + sum(self.counts.horizontalHeader().sectionSizeHint(c) for c in (1, 2, 3)))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self._make_loading_figures())
        layout.addWidget(self.about)
        layout.addWidget(split, 1)

    # --- loading ----------------------------------------------------------------------------
    def is_loading(self) -> bool:
        """True from load() until the data (or the reason it cannot load) is shown."""
        return self._loading

    def load(self, project, *, force: bool = False) -> None:
        """Load the project's dataset in the background (again only if it changed, or ``force``)."""
        key = dataset_key(project)
        self.refresh_augmented(project)
        if key is None:
            self._key = None
            self._loading = False
            self.dataset = None
            self._clear()
            self.title.setText("This project has no dataset yet: choose one before training.")
            return
        if key == self._key and not force and (self.dataset is not None or self.is_loading()):
            return
        self._key = key
        self._loading = True
        self.dataset = None
        self._clear()
        self.title.setText("Loading the data…")
        engine, frozen = self.engine, snapshot(project)
        work = self._watched_load(engine, frozen)
        task = BackgroundTask(work)
        task.done.connect(lambda ds, k=key: self._loaded(k, ds))
        task.failed.connect(lambda msg, k=key: self._failed(k, msg))
        self._task = task.start()

    def refresh_augmented(self, project) -> None:
        """Redraw the augmentation row when the project's augmentation or seed changed (the data
        itself does not depend on them, so it is not loaded again)."""
        augment = augment_spec(project)
        seed = (project.training or {}).get("seed", 0) if project is not None else 0
        seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else 0
        if (augment, seed) == (self._augment, self._seed):
            return
        self._augment, self._seed = augment, seed
        if self.dataset is not None and dataset_key(project) == self._key:
            self.show_augmented(self.dataset)

    def wait(self, timeout_ms: int = 30000) -> bool:
        return self._task.wait(timeout_ms) if self._task is not None else True

    def _loaded(self, key: str, dataset) -> None:
        if key != self._key:  # the project changed while this one loaded
            return
        self._loading = False
        self._show_cache_ready()
        self.show_dataset(dataset)
        self.dataset_loaded.emit(dataset)

    def _failed(self, key: str, message: str) -> None:
        if key != self._key:
            return
        self._loading = False
        self._key = None  # try again next time
        self.cancel_button.hide()
        cancelled = self._cancel is not None and self._cancel.is_set()
        self.title.setText("Loading was cancelled." if cancelled else "The data could not be loaded.")
        self.about.setText(message)
        self.about.setStyleSheet("color: #b00020;")
        self.load_failed.emit(message)

    # --- before and while loading: what it will take, how far it is ----------------------------
    def _make_loading_figures(self) -> QHBoxLayout:
        self.figures = QLabel("")
        self.figures.setWordWrap(True)
        self.figures.setStyleSheet("color: #444;")
        self.cancel_button = QPushButton("Cancel loading")
        self.cancel_button.setToolTip("Stop decoding the images; nothing is kept, and loading starts afresh next time")
        self.cancel_button.clicked.connect(self.cancel_loading)
        self.cancel_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.figures, 1)
        row.addWidget(self.cancel_button)
        return row

    def _watched_load(self, engine, project):
        """The function the loading thread runs: the estimate first (shown at once), then the load
        with progress, stopped by ``cancel_loading`` (or by loading other data)."""
        if self._cancel is not None:
            self._cancel.set()  # the data being loaded is no longer wanted
        cancel = self._cancel = threading.Event()
        reports = self._reports = _LoadReports(self)
        reports.estimated.connect(self._show_estimate)
        reports.progressed.connect(self._show_progress)
        self.figures.setText("")
        self._estimate = None

        def work():
            estimate = getattr(engine, "estimate_project_dataset", lambda p: None)(project)
            if estimate is None:
                return engine.load_project_dataset(project)
            reports.estimated.emit(estimate)
            return engine.load_project_dataset(project, progress=reports.progressed.emit, cancel=cancel)

        return work

    def _show_estimate(self, estimate) -> None:
        from ...data.image_cache import describe_estimate

        if self.is_loading():
            self._estimate = estimate
            self.figures.setText(describe_estimate(estimate))
            self.cancel_button.setEnabled(True)
            self.cancel_button.setVisible(not estimate.cached)

    def _show_cache_ready(self) -> None:
        """Once loaded, the images' cache is ready: the figures say so."""
        from dataclasses import replace

        from ...data.image_cache import describe_estimate

        self.cancel_button.hide()
        if self._estimate is not None:
            self.figures.setText(describe_estimate(replace(self._estimate, cached=True)))

    def _show_progress(self, done: int, total: int) -> None:
        if self.is_loading() and total and not (self._cancel is not None and self._cancel.is_set()):
            self.title.setText(f"Loading the data… decoding the images once: {done:,} of {total:,} "
                               f"({100 * done // total} %)")

    def cancel_loading(self) -> None:
        """Stop decoding an image folder (the preview then says loading was cancelled)."""
        if self._cancel is not None and self.is_loading():
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.title.setText("Cancelling…")

    # --- showing ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self.about.setText("")
        self.about.setStyleSheet("color: #444;")
        self.counts.setRowCount(0)
        while self.gallery_layout.count():
            w = self.gallery_layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.series_chart.hide()
        self._clear_augmented()

    def _clear_augmented(self) -> None:
        while self.augment_box.count():
            w = self.augment_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.augment_row.hide()

    def thumbnails(self) -> list[QLabel]:
        """The sample pictures now shown (tests look at these)."""
        return [w for w in self.gallery.findChildren(QLabel) if w.pixmap() is not None and not w.pixmap().isNull()]

    def augmented_thumbnails(self) -> list[QLabel]:
        """The pictures of the augmentation row, in order (empty when augmentation is off)."""
        labels = [self.augment_box.itemAt(i).widget() for i in range(self.augment_box.count())]
        return [w for w in labels if isinstance(w, QLabel) and w.pixmap() is not None and not w.pixmap().isNull()]

    def show_augmented(self, ds) -> None:
        """A row: the first training sample as it is, then AUGMENTED augmented copies of it, drawn
        as training draws them (the same transforms, seeded by the training seed)."""
        from ...data import DataError
        from ...data.augment import augment_settings, augmented_examples

        self._clear_augmented()
        split = ds.train if len(ds.train) else ds.test
        if not len(split):
            return
        try:
            settings = augment_settings(self._augment, ds.kind, per_step=ds.per_step, task=ds.task)
        except DataError as e:
            self.augment_label.setText(f"Augmentation: {e}")
            self.augment_label.setStyleSheet("color: #b00020;")
            self.augment_row.show()
            return
        if not settings:
            return
        self.augment_label.setStyleSheet("font-weight: bold;")
        self.augment_label.setText("One training sample, then as training may see it:\n" + ", ".join(
            name.replace("_", " ") if value is True else f"{name.replace('_', ' ')} {value:g}"
            for name, value in settings.items()))
        sample = split.x[0]
        size = 56 if ds.kind == "image" else 48
        shown = [("as it is", sample)] + [(f"augmented {k + 1}", x) for k, x in enumerate(
            augmented_examples(sample, ds.kind, settings, n=AUGMENTED, seed=self._seed))]
        for tip, x in shown:
            pic = QLabel()
            pic.setPixmap(sample_pixmap(x, ds.kind, size, ds.vocab))
            pic.setToolTip(tip)
            self.augment_box.addWidget(pic)
            if tip == "as it is":  # a gap between the sample and its augmented copies
                self.augment_box.addSpacing(14)
        self.augment_row.show()

    def show_dataset(self, ds) -> None:
        self._clear()
        self.dataset = ds
        self.title.setText(ds.summary())
        about = ds.description or ""
        if ds.attribution:
            about += ("\n" if about else "") + "Source: " + ds.attribution
        self.about.setText(about)
        if ds.task == "classification" and ds.class_names:
            self._show_classes(ds)
        else:
            self._show_regression(ds)
        self.show_augmented(ds)

    def _show_classes(self, ds) -> None:
        self.counts.setHorizontalHeaderLabels(["class", "training", "validation", "test"])
        rows = class_counts(ds)
        self.counts.setRowCount(len(rows) + 1)
        totals = [0, 0, 0]
        for r, (name, *ns) in enumerate(rows):
            self._set_row(r, [name, *ns])
            totals = [a + b for a, b in zip(totals, ns)]
        self._set_row(len(rows), ["all", *totals], bold=True)
        split = ds.train if len(ds.train) else ds.test
        y = split.y.detach().cpu().numpy() if hasattr(split.y, "detach") else np.asarray(split.y)
        for r, (name, n_train, n_val, n_test) in enumerate(rows):
            label = QLabel(f"{name}\n{n_train + n_val + n_test:,} samples")
            label.setStyleSheet("font-weight: bold;")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.gallery_layout.addWidget(label, r, 0)
            has = (y == r) if y.ndim == 1 else (y == r).reshape(len(y), -1).any(axis=1)  # per step: any step
            idx = np.flatnonzero(has)[:PER_CLASS]
            self._add_thumbs(ds, split, idx, r, start_col=1)

    def _show_regression(self, ds) -> None:
        counts = ds.counts()
        self.counts.setHorizontalHeaderLabels(["", "training", "validation", "test"])
        self.counts.setRowCount(1)
        self._set_row(0, ["samples", counts["train"], counts["val"], counts["test"]])
        split = ds.train if len(ds.train) else ds.test
        idx = np.arange(min(len(split), 2 * PER_CLASS))
        mean = np.asarray(ds.meta.get("target_mean", [0.0]), dtype=np.float64)
        std = np.asarray(ds.meta.get("target_std", [1.0]), dtype=np.float64)
        y = split.y.detach().cpu().numpy() if hasattr(split.y, "detach") else np.asarray(split.y)
        ctc = ds.task == "ctc"
        for k, i in enumerate(idx):
            col = QWidget()
            cl = QVBoxLayout(col)
            cl.setContentsMargins(0, 0, 0, 0)
            pic = QLabel()
            # a row of symbols is wide and low: drawn 3 times as wide, its symbols can be read
            pic.setPixmap(sample_pixmap(split.x[int(i)], ds.kind, 3 * 64 if ctc else 64, ds.vocab))
            if ctc:  # the whole label sequence, as the string the network must read (-1: padding)
                cap = QLabel("reads “" + ctc_text(y[int(i)], ds.class_names) + "”")
            else:
                target = np.asarray(y[int(i)], dtype=np.float64).reshape(-1)
                if len(std) == len(target):  # training targets are standardised: show original units
                    target = target * std + mean
                cap = QLabel("target " + ", ".join(f"{v:,.4g}" for v in target[:3]))
            cap.setStyleSheet("color: #444; font-size: 8pt;")
            cl.addWidget(pic)
            cl.addWidget(cap)
            per_row = 3 if ctc else 4  # wide rows of symbols: three fit the tab side by side
            self.gallery_layout.addWidget(col, k // per_row, k % per_row)
        series = ds.meta.get("series")
        rows = ds.meta.get("target_rows")
        if series:
            s = np.asarray(series, dtype=np.float64)
            t = np.arange(len(s), dtype=np.float64)
            self.series_chart.set_curve("train", t, s)
            for part in ("val", "test"):
                where = (rows or {}).get(part) or []
                mask = np.full(len(s), np.nan)
                where = [w for w in where if 0 <= w < len(s)]
                mask[where] = s[where]
                self.series_chart.set_curve(part, t, mask)
            self.series_chart.show()

    def _add_thumbs(self, ds, split, idx, row: int, start_col: int) -> None:
        box = QFrame()
        hl = QHBoxLayout(box)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.setSpacing(3)
        size = 56 if ds.kind in ("image",) else 48
        for i in idx:
            pic = QLabel()
            pic.setPixmap(sample_pixmap(split.x[int(i)], ds.kind, size, ds.vocab))
            pic.setToolTip(f"sample {int(i)}")
            hl.addWidget(pic)
        hl.addStretch(1)
        self.gallery_layout.addWidget(box, row, start_col)

    def _set_row(self, r: int, values: list[Any], bold: bool = False) -> None:
        for c, v in enumerate(values):
            item = QTableWidgetItem(f"{v:,}" if isinstance(v, int) else str(v))
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold:
                f = item.font()
                f.setBold(True)
                item.setFont(f)
            self.counts.setItem(r, c, item)


def ctc_text(labels, class_names) -> str:
    """A CTC label sequence (symbol indices, padded with -1) as the string it stands for."""
    names = list(class_names or [])
    out = []
    for v in np.asarray(labels).reshape(-1):
        v = int(v)
        if v >= 0:
            out.append(str(names[v]) if v < len(names) else str(v))
    return "".join(out) if all(len(n) == 1 for n in names) else " ".join(out)
