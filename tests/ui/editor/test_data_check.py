"""The live data check in Design, through the real widgets: choosing a dataset in the Data section
loads it in the background, the mismatch appears on the blocks concerned and in Messages, one click
(a Fix button, "Start from ... template" or "Fit the network to this data") fixes it, and one undo
brings the previous network back."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from cnnrnn_studio.selfcheck import simulate as sim

LOAD_MS = 90_000  # the first load imports torch on a busy machine; the check itself is instant


@pytest.fixture(autouse=True)
def _join_loads(window):
    yield
    assert window.editor.data_check.wait(60_000), "a data load did not end"


def _choose(window, name: str) -> None:
    form = window.inspector.project_form
    i = form.dataset.findData(name)
    assert i >= 0, name
    form.dataset.setCurrentIndex(i)
    form.dataset.activated.emit(i)


def _marked(window) -> set[str]:
    """The cards drawn as wrong."""
    return {bid for bid, item in window.scene.blocks.items() if item.severity == "error"}


def _rows(window) -> list[tuple[str, str]]:
    tree = window.messages.tree
    return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1)) for i in range(tree.topLevelItemCount())]


def _fix_button(window, block: str) -> QPushButton:
    tree = window.messages.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item.text(0) == block:
            button = tree.itemWidget(item, 2)
            assert isinstance(button, QPushButton), f"no Fix button on {block}'s message"
            return button
    raise AssertionError(f"no message on {block}: {_rows(window)}")


def _offer_button(bar, words: str) -> QPushButton | None:
    return next((b for b in bar.buttons if b.text() == words), None)


def _network(window) -> tuple:
    d = window.editor.project.to_dict()
    return d.get("blocks"), d.get("links")


def _click(qtbot, button: QPushButton) -> None:
    qtbot.waitUntil(button.isVisible)
    qtbot.mouseClick(button, Qt.LeftButton)


def _pictures(folder, classes=("cat", "dog", "fox"), n=4):
    rng = np.random.default_rng(0)
    for c in classes:
        (folder / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).save(folder / c / f"{i}.png")
    return folder


def test_sensor_data_then_digits_then_a_picture_folder(window, qtbot, dialogs, tmp_path):
    editor, form, messages = window.editor, window.inspector.project_form, window.messages
    assert len(editor.graph) == 0

    # 1. BasicMotions on an empty canvas: the sensor templates are offered in words.
    _choose(window, "basic_motions")
    qtbot.waitUntil(lambda: _offer_button(messages.data_offer, "Start from 1-d CNN") is not None, timeout=LOAD_MS)
    assert messages.data_offer.text.text() == \
        "This is sensor or time-series data: start from the 1-d CNN or LSTM template?"
    assert _offer_button(form.data_offer, "Start from LSTM") is not None
    _click(qtbot, _offer_button(messages.data_offer, "Start from 1-d CNN"))
    inp = editor.graph.block("input").params
    assert inp["kind"] == "sequence" and inp["shape"] == [100, 6]
    assert editor.analysis.ok and _rows(window) == [] and _marked(window) == set()
    assert form.data_offer.text.text() == "The network fits this data."
    sensor_net = _network(window)
    window.act_undo.trigger()
    assert len(editor.graph) == 0
    window.act_redo.trigger()
    assert _network(window) == sensor_net

    # 2. Digits on the sensor network: the Input and the last Dense are marked at once.
    _choose(window, "digits")
    qtbot.waitUntil(lambda: _marked(window) == {"input", "dense"}, timeout=LOAD_MS)
    rows = dict(_rows(window))
    assert "expects sequence [100, 6] but the data gives image [1, 8, 8]" in rows["input"]
    assert "10 classes" in rows["dense"]
    assert _fix_button(window, "dense").text() == "Set the last Dense to 10 outputs"
    assert messages.data_offer.text.text() == "These are pictures: start from the Small CNN template?"
    fix = _fix_button(window, "input")
    assert fix.text() == "Start from the Small CNN template"
    _click(qtbot, fix)
    assert editor.graph.block("input").params["shape"] == [1, 8, 8]
    assert editor.analysis.ok and _rows(window) == [] and _marked(window) == set()
    picture_net = _network(window)
    window.act_undo.trigger()
    assert _network(window) == sensor_net and _marked(window) == {"input", "dense"}
    window.act_redo.trigger()
    assert _network(window) == picture_net and _rows(window) == []

    # 3. A folder of pictures (3 classes, 32x32 grey by default): same kind, so the network is fitted.
    _choose(window, "__file__")
    dialogs.open_path = str(_pictures(tmp_path / "pictures"))
    _click(qtbot, form.browse)
    assert editor.project.dataset["format"] == "image_folder"
    dense = editor.graph.inputs_of("output")[0]
    qtbot.waitUntil(lambda: _marked(window) == {"input", dense}, timeout=LOAD_MS)
    assert "gives image [1, 32, 32]" in dict(_rows(window))["input"]
    # one problem's own Fix button, then one undo
    _click(qtbot, _fix_button(window, dense))
    assert editor.graph.block(dense).params["out_features"] == 3
    assert _marked(window) == {"input"} and [b for b, _ in _rows(window)] == ["input"]
    assert editor.stack.undoText() == "Set the last Dense to 3 outputs"
    window.act_undo.trigger()
    assert _network(window) == picture_net and _marked(window) == {"input", dense}
    # the whole fit in one click, as one undo step (nothing selected: the inspector shows the project)
    window.scene.clearSelection()
    assert form.fit_button.isEnabled()
    _click(qtbot, form.fit_button)
    assert editor.graph.block("input").params["shape"] == [1, 32, 32]
    assert editor.graph.block(dense).params["out_features"] == 3
    assert editor.analysis.ok and _rows(window) == [] and _marked(window) == set()
    assert editor.stack.undoText() == "Fit the network to this data"
    assert not form.fit_button.isEnabled()
    window.act_undo.trigger()
    assert _network(window) == picture_net and _marked(window) == {"input", dense}


def test_edits_are_checked_against_the_loaded_data_without_loading_it_again(window, qtbot):
    window.docs.new_from_template("cnn1d_classifier", ask=False)
    editor = window.editor
    _choose(window, "digits")
    qtbot.waitUntil(lambda: _marked(window) == {"input", "dense"}, timeout=LOAD_MS)
    _choose(window, "basic_motions")   # the template's own data: it fits
    qtbot.waitUntil(lambda: not editor.data_check.loading and _marked(window) == set(), timeout=LOAD_MS)
    # back to the digits: already loaded, so the marks are there before any event is processed
    _choose(window, "digits")
    assert not editor.data_check.loading and _marked(window) == {"input", "dense"}
    window.act_undo.trigger()          # undoing the choice is just as quick
    assert _marked(window) == set()
    # a network edit is compared with the loaded data at once
    sim.set_field(_inspect(window, "dense").fields["out_features"], 7)
    assert _marked(window) == {"dense"} and "4 classes" in dict(_rows(window))["dense"]
    window.act_undo.trigger()
    assert _marked(window) == set() and _rows(window) == []


def _inspect(window, block_id: str):
    sim.click_block(window, block_id)
    form = window.inspector.block_form
    assert form is not None and form.block_id == block_id
    return form


def test_data_that_cannot_be_loaded_is_one_message_naming_the_file(window, qtbot, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    window.scene.select_blocks([])
    form = window.inspector.project_form
    _choose(window, "__file__")
    missing = tmp_path / "nowhere.csv"
    sim.type_into(form.file_path, str(missing))
    qtbot.waitUntil(lambda: any("nowhere.csv" in m for _, m in _rows(window)), timeout=LOAD_MS)
    rows = [(b, m) for b, m in _rows(window) if "nowhere.csv" in m]
    assert len(rows) == 1 and rows[0][0] == "network" and "not found" in rows[0][1]
    assert not window.editor.analysis.ok and _marked(window) == set()
    # the file appears: the changed file is loaded again, and it fits once the network does
    missing.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    window.act_undo.trigger()   # any edit checks again: the file's stat is part of what was loaded
    window.act_redo.trigger()
    qtbot.waitUntil(lambda: not any("nowhere.csv" in m for _, m in _rows(window)), timeout=LOAD_MS)
    qtbot.waitUntil(lambda: "table of numbers" in form.data_offer.text.text(), timeout=LOAD_MS)
