""""Start with my own data": the wizard is driven by clicks and file pickers only, previews what it
found, proposes an adapted network, and the main window opens it; bad input stays on the page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from cnnrnn_studio.ui.shell import dialogs as dialogs_module

CLASSES = ("circle", "cross", "square")


def make_images(root, size=12, per_class=6):
    rng = np.random.default_rng(0)
    for k, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray((rng.random((size, size)) * 80 + 60 * k).astype("uint8")).save(root / name / f"{i}.png")
    return root


def pick_folder(monkeypatch, folder) -> None:
    monkeypatch.setattr(dialogs_module, "ask_folder", lambda *a, **k: str(folder))


def open_wizard(window, qtbot):
    window.show_start_page()
    # The entry sits above the gallery; the cards stay: empty canvas, then every template.
    assert window.start_page.own_data.isVisible() and window.start_page.own_data not in window.start_page.cards
    qtbot.mouseClick(window.start_page.own_data.button, Qt.LeftButton)
    wiz = window.data_wizard
    assert wiz.isVisible() and wiz.currentPage() is wiz.data_page
    return wiz


def finish(wiz, qtbot) -> None:
    qtbot.mouseClick(wiz.button(QWizard.FinishButton), Qt.LeftButton)


def next_page(wiz, qtbot) -> None:
    button = wiz.button(QWizard.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.LeftButton)


def test_own_image_folder_becomes_a_cnn_on_the_canvas(window, qtbot, tmp_path, monkeypatch):
    folder = make_images(tmp_path / "shapes")
    pick_folder(monkeypatch, folder)
    wiz = open_wizard(window, qtbot)
    page = wiz.data_page
    assert not wiz.button(QWizard.NextButton).isEnabled()  # nothing chosen yet
    qtbot.mouseClick(page.folder_button, Qt.LeftButton)
    assert page.wait_until_idle()
    assert page.error is None, page.error
    assert page.class_rows() == [("circle", "6"), ("cross", "6"), ("square", "6")]
    summary = page.summary.text()
    assert "18 samples" in summary and "3 classes" in summary and "1 x 12 x 12" in summary and "image" in summary
    assert len(page.thumbnails()) == 3 * 4
    assert page.size.currentData() == 12 and page.color.currentData() == "grayscale"

    next_page(wiz, qtbot)
    net = wiz.network_page
    assert wiz.currentPage() is net
    # 12x12 pictures are too small for LeNet-5: the small CNN is recommended, LeNet-5 says why not.
    assert net.network.currentData() == "digits_cnn"
    lenet = net.network.findData("lenet5")
    assert "does not fit" in net.network.itemText(lenet)
    assert "bigger image size" in net.network.itemData(lenet, Qt.ToolTipRole)
    assert "✔" in net.check.text()
    assert not net.test.isEnabled()  # an image folder keeps 20 % for testing
    net.validation.setValue(25)
    finish(wiz, qtbot)

    assert not wiz.isVisible()
    p = window.editor.project
    assert not window.on_start_page() and p.path is None
    assert p.dataset == {"kind": "file", "format": "image_folder", "train": str(folder), "size": [12, 12],
                         "color": "grayscale"}
    assert p.training["validation_split"] == 0.25
    assert p.graph.block("input").params == {"kind": "image", "shape": [1, 12, 12]}
    assert p.graph.block("dense2").params["out_features"] == 3
    assert set(window.scene.blocks) == set(p.graph.block_ids())  # on the canvas
    assert p.analyze().ok


def test_bigger_image_size_brings_lenet5_and_colour(window, qtbot, tmp_path, monkeypatch):
    folder = make_images(tmp_path / "shapes")
    pick_folder(monkeypatch, folder)
    wiz = open_wizard(window, qtbot)
    page = wiz.data_page
    qtbot.mouseClick(page.folder_button, Qt.LeftButton)
    assert page.wait_until_idle()
    page.size.setCurrentIndex(page.size.findData(32))
    page.color.setCurrentIndex(page.color.findData("rgb"))
    assert page.wait_until_idle()
    assert "3 x 32 x 32" in page.summary.text()
    next_page(wiz, qtbot)
    net = wiz.network_page
    assert net.network.currentData() == "lenet5"
    net.network.setCurrentIndex(net.network.findData("digits_cnn"))  # the other CNN fits too
    assert "✔" in net.check.text()
    finish(wiz, qtbot)
    p = window.editor.project
    assert p.graph.block("input").params["shape"] == [3, 32, 32] and "conv1" in p.graph
    assert p.dataset["size"] == [32, 32] and p.dataset["color"] == "rgb"


def test_csv_label_column_and_mode_are_picked_from_boxes(window, qtbot, tmp_path, dialogs):
    rng = np.random.default_rng(1)
    rows = ["kind,a,b,c"] + [f"{['low', 'high'][i % 2]}," + ",".join(f"{v:.3f}" for v in rng.normal(size=3) + i % 2)
                             for i in range(40)]
    path = tmp_path / "table.csv"
    path.write_text("\n".join(rows) + "\n")
    dialogs.open_path = str(path)
    wiz = open_wizard(window, qtbot)
    page = wiz.data_page
    qtbot.mouseClick(page.file_button, Qt.LeftButton)
    assert page.wait_until_idle()
    assert page.mode.currentData() == "table"
    assert page.label_column.count() == 4 and page.label_column.currentIndex() == 3  # the last column: 'c'
    # 'c' holds decimals: a regression; the person picks 'kind' as the column to predict instead.
    assert "regression" in page.summary.text()
    page.label_column.setCurrentIndex(0)
    assert page.wait_until_idle()
    assert page.class_rows() == [("high", "20"), ("low", "20")]
    assert "vector" in page.summary.text()
    next_page(wiz, qtbot)
    assert wiz.network_page.network.currentData() == "dense"
    finish(wiz, qtbot)
    p = window.editor.project
    assert p.dataset["label_column"] == "kind" and p.dataset["mode"] == "table"
    assert p.graph.block("input").params == {"kind": "vector", "shape": [3]}
    assert p.graph.block("dense2").params["out_features"] == 2


@pytest.mark.parametrize("case", ["empty", "one_class", "not_data", "broken_csv"])
def test_bad_input_shows_the_plain_sentence_and_keeps_the_wizard_open(window, qtbot, tmp_path, monkeypatch,
                                                                       dialogs, case):
    expected = {"empty": "no class sub-folders", "one_class": "class", "not_data": "cannot read this kind of file",
                "broken_csv": "not UTF-8"}[case]
    wiz = open_wizard(window, qtbot)
    page = wiz.data_page
    if case in ("empty", "one_class"):
        folder = tmp_path / "pictures"
        folder.mkdir()
        if case == "one_class":
            (folder / "cat").mkdir()
            Image.fromarray(np.zeros((8, 8), "uint8")).save(folder / "cat" / "a.png")
        pick_folder(monkeypatch, folder)
        qtbot.mouseClick(page.folder_button, Qt.LeftButton)
    else:
        path = tmp_path / ("photo.png" if case == "not_data" else "broken.csv")
        path.write_bytes(b"\x89PNG not really" if case == "not_data" else b"a,b\n\xff\xfe,\x81\n")
        dialogs.open_path = str(path)
        qtbot.mouseClick(page.file_button, Qt.LeftButton)
    assert page.wait_until_idle()
    assert page.error and expected in page.error
    assert page.status.isVisible() and page.error in page.status.text()
    assert "Traceback" not in page.status.text()
    assert wiz.isVisible() and not wiz.button(QWizard.NextButton).isEnabled()
    assert window.editor.project.dataset is None  # nothing opened
    # A good folder afterwards works in the same wizard.
    good = make_images(tmp_path / "good")
    pick_folder(monkeypatch, good)
    qtbot.mouseClick(page.folder_button, Qt.LeftButton)
    assert page.wait_until_idle() and page.error is None
    assert wiz.button(QWizard.NextButton).isEnabled()
