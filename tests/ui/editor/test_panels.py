"""Palette, start page, summary, code view, clipboard actions, picture export, Train tab."""

import importlib.util

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from cnnrnn_studio.blocks import CATEGORIES, REGISTRY
from cnnrnn_studio.project import list_templates
from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.layout import overlapping


def test_palette_lists_every_block_by_category_with_icon_and_help(window):
    pal = window.palette
    heads = [pal.tree.topLevelItem(i).text(0) for i in range(pal.tree.topLevelItemCount())]
    assert heads == [c for c in CATEGORIES if any(s.category == c for s in REGISTRY.values())]
    assert set(pal.items) == set(REGISTRY)
    lstm = pal.items["LSTM"]
    assert not lstm.icon(0).isNull()
    assert REGISTRY["LSTM"].help[:30] in lstm.toolTip(0) and "When to use" in lstm.toolTip(0)


def test_palette_search(window):
    pal = window.palette
    pal.search.setText("lstm")
    assert "LSTM" in pal.visible_types() and "Conv2d" not in pal.visible_types()
    pal.search.setText("pool 2-d")
    assert set(pal.visible_types()) == {"MaxPool2d", "AvgPool2d", "MinPool2d"}
    pal.search.setText("to sequence")   # a block's own name lists that block, not every help text's words
    assert pal.visible_types() == ["ToSequence"]
    pal.search.setText("column")        # no name has it: the descriptions are searched
    assert "ToSequence" in pal.visible_types()
    pal.search.setText("")
    assert len(pal.visible_types()) == len(REGISTRY)


