"""Help → User guide (F1): the guide opens, shows its text and pictures, its links lead somewhere,
and a copy without the guide says so instead of failing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnnrnn_studio import resources
from cnnrnn_studio.ui.shell import help as guide_help

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def headings() -> list[str]:
    return HEADING.findall(text())


def help_menu(window):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help")


def open_guide(window, qtbot):
    window.act_guide.trigger()
    qtbot.waitUntil(lambda: getattr(window, "user_guide", None) is not None and window.user_guide.isVisible())
    return window.user_guide


def test_the_guide_is_found_in_the_checkout():
    assert guide_help.guide_path() == GUIDE
    assert resources.docs_dir() == GUIDE.parent


def test_the_frozen_app_finds_the_guide_in_meipass(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "user-guide.md").write_text("# Guide\n", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert guide_help.guide_path() == tmp_path / "docs" / "user-guide.md"


def test_help_menu_has_the_guide_on_f1(window):
    assert window.act_guide in help_menu(window).actions()
    assert window.act_guide.shortcut() == QKeySequence("F1")


def test_f1_opens_the_guide(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(window.view, Qt.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "user_guide", None) is not None and window.user_guide.isVisible())
    guide = window.user_guide
    assert not guide.isModal()
    window.act_guide.trigger()  # a second F1 brings the same window back
    assert window.user_guide is guide


def test_the_browser_shows_the_guide(window, qtbot):
    guide = open_guide(window, qtbot)
    shown = guide.browser.toPlainText()
    assert not guide.missing
    for title in ("Build a network", "Compare runs", "When something goes wrong"):
        assert title in headings()
        assert title in shown
    assert "# " not in shown.splitlines()[0]  # rendered as Markdown, not shown as source


def test_every_picture_exists_and_is_shown(window, qtbot):
    images = IMAGE.findall(text())
    assert len(images) >= 8
    missing = [p for p in images if not (GUIDE.parent / p).is_file()]
    assert not missing, f"pictures the guide links to but are not there: {missing}"
    assert all(p.endswith(".png") for p in images)
    total = sum((GUIDE.parent / p).stat().st_size for p in set(images))
    assert total < 3.5 * 1024 ** 2, f"the guide's pictures weigh {total / 1024 ** 2:.1f} MB (they go in the installer)"
    guide = open_guide(window, qtbot)
    guide.fit_images()
    doc = guide.browser.document()
    for p in set(images):
        picture = doc.resource(QTextDocument.ImageResource, doc.baseUrl().resolved(QUrl(p)))
        assert picture is not None and not picture.isNull(), p


def test_every_link_in_the_guide_leads_somewhere(window, qtbot):
    targets = LINK.findall(text())
    anchors = [t[1:] for t in targets if t.startswith("#")]
    assert len(anchors) >= 8  # the contents line at the top
    slugs = {guide_help.slug(h) for h in headings()}
    assert not [a for a in anchors if a not in slugs], "links to sections the guide does not have"
    files = [t for t in targets if not t.startswith(("#", "http://", "https://", "mailto:"))]
    assert not [f for f in files if not (GUIDE.parent / f.split("#")[0]).exists()]
    guide = open_guide(window, qtbot)
    assert set(anchors) <= guide.anchors()


def test_clicking_an_in_guide_link_jumps_to_its_section(window, qtbot):
    guide = open_guide(window, qtbot)
    guide.resize(900, 700)
    bar = guide.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    guide.go_top()
    assert bar.value() == 0
    guide.browser.anchorClicked.emit(QUrl("#compare-runs"))
    qtbot.waitUntil(lambda: bar.value() > 0)
    top = guide.browser.cursorForPosition(guide.browser.viewport().rect().topLeft())
    assert "Compare runs" in top.block().text() or bar.value() == bar.maximum()


def test_search_finds_the_next_match_and_wraps(window, qtbot):
    guide = open_guide(window, qtbot)
    guide.search.setText("vanish")
    assert guide.find_next()
    first = guide.browser.textCursor().position()
    assert guide.browser.textCursor().selectedText().lower() == "vanish"
    assert guide.find_next()
    assert guide.browser.textCursor().position() != first
    for _ in range(20):  # past the last match it starts again from the top
        guide.find_next()
        if guide.browser.textCursor().position() == first:
            break
    assert guide.browser.textCursor().position() == first
    guide.search.setText("no such words in the guide")
    assert not guide.find_next()
    assert guide.found.text() == "Not found."


@pytest.mark.parametrize("how", ["no guide anywhere", "a path that is gone"])
def test_a_missing_guide_says_so_in_one_sentence(window, qtbot, monkeypatch, tmp_path, how):
    if how == "no guide anywhere":
        monkeypatch.setattr(guide_help, "guide_path", lambda: None)
        guide = open_guide(window, qtbot)
    else:
        guide = guide_help.UserGuide(window, path=tmp_path / "user-guide.md")
        guide.show()
    assert guide.missing
    assert guide.browser.toPlainText() == guide_help.MISSING
    assert guide_help.MISSING.count(".") == 1
    assert not guide.find_next("anything")
    guide.fit_images()  # nothing to fit, and no error
    guide.close()
