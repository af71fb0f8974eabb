"""The inspector's page for the project itself: name, description, dataset and training.

The training fields are built from the settings' declaration (project.training.TRAINING_PARAMS),
so they get the same validated fields as block settings; the built-in datasets and the file
formats come from the data layer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from ...data import BUILTIN_DATASETS, FILE_FORMATS, guess_format
from ...graph import Analysis
from ...project.training import TRAINING_PARAMS
from ..shell import dialogs, theme
from .data_check import FIT_WORDS, OfferBar
from .editor import Editor, field_words
from .fields import GuardedCombo, ParamField, field_label, make_field
from .augment_form import AugmentForm

class _Notes(QPlainTextEdit):
    finished = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.finished.emit()


class ProjectForm(QWidget):
    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor = editor
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(8)
        title = QLabel("Project")
        title.setProperty("role", "heading")
        lay.addWidget(title)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        lay.addWidget(self.summary)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        self.name = QLineEdit()
        self.name.editingFinished.connect(self._name_changed)
        form.addRow("Name", self.name)
        self.description = _Notes()
        self.description.setPlaceholderText("What this network is for (optional)")
        self.description.setFixedHeight(84)
        self.description.finished.connect(self._description_changed)
        form.addRow("Description", self.description)
        lay.addLayout(form)

        head = QLabel("Data")
        head.setProperty("role", "heading")
        lay.addWidget(head)
        self.dform = dform = QFormLayout()
        dform.setLabelAlignment(Qt.AlignRight)
        self.dataset = GuardedCombo()
        # sized to the inspector, not to the longest dataset name (the open list shows names in full)
        self.dataset.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(10)
        self.dataset.activated.connect(self._dataset_chosen)
        dform.addRow("Dataset", self.dataset)
        self.file_row = QWidget()
        fr = QHBoxLayout(self.file_row)
        fr.setContentsMargins(0, 0, 0, 0)
        self.file_path = QLineEdit()
        self.file_path.setPlaceholderText("path of a CSV, .ts, .tsv, .npz file or an image folder")
        self.file_path.editingFinished.connect(self._file_changed)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        fr.addWidget(self.file_path, 1)
        fr.addWidget(self.browse)
        dform.addRow("File", self.file_row)
        self.file_format = GuardedCombo()
        for f in FILE_FORMATS:
            self.file_format.addItem(f.replace("_", " "), f)
        self.file_format.activated.connect(self._file_changed)
        dform.addRow("Format", self.file_format)
        lay.addLayout(dform)
        self.dataset_about = QLabel()
        self.dataset_about.setWordWrap(True)
        self.dataset_about.setProperty("role", "help")
        lay.addWidget(self.dataset_about)
        # The live data check: what it found, the templates for another kind of data, and the one
        # command that adapts the Input, the last Dense and the Output task (one undo step).
        self.data_offer = OfferBar(editor.data_check, with_fit=False)
        lay.addWidget(self.data_offer)
        self.fit_button = QPushButton(FIT_WORDS)
        self.fit_button.setToolTip("Adapt the Input, the last Dense and the Output task to the chosen data "
                                   "(Ctrl+Z undoes it).")
        self.fit_button.clicked.connect(editor.data_check.fit)
        fit_row = QHBoxLayout()
        fit_row.addWidget(self.fit_button)
        fit_row.addStretch(1)
        lay.addLayout(fit_row)
        editor.data_check.changed.connect(self._data_checked)
        editor.analysis_changed.connect(self._data_checked)

        self.augment = AugmentForm(editor)  # the dataset section's "augment" settings
        lay.addWidget(self.augment)
        head = QLabel("Training")
        head.setProperty("role", "heading")
        lay.addWidget(head)
        tform = QFormLayout()
        tform.setLabelAlignment(Qt.AlignRight)
        self.training: dict[str, ParamField] = {}
        for p in TRAINING_PARAMS:
            f = make_field(p, p.default)
            f.committed.connect(self._training_changed)
            self.training[p.name] = f
            tform.addRow(field_label(p), f)
        lay.addLayout(tform)
        lay.addStretch(1)
        self._data_checked()
        editor.project_fields_changed.connect(self.refresh)
        editor.project_replaced.connect(self.refresh)
        self.refresh()

    # --- model -> form ---------------------------------------------------------------------
    def _data_checked(self, *_args) -> None:
        check = self.editor.data_check
        self.fit_button.setVisible(check.offer() is not None)
        self.fit_button.setEnabled(bool(check.fit_steps()) or (check.kind_differs() and bool(
            check.loaded and check.loaded.templates)))

    def refresh(self, *_args) -> None:
        p = self.editor.project
        if not self.name.hasFocus():
            self.name.setText(p.name)
            self.name.setCursorPosition(0)  # show the start of a long name
        if not self.description.hasFocus() and self.description.toPlainText() != p.description:
            self.description.setPlainText(p.description)
        self._fill_datasets()
        training = p.training or {}
        for name, f in self.training.items():
            f.set_value(training.get(name, f.param.default))
        self.refresh_summary(self.editor.analysis)

    def _fill_datasets(self) -> None:
        ds = self.editor.project.dataset or {}
        known = BUILTIN_DATASETS
        self.dataset.blockSignals(True)
        self.dataset.clear()
        self.dataset.addItem("(no data chosen yet)", None)
        for name, info in known.items():
            self.dataset.addItem(info.label, name)
        self.dataset.addItem("Your own data file…", "__file__")
        kind = ds.get("kind")
        if kind == "builtin":
            i = self.dataset.findData(ds.get("name"))
            if i < 0:
                self.dataset.addItem(f"{ds.get('name')} (unknown)", ds.get("name"))
                i = self.dataset.count() - 1
        elif kind == "file":
            i = self.dataset.findData("__file__")
        else:
            i = 0
        self.dataset.setCurrentIndex(i)
        self.dataset.blockSignals(False)
        is_file = kind == "file"
        self.dform.setRowVisible(self.file_row, is_file)
        self.dform.setRowVisible(self.file_format, is_file)
        if is_file:
            if not self.file_path.hasFocus():
                self.file_path.setText(str(ds.get("train", "")))
            j = self.file_format.findData(ds.get("format"))
            self.file_format.setCurrentIndex(max(j, 0))
        info = known.get(ds.get("name")) if kind == "builtin" else None
        about = info.description if info is not None else ""
        if kind == "builtin" and about:
            self.dataset_about.setText(about)
        elif kind == "file":
            self.dataset_about.setText("Relative paths start from the project file's folder.")
        else:
            self.dataset_about.setText("Choose the data to train on. The Input block's shape must match one sample.")

    def refresh_summary(self, a: Analysis) -> None:
        t = theme.current()
        if not len(self.editor.graph):
            self.summary.setText("The canvas is empty: drag an Input block from the palette to begin.")
        elif a.ok:
            self.summary.setText(f"<span style='color:{t.ok}'>✔ The network is valid</span>: "
                                 f"{a.total_params:,} parameters, {a.total_macs:,} multiply-adds {a.macs_per}.")
        else:
            n = len(a.errors)
            self.summary.setText(f"<span style='color:{t.error}'>{n} problem{'s' if n != 1 else ''}</span> "
                                 "to fix: see Messages below the canvas.")

    # --- form -> model -----------------------------------------------------------------------
    def _dataset_chosen(self, i: int) -> None:
        name = self.dataset.itemData(i)
        old = self.editor.project.dataset or {}
        if name is None:
            new = None
        elif name == "__file__":
            new = dict(old) if old.get("kind") == "file" else {"kind": "file", "format": "csv", "train": ""}
        elif old.get("kind") == "builtin" and old.get("name") == name:
            new = old
        else:
            new = {"kind": "builtin", "name": name}
        if new is not None and "augment" in old:  # the augmentation settings stay with the project
            new = dict(new, augment=old["augment"])
        self.editor.set_project_fields("Choose dataset", dataset=new)
        self._fill_datasets()

    def _name_changed(self) -> None:
        name = self.name.text().strip()
        if name:
            self.editor.set_project_fields("Rename project", name=name)

    def _description_changed(self) -> None:
        self.editor.set_project_fields("Change description", description=self.description.toPlainText())

    def _file_changed(self, *_args) -> None:
        old = dict(self.editor.project.dataset or {})
        if old.get("kind") != "file":
            return
        new = dict(old, train=self.file_path.text().strip(), format=self.file_format.currentData())
        self.editor.set_project_fields("Change data file", dataset=new)

    def _browse(self) -> None:
        path = dialogs.ask_data_file(self, str(self.editor.project.base_dir))
        if path:
            self.file_path.setText(path)
            fmt = guess_format(path)
            if fmt is not None:
                self.file_format.setCurrentIndex(self.file_format.findData(fmt))
            self._file_changed()

    def _training_changed(self, name: str, value) -> None:
        new = dict(self.editor.project.training or {})
        new[name] = value
        field = self.training.get(name)
        title = field_words(field.param.title) if field is not None else name.replace("_", " ")
        self.editor.set_project_fields(f"Change {title}", training=new)

