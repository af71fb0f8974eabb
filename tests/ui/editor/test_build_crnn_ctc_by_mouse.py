"""Issue 11's person: from an empty canvas, build the CRNN + CTC reader with the mouse and keyboard
only (palette drops on the canvas viewport, port-to-port drags, typing in the inspector), choose the
built-in digit strings in the Data section, see that the network is valid and fits the data, train
one epoch from the Train tab and read the strings it read, beside the true ones, in Results."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from cnnrnn_studio.blocks import REGISTRY
from cnnrnn_studio.project import load_template
from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.fields import BoolField, ChoiceField
from cnnrnn_studio.ui.editor.layout import fitted_positions

# (block type, the name the person gives it, {setting: what the person types, ticks or picks}):
# the crnn_ctc template's blocks and settings, entered as a person would write them.
BLOCKS = [
    ("Input", "input", {"kind": "image", "shape": "1 x 8 x 56"}),
    ("Conv2d", "conv1", {"out_channels": "32", "kernel_size": "3", "padding": "same"}),
    ("BatchNorm", "bn1", {}),
    ("ReLU", "relu1", {}),
    ("MaxPool2d", "pool1", {"kernel_size": "2"}),
    ("Conv2d", "conv2", {"out_channels": "64", "kernel_size": "3", "padding": "same"}),
    ("BatchNorm", "bn2", {}),
    ("ReLU", "relu2", {}),
    ("MaxPool2d", "pool2", {"kernel_size": "2 x 1", "stride": "2 x 1"}),
    ("ToSequence", "to_seq", {}),
    ("LSTM", "lstm", {"hidden_size": "64", "bidirectional": True, "return_sequences": True}),
    ("Dense", "dense", {"out_features": "11"}),
    ("Output", "output", {"task": "ctc"}),
]
LOAD_MS = 120_000        # the first data load imports torch on a busy machine
TRAIN_MS = 900_000       # one epoch of 2,880 rows on a shared CPU


def _pick(combo: QComboBox, data) -> None:
    """Open the drop-down list with a click and click the entry (what a person does)."""
    QTest.mouseClick(combo, Qt.LeftButton, Qt.NoModifier, combo.rect().center())
    QApplication.processEvents()
    view = combo.view()
    assert view.isVisible(), "the drop-down list did not open"
    index = view.model().index(combo.findData(data), combo.modelColumn())
    assert index.isValid(), f"{data} is not in the list"
    view.scrollTo(index)
    rect = view.visualRect(index)
    # the list ignores a release that comes within a double-click time of opening (the release of
    # the click that opened it): a person's second click comes later
    QTest.qWait(QApplication.doubleClickInterval() + 50)
    QTest.mouseMove(view.viewport(), rect.center())
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QApplication.processEvents()
    assert combo.currentData() == data and not view.isVisible()


def _click_empty_canvas(window) -> None:
    """A click on the canvas where no card is: the inspector shows the project's page."""
    view = window.view
    corner = view.viewport().rect().bottomRight() - QPointF(30, 30).toPoint()
    assert view.itemAt(corner) is None, "the canvas has no empty spot to click"
    local, glob = QPointF(corner), QPointF(view.viewport().mapToGlobal(corner))
    for kind, buttons in ((QEvent.MouseButtonPress, Qt.LeftButton), (QEvent.MouseButtonRelease, Qt.NoButton)):
        QApplication.sendEvent(view.viewport(), QMouseEvent(kind, local, glob, Qt.LeftButton, buttons, Qt.NoModifier))
    QApplication.processEvents()


def _click_tab(tabs, page) -> None:
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, bar.tabRect(tabs.indexOf(page)).center())
    QApplication.processEvents()
    assert tabs.currentWidget() is page


