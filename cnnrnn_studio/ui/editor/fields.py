"""Form fields generated from Param declarations, validating as the person types.

Each field shows the value from the model, checks what the person enters with the block
declaration's own rules (coerce_param), shows the message under itself when the value is
refused, and emits `committed(name, value)` only for a valid, changed value. Never raises.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox, QVBoxLayout,
                               QWidget)

from ...blocks import Param, ParamError
from ...blocks.base import coerce_param
from .param_text import format_value, parse_text, placeholder

INT_LIMIT = 2**31 - 1


def choice_text(value: Any) -> str:
    return str(value).replace("_", " ")


class ParamField(QWidget):
    committed = Signal(str, object)

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self.value: Any = None  # the model's value as last shown
        self.editor_widget = self._make()
        self.editor_widget.setToolTip(param.help)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.editor_widget)
        lay.addWidget(self.error)

    # subclasses
    def _make(self) -> QWidget:  # pragma: no cover - abstract
        raise NotImplementedError

    def _show(self, value: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show the model's value (no commit)."""
        self.value = value
        self.editor_widget.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.editor_widget.blockSignals(False)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if isinstance(self.editor_widget, QLineEdit):
            self.editor_widget.setProperty("invalid", bool(message))
            self.editor_widget.style().unpolish(self.editor_widget)
            self.editor_widget.style().polish(self.editor_widget)

    def _try_commit(self, raw: Any) -> None:
        try:
            value = coerce_param(self.param, raw)
        except ParamError as e:
            self.show_error(e.message)
            return
        self.show_error("")
        if value != self.value:
            self.value = value
            self.committed.emit(self.param.name, value)


class _NoStrayWheel:
    """A field the person has not clicked into lets the wheel scroll the form under it: scrolling
    the inspector past a number or a list must never change a setting on the way."""

    def _guard(self) -> None:
        self.setFocusPolicy(Qt.StrongFocus)  # the wheel alone does not give it focus

    def wheelEvent(self, event) -> None:
        if not self.hasFocus():
            event.ignore()  # goes on to the scroll area
            return
        super().wheelEvent(event)


class _IntSpin(_NoStrayWheel, QSpinBox):
    def __init__(self) -> None:
        super().__init__()
        self._guard()


class GuardedCombo(_NoStrayWheel, QComboBox):
    def __init__(self) -> None:
        super().__init__()
        self._guard()


class IntField(ParamField):
    def _make(self) -> QWidget:
        w = _IntSpin()
        w.setKeyboardTracking(False)  # one commit when the person finishes typing, not per digit
        w.setAccelerated(True)
        self._set_range(w, None)
        w.valueChanged.connect(self._try_commit)
        return w

    def _set_range(self, w: QSpinBox, value: Any) -> None:
        lo = int(self.param.min) if self.param.min is not None else -INT_LIMIT
        hi = int(min(self.param.max, INT_LIMIT)) if self.param.max is not None else INT_LIMIT
        if isinstance(value, int) and not isinstance(value, bool):  # show a bad file's value as it is
            lo, hi = min(lo, value), max(hi, value)
        w.setRange(max(lo, -INT_LIMIT), min(hi, INT_LIMIT))

    def _show(self, value: Any) -> None:
        self._set_range(self.editor_widget, value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            self.editor_widget.setValue(int(value))


class _FloatSpin(_NoStrayWheel, QDoubleSpinBox):
    """A double spin box that writes 1e-05 and 0.1 as such, not 0.000010 and 0.100000."""

    def __init__(self) -> None:
        super().__init__()
        self._guard()

    def textFromValue(self, v: float) -> str:
        return f"{v:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            return QValidator.Intermediate if t in ("", "-", ".", "-.", "e", "1e", "1e-") or \
                t.lower().endswith(("e", "e-", "e+")) else QValidator.Invalid, text, pos
        if not math.isfinite(v):
            return QValidator.Invalid, text, pos
        return (QValidator.Acceptable if self.minimum() <= v <= self.maximum() else QValidator.Intermediate), text, pos


class FloatField(ParamField):
    def _make(self) -> QWidget:
        w = _FloatSpin()
        w.setDecimals(12)
        w.setKeyboardTracking(False)
        w.setStepType(QDoubleSpinBox.AdaptiveDecimalStepType)
        lo = self.param.min if self.param.min is not None else -1e12
        hi = self.param.max if self.param.max is not None else 1e12
        w.setRange(lo, hi)
        w.setSingleStep(0.05 if hi <= 1 else 0.1)
        w.valueChanged.connect(self._try_commit)
        return w

    def _show(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            w = self.editor_widget
            w.setRange(min(w.minimum(), value), max(w.maximum(), value))
            w.setValue(float(value))


class ChoiceField(ParamField):
    def _make(self) -> QWidget:
        w = GuardedCombo()
        for c in self.param.choices:
            w.addItem(choice_text(c), c)
        w.activated.connect(lambda i: self._try_commit(w.itemData(i)))
        return w

    def _show(self, value: Any) -> None:
        i = self.editor_widget.findData(value)
        if i < 0:  # a value the declaration does not know (old file): show it, the analysis explains
            self.editor_widget.addItem(f"{value} (not valid)", value)
            i = self.editor_widget.count() - 1
        self.editor_widget.setCurrentIndex(i)


class BoolField(ParamField):
    def _make(self) -> QWidget:
        w = QCheckBox(self.param.title)
        w.clicked.connect(lambda checked: self._try_commit(bool(checked)))
        return w

    def _show(self, value: Any) -> None:
        self.editor_widget.setChecked(bool(value))


class TextField(ParamField):
    """Sizes, paddings and shapes, read leniently: 3, 3x3, [3, 3], same, T x 6."""

    def _make(self) -> QWidget:
        w = QLineEdit()
        w.setPlaceholderText(placeholder(self.param))
        w.setClearButtonEnabled(False)
        w.textEdited.connect(self._check)
        w.editingFinished.connect(self._finish)
        return w

    def _show(self, value: Any) -> None:
        self.editor_widget.setText(format_value(self.param, value))
        self.show_error("")

    def _check(self, text: str) -> Any:
        try:
            value = parse_text(self.param, text)
        except ParamError as e:
            self.show_error(e.message)
            return _INVALID
        self.show_error("")
        return value

    def _finish(self) -> None:
        value = self._check(self.editor_widget.text())
        if value is _INVALID:
            return  # refused: the message stays under the field, the model keeps its value
        if value != self.value:
            self.value = value
            self.committed.emit(self.param.name, value)
        self.editor_widget.blockSignals(True)
        self.editor_widget.setText(format_value(self.param, value))
        self.editor_widget.blockSignals(False)


_INVALID = object()

FIELD_TYPES = {"int": IntField, "float": FloatField, "choice": ChoiceField, "bool": BoolField,
               "size": TextField, "padding": TextField, "shape": TextField}


def make_field(param: Param, value: Any) -> ParamField:
    field = FIELD_TYPES[param.type](param)
    field.set_value(value)
    return field


def field_label(param: Param) -> QLabel:
    label = QLabel("" if param.type == "bool" else param.title)
    label.setToolTip(param.help)
    label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    label.setWordWrap(True)  # a long title takes two lines in a narrow inspector, never clips the field
    return label
