"""The architecture holds: layers point one way, the core stays Qt-free and torch-free at import
(the GUI must start before torch loads)."""

import subprocess
import sys
from pathlib import Path

CORE = ["cnnrnn_studio", "cnnrnn_studio.blocks", "cnnrnn_studio.graph", "cnnrnn_studio.project",
        "cnnrnn_studio.project.from_data",
        "cnnrnn_studio.compile", "cnnrnn_studio.data", "cnnrnn_studio.train", "cnnrnn_studio.interop",
        "cnnrnn_studio.export", "cnnrnn_studio.cli"]


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


ROOT = Path(__file__).resolve().parents[1]


def test_layers_point_one_way():
    """The import-linter contract in pyproject.toml: no package imports one above it, so there
    is no import cycle between packages (blocks -> graph -> compile, data -> project -> train ->
    interop -> ui -> selfcheck -> cli)."""
    r = _lint_imports(ROOT, ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def _lint_imports(config_dir: Path, path: Path) -> subprocess.CompletedProcess:
    # In a process of its own: import-linter reconfigures logging, which other tests rely on.
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=config_dir, capture_output=True, text=True,
                          env={"PYTHONPATH": str(path), "PATH": ""})


def test_the_layer_contract_sees_an_upward_import(tmp_path):
    """The contract really checks: a copy of the package where graph imports train is refused."""
    import shutil

    copy = tmp_path / "cnnrnn_studio"
    shutil.copytree(ROOT / "cnnrnn_studio", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "graph" / "model.py", "a") as f:
        f.write("\nfrom ..train import events  # an upward import\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    r = _lint_imports(tmp_path, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "cnnrnn_studio.graph.model -> cnnrnn_studio.train" in r.stdout.replace("\n", " ")