def _type_setting(form, name: str, value) -> None:
    field = form.fields[name]
    if isinstance(field, BoolField):
        sim.set_field(field, value)               # a click on the box
    elif isinstance(field, ChoiceField):
        _pick(field.editor_widget, value)
    else:
        sim.type_into(field.editor_widget, value)
    assert not field.error.text(), f"{form.block_id}.{name}: {field.error.text()}"


def _build(window) -> None:
    reference = load_template("crnn_ctc")
    places = fitted_positions(reference.graph, *window.view_size())
    for (type_id, name, settings), (ref_id, place) in zip(BLOCKS, places.items()):
        assert name == ref_id
        new_id = sim.drop_block(window, type_id, place)
        assert new_id is not None, f"dropping {type_id} from the palette added no block"
        form = window.inspector.block_form
        assert form is not None and form.block_id == new_id, f"the inspector does not show the new {type_id}"
        if new_id != name:
            sim.type_into(form.name, name)
            form = window.inspector.block_form
            assert name in window.editor.graph, form.name_error.text()
        for setting, value in settings.items():
            _type_setting(form, setting, value)
    for (_, a, _), (_, b, _) in zip(BLOCKS, BLOCKS[1:]):
        assert sim.drag_link(window, a, b), f"dragging from {a}'s output to {b}'s input made no link"
    # the same network as the template, setting by setting
    graph = window.editor.graph
    assert sorted(graph.block_ids()) == sorted(reference.graph.block_ids())
    for block in reference.graph.blocks:
        assert graph.block(block.id).type == block.type
        spec = REGISTRY[block.type]
        assert spec.resolve_params(graph.block(block.id).params) == spec.resolve_params(block.params), block.id
    assert sorted((l.src, l.dst) for l in graph.links) == sorted((l.src, l.dst) for l in reference.graph.links)


def test_build_the_crnn_ctc_reader_by_mouse_train_it_and_read_strings(window, qtbot):
    assert len(window.editor.graph) == 0 and not window.on_start_page()
    _build(window)
    analysis = window.editor.analysis
    assert analysis.ok, [str(p) for p in analysis.errors]
    assert window.scene.blocks["output"].shape_text == window.editor.analysis.specs["output"].show()

    # the Data section: a click on the empty canvas shows the project's page; pick the digit strings
    _click_empty_canvas(window)
    form = window.inspector.project_form
    assert window.inspector.stack.currentWidget() is form
    _pick(form.dataset, "digit_strings")
    assert window.editor.project.dataset == {"kind": "builtin", "name": "digit_strings"}
    assert "digit" in form.dataset_about.text()
    qtbot.waitUntil(lambda: window.editor.data_check.loaded is not None, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: form.data_offer.text.text() == "The network fits this data.", timeout=5000)
    assert window.messages.tree.topLevelItemCount() == 0          # no message of any kind
    assert not form.fit_button.isEnabled(), window.editor.data_check.fit_steps()   # nothing to fit
    assert window.editor.analysis.ok and all(item.severity != "error" for item in window.scene.blocks.values())

    # the template's training settings, typed in the Training form; one short epoch
    for name, text in (("batch_size", "32"), ("learning_rate", "0.003"), ("epochs", "1")):
        sim.type_into(form.training[name].editor_widget, text)
    training = window.editor.project.training
    assert training["batch_size"] == 32 and training["learning_rate"] == 0.003 and training["epochs"] == 1

    _click_tab(window.tabs, window.train_tab)
    dashboard = window.dashboard()
    assert dashboard.project is window.editor.project and dashboard.epochs.value() == 1
    qtbot.mouseClick(dashboard.train_button, Qt.LeftButton)
    assert dashboard.is_training(), dashboard.banner.text()
    qtbot.waitUntil(lambda: not dashboard.is_training(), timeout=TRAIN_MS)
    history = dashboard.history
    assert history.state == "finished", dashboard.banner.text()
    assert len(history.epoch_x) == 1
    test = history.summary["test"]
    assert dashboard.banner.text() == (f"Training finished: test strings read exactly {100 * test['accuracy']:.1f}%, "
                                       f"character error rate {test['cer']:.3f}.")

    # Results: the share read exactly, the character error rate and read vs true strings
    _click_tab(dashboard.tabs, dashboard.results)
    results = dashboard.results
    view = results.ctc
    assert results.stack.currentWidget() is view and view.isVisible()
    assert "read exactly" in view.summary.text() and "character error rate" in view.summary.text()
    assert f"{test['cer']:.3f}" in view.summary.text()
    ev = dashboard.last_run.evaluation
    assert ev["n"] == 600                                              # the digit strings' test rows
    assert view.table.rowCount() == min(len(ev["true"]), 200) >= 10
    strings = [view.row_texts(r) for r in range(view.table.rowCount())]
    assert [row[:2] for row in strings] == [[r or "(nothing)", t] for r, t in zip(ev["read"], ev["true"])][:200]
    for read, true, edits, verdict in strings:
        assert 2 <= len(true) <= 6 and true.isdigit()                 # the true digit strings
        assert read == "(nothing)" or read.isdigit()                  # what the network read
        assert verdict == "right" if edits == "0" else verdict.startswith("wrong")


