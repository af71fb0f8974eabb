"""Draw the four input/output shapes of the user guide (docs/user-guide.md, "Sequences in,
sequences out") from real template networks: each template's canvas, laid out as the app lays it
out, saved as a PNG.

Run from the repository root (no display needed):

    QT_QPA_PLATFORM=offscreen python docs/tools/render_io_diagrams.py [OUTPUT_FOLDER]

It writes one_to_one.png, one_to_many.png, many_to_one.png and many_to_many.png (and two more
many-to-many variants: many_to_many_ctc.png, many_to_many_seq2seq.png) into docs/screenshots/io
(or OUTPUT_FOLDER). It lives outside the app: the app never runs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The template drawn for each shape: the simplest clear example of it.
DIAGRAMS = {
    "one_to_one": "digits_cnn",            # a picture in, its class out
    "one_to_many": "image_to_sequence",    # a picture in, a string of digits out
    "many_to_one": "lstm_classifier",      # a recording in, its activity out
    "many_to_many": "bilstm_tagger",       # a clip in, a direction at every frame out
    "many_to_many_ctc": "crnn_ctc",        # a row of digits in, the string read out (unaligned)
    "many_to_many_seq2seq": "seq2seq_forecaster",  # 24 months in, the next 12 out (encoder-decoder)
}


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from cnnrnn_studio.project import Project, load_template
    from cnnrnn_studio.ui.editor.canvas.render import save_png
    from cnnrnn_studio.ui.editor.canvas.scene import GraphScene
    from cnnrnn_studio.ui.editor.editor import Editor
    from cnnrnn_studio.ui.editor.layout import fitted_positions

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "screenshots" / "io"
    out.mkdir(parents=True, exist_ok=True)
    for name, template_id in DIAGRAMS.items():
        graph = load_template(template_id).graph.copy()
        # two rows at most, so a long chain stays readable on a page
        for bid, pos in fitted_positions(graph, 1500, 520).items():
            graph.move_block(bid, pos)
        editor = Editor()
        editor.set_project(Project(graph))
        scene = GraphScene(editor)
        scene.show_grid = False
        path = save_png(scene, out / f"{name}.png", scale=1.25)
        print(f"{path}  ({template_id})")
        scene.clear()
        editor.deleteLater()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