def test_palette_double_click_adds_after_the_selected_block(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    o = sim.drop_block(window, "Output", (220.0, 0.0))
    assert sim.drag_link(window, a, o)
    sim.click_block(window, a)
    pal = window.palette
    pal.tree.itemDoubleClicked.emit(pal.items["Flatten"], 0)
    flat = window.editor.graph.of_type("Flatten")[0]
    assert window.editor.graph.inputs_of(flat) == [a] and window.editor.graph.inputs_of(o) == [flat]
    assert window.scene.selected_block_ids() == [flat]  # double-click again to keep building the chain
    pal.tree.itemDoubleClicked.emit(pal.items["Dense"], 0)
    dense = window.editor.graph.of_type("Dense")[0]
    assert window.editor.graph.inputs_of(dense) == [flat] and window.editor.graph.inputs_of(o) == [dense]
    pos = {b.id: b.position for b in window.editor.graph.blocks}
    assert not overlapping(pos)


def test_start_page_and_templates(window):
    window.show_start_page()
    assert window.on_start_page() and not window.palette_dock.isVisible()
    page = window.start_page
    assert [c.template_id for c in page.cards[1:]] == [t.id for t in list_templates()]
    page.render_pictures()
    assert all(not c.picture.pixmap().isNull() for c in page.cards)
    page.cards[3].chosen.emit(page.cards[3].template_id)
    assert not window.on_start_page() and window.palette_dock.isVisible()
    assert window.editor.project.name == page.templates[2].name
    pos = {b.id: b.position for b in window.editor.graph.blocks}
    assert not overlapping(pos) and window.editor.analysis.ok
    assert window.editor.project.path is None  # a new, unsaved project


def test_thumbnail_is_a_picture_of_the_network(qapp):
    from cnnrnn_studio.project import load_template
    from cnnrnn_studio.ui.editor.canvas.render import thumbnail

    pm = thumbnail(load_template("resnet_block"), QSize(300, 150))
    img = pm.toImage()
    assert pm.deviceIndependentSize().toSize() == QSize(300, 150)
    colours = {img.pixelColor(x, y).name() for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert "#1e88e5" in colours or len(colours) > 20  # the Conv cards' blue header, among many colours


def test_summary_table(window):
    window.docs.new_from_template("digits_cnn", ask=False)
    window.tabs.setCurrentWidget(window.summary)
    QApplication.processEvents()
    m = window.summary.model
    a = window.editor.analysis
    assert m.rowCount() == len(window.editor.graph) + 1
    assert m.rows[0][0] == "input" and m.rows[-1][0] == "Total"
    assert m.rows[-1][3] == a.total_params and m.rows[-1][4] == a.total_macs
    conv = next(r for r in m.rows if r[0] == "conv1")
    assert conv[2] == "[32, 8, 8]" and conv[3] == a.param_counts["conv1"]
    sim.set_field(window.inspector.project_form.training["epochs"], 2)  # not a network change
    window.editor.set_param("dense2", "out_features", 4)
    window.editor.set_param("dense2", "out_features", 10)
    assert m.rows[-1][3] == window.editor.analysis.total_params


def test_code_view_shows_the_code_or_says_why_not(window):
    window.docs.new_from_template("gru_forecaster", ask=False)
    window.tabs.setCurrentWidget(window.code)
    QApplication.processEvents()
    if importlib.util.find_spec("cnnrnn_studio.compile.codegen") is None:
        assert "not available" in window.code.note.text() and not window.code.text.isVisible()
    else:
        assert "class" in window.code.text.toPlainText() or "def " in window.code.text.toPlainText()
    window.editor.delete(["output"])
    assert "Fix the problems" in window.code.note.text()


def test_copy_paste_duplicate_and_cut(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    d = sim.drop_block(window, "Dense", (220.0, 0.0))
    assert sim.drag_link(window, a, d)
    window.scene.select_blocks([a, d])
    window.act_copy.trigger()
    window.act_paste.trigger()
    new = window.scene.selected_block_ids()
    assert len(new) == 2 and not set(new) & {a, d}
    assert any(window.editor.graph.has_link(x, y) for x in new for y in new)
    window.act_duplicate.trigger()
    assert len(window.editor.graph) == 6
    window.act_cut.trigger()
    assert len(window.editor.graph) == 4
    window.act_paste.trigger()
    assert len(window.editor.graph) == 6
    window.scene.select_blocks([])
    QApplication.clipboard().setText("not blocks")
    window.act_paste.trigger()
    assert len(window.editor.graph) == 6 and "no blocks" in window.statusBar().currentMessage()


def test_export_png_and_svg(window, tmp_path, dialogs):
    window.docs.new_from_template("crnn", ask=False)
    dialogs.export_path = str(tmp_path / "net.png")
    window.act_png.trigger()
    from PySide6.QtGui import QImage

    img = QImage(str(tmp_path / "net.png"))
    assert not img.isNull() and img.width() > 400
    dialogs.export_path = str(tmp_path / "net.svg")
    window.act_svg.trigger()
    svg = (tmp_path / "net.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "conv1" in svg
    assert not window.export_picture("png", str(tmp_path / "missing" / "x.png"))
    assert dialogs.errors and "could not" in dialogs.errors[-1][1]


def test_train_tab_shows_the_dashboard_or_a_placeholder(window):
    from PySide6.QtWidgets import QLabel

    window.tabs.setCurrentWidget(window.train_tab)
    QApplication.processEvents()
    assert window.tabs.tabText(window.tabs.indexOf(window.train_tab)) == "Train"
    if importlib.util.find_spec("cnnrnn_studio.ui.dashboard") is None:
        assert window.dashboard() is None
        assert "not part of this version" in window.train_tab.findChild(QLabel, "train_placeholder").text()
    else:
        board = window.dashboard()
        assert board is not None and board.parent() is window.train_tab
        assert window.dashboard() is board  # created once


def test_window_layout_is_remembered(window, qapp, tmp_path):
    from cnnrnn_studio.ui.shell.app import dispose
    from cnnrnn_studio.ui.shell.main_window import MainWindow

    window.messages_dock.hide()
    window.resize(701, 555)
    window.save_layout()
    w2 = MainWindow(window.settings, autosave_enabled=False)
    try:
        w2.show()
        qapp.processEvents()
        assert w2.size().width() == 701 and not w2.messages_dock.isVisible()
    finally:
        dispose(qapp, w2)
