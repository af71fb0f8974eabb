"""Runs on the same data, whatever network trained them: what the comparison of a CNN and an
LSTM lists."""

from __future__ import annotations

import json

from cnnrnn_studio.train.runs import RUN_FORMAT, dataset_key, list_runs


def _fake_run(folder, name, project_name, dataset, base_dir, created):
    d = folder / name
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "format": RUN_FORMAT, "version": 1, "status": "finished", "project_name": project_name,
        "created": created, "dataset": dataset, "base_dir": str(base_dir), "test": {"accuracy": 0.5}}))
    (d / "metrics.csv").write_text("epoch,train_loss\n1,0.5\n")
    (d / "project.json").write_text("{}")
    (d / "weights.safetensors").write_bytes(b"")
    return d


def test_the_same_file_named_from_two_folders_is_the_same_data(tmp_path):
    (tmp_path / "a").mkdir()
    spec_a = {"kind": "file", "format": "npz", "train": "../data/x.npz"}
    spec_b = {"kind": "file", "format": "npz", "train": str(tmp_path / "data" / "x.npz")}
    assert dataset_key(spec_a, tmp_path / "a") == dataset_key(spec_b, tmp_path / "b")
    assert dataset_key({"kind": "builtin", "name": "digits"}, None) != dataset_key(spec_b, None)


def test_same_data_lists_every_network_on_it(tmp_path, monkeypatch):
    from cnnrnn_studio.project import load_template

    monkeypatch.setenv("CNNRNN_STUDIO_DATA_DIR", str(tmp_path / "user"))
    runs = tmp_path / "user" / "runs"
    motions = {"kind": "builtin", "name": "basic_motions"}
    cnn = _fake_run(runs, "cnn", "1-D CNN", motions, tmp_path, "2026-01-01T10:00:00")
    lstm = _fake_run(runs, "lstm", "LSTM", motions, tmp_path, "2026-01-01T11:00:00")
    _fake_run(runs, "digits", "Digits CNN", {"kind": "builtin", "name": "digits"}, tmp_path, "2026-01-01T12:00:00")
    project = load_template("lstm_classifier")       # unsaved: its runs go to the per-user folder
    assert [i.folder for i in list_runs(project)] == []          # none is called like it
    project.name = "LSTM"
    assert [i.folder for i in list_runs(project)] == [lstm]
    assert [i.folder for i in list_runs(project, same_data=True)] == [lstm, cnn]   # newest first
