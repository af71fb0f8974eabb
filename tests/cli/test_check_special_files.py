"""`check` on a device, a FIFO or a socket (as the project, or as its data) says so and exits 1,
without reading or blocking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnrnn_studio.cli import main
from cnnrnn_studio.project import template_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "/dev/null", "fifo"])
def test_check_refuses_a_special_project_path(tmp_path, capsys, path):
    if path == "fifo":
        path = str(tmp_path / "p.json")
        os.mkfifo(path)
    if not os.path.exists(path):
        pytest.skip(f"{path} is not on this system")
    assert main(["check", path]) == 1
    err = capsys.readouterr().err
    assert path in err and "not a project file" in err and "Traceback" not in err


def test_check_on_a_fifo_does_not_block_in_a_fresh_process(tmp_path):
    os.mkfifo(tmp_path / "p.json")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "cnnrnn_studio.cli", "check", str(tmp_path / "p.json")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 1 and "FIFO" in r.stderr


@pytest.mark.parametrize("data", ["/dev/zero", "/dev/urandom", "fifo"])
def test_check_refuses_special_data(tmp_path, capsys, data):
    if data == "fifo":
        data = str(tmp_path / "d.csv")
        os.mkfifo(data)
    project = json.loads(template_path("digits_cnn").read_text())
    project["dataset"] = {"kind": "file", "format": "csv", "train": data}
    (tmp_path / "p.json").write_text(json.dumps(project))
    assert main(["check", str(tmp_path / "p.json")]) == 1
    out = capsys.readouterr()
    assert data in out.out + out.err and "regular file" in out.out + out.err
