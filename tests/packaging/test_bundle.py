"""Build the one-folder app with packaging/build.sh, then run the frozen app as a person would.

Slow (a clean venv, then PyInstaller over torch and Qt: 10-20 minutes on 2 cores) and it needs
the package registries, so it is SKIPPED unless CNNRNN_BUILD_TESTS=1. With
CNNRNN_BUILD_TESTS_REUSE=1 it tests the dist/cnnrnn-studio already there instead of building.
Linux only (the Windows and macOS installers are built on those systems).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "cnnrnn-studio"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("CNNRNN_BUILD_TESTS") != "1",
                       reason="builds the installer (10-20 min); set CNNRNN_BUILD_TESTS=1 to run"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="packaging/build.sh builds the Linux bundle"),
]


@pytest.fixture(scope="module")
def app() -> Path:
    if os.environ.get("CNNRNN_BUILD_TESTS_REUSE") != "1" or not APP.is_dir():
        subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, check=True)
    assert (APP / "cnnrnn-studio").is_file()
    return APP


def run_frozen(app: Path, tmp_path: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """The frozen app, started from an empty folder with a throwaway home: nothing can come
    from the checkout or the developer's settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "CNNRNN_STUDIO_RESOURCES", "VIRTUAL_ENV")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(app / "cnnrnn-studio"), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=timeout)


def bundled(app: Path, *parts: str) -> Path:
    return app.joinpath("_internal", "resources", *parts)   # sys._MEIPASS/resources


def test_bundle_holds_every_template_the_icon_and_the_desktop_file(app: Path) -> None:
    source = sorted(p.name for p in (ROOT / "resources" / "templates").glob("*.json"))
    assert source, "no templates in resources/templates"
    assert sorted(p.name for p in bundled(app, "templates").glob("*.json")) == source
    assert bundled(app, "data", "digits.npz").is_file()
    guide = app / "_internal" / "docs" / "user-guide.md"      # Help → User guide, with its pictures
    assert guide.is_file() and (guide.parent / "screenshots" / "dashboard_gradients_lstm.png").is_file()
    assert (app / "cnnrnn-studio.png").is_file() and os.access(app / "install.sh", os.X_OK)
    desktop = (app / "cnnrnn-studio.desktop").read_text()
    assert "Exec=cnnrnn-studio gui %f" in desktop and "Icon=cnnrnn-studio" in desktop


def test_tarball_unpacks_to_one_folder_with_the_app(app: Path) -> None:
    from cnnrnn_studio import __version__

    tarball = ROOT / "dist" / f"cnnrnn-studio-{__version__}-linux-x86_64.tar.gz"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    assert {n.split("/")[0] for n in names} == {"cnnrnn-studio"}
    assert {"cnnrnn-studio/cnnrnn-studio", "cnnrnn-studio/install.sh", "cnnrnn-studio/cnnrnn-studio.desktop",
            "cnnrnn-studio/_internal/resources/templates/digits_cnn.json"} <= names


def test_frozen_check_of_a_bundled_template_matches_the_core(app: Path, tmp_path: Path) -> None:
    from cnnrnn_studio.project import load_project

    template = bundled(app, "templates", "digits_cnn.json")
    r = run_frozen(app, tmp_path, "check", "--json", "--no-data", str(template))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    expected = load_project(ROOT / "resources" / "templates" / "digits_cnn.json").analyze()
    assert out["valid"] is True
    assert out["total_params"] == expected.total_params and out["total_macs"] == expected.total_macs


def test_frozen_check_loads_the_builtin_dataset(app: Path, tmp_path: Path) -> None:
    # Without --no-data the check loads the dataset: torch, numpy and resources/data, frozen.
    r = run_frozen(app, tmp_path, "check", str(bundled(app, "templates", "digits_cnn.json")))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "The network is valid" in r.stdout


def test_frozen_app_reports_a_broken_project_plainly(app: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "cnnrnn-studio-project", "version": 1,\n "blocks": [ }\n')
    r = run_frozen(app, tmp_path, "check", str(broken))
    assert r.returncode == 1
    assert r.stderr.startswith("Error:") and "broken.json" in r.stderr
    assert "Traceback" not in r.stderr


def test_frozen_app_trains_then_exports_a_verified_onnx_file(app: Path, tmp_path: Path) -> None:
    import onnx

    template = str(bundled(app, "templates", "digits_cnn.json"))
    r = run_frozen(app, tmp_path, "train", template, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = run_frozen(app, tmp_path, "export", template, "--weights", str(tmp_path / "run"),
                   "--onnx", str(tmp_path / "digits.onnx"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    onnx.checker.check_model(str(tmp_path / "digits.onnx"), full_check=True)


def test_frozen_app_exports_an_lstm_to_onnx(app: Path, tmp_path: Path) -> None:
    # The recurrent path of the exporter (TorchScript tracing inside the bundle).
    import onnx

    r = run_frozen(app, tmp_path, "export", str(bundled(app, "templates", "lstm_classifier.json")),
                   "--onnx", str(tmp_path / "lstm.onnx"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    model = onnx.load(str(tmp_path / "lstm.onnx"))
    assert "LSTM" in {node.op_type for node in model.graph.node}


def test_frozen_gui_self_test_passes_offscreen(app: Path, tmp_path: Path) -> None:
    r = run_frozen(app, tmp_path, "gui", "--self-test")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_frozen_gui_renders_a_screenshot(app: Path, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    r = run_frozen(app, tmp_path, "gui", "--screenshot", str(shot))
    assert r.returncode == 0, r.stderr[-3000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_install_sh_adds_and_removes_the_menu_entry(app: Path, tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"))
    subprocess.run(["sh", str(app / "install.sh")], env=env, check=True, capture_output=True)
    entry = tmp_path / "share" / "applications" / "cnnrnn-studio.desktop"
    assert f'Exec="{app}/cnnrnn-studio" gui %f' in entry.read_text()
    assert (tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "cnnrnn-studio.png").is_file()
    subprocess.run(["sh", str(app / "install.sh"), "--uninstall"], env=env, check=True, capture_output=True)
    assert not entry.exists()
