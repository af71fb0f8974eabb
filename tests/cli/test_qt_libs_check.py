"""`make run` first checks the libraries Qt's xcb plugin needs on Linux (packaging/check_qt_libs.py)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("check_qt_libs", ROOT / "packaging" / "check_qt_libs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_missing_libraries_give_one_apt_get_line():
    mod = _module()
    have = {"xcb-icccm": "libxcb-icccm.so.4"}
    missing = mod.missing_packages(find=have.get)
    assert "libxcb-cursor0" in missing and "libxcb-keysyms1" in missing and "libxcb-icccm4" not in missing
    assert mod.install_line(["libxcb-cursor0", "libxcb-keysyms1"]) == \
        "sudo apt-get install libxcb-cursor0 libxcb-keysyms1"
    assert mod.missing_packages(find=lambda name: "lib" + name + ".so") == []


def test_make_run_checks_before_it_opens_the_app():
    make = (ROOT / "Makefile").read_text()
    run = make[make.index("\nrun:"):make.index("\ntest:")]
    assert run.index("check_qt_libs.py") < run.index("cnnrnn-studio")
    readme = (ROOT / "README.md").read_text()
    assert "libxcb-cursor0" in readme
