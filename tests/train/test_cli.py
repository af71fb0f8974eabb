import json

from cnnrnn_studio import cli

from .helpers import make_project

DIGITS_SMALL = [
    ("input", "Input", {"kind": "image", "shape": [1, 8, 8]}),
    ("flatten", "Flatten", {}),
    ("dense", "Dense", {"out_features": 10}),
    ("output", "Output", {"task": "classification"}),
]


def _project(tmp_path, training=None):
    return make_project(DIGITS_SMALL, name="Small digits", dataset={"kind": "builtin", "name": "digits"},
                        training=training or {"epochs": 2, "batch_size": 64, "learning_rate": 0.01},
                        path=tmp_path / "small.json")


def test_train_json_prints_one_object_per_line(tmp_path, capsys):
    _project(tmp_path)
    code = cli.main(["train", str(tmp_path / "small.json"), "--json", "--epochs", "3", "--out",
                     str(tmp_path / "run"), "--seed", "1", "--batch-size", "32", "--lr", "0.02"])
    out = capsys.readouterr().out
    assert code == 0
    lines = [json.loads(l) for l in out.strip().splitlines()]   # every line is JSON, nothing else
    epochs, final = lines[:-1], lines[-1]
    assert [l["epoch"] for l in epochs] == [1, 2, 3]
    for l in epochs:
        assert {"epoch", "train_loss", "val_loss", "val_accuracy", "samples_per_s"} <= l.keys()
        assert l["samples_per_s"] > 0 and 0 <= l["val_accuracy"] <= 1
        assert l["lr"] == 0.02
    assert final["final"] is True and final["run_dir"] == str(tmp_path / "run")
    assert 0.8 < final["test_accuracy"] <= 1
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["config"]["seed"] == 1 and summary["config"]["batch_size"] == 32
    assert final["test_accuracy"] == summary["test"]["accuracy"]


def test_train_for_people_prints_a_line_per_epoch(tmp_path, capsys):
    _project(tmp_path)
    assert cli.main(["train", str(tmp_path / "small.json"), "--epochs", "2", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "Epoch 1/2 | loss" in out and "Epoch 2/2 | loss" in out
    assert "Training finished after 2 epoch(s): test accuracy" in out


def test_evaluate_rescores_a_saved_run(tmp_path, capsys):
    _project(tmp_path)
    assert cli.main(["train", str(tmp_path / "small.json"), "--json", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", str(tmp_path / "run"), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "run" / "evaluation.json").read_text())
    assert r["accuracy"] == saved["accuracy"] and r["confusion_matrix"] == saved["confusion_matrix"]
    assert r["n"] == 359
    assert cli.main(["evaluate", str(tmp_path / "run")]) == 0
    text = capsys.readouterr().out
    assert "Accuracy" in text and "precision" in text


def test_failures_exit_1_with_a_plain_message(tmp_path, capsys):
    _project(tmp_path, training={"epochs": 2, "learning_rate": -1})
    assert cli.main(["train", str(tmp_path / "small.json"), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Error: training.learning_rate must be a positive number" in captured.err
    assert cli.main(["train", str(tmp_path / "missing.json")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["evaluate", str(tmp_path)]) == 1
    assert "not a training run" in capsys.readouterr().err


def test_train_on_a_device_that_is_not_here(tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _project(tmp_path)
    assert cli.main(["train", str(tmp_path / "small.json"), "--device", "cuda", "--out", str(tmp_path / "r")]) == 1
    assert "training.device is cuda, but CUDA cannot be used here" in capsys.readouterr().err


def test_ctrl_c_stops_after_the_batch_and_keeps_the_run(tmp_path, capsys, monkeypatch):
    import signal

    from cnnrnn_studio.train import commands
    from cnnrnn_studio.train import events as ev

    class PressCtrlC(commands._JsonPrinter):
        def __call__(self, e):
            super().__call__(e)
            if isinstance(e, ev.EpochDone) and e.epoch == 1:
                signal.getsignal(signal.SIGINT)(signal.SIGINT, None)  # what Ctrl+C would call

    monkeypatch.setattr(commands, "_JsonPrinter", PressCtrlC)
    before = signal.getsignal(signal.SIGINT)
    _project(tmp_path)
    code = cli.main(["train", str(tmp_path / "small.json"), "--json", "--epochs", "5", "--out", str(tmp_path / "r")])
    captured = capsys.readouterr()
    assert code == 0
    final = json.loads(captured.out.splitlines()[-1])
    assert final["stopped_by_user"] and final["epochs_run"] == 1 and final["weights_epoch"] == 1
    assert "Stopping after this batch" in captured.err
    assert signal.getsignal(signal.SIGINT) is before
