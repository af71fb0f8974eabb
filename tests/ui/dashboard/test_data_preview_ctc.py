"""The Data tab shows a CTC dataset's rows with the strings they read. Seen under a real window on
the digit strings: each caption said "target 8, 1, -1" (the first three label numbers, padding
included; a 6-digit string was cut at 3) under a picture 9 pixels high; drawn larger, four in a row
ran past the tab's right edge."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from cnnrnn_studio.project import load_template
from cnnrnn_studio.ui.dashboard.data_preview import DataPreview
from cnnrnn_studio.ui.dashboard.engine import Engine


def test_digit_string_rows_are_captioned_with_the_string_they_read(qtbot):
    ds = Engine().load_project_dataset(load_template("crnn_ctc"))
    assert ds.task == "ctc"
    view = DataPreview()
    qtbot.addWidget(view)
    view.show_dataset(ds)
    captions = [w.text() for w in view.findChildren(QLabel) if w.text().startswith("reads “")]
    pictures = view.thumbnails()
    assert captions and len(captions) <= len(pictures)
    y = ds.train.y.numpy()
    want = ["reads “" + "".join(ds.class_names[v] for v in row if v >= 0) + "”" for row in y[:len(captions)]]
    assert captions == want
    assert all(2 <= len(c) - len("reads “”") <= 6 for c in captions)   # whole strings of 2 to 6 digits
    assert not any("-1" in c or "target" in c for c in captions)
    width = ds.train.x.shape[-1]
    assert all(p.pixmap().width() >= 3 * width for p in pictures[:len(captions)])   # digits big enough to read
    # and the rows still fit beside the counts in a 1440-pixel window (the gallery had 700 px there)
    assert view.gallery.sizeHint().width() <= 700, view.gallery.sizeHint().width()
