"""Try the trained network: drop a picture (or open one, or pick a test sample) and see how sure it
is of each class. A picture is converted to what the network was trained on (size, colour,
brightness range); the panel says what it did.

A network that predicts the next step can also generate ("Generate"): a next-character model
writes text from a start text at a temperature; a next-value model forecasts N steps ahead, each
prediction fed back as the next input, drawn after the real history. The work is train.generate's
(the same as `cnnrnn-studio generate`), run off the GUI thread.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDoubleSpinBox, QFileDialog, QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from .charts import GREY, ORANGE, Chart
from .samples import sample_pixmap, to_numpy
from ..shell.tasks import BackgroundTask
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


GENERATE_LENGTH_MAX = 10_000   # a passage or forecast a person reads; the CLI goes further


class GenerateBox(QGroupBox):
    """"Generate" for a next-step run: text (length, start text, temperature -> the text written)
    or values (steps ahead, optional start values -> the forecast drawn after the history)."""

    generated = Signal(dict)     # train.generate's result, once shown
    failed = Signal(str)         # why nothing was generated, in plain words

    def __init__(self, parent=None):
        super().__init__("Generate", parent)
        self.run = None
        self.dataset = None
        self.kind: str | None = None   # "text", "values" or None (this run cannot generate)
        self.result: dict | None = None
        self._task: BackgroundTask | None = None
        self.help = QLabel("")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: #555;")
        self.length = QSpinBox()
        self.length.setRange(1, GENERATE_LENGTH_MAX)
        self.length.setValue(200)
        self.start = QLineEdit()
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 5.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip("0 always writes the most likely character; higher values take more chances.")
        self.button = QPushButton("Generate")
        self.button.clicked.connect(self.start_generating)
        self.form = QFormLayout()
        self.form.addRow("Length", self.length)
        self.form.addRow("Start", self.start)
        self.form.addRow("Temperature", self.temperature)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.chart = Chart("Forecast after the real history", "time step", "value")
        self.chart.add_curve("history", "real history", GREY, width=1.5)
        self.chart.add_curve("forecast", "forecast (each prediction fed back)", ORANGE, width=2, symbol="o")
        top = QHBoxLayout()
        top.addLayout(self.form, 1)
        top.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.chart, 1)
        self.set_run(None, None)

    def set_run(self, run, dataset) -> None:
        """The run to generate with (None: nothing), and its data once loaded (series need it)."""
        from ...train.generate import generation_kind

        self.run, self.dataset = run, dataset
        self.kind = generation_kind(run, dataset) if run is not None else None
        self.setVisible(self.kind is not None)
        self.result = None
        self.message.setText("")
        self.text.setPlainText("")
        self.chart.reset_data()
        text = self.kind == "text"
        self.form.setRowVisible(self.temperature, text)
        self.text.setVisible(text)
        self.chart.setVisible(self.kind == "values")
        self.button.setEnabled(self.kind is not None and not self.is_busy())
        if text:
            self.form.labelForField(self.length).setText("Length (characters)")
            self.start.setPlaceholderText("a start text (empty: a random first character)")
            self.help.setText("This network predicts the next character: it writes text, feeding each character "
                              "it picks back in as the next input.")
        elif self.kind == "values":
            self.form.labelForField(self.length).setText("Steps ahead")
            self.start.setPlaceholderText("start values, e.g. 112, 118, 132 (empty: the end of the data)")
            self.help.setText("This network predicts the next value of a series: it forecasts the steps ahead, "
                              "feeding each prediction back in as the next input.")

    def is_busy(self) -> bool:
        return self._task is not None and self._task.is_running()

    def start_generating(self) -> bool:
        """Generate with the fields' settings off the GUI thread; False if nothing was started."""
        if self.kind is None or self.run is None or self.is_busy():
            return False
        run, kind = self.run, self.kind
        length, start = self.length.value(), self.start.text()
        temperature = self.temperature.value() if kind == "text" else 1.0
        if kind == "values" and self.dataset is not None and getattr(run, "dataset", None) is None:
            run.dataset = self.dataset   # the data the dashboard already loaded, not a second copy

        def work() -> dict:
            from ...train.generate import generate

            return generate(run, length=length, start=start or None, temperature=temperature)

        self.button.setEnabled(False)
        self.message.setStyleSheet("color: #555;")
        self.message.setText("Generating…")
        self._task = BackgroundTask(work)
        self._task.done.connect(lambda result, r=run: self._show(r, result))
        self._task.failed.connect(lambda message, r=run: self._failed(r, message))
        self._task.ended.connect(lambda: self.button.setEnabled(self.kind is not None))
        self._task.start()
        return True

    def _show(self, run, result: dict) -> None:
        if run is not self.run:   # another run was opened meanwhile
            return
        self.result = result
        if result.get("kind") == "text":
            self.message.setText(f"Written after '{result['start']}' at temperature {result['temperature']:g}:")
            self.text.setPlainText(result["start"] + result["generated"])
        else:
            history = self._history(result)
            values = np.asarray(result["generated"], dtype=np.float64)
            n = len(history)
            self.chart.set_curve("history", np.arange(n, dtype=np.float64), history)
            self.chart.set_curve("forecast", np.arange(n, n + len(values), dtype=np.float64), values)
            self.chart.fit()
            name = result.get("target_name") or "the series"
            self.message.setText(f"{len(values)} step{'s' if len(values) != 1 else ''} of {name} forecast after "
                                 f"{n} real value{'s' if n != 1 else ''}.")
        self.generated.emit(result)

    def _history(self, result: dict) -> np.ndarray:
        """The real values before the forecast: the whole series when it starts from the data's end."""
        meta = getattr(self.dataset, "meta", None) or {}
        series = meta.get("series")
        if not self.start.text().strip() and series:
            return np.asarray(series, dtype=np.float64)
        return np.asarray(result.get("start") or [], dtype=np.float64)

    def _failed(self, run, message: str) -> None:
        if run is not self.run:
            return
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(f"Nothing generated: {message}")
        self.failed.emit(message)


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
        self.generate = GenerateBox()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)
        layout.addWidget(self.generate, 1)
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        for w in [b for b in self.findChildren(QPushButton) if b is not self.generate.button] \
                + [self.sample_index, self.drop]:
            w.setEnabled(on)

    def set_model(self, model, dataset, task: str, class_names: list[str] | None, source: str = "",
                  run=None) -> None:
        """The network to try (on its device) and the data it was trained on; ``run`` (the run the
        network comes from) lets a next-step network generate."""
        self.generate.set_run(run if run is not None and run.model is model else None, dataset)
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
        names = (self.class_names if self.task == "classification" else ["read"] if self.task == "ctc"
                 else ["predicted value"])
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
