"""The inspector: a form for the selected block (generated from its Param declarations),
or, with nothing selected, the project's name, dataset and training settings."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea,
                               QStackedWidget, QVBoxLayout, QWidget)

from ...blocks import KIND_AXES, REGISTRY
from ...graph import Analysis
from ...kinds import kind_title, KINDS
from .editor import Editor, fix_label, sentence
from .fields import ParamField, field_label, make_field
from .icons import block_icon
from .project_form import ProjectForm

INPUT_EXAMPLES = {name: list(k.example) for name, k in KINDS.items()}


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


class BlockForm(QWidget):
    """The settings of one block. Rebuilt when another block is selected; values refreshed in
    place after edits and undo so the field being typed in keeps its focus."""

    fix_requested = Signal(dict)

    def __init__(self, editor: Editor, block_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor = editor
        self.block_id = block_id
        block = editor.graph.block(block_id)
        self.spec = REGISTRY.get(block.type)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(8)
        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(block_icon(block.type).pixmap(34, 34))
        head.addWidget(icon)
        title = QLabel(self.spec.label if self.spec else block.type)
        title.setProperty("role", "heading")
        head.addWidget(title, 1)
        lay.addLayout(head)
        self.result = _muted()
        self.result.setTextFormat(Qt.RichText)
        lay.addWidget(self.result)
        self.problems = QVBoxLayout()
        self.problems.setSpacing(4)
        lay.addLayout(self.problems)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.name = QLineEdit(block_id)
        self.name.setToolTip("The block's name: letters, digits, '_' or '-'. Messages and the code use it.")
        self.name_error = QLabel()
        self.name_error.setProperty("role", "error")
        self.name_error.setWordWrap(True)
        self.name_error.hide()
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name)
        name_box.addWidget(self.name_error)
        form.addRow("Name", name_box)
        self.name.editingFinished.connect(self._rename)
        self.fields: dict[str, ParamField] = {}
        resolved = self._resolved(block.params)
        for p in (self.spec.params if self.spec else ()):
            f = make_field(p, block.params.get(p.name, resolved.get(p.name, p.default)))
            f.committed.connect(self._commit)
            self.fields[p.name] = f
            form.addRow(field_label(p), f)
        lay.addLayout(form)
        self.train_switch: QCheckBox | None = None
        if self.spec is not None and self.spec.has_weights:
            self.train_switch = QCheckBox("Train this block")
            self.train_switch.setObjectName("train_this_block")
            self.train_switch.setToolTip("Off (frozen): training leaves this block's weights, and its BatchNorm "
                                         "statistics, as they are; only the other blocks learn. Used to fine-tune "
                                         "an imported network.")
            self.train_switch.setChecked(not block.frozen)
            self.train_switch.toggled.connect(self._train_toggled)
            lay.addWidget(self.train_switch)
        self.axes = _muted()
        lay.addWidget(self.axes)
        if self.spec and not self.spec.params:
            lay.addWidget(_muted("This block has no settings."))
        if self.spec:
            about = QLabel(f"<b>What it does</b><br>{html.escape(self.spec.help)}"
                           + (f"<br><br><b>When to use</b><br>{html.escape(self.spec.when_to_use)}"
                              if self.spec.when_to_use else ""))
            about.setWordWrap(True)
            about.setTextFormat(Qt.RichText)
            about.setProperty("role", "help")
            about.setFrameShape(QFrame.NoFrame)
            lay.addWidget(about)
        lay.addStretch(1)
        self.refresh_values()
        self.refresh_analysis(editor.analysis)

    def _resolved(self, params: dict) -> dict:
        if self.spec is None:
            return {}
        out = dict(self.spec.defaults())
        for p in self.spec.params:
            if p.name in params:
                out[p.name] = params[p.name]
        return out

    def refresh_values(self) -> None:
        if self.block_id not in self.editor.graph:
            return
        block = self.editor.graph.block(self.block_id)
        values = self._resolved(block.params)
        for name, f in self.fields.items():
            if f.value != values.get(name):
                f.set_value(values.get(name))
        if not self.name.hasFocus():
            self.name.setText(self.block_id)
        if self.train_switch is not None and self.train_switch.isChecked() == block.frozen:
            self.train_switch.blockSignals(True)
            self.train_switch.setChecked(not block.frozen)
            self.train_switch.blockSignals(False)
        if block.type == "Input":
            kind = values.get("kind")
            axes = KIND_AXES.get(kind)
            self.axes.setText(f"One sample is {kind_title(kind)}: its shape lists "
                              f"{' x '.join(axes)}." + (" T leaves the time length open." if 'time' in axes else "")
                              if axes else "")
        self.axes.setVisible(bool(self.axes.text()))

    def refresh_analysis(self, a: Analysis) -> None:
        if self.block_id not in self.editor.graph:
            return
        spec = a.specs.get(self.block_id)
        if spec is not None:
            n, macs = a.param_counts.get(self.block_id, 0), a.macs.get(self.block_id, 0)
            frozen = " (frozen)" if self.block_id in a.frozen else ""
            self.result.setText(f"Output shape <b>{spec.show()}</b> &nbsp;·&nbsp; {n:,} parameters{frozen}"
                                + (f" &nbsp;·&nbsp; {macs:,} multiply-adds" if macs else ""))
        else:
            self.result.setText("Output shape unknown until the problems below are fixed.")
        while self.problems.count():
            w = self.problems.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        field_msgs: dict[str, str] = {}
        for pr in a.problems_for(self.block_id):
            if pr.field and pr.field in self.fields:
                field_msgs[pr.field] = pr.message
            row = QWidget()
            # a long fix ("Set the Input to image [1, 32, 32]") goes under its message, not beside it
            rl = QVBoxLayout(row) if len(fix_label(pr.fix)) > 24 else QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            msg = QLabel(sentence(pr))
            msg.setWordWrap(True)
            msg.setProperty("role", "error" if pr.severity == "error" else "muted")
            rl.addWidget(msg, 1)
            if pr.fix:
                b = QPushButton(fix_label(pr.fix))
                b.setProperty("role", "fix")
                b.clicked.connect(lambda _=False, fx=pr.fix: self.editor.apply_fix(fx))
                rl.addWidget(b, 0, Qt.AlignTop if isinstance(rl, QHBoxLayout) else Qt.AlignLeft)
            self.problems.addWidget(row)
        for name, f in self.fields.items():  # an analysis message replaces only its own old message
            msg, before = field_msgs.get(name, ""), getattr(f, "analysis_message", "")
            if msg or (before and f.error.text() == before):
                f.show_error(msg)
            f.analysis_message = msg

    def _commit(self, name: str, value) -> None:
        block = self.editor.graph.block(self.block_id)
        new = dict(block.params)
        new[name] = value
        if block.type == "Input" and name == "kind":  # keep the shape sensible for the new kind
            shape = new.get("shape", self.spec.param("shape").default)
            if not isinstance(shape, list) or len(shape) != len(KIND_AXES.get(value, ())):
                new["shape"] = list(INPUT_EXAMPLES.get(value, shape))
        self.editor.set_params(self.block_id, new, self.editor.param_change_text(self.block_id, name))
        self.refresh_values()

    def _train_toggled(self, on: bool) -> None:
        self.editor.set_frozen(self.block_id, not on)
        self.refresh_values()  # a refused edit puts the switch back

    def _rename(self) -> None:
        new = self.name.text().strip()
        if new == self.block_id:
            self.name_error.hide()
            return
        errors: list[str] = []
        self.editor.edit_refused.connect(errors.append)
        try:
            ok = self.editor.rename(self.block_id, new)
        finally:
            self.editor.edit_refused.disconnect(errors.append)
        self.name_error.setText(errors[0] if errors else "")
        self.name_error.setVisible(not ok and bool(errors))
        if ok:
            self.block_id = new


class Inspector(QScrollArea):
    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.editor = editor
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the forms shrink to the dock instead
        self.stack = QStackedWidget()
        self.project_form = ProjectForm(editor)
        self.stack.addWidget(self.project_form)
        self.many = _muted()
        self.many.setAlignment(Qt.AlignTop)
        self.many.setContentsMargins(12, 12, 12, 12)
        self.stack.addWidget(self.many)
        self.block_form: BlockForm | None = None
        self.setWidget(self.stack)
        editor.analysis_changed.connect(self._on_analysis)
        editor.graph_changed.connect(self._on_graph)
        editor.project_replaced.connect(self._project_replaced)

    def _project_replaced(self, _project) -> None:
        self.show_blocks([])

    def show_blocks(self, ids: list[str]) -> None:
        if len(ids) == 1 and ids[0] in self.editor.graph:
            if self.block_form is not None and self.block_form.block_id == ids[0]:
                self.stack.setCurrentWidget(self.block_form)
                return
            self._drop_block_form()
            self.block_form = BlockForm(self.editor, ids[0])
            self.stack.addWidget(self.block_form)
            self.stack.setCurrentWidget(self.block_form)
        elif len(ids) > 1:
            self._drop_block_form()
            self.many.setText(f"{len(ids)} blocks selected.\n\nDelete removes them with their links; "
                              "Ctrl+C / Ctrl+V copies them; Ctrl+D duplicates them.")
            self.stack.setCurrentWidget(self.many)
        else:
            self._drop_block_form()
            self.project_form.refresh()
            self.stack.setCurrentWidget(self.project_form)

    def _drop_block_form(self) -> None:
        if self.block_form is not None:
            self.stack.removeWidget(self.block_form)
            self.block_form.deleteLater()
            self.block_form = None

    def _on_analysis(self, a: Analysis) -> None:
        if self.block_form is not None:
            self.block_form.refresh_analysis(a)
        self.project_form.refresh_summary(a)

    def _on_graph(self, event: str, payload: dict) -> None:
        f = self.block_form
        if f is None:
            return
        if event in ("params_changed", "frozen_changed") and payload["block"].id == f.block_id:
            f.refresh_values()
        elif event == "block_renamed" and payload["old_id"] == f.block_id:
            f.block_id = payload["block"].id
            f.refresh_values()
        elif event in ("block_removed", "cleared") and f.block_id not in self.editor.graph:
            self.show_blocks([])
