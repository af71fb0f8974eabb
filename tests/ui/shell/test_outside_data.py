"""A project whose data lies outside its folder (by '..', an absolute path or a link): the app shows
the full paths when it is opened and asks once; while the person has not allowed it, nothing
reads those files (the Data tab, training, the torchrun export), each saying why and how to allow."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project
from cnnrnn_studio.project.fit import load_project_dataset


def _csv(path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["a,b,c,d,label"] + [",".join(f"{v:.3f}" for v in rng.normal(size=4)) + f",c{i % 3}" for i in range(60)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    return path


def _project(folder: Path, train: str) -> Path:
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "input")
    g.add_block("Dense", {"out_features": 3}, "dense")
    g.add_block("Output", {"task": "classification"}, "output")
    g.add_link("input", "dense")
    g.add_link("dense", "output")
    folder.mkdir(parents=True, exist_ok=True)
    return Project(g, name="sent to me", dataset={"kind": "file", "format": "csv", "train": train},
                   training={"epochs": 1, "batch_size": 8}).save(folder / "p.json")


@pytest.fixture(params=["dotdot", "absolute", "symlink"])
def sent_project(request, tmp_path):
    """A project in tmp/a/b whose training file is tmp/secret/secret.csv, reached in one of three ways."""
    secret = _csv(tmp_path / "secret" / "secret.csv")
    folder = tmp_path / "a" / "b"
    if request.param == "dotdot":
        return _project(folder, "../../secret/secret.csv"), secret
    if request.param == "absolute":
        return _project(folder, str(secret)), secret
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "link.csv")
    return _project(folder, "link.csv"), secret


@pytest.fixture
def reads(monkeypatch):
    """Every dataset the data layer is asked to load (the spy calls the real loader)."""
    import cnnrnn_studio.data as data

    seen, real = [], data.load_dataset
    monkeypatch.setattr(data, "load_dataset", lambda spec, *a, **k: (seen.append(spec), real(spec, *a, **k))[1])
    return seen


def test_opening_asks_once_with_the_full_paths_and_a_refusal_reads_nothing(window, dialogs, sent_project, reads):
    project_file, secret = sent_project
    dialogs.outside_answer = False
    assert window.docs.open_path(project_file, ask=False)
    (files,) = dialogs.outside_asked
    (role, shown) = files[0]
    # the full location: the path as the project spells it, and where it leads when '..' or a link hides that
    assert role == "training file" and Path(shown.split(" (that is ")[0]).is_absolute()
    assert shown == str(secret) or shown.endswith(f" (that is {secret.resolve()})")
    project = window.editor.project
    with pytest.raises(StudioError) as e:
        load_project_dataset(project)
    assert "you chose not to let this project read" in str(e.value) and shown in str(e.value)
    assert "File → Data outside the project's folder…" in str(e.value)
    with pytest.raises(StudioError):  # a snapshot (what training and the Data tab get) keeps the answer
        load_project_dataset(project.copy())
    assert reads == []

    # asked once: opening it again uses the remembered answer
    window.act_new.trigger()
    assert window.docs.open_path(project_file, ask=False)
    assert len(dialogs.outside_asked) == 1
    with pytest.raises(StudioError):
        load_project_dataset(window.editor.project)
    assert reads == []


def test_the_data_tab_and_training_refuse_and_say_how_to_allow(window, dialogs, sent_project, reads, tmp_path, qtbot):
    from cnnrnn_studio.train import train

    project_file, _ = sent_project
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    dash = window.dashboard()
    dash.data_preview.load(window.editor.project, force=True)
    qtbot.waitUntil(lambda: not dash.data_preview.is_loading(), timeout=30000)
    assert dash.data_preview.dataset is None
    assert "you chose not to let this project read" in dash.data_preview.about.text()
    out = tmp_path / "runs"
    with pytest.raises(StudioError) as e:
        train(window.editor.project.copy(), out=out)
    assert "File → Data outside the project's folder…" in str(e.value)
    assert reads == []


def test_allowing_it_later_reads_the_data_and_is_remembered(window, dialogs, sent_project, reads):
    project_file, secret = sent_project
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    dialogs.outside_answer = True
    assert window.act_outside.text() == "Data outside the project's &folder…"
    window.act_outside.trigger()
    assert len(dialogs.outside_asked) == 2
    ds = load_project_dataset(window.editor.project)
    assert sum(ds.counts().values()) == 60 and len(reads) == 1
    window.act_new.trigger()
    window.docs.open_path(project_file, ask=False)
    assert len(dialogs.outside_asked) == 2  # the new answer is the remembered one
    load_project_dataset(window.editor.project)


def test_a_changed_outside_path_is_asked_about_again(window, dialogs, tmp_path):
    _csv(tmp_path / "secret" / "one.csv")
    _csv(tmp_path / "secret" / "two.csv")
    project_file = _project(tmp_path / "proj", "../secret/one.csv")
    window.docs.open_path(project_file, ask=False)
    window.docs.open_path(project_file, ask=False)
    assert len(dialogs.outside_asked) == 1
    _project(tmp_path / "proj", "../secret/two.csv")
    window.docs.open_path(project_file, ask=False)
    assert len(dialogs.outside_asked) == 2


def test_data_inside_the_folder_is_not_asked_about(window, dialogs, tmp_path, reads):
    _csv(tmp_path / "proj" / "data" / "table.csv")
    window.docs.open_path(_project(tmp_path / "proj", "data/table.csv"), ask=False)
    assert dialogs.outside_asked == [] and not window.editor.project.refused_data
    load_project_dataset(window.editor.project)
    assert len(reads) == 1
    window.act_outside.trigger()  # nothing to decide: says so
    assert "reads no data from outside its folder" in dialogs.infos[-1]


def test_the_torchrun_export_refuses_refused_data(window, dialogs, sent_project, tmp_path, reads):
    project_file, _ = sent_project
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    out = tmp_path / "job"
    assert window.model_io.export_torchrun(out)
    assert window.model_io.wait()
    assert dialogs.errors and "you chose not to let this project read" in dialogs.errors[-1][1]
    assert not (out / "data.npz").exists() and reads == []


def test_headless_answers_are_not_remembered(window, dialogs, sent_project, monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs as dlg

    project_file, _ = sent_project
    monkeypatch.setattr(dlg, "HEADLESS", True)
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    assert window.editor.project.refused_data
    monkeypatch.setattr(dlg, "HEADLESS", False)
    window.docs.open_path(project_file, ask=False)
    assert len(dialogs.outside_asked) == 2


def test_a_run_of_a_refused_project_does_not_read_the_data_either(window, dialogs, tmp_path, qtbot):
    from cnnrnn_studio.cli import main

    _csv(tmp_path / "secret" / "secret.csv")
    project_file = _project(tmp_path / "proj", "../secret/secret.csv")
    run_dir = tmp_path / "proj" / "runs" / "one"
    assert main(["train", str(project_file), "--out", str(run_dir)]) == 0  # made on the CLI, which reads it
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    dash = window.dashboard()
    dash.open_run(str(run_dir))
    qtbot.waitUntil(lambda: "cannot be shown" in dash.results.headline.text(), timeout=60000)
    assert "you chose not to let this project read" in dash.results.headline.text()


def test_the_live_data_check_reads_nothing_refused_and_follows_a_later_allow(window, dialogs, sent_project, reads,
                                                                             qtbot):
    project_file, secret = sent_project
    dialogs.outside_answer = False
    window.docs.open_path(project_file, ask=False)
    check = window.editor.data_check
    check.wait()
    qtbot.waitUntil(lambda: not check.loading, timeout=30000)
    assert reads == []                               # refused: the Design check never opened it
    dialogs.outside_answer = True
    window.act_outside.trigger()
    check.wait()
    qtbot.waitUntil(lambda: check.loaded is not None, timeout=60000)
    assert len(reads) == 1                           # allowed: read once, by the check
