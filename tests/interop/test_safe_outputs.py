"""Never overwrite what the studio did not write; never replace a command's own input; never copy
data from outside the project's folder without being told; never take a file path from an ONNX
file's metadata. Every input here is made by the test itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from cnnrnn_studio.cli import main
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project, load_template

NOTES = "my own notes, not the studio's\n"


def _table_project(folder: Path, train: str = "data.csv", write_data: bool = True) -> Path:
    """A 4-feature, 3-class table project whose data file is `train` (relative to the project)."""
    folder.mkdir(parents=True, exist_ok=True)
    if write_data:
        rng = np.random.default_rng(0)
        rows = ["a,b,c,d,label"] + [",".join(f"{v:.3f}" for v in rng.normal(size=4)) + f",c{i % 3}"
                                    for i in range(60)]
        data = (folder / train).resolve() if not Path(train).is_absolute() else Path(train)
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text("\n".join(rows) + "\n")
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "input")
    g.add_block("Dense", {"out_features": 3}, "dense")
    g.add_block("Output", {"task": "classification"}, "output")
    g.add_link("input", "dense")
    g.add_link("dense", "output")
    p = Project(g, name="table", dataset={"kind": "file", "format": "csv", "train": train},
                training={"epochs": 1, "batch_size": 8})
    p.save(folder / "p.json")
    return folder / "p.json"


def _template_file(tmp_path: Path) -> Path:
    path = tmp_path / "project.json"
    load_template("cnn1d_classifier").save(path)
    return path


# --- A: outputs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["--python", "--onnx"])
def test_export_never_replaces_its_own_project(tmp_path, capsys, flag):
    project = _template_file(tmp_path)
    before = project.read_bytes()
    for extra in ([], ["--force"]):
        assert main(["export", str(project), flag, str(project), *extra]) == 1
        assert "own input" in capsys.readouterr().err
        assert project.read_bytes() == before
    # the same file by another spelling
    assert main(["export", str(project), flag, str(tmp_path / "." / "x" / ".." / "project.json"), "--force"]) != 0
    assert project.read_bytes() == before


def test_export_never_replaces_the_weights_it_reads(tmp_path, capsys):
    from cnnrnn_studio.compile.weights import save_weights

    project = _template_file(tmp_path)
    save_weights(load_template("cnn1d_classifier").build_model(), tmp_path / "w.safetensors")
    before = (tmp_path / "w.safetensors").read_bytes()
    assert main(["export", str(project), "--weights", str(tmp_path / "w.safetensors"), "--python",
                 str(tmp_path / "w.safetensors"), "--force"]) == 1
    assert (tmp_path / "w.safetensors").read_bytes() == before


@pytest.mark.parametrize("flag,name", [("--onnx", "notes.txt"), ("--onnx", "model.onnx"), ("--python", "model.py")])
def test_export_refuses_a_persons_file_unless_forced(tmp_path, capsys, flag, name):
    project = _template_file(tmp_path)
    theirs = tmp_path / name
    theirs.write_text(NOTES)
    assert main(["export", str(project), flag, str(theirs)]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and str(theirs) in err and "Traceback" not in err
    assert theirs.read_text() == NOTES
    assert main(["export", str(project), flag, str(theirs), "--force"]) == 0
    assert theirs.read_bytes() != NOTES.encode()


def test_a_refused_target_leaves_the_other_targets_unwritten(tmp_path, capsys):
    project = _template_file(tmp_path)
    (tmp_path / "m.onnx").write_text(NOTES)
    assert main(["export", str(project), "--python", str(tmp_path / "m.py"), "--onnx", str(tmp_path / "m.onnx")]) == 1
    assert not (tmp_path / "m.py").exists()


@pytest.mark.parametrize("flag,name", [("--onnx", "m.onnx"), ("--python", "m.py")])
def test_the_studios_own_exports_are_replaced_without_force(tmp_path, capsys, flag, name):
    project = _template_file(tmp_path)
    assert main(["export", str(project), flag, str(tmp_path / name)]) == 0
    assert main(["export", str(project), flag, str(tmp_path / name)]) == 0


def test_onnx_and_python_cannot_be_one_file(tmp_path, capsys):
    project = _template_file(tmp_path)
    assert main(["export", str(project), "--python", str(tmp_path / "x"), "--onnx", str(tmp_path / "x")]) == 1
    assert not (tmp_path / "x").exists()


def test_torchrun_folder_keeps_a_persons_files(tmp_path, capsys):
    project = _table_project(tmp_path / "proj")
    out = tmp_path / "job"
    out.mkdir()
    (out / "README.md").write_text(NOTES)
    (out / "train.py").write_text("print('mine')\n")
    assert main(["export", str(project), "--torchrun-script", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and "README.md" in err
    assert (out / "README.md").read_text() == NOTES and (out / "train.py").read_text() == "print('mine')\n"
    assert not (out / "data.npz").exists()
    # An export into a new folder, then again into it: the studio's own files are replaced.
    fresh = tmp_path / "fresh"
    assert main(["export", str(project), "--torchrun-script", str(fresh)]) == 0
    assert main(["export", str(project), "--torchrun-script", str(fresh)]) == 0
    # ... but not a file the person put there later under one of its names (the marker lists what it wrote).
    assert main(["export", str(project), "--torchrun-script", str(out), "--force"]) == 0
    assert "distributed training" in (out / "README.md").read_text()


def test_torchrun_never_replaces_the_data_it_reads(tmp_path, capsys):
    folder = tmp_path / "proj"
    project = _table_project(folder, train="job/data.npz", write_data=False)
    (folder / "job").mkdir()
    rng = np.random.default_rng(0)
    np.savez(folder / "job" / "data.npz", x=rng.normal(size=(30, 4)).astype("float32"), y=np.arange(30) % 3)
    data = json.loads(project.read_text())
    data["dataset"] = {"kind": "file", "format": "npz", "train": "job/data.npz"}
    project.write_text(json.dumps(data))
    before = (folder / "job" / "data.npz").read_bytes()
    assert main(["export", str(project), "--torchrun-script", str(folder / "job"), "--force"]) == 1
    assert "own input" in capsys.readouterr().err
    assert (folder / "job" / "data.npz").read_bytes() == before


def test_import_onnx_never_replaces_the_model(tmp_path, capsys):
    project = _template_file(tmp_path)
    assert main(["export", str(project), "--onnx", str(tmp_path / "m.onnx")]) == 0
    before = (tmp_path / "m.onnx").read_bytes()
    assert main(["import-onnx", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "m.onnx"), "--force"]) == 1
    assert main(["import-onnx", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "p2.json"),
                 "--weights-out", str(tmp_path / "m.onnx"), "--force"]) == 1
    assert (tmp_path / "m.onnx").read_bytes() == before


def test_gui_call_sites_keep_replacing_after_their_own_question(tmp_path):
    """The app asks before replacing; its calls say force=True so the interop default stays compatible."""
    from cnnrnn_studio.interop.onnx import export_onnx

    (tmp_path / "picked.onnx").write_text(NOTES)
    export_onnx(load_template("cnn1d_classifier"), tmp_path / "picked.onnx", force=True)
    assert (tmp_path / "picked.onnx").read_bytes()[:10] != NOTES.encode()[:10]


# --- B: reads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_torchrun_refuses_data_outside_the_project_folder(tmp_path, capsys, how):
    secret = tmp_path / "secret" / "secret.csv"
    folder = tmp_path / "a" / "b"
    if how == "dotdot":
        train = "../../secret/secret.csv"
        _table_project(folder, train=train)
    elif how == "absolute":
        _table_project(tmp_path / "secret", train="secret.csv")
        train = str(secret)
        _table_project(folder, train=train, write_data=False)
    else:
        _table_project(tmp_path / "secret", train="secret.csv")
        folder.mkdir(parents=True)
        os.symlink(secret, folder / "link.csv")
        train = "link.csv"
        _table_project(folder, train=train, write_data=False)
    assert secret.is_file()
    project = folder / "p.json"
    out = tmp_path / "job"
    assert main(["export", str(project), "--torchrun-script", str(out)]) == 1
    err = capsys.readouterr().err
    assert "outside the project's folder" in err and "--allow-outside-data" in err
    assert ("secret.csv" in err) or ("link.csv" in err)
    assert not out.exists()
    assert main(["export", str(project), "--torchrun-script", str(out), "--allow-outside-data"]) == 0
    assert (out / "data.npz").is_file()


def test_data_inside_the_project_folder_is_fine(tmp_path, capsys):
    project = _table_project(tmp_path / "proj", train="data/sub/table.csv")
    assert main(["export", str(project), "--torchrun-script", str(tmp_path / "job")]) == 0


def test_relative_data_paths_start_at_the_project_file_not_the_working_folder(tmp_path, monkeypatch, capsys):
    project = _table_project(tmp_path / "proj")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["check", str(project)]) == 0


def _studio_onnx_with_dataset(tmp_path: Path, dataset) -> Path:
    import onnx

    assert main(["export", str(_template_file(tmp_path)), "--onnx", str(tmp_path / "m.onnx")]) == 0
    proto = onnx.load(str(tmp_path / "m.onnx"))
    for entry in proto.metadata_props:
        if entry.key == "project":
            d = json.loads(json.loads(entry.value)) if entry.value.startswith('"') else json.loads(entry.value)
            d["dataset"] = dataset
            entry.value = json.dumps(d)
    onnx.save(proto, str(tmp_path / "crafted.onnx"))
    return tmp_path / "crafted.onnx"


@pytest.mark.parametrize("dataset", [
    {"kind": "file", "format": "csv", "train": "../../../../etc/passwd"},
    {"kind": "file", "train": "/etc/passwd", "test": "/etc/shadow"},
    {"kind": "weird", "train": "/etc/passwd"},
    "/etc/passwd",
])
def test_import_onnx_drops_a_file_dataset_from_the_metadata(tmp_path, capsys, dataset):
    crafted = _studio_onnx_with_dataset(tmp_path, dataset)
    assert main(["import-onnx", str(crafted), "-o", str(tmp_path / "imported.json")]) == 0
    out = capsys.readouterr().out
    assert "dataset" in out and "left out" in out
    saved = json.loads((tmp_path / "imported.json").read_text())
    assert "passwd" not in json.dumps(saved)


def test_import_onnx_keeps_a_builtin_dataset_name(tmp_path, capsys):
    crafted = _studio_onnx_with_dataset(tmp_path, {"kind": "builtin", "name": "basic_motions"})
    assert main(["import-onnx", str(crafted), "-o", str(tmp_path / "imported.json")]) == 0
    saved = json.loads((tmp_path / "imported.json").read_text())
    assert saved["dataset"] == {"kind": "builtin", "name": "basic_motions"}


@pytest.mark.parametrize("flag", ["--onnx", "--python"])
def test_a_fifo_or_device_target_is_never_replaced(tmp_path, capsys, flag):
    project = _template_file(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    assert main(["export", str(project), flag, str(tmp_path / "pipe"), "--force"]) == 1
    assert "FIFO" in capsys.readouterr().err
    assert os.path.exists(tmp_path / "pipe") and not (tmp_path / "pipe").is_file()


def test_a_fifo_as_weights_is_refused_without_blocking(tmp_path, capsys):
    project = _template_file(tmp_path)
    os.mkfifo(tmp_path / "w.safetensors")
    assert main(["export", str(project), "--onnx", str(tmp_path / "m.onnx"), "--weights",
                 str(tmp_path / "w.safetensors")]) == 1
    assert "FIFO" in capsys.readouterr().err and not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_import_onnx_names_a_fifo_or_device_for_what_it_is(tmp_path, capsys, special):
    if special == "fifo":
        source = tmp_path / "model.onnx"
        os.mkfifo(source)
    else:
        source = "/dev/zero"
    assert main(["import-onnx", str(source), "-o", str(tmp_path / "p.json")]) == 1
    err = capsys.readouterr().err
    assert ("FIFO" if special == "fifo" else "device") in err and "empty" not in err
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("flag", ["--python", "--onnx"])
def test_export_never_replaces_the_projects_own_data_even_with_force(tmp_path, capsys, flag):
    project = _table_project(tmp_path / "proj", train="data/table.csv")
    data = tmp_path / "proj" / "data" / "table.csv"
    before = data.read_bytes()
    assert main(["export", str(project), flag, str(data), "--force"]) == 1
    assert "own input" in capsys.readouterr().err
    assert data.read_bytes() == before
