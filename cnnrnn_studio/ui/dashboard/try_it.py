"""Try the trained network: drop a picture (or open one, or pick a test sample) and see how sure it
is of each class. A picture is converted to what the network was trained on (size, colour,
brightness range); the panel says what it did.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from .samples import sample_pixmap, to_numpy
from ...kinds import kind_title

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


class TryItError(Exception):
    """A picture the network cannot take; the message says why in plain words."""


def predict(model, x: Any, task: str, meta: dict | None = None) -> list[float]:
    """One sample (no batch axis) through the model: class probabilities, or regression values in
    the targets' original units."""
    import torch

    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device("cpu")
    xt = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not xt.is_floating_point() and xt.dtype != torch.int64:
        xt = xt.float()
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = model(xt.unsqueeze(0).to(device)).float().cpu()[0]
    finally:
        model.train(was_training)
    if task == "ctc":  # per-step scores read greedily (score 0 = blank): the symbol ids read
        from ...train.ctc import as_lists, greedy_decode

        return [float(v) for v in as_lists(greedy_decode(out[None]))[0]]
    if out.dim() == 2:  # a prediction at every time step [T, k]: show the last step's
        out = out[-1]
    if task == "classification":
        return torch.softmax(out, dim=-1).tolist()
    from ...train.evaluate import unstandardise

    return unstandardise(out[None], meta)[0].tolist()


def brightness_stats(dataset) -> tuple[float, float, float]:
    """The training pictures' value range and mean brightness (0-1): what a dropped picture is
    matched to. Computed once per dataset, not per dropped picture."""
    x = dataset.train.x if len(dataset.train) else dataset.test.x
    if hasattr(x, "min_max_mean"):  # images read from disk batch by batch: never all in memory at once
        lo, hi, mean = x.min_max_mean()
        return lo, hi, (mean - lo) / max(hi - lo, 1e-12)
    train_x = to_numpy(x)
    lo, hi = float(train_x.min()), float(train_x.max())
    return lo, hi, (float(train_x.mean()) - lo) / max(hi - lo, 1e-12)


def image_file_to_input(path: str | Path, dataset, stats: tuple[float, float, float] | None = None
                        ) -> tuple[np.ndarray, str]:
    """A picture file as one input sample shaped like the dataset's images, and a note of what was done."""
    from ...data.errors import DataError
    from ...data.image_folder import load_image

    if dataset.kind != "image":
        raise TryItError(f"This network reads {kind_title(dataset.kind)}s, not single pictures: "
                         "pick a test sample instead.")
    c, h, w = (int(d) for d in dataset.sample_shape)
    try:  # the data layer's reader: EXIF rotation, transparency on white, [C, H, W] in [0, 1]
        arr, _ = load_image(Path(path), (h, w), "grayscale" if c == 1 else "rgb")
    except DataError as e:
        raise TryItError(f"{Path(path).name} could not be read as a picture ({e}).") from None
    notes = [f"resized to {w}x{h}" + (", grey" if c == 1 else ", colour")]
    lo, hi, train_bright = stats or brightness_stats(dataset)
    # Training pictures that are mostly dark (ink on black, like the digits) versus a photo of dark
    # ink on white paper: flip the photo so it looks like what the network learnt from.
    if (train_bright < 0.5) != (float(arr.mean()) < 0.5):
        arr = 1.0 - arr
        notes.append("light and dark swapped to match the training pictures")
    arr = lo + arr * (hi - lo)
    return arr.astype(np.float32), "Converted: " + ", ".join(notes) + "."


NOTHING_TO_TRY = "Train a network (or open a run) to try it here."


