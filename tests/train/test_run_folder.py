import csv
import json

import pytest
import torch

from cnnrnn_studio.project import Project
from cnnrnn_studio.train import delete_run, list_runs, load_run, train
from cnnrnn_studio.train.runs import METRIC_COLUMNS, RunError

from .helpers import blobs, vector_classifier


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "run"
    return train(vector_classifier(training={"epochs": 3, "batch_size": 16}), dataset=blobs(), out=out)


def test_the_folder_holds_the_five_files(run):
    names = sorted(p.name for p in run.folder.iterdir())
    assert names == ["evaluation.json", "metrics.csv", "project.json", "summary.json", "weights.safetensors"]


def test_metrics_csv_has_one_row_per_epoch(run):
    with open(run.folder / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == METRIC_COLUMNS
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert all(r["val_mae"] == "" for r in rows)  # classification: no MAE
    assert float(rows[-1]["train_loss"]) == pytest.approx(run.metrics[-1]["train_loss"])


def test_summary_says_what_happened(run):
    s = json.loads((run.folder / "summary.json").read_text())
    assert s["format"] == "cnnrnn-studio-run" and s["status"] == "finished"
    assert s["epochs_run"] == 3 and s["weights"] == {"epoch": 3, "which": "last"}
    assert s["task"] == "classification" and s["class_names"] == ["c0", "c1", "c2"]
    assert s["device"] == "cpu" and s["total_params"] == 67
    assert s["test"]["accuracy"] == run.evaluation["accuracy"]
    assert s["config"]["batch_size"] == 16 and s["created"] and s["finished"]
    assert not s["stopped_early"] and not s["stopped_by_user"]
    assert s["timings"]["train_seconds"] > 0


def test_project_snapshot_reads_back(run):
    p = Project.from_dict(json.loads((run.folder / "project.json").read_text()))
    assert [b.id for b in p.graph.blocks] == ["input", "dense1", "relu1", "dense2", "output"]


def test_weights_load_back_to_identical_outputs(run):
    back = load_run(run.folder)
    x = blobs().test.x
    assert not back.model.training
    with torch.no_grad():
        assert torch.equal(back.model(x), run.model(x))
    assert back.metrics == run.metrics
    assert back.evaluation == json.loads((run.folder / "evaluation.json").read_text())
    assert back.summary["epochs_run"] == 3


def test_weights_that_do_not_fit_are_explained(run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run.folder, copy)
    d = json.loads((copy / "project.json").read_text())
    for b in d["blocks"]:
        if b["id"] == "dense1":
            b["params"]["out_features"] = 5
    (copy / "project.json").write_text(json.dumps(d))
    from cnnrnn_studio.errors import StudioError

    with pytest.raises(StudioError) as ei:
        load_run(copy)
    msg = str(ei.value)
    assert "do not fit this network" in msg and "dense1.weight: file has [8,4], model needs [5,4]" in msg


def test_list_and_delete_runs(tmp_path):
    from cnnrnn_studio.train.runs import RunInfo

    runs = tmp_path / "runs"
    a = train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=runs / "a")
    b = train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=runs / "b")
    # make 'a' the newer one
    s = json.loads((a.folder / "summary.json").read_text())
    s["created"] = "2999-01-01T00:00:00+00:00"
    (a.folder / "summary.json").write_text(json.dumps(s))
    (runs / "not-a-run").mkdir()
    infos = list_runs(runs)
    assert [i.name for i in infos] == ["a", "b"]
    assert isinstance(infos[0], RunInfo) and infos[0].status == "finished" and infos[0].epochs_run == 1
    assert infos[1].test["accuracy"] == b.evaluation["accuracy"]
    delete_run(b.folder)
    assert not b.folder.exists() and [i.name for i in list_runs(runs)] == ["a"]
    with pytest.raises(RunError, match="not a training run"):
        delete_run(runs / "not-a-run")
    assert (runs / "not-a-run").exists()


def test_load_run_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(RunError, match="not a training run"):
        load_run(tmp_path)
    with pytest.raises(RunError, match="no run folder"):
        load_run(tmp_path / "missing")


def test_out_folder_with_a_run_is_not_overwritten(run):
    with pytest.raises(RunError, match="already holds a training run"):
        train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=run.folder)