def test_a_network_that_fits_offers_nothing_to_fit_when_a_setting_is_left_at_its_default(window, qtbot):
    """An Input whose kind was never changed from the default (image) fits picture data as it is:
    "Fit the network to this data" has nothing to do (it used to stay enabled, and clicking it made
    an undo step that only wrote the default out)."""
    for x, (type_id, settings) in enumerate((("Input", {"shape": "1 x 8 x 8"}), ("Flatten", {}),
                                            ("Dense", {"out_features": "10"}), ("Output", {}))):
        sim.drop_block(window, type_id, (x * 220.0, 0.0))
        for setting, value in settings.items():
            _type_setting(window.inspector.block_form, setting, value)
    ids = window.editor.graph.block_ids()
    for a, b in zip(ids, ids[1:]):
        assert sim.drag_link(window, a, b)
    assert "kind" not in window.editor.graph.block(ids[0]).params    # left at the default
    _click_empty_canvas(window)
    form = window.inspector.project_form
    _pick(form.dataset, "digits")
    qtbot.waitUntil(lambda: form.data_offer.text.text() == "The network fits this data.", timeout=LOAD_MS)
    assert window.messages.tree.topLevelItemCount() == 0
    assert not form.fit_button.isEnabled()
    undo_steps = window.editor.stack.index()
    qtbot.mouseClick(form.fit_button, Qt.LeftButton)
    assert window.editor.stack.index() == undo_steps


def test_digit_strings_on_an_empty_canvas_offer_the_crnn_ctc_reader(window, qtbot):
    """Choosing the digit strings before building anything offers the reader that fits them (it
    said "no template fits it as it is"), and one click puts it on the canvas, fitted and valid."""
    _click_empty_canvas(window)
    form = window.inspector.project_form
    _pick(form.dataset, "digit_strings")
    qtbot.waitUntil(lambda: any(b.text() == "Start from CRNN + CTC" for b in form.data_offer.buttons),
                    timeout=LOAD_MS)
    assert form.data_offer.text.text() == "These are pictures: start from the CRNN + CTC template?"
    button = next(b for b in form.data_offer.buttons if b.text() == "Start from CRNN + CTC")
    qtbot.mouseClick(button, Qt.LeftButton)
    a = window.editor.analysis
    assert a.ok and a.specs["output"].show() == "[28, 11]"
    assert window.editor.graph.block("output").params["task"] == "ctc"
    assert window.messages.tree.topLevelItemCount() == 0
    qtbot.waitUntil(lambda: form.data_offer.text.text() == "The network fits this data.", timeout=LOAD_MS)
    window.act_undo.trigger()                 # one undo: the empty canvas again
    assert len(window.editor.graph) == 0
