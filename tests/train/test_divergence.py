import math

import pytest
import torch

from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.train import train
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train.runs import load_run, load_weights

from .helpers import (Recorder, TrainForwardCounter, blobs, linear_regression, same_state, state_copy,
                      vector_classifier, vector_regressor)

BATCHES = 6


def test_nan_loss_fails_naming_the_epoch_and_keeps_the_last_good_weights(tmp_path):
    p = vector_classifier(training={"epochs": 4, "batch_size": 16})
    snapshots = {}
    rec = Recorder()

    def listener(e):
        rec(e)
        if isinstance(e, ev.EpochDone):
            snapshots[e.epoch] = state_copy(counter.model)

    def on_call(n, out):
        if n == BATCHES + 2:  # epoch 2, batch 2: the network "diverges"
            return out * float("nan")

    counter = TrainForwardCounter(p, on_call)
    with pytest.raises(StudioError) as ei:
        train(p, dataset=blobs(), out=tmp_path / "run", listener=listener)
    msg = str(ei.value)
    assert "epoch 2" in msg and "NaN" in msg and "weights of epoch 1 are kept" in msg
    (failed,) = rec.of(ev.Failed)
    assert failed.epoch == 2 and failed.message == msg and failed.run_dir == tmp_path / "run"
    assert rec.names()[-1] == "Failed" and "Finished" not in rec.names()
    assert [e.epoch for e in rec.of(ev.EpochDone)] == [1]
    # On disk: epoch 1's weights, finite, and a summary that says what happened.
    fresh = p.build_model()
    meta = load_weights(fresh, tmp_path / "run" / "weights.safetensors")
    assert meta["epoch"] == "1" and same_state(state_copy(fresh), snapshots[1])
    run = load_run(tmp_path / "run")
    assert run.summary["status"] == "diverged" and run.summary["failed_epoch"] == 2
    assert run.summary["weights"] == {"epoch": 1, "which": "last"}
    assert "epoch 2" in run.summary["failed"]
    assert len(run.metrics) == 1
    assert all(torch.isfinite(v).all() for v in run.model.state_dict().values() if v.is_floating_point())


def test_a_huge_learning_rate_diverges_into_a_clear_failure(tmp_path):
    p = vector_regressor(training={"epochs": 5, "batch_size": 16, "optimizer": "sgd", "learning_rate": 1e6})
    rec = Recorder()
    with pytest.raises(StudioError, match=r"became NaN or infinite .* smaller learning rate \(now 1e\+06\)"):
        train(p, dataset=linear_regression(), out=tmp_path / "run", listener=rec)
    (failed,) = rec.of(ev.Failed)
    assert failed.epoch == 1
    assert "No epoch finished; the run folder keeps the starting weights." in failed.message
    # the starting weights are there and loadable
    run = load_run(tmp_path / "run")
    assert run.summary["weights"] == {"epoch": 0, "which": "last"} and run.metrics == []
    assert all(math.isfinite(float(v.abs().max())) for v in run.model.state_dict().values())


def test_an_unexpected_error_becomes_failed_not_a_hang(tmp_path):
    p = vector_classifier(training={"epochs": 2, "batch_size": 16})

    def on_call(n, out):
        if n == 3:
            raise RuntimeError("boom")

    TrainForwardCounter(p, on_call)
    rec = Recorder()
    with pytest.raises(StudioError, match="Training failed in epoch 1: RuntimeError: boom"):
        train(p, dataset=blobs(), out=tmp_path / "run", listener=rec)
    assert rec.names()[-1] == "Failed" and rec.of(ev.Failed)[0].epoch == 1


def test_a_listener_that_raises_ends_the_run_as_failed(tmp_path):
    rec = Recorder()

    def bad(e):
        rec(e)
        if isinstance(e, ev.EpochDone):
            raise ValueError("listener bug")

    with pytest.raises(StudioError, match="listener bug"):
        train(vector_classifier(training={"epochs": 3}), dataset=blobs(), out=tmp_path / "run", listener=bad)
    assert rec.names()[-1] == "Failed"


def test_out_of_memory_suggests_half_the_batch(tmp_path):
    p = vector_classifier(training={"epochs": 2, "batch_size": 16})

    def on_call(n, out):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    TrainForwardCounter(p, on_call)
    rec = Recorder()
    with pytest.raises(StudioError, match=r"The GPU ran out of memory with batch size 16; try 8\."):
        train(p, dataset=blobs(), out=tmp_path / "run", listener=rec)
    assert rec.of(ev.Failed)[0].epoch == 1