class _DropArea(QLabel):
    dropped = Signal(str)

    def __init__(self):
        super().__init__("Drop a picture here")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(180, 180)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QLabel { border: 2px dashed #aaa; color: #666; background: #fafafa; }")
        self.setAcceptDrops(True)

    @staticmethod
    def _file(event) -> str | None:
        md = event.mimeData()
        if md.hasUrls():
            for url in md.urls():
                if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
                    return url.toLocalFile()
        return None

    def dragEnterEvent(self, event) -> None:
        if self._file(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if self._file(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._file(event)
        if path:
            event.acceptProposedAction()
            self.dropped.emit(path)


class TryItPanel(QWidget):
    predicted = Signal(list)   # the probabilities (or values) just shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.dataset = None
        self.task = "classification"
        self.class_names: list[str] = []
        self._stats: tuple[float, float, float] | None = None

        self.status = QLabel(NOTHING_TO_TRY)
        self.status.setWordWrap(True)
        self.drop = _DropArea()
        self.drop.dropped.connect(self.try_file)
        self.open_button = open_button = QPushButton("Open a picture…")
        open_button.clicked.connect(self._ask_file)
        self.sample_index = QSpinBox()
        self.sample_index.setPrefix("test sample #")
        self.sample_index.setRange(0, 0)
        show_sample = QPushButton("Try it")
        show_sample.clicked.connect(lambda: self.try_test_sample(self.sample_index.value()))
        random_button = QPushButton("Random test sample")
        random_button.clicked.connect(self._random_sample)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.truth = QLabel("")

        controls = QVBoxLayout()
        controls.addWidget(self.drop)
        controls.addWidget(open_button)
        row = QHBoxLayout()
        row.addWidget(self.sample_index, 1)
        row.addWidget(show_sample)
        controls.addLayout(row)
        controls.addWidget(random_button)
        controls.addWidget(self.note)
        controls.addStretch(1)

        self.bars_box = QWidget()
        self.bars = QGridLayout(self.bars_box)
        self.bars.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._bar_widgets: list[tuple[QLabel, QProgressBar]] = []
        right = QVBoxLayout()
        right.addWidget(self.truth)
        right.addWidget(self.bars_box, 1)

        body = QHBoxLayout()
        body.addLayout(controls, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        for w in self.findChildren(QPushButton) + [self.sample_index, self.drop]:
            w.setEnabled(on)

    def set_model(self, model, dataset, task: str, class_names: list[str] | None, source: str = "") -> None:
        """The network to try (on its device) and the data it was trained on."""
        self.model, self.dataset, self.task = model, dataset, task or "classification"
        self.class_names = list(class_names or (dataset.class_names if dataset is not None else None) or [])
        ready = model is not None and dataset is not None
        self._stats = brightness_stats(dataset) if ready and dataset.kind == "image" else None
        self._set_enabled(ready)
        self.drop.setAcceptDrops(ready and dataset.kind == "image")
        self.open_button.setVisible(dataset is None or dataset.kind == "image")  # pictures only for image models
        if ready:
            self.sample_index.setRange(0, max(0, len(dataset.test) - 1))
            kind = "pictures" if dataset.kind == "image" else "test samples"
            self.status.setText(f"Trying {source or 'the trained network'}: drop {kind} or pick a test sample.")
            self.drop.setText("Drop a picture here" if dataset.kind == "image" else "Pick a test sample below")
        elif model is not None:
            self.status.setText("Loading the data to try the network on…")
        self._build_bars()

    def clear(self) -> None:
        """Another project: the last run's network and classes are not this one's."""
        self.set_model(None, None, "classification", None)
        self.status.setText(NOTHING_TO_TRY)
        self.truth.setText("")
        self.note.setText("")
        self.drop.setText("")

    def _build_bars(self) -> None:
        while self.bars.count():
            w = self.bars.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._bar_widgets = []
        names = self.class_names if self.task == "classification" else ["predicted value"]
        for i, name in enumerate(names):
            label = QLabel(str(name))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(0)
            bar.setFormat("")
            self.bars.addWidget(label, i, 0)
            self.bars.addWidget(bar, i, 1)
            self._bar_widgets.append((label, bar))

    # --- trying -----------------------------------------------------------------------------
    def try_test_sample(self, index: int) -> list[float]:
        if self.model is None or self.dataset is None:
            return []
        test = self.dataset.test
        index = max(0, min(int(index), len(test) - 1))
        self.sample_index.setValue(index)
        x = test.x[index]
        self.drop.setPixmap(self._big_picture(x))
        if self.task == "classification" and test.per_step:  # as predict(): the last real step
            true = int(test.y[index][len(x) - 1])
            what = f"'{self._name(true)}'" if true >= 0 else "not given"
            self.truth.setText(f"Test sample #{index}, its last step: the true class is {what}.")
        elif self.task == "ctc":
            from ...train.ctc import as_lists, spell

            true_text = spell(as_lists(test.y[index:index + 1])[0], self.class_names)
            self.truth.setText(f"Test sample #{index}: the true sequence is '{true_text}'.")
        elif self.task == "classification":
            true = int(test.y[index])
            self.truth.setText(f"Test sample #{index}: the true class is '{self._name(true)}'.")
        else:
            self.truth.setText(f"Test sample #{index}.")
        self.note.setText("")
        return self._show(predict(self.model, x, self.task, self.dataset.meta))

    def try_file(self, path: str) -> list[float]:
        if self.model is None or self.dataset is None:
            return []
        try:
            x, note = image_file_to_input(path, self.dataset, self._stats)
        except TryItError as e:
            self.note.setText(str(e))
            self.note.setStyleSheet("color: #b00020;")
            return []
        self.note.setStyleSheet("color: #555;")
        self.note.setText(note)
        self.truth.setText(f"Your picture: {Path(path).name}")
        self.drop.setPixmap(self._big_picture(x))
        return self._show(predict(self.model, x, self.task, self.dataset.meta))

    def _big_picture(self, x) -> QPixmap:
        return sample_pixmap(x, self.dataset.kind, 160, self.dataset.vocab)

    def _show(self, values: list[float]) -> list[float]:
        values = list(values)
        if self.task == "classification":
            best = max(range(len(values)), key=values.__getitem__) if values else -1
            for i, (label, bar) in enumerate(self._bar_widgets):
                p = values[i] if i < len(values) else 0.0
                bar.setValue(int(round(1000 * p)))
                bar.setFormat(f"{100 * p:.1f}%")
                f = label.font()
                f.setBold(i == best)
                label.setFont(f)
        elif self.task == "ctc":
            from ...train.ctc import spell

            label, bar = self._bar_widgets[0]
            label.setText("read")
            bar.setRange(0, 1)
            bar.setValue(1)
            bar.setFormat(spell([int(v) for v in values], self.class_names) or "(nothing)")
        else:
            label, bar = self._bar_widgets[0]
            bar.setRange(0, 1)
            bar.setValue(1)
            bar.setFormat(", ".join(f"{v:,.4g}" for v in values if math.isfinite(v)))
        self.predicted.emit(values)
        return values

    def _name(self, i: int) -> str:
        return self.class_names[i] if 0 <= i < len(self.class_names) else str(i)

    def _random_sample(self) -> None:
        if self.dataset is not None and len(self.dataset.test):
            self.try_test_sample(random.randrange(len(self.dataset.test)))

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture", "",
                                              "Pictures (" + " ".join("*" + s for s in sorted(IMAGE_SUFFIXES)) + ")")
        if path:
            self.try_file(path)
