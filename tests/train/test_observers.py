"""The epoch observers on their own: early stopping's rule and the run folder writer's files."""

import json

from torch import nn

from cnnrnn_studio.train.observers import EarlyStopping, EpochResult, RunFolderWriter
from cnnrnn_studio.train.runs import load_weights, read_metrics

from .helpers import vector_classifier


def _result(epoch, val_loss=None, train_loss=1.0):
    return EpochResult(epoch=epoch, lr=0.1, train_loss=train_loss, train_accuracy=0.5, samples_per_s=10.0,
                       train_seconds=1.0, val_seconds=0.5, val={} if val_loss is None else {"loss": val_loss})


def test_monitor_is_validation_loss_else_training_loss():
    assert _result(1, val_loss=0.3).monitor == 0.3
    assert _result(1, train_loss=0.7).monitor == 0.7


def test_early_stopping_says_stop_after_patience_epochs_without_a_lower_loss():
    model = nn.Linear(2, 1)
    early = EarlyStopping(patience=2)
    answers = []
    for epoch, loss in enumerate([1.0, 0.5, 0.6, 0.5, 0.7], start=1):
        nn.init.constant_(model.weight, float(epoch))
        answers.append(early.epoch_done(_result(epoch, val_loss=loss), model))
    assert answers == [False, False, False, True, True]   # 0.5 again is no improvement
    assert early.best_epoch == 2 and early.best_loss == 0.5
    assert early.best_state["weight"].eq(2.0).all()          # epoch 2's, copied: not the live weights


def test_run_folder_writer_keeps_the_folder_saying_what_happened(tmp_path):
    project = vector_classifier()
    model = project.build_model()
    folder = RunFolderWriter(project, tmp_path / "run")
    assert (folder.run_dir / "project.json").is_file()
    folder.run_started({"epochs": 3}, model)
    meta = load_weights(project.build_model(), folder.weights_path)
    assert (meta["epoch"], meta["which"]) == ("0", "last")   # the starting weights, before any epoch
    assert folder.epoch_done(_result(1, val_loss=0.4), model) is False   # the writer never stops a run
    assert [r["epoch"] for r in read_metrics(folder.run_dir / "metrics.csv")] == [1]
    assert load_weights(project.build_model(), folder.weights_path)["epoch"] == "1"
    folder.keep_best(model, 1)
    folder.failed("it broke", 2)
    summary = json.loads((folder.run_dir / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["failed_epoch"] == 2 and summary["epochs"] == 3
    assert summary["weights"] == {"epoch": 1, "which": "best"}
