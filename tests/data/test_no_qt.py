import subprocess
import sys
from pathlib import Path

import cnnrnn_studio.data as data


def test_data_layer_runs_without_qt_and_loads_torch_only_on_use():
    # One fresh interpreter (importing torch costs seconds): every Qt binding is blocked, the whole
    # package is imported, listing the built-ins must not load torch, loading one must work.
    code = (
        "import sys\n"
        "for name in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'):\n"
        "    sys.modules[name] = None\n"
        "import cnnrnn_studio.data as d\n"
        "import cnnrnn_studio.data.make_resources\n"
        "assert d.BUILTIN_DATASETS['digits'].label\n"
        "assert 'torch' not in sys.modules, 'torch was imported just by listing datasets'\n"
        "d.load_dataset({'kind': 'builtin', 'name': 'digits'})\n"
        "assert 'torch' in sys.modules\n"
        "assert not [m for m, v in sys.modules.items() if v is not None and m.startswith(('PySide', 'PyQt'))]\n"
    )
    root = Path(data.__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_no_qt_names_in_the_sources():
    for source in Path(data.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "PySide" not in text and "PyQt" not in text, source.name
