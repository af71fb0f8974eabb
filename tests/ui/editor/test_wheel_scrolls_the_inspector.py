"""Scrolling the inspector with the mouse wheel never changes a setting. Seen under a real window:
the wheel over the Training form's Epochs box on the way down turned 20 epochs into 19 (an undo
step the person never meant), and over a list (the dataset, a block's task) it chose another
entry. A field takes the wheel only after the person clicked into it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnnrnn_studio.selfcheck import simulate as sim


def _wheel(widget, notches: int = -1) -> bool:
    """What one turn of the wheel over the middle of `widget` sends (down: negative); True if the
    widget took it. (A wheel event a widget leaves goes on to the scroll area under it; Qt passes
    it on only for events from the real mouse, so here the test reads whether the field took it.)"""
    pos = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(widget.rect().center()))
    ev = QWheelEvent(pos, glob, QPoint(), QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier,
                     Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)
    QApplication.processEvents()
    return ev.isAccepted()


def test_the_wheel_over_fields_is_left_to_the_form_and_changes_nothing(window):
    form = window.inspector.project_form
    project_before, undo_before = window.editor.project.to_dict(), window.editor.stack.index()
    epochs = form.training["epochs"].editor_widget
    fields = (epochs, form.training["learning_rate"].editor_widget, form.training["optimizer"].editor_widget,
              form.dataset)
    for widget in fields:
        window.inspector.ensureWidgetVisible(widget)
        for notches in (-1, +1, -2):
            assert not _wheel(widget, notches), "a field not clicked into took the wheel"
        assert not widget.hasFocus()
        assert window.editor.project.to_dict() == project_before and window.editor.stack.index() == undo_before
    # clicked into, the box takes the wheel as a person expects
    window.inspector.ensureWidgetVisible(epochs)
    QTest.mouseClick(epochs, Qt.LeftButton, Qt.NoModifier, epochs.rect().center())
    assert epochs.hasFocus()
    assert _wheel(epochs, +1)
    assert window.editor.project.training["epochs"] == form.training["epochs"].param.default + 1


def test_the_wheel_over_a_block_setting_does_not_change_it(window):
    bid = sim.drop_block(window, "Output", (0.0, 0.0))
    task = window.inspector.block_form.fields["task"].editor_widget
    window.view.setFocus()
    assert not _wheel(task) and not _wheel(task, +1)
    assert window.editor.graph.block(bid).params.get("task", "classification") == "classification"
