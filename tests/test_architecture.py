"""The core stays Qt-free and torch-free at import (the GUI must start before torch loads)."""

import subprocess
import sys
from pathlib import Path

CORE = ["cnnrnn_studio", "cnnrnn_studio.blocks", "cnnrnn_studio.graph", "cnnrnn_studio.project",
        "cnnrnn_studio.project.from_data",
        "cnnrnn_studio.compile", "cnnrnn_studio.data", "cnnrnn_studio.train", "cnnrnn_studio.export",
        "cnnrnn_studio.cli"]


def test_core_imports_with_qt_blocked():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'):\n"
        "            raise ImportError('Qt is not allowed in the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"import importlib\nfor m in {CORE!r}: importlib.import_module(m)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_package_and_project_import_without_torch():
    code = ("import sys, cnnrnn_studio, cnnrnn_studio.graph, cnnrnn_studio.project, cnnrnn_studio.blocks\n"
            "cnnrnn_studio.load_template('crnn').analyze()\n"
            "print('torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


QT_PACKAGES = ("ui", "selfcheck")   # the GUI, and the self-check that drives it from outside


def _sources(root: Path):
    for f in root.rglob("*.py"):
        yield f, [line.strip() for line in f.read_text().splitlines()]


def test_no_qt_import_outside_ui_and_selfcheck_in_the_source():
    root = Path(__file__).resolve().parents[1] / "cnnrnn_studio"
    offenders = []
    for f, lines in _sources(root):
        if f.relative_to(root).parts[0] in QT_PACKAGES:
            continue
        for s in lines:
            if s.startswith(("import PySide6", "from PySide6", "import pyqtgraph", "from pyqtgraph")):
                offenders.append(str(f.relative_to(root)))
    assert offenders == []


def test_the_ui_does_not_import_the_selfcheck_or_the_benchmarks():
    """The self-check drives the UI from outside (no ui <-> selfcheck cycle); measurements live in
    benchmarks/, which only the self-check's information step may import."""
    root = Path(__file__).resolve().parents[1] / "cnnrnn_studio"
    offenders = []
    for f, lines in _sources(root / "ui"):
        offenders += [f"{f.relative_to(root)}: {s}" for s in lines
                      if s.startswith(("from ", "import ")) and ("selfcheck" in s or "benchmarks" in s)]
    for f, lines in _sources(root):
        if f.relative_to(root).parts[0] == "selfcheck":
            continue
        offenders += [f"{f.relative_to(root)}: {s}" for s in lines if s.startswith(("from benchmarks", "import benchmarks"))]
    assert offenders == []
