"""The inspector never hides part of a form past its right edge (it has no horizontal scroll bar):
at the window's starting dock width, the project's page (with every dataset) and the form of every
block type fit. Seen under a real window: the dataset list was as wide as its longest name and the
LSTM's "Dropout between layers" pushed its field out, so fields and words were cut off."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from cnnrnn_studio.blocks import REGISTRY
from cnnrnn_studio.data import BUILTIN_DATASETS
from cnnrnn_studio.selfcheck import simulate as sim


def _content_fits(window) -> tuple[int, int]:
    QApplication.processEvents()
    inspector = window.inspector
    return inspector.widget().width(), inspector.viewport().width()


def test_the_project_page_fits_with_every_dataset(window):
    form = window.inspector.project_form
    assert window.inspector.stack.currentWidget() is form
    for name in [*BUILTIN_DATASETS, "__file__"]:
        i = form.dataset.findData(name)
        form.dataset.setCurrentIndex(i)
        form.dataset.activated.emit(i)
        shown, room = _content_fits(window)
        assert shown <= room, f"with {name} the project page is {shown} px wide in {room} px"
    window.editor.data_check.wait(60_000)


def test_every_block_form_fits(window):
    for x, type_id in enumerate(REGISTRY):
        assert sim.drop_block(window, type_id, (x * 220.0, 0.0)) is not None
        assert window.inspector.stack.currentWidget() is window.inspector.block_form
        shown, room = _content_fits(window)
        assert shown <= room, f"the {type_id} form is {shown} px wide in {room} px"
