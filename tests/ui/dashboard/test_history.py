"""RunHistory: the GUI-side buffer that turns engine events into plot arrays (no Qt needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnrnn_studio.train import events as E
from cnnrnn_studio.ui.dashboard.history import RunHistory, Series


def started(epochs=2, batches=4, n_train=32) -> E.RunStarted:
    return E.RunStarted(run_dir="/tmp/run", epochs=epochs, batches_per_epoch=batches, device="cpu",
                        device_name="CPU", n_train=n_train, n_val=8, n_test=8, total_params=100,
                        task="classification", class_names=["a", "b"])


def done(epoch, val_loss=0.5, acc=0.8, grads=None) -> E.EpochDone:
    return E.EpochDone(epoch=epoch, epochs=2, train_loss=0.6, train_accuracy=0.7, val_loss=val_loss,
                       val_accuracy=acc, val_mae=None, val_rmse=None, samples_per_s=100.0, seconds=0.5, lr=0.01,
                       grad_norms=grads or {"conv1": 0.1, "dense": 1.0})


def test_series_grows_past_its_capacity():
    s = Series(capacity=2)
    for i in range(100):
        s.append(i)
    assert len(s) == 100
    assert s.view().tolist() == list(range(100))
    assert s.last() == 99


def test_batch_losses_get_one_x_each_and_a_smoothed_copy():
    h = RunHistory()
    h.add(started(), at=0.0)
    h.add(E.EpochStarted(epoch=1, epochs=2), at=0.0)
    h.add(E.BatchProgress(epoch=1, batch=2, batches=4, losses=[4.0, 2.0], samples_per_s=50.0, lr=0.1), at=1.0)
    h.add(E.BatchProgress(epoch=1, batch=4, batches=4, losses=[1.0, 1.0], samples_per_s=60.0, lr=0.1), at=2.0)
    assert h.batch_x.view().tolist() == [0.25, 0.5, 0.75, 1.0]
    assert h.batch_loss.view().tolist() == [4.0, 2.0, 1.0, 1.0]
    smooth = h.batch_loss_smooth.view()
    assert smooth[0] == pytest.approx(4.0)          # bias-corrected: the first value is the first loss
    assert 1.0 < smooth[-1] < 4.0 and np.all(np.diff(smooth) <= 0)
    assert h.progress_x.view().tolist() == [0.5, 1.0]
    assert h.throughput.view().tolist() == [50.0, 60.0]
    assert h.global_batch == 4


def test_epoch_rows_gradients_and_missing_metrics():
    h = RunHistory()
    h.add(started())
    h.add(done(1, val_loss=None))
    h.add(done(2, val_loss=0.4, grads={"conv1": 0.01, "dense": 2.0}))
    assert h.epoch_x.view().tolist() == [1, 2]
    assert math.isnan(h.val_loss.view()[0]) and h.val_loss.view()[1] == 0.4
    assert math.isnan(h.val_mae.view()[0])        # classification has no MAE: a gap, not a zero
    assert h.grad_norms == {"conv1": [(1, 0.1), (2, 0.01)], "dense": [(1, 1.0), (2, 2.0)]}


def test_states_and_elapsed_time_without_pauses():
    h = RunHistory()
    h.add(started(epochs=2, batches=4), at=10.0)
    assert h.state == "running" and h.active
    h.add(E.EpochStarted(epoch=1, epochs=2), at=10.0)
    h.add(E.BatchProgress(epoch=1, batch=2, batches=4, losses=[1.0, 1.0], samples_per_s=1.0, lr=0.1), at=12.0)
    h.add(E.Paused(epoch=1, batch=2), at=12.0)
    assert h.state == "paused"
    assert h.elapsed(now=100.0) == pytest.approx(2.0)   # the pause does not count
    h.add(E.Resumed(epoch=1, batch=2), at=20.0)
    assert h.elapsed(now=22.0) == pytest.approx(4.0)
    assert h.fraction_done() == pytest.approx(0.25)
    assert h.eta(now=22.0) == pytest.approx(12.0)       # 4 s for a quarter: 12 s left
    h.add(E.Finished(summary={"test": {"accuracy": 0.9}}, run_dir="/tmp/run", stopped_early=False,
                     stopped_by_user=True), at=23.0)
    assert h.state == "stopped" and not h.active and h.eta() is None
    assert h.summary["test"]["accuracy"] == 0.9


def test_failed_keeps_the_message_and_a_new_run_starts_clean():
    h = RunHistory()
    h.add(started())
    h.add(done(1))
    h.add(E.Failed(message="the loss became NaN", epoch=2, run_dir="/tmp/run"))
    assert h.state == "failed" and h.message == "the loss became NaN"
    rev = h.revision
    h.add(started())
    assert h.revision > rev                              # views see the new run even after a reset
    assert len(h.epoch_x) == 0 and h.state == "running" and h.message == ""


def test_measured_speed_from_event_stamps():
    h = RunHistory()
    h.add(started(epochs=10, batches=4, n_train=32), at=0.0)   # 8 samples per batch
    for k, t in ((1, 1.0), (2, 2.0), (4, 3.0), (6, 4.0)):
        ep, b = divmod(k - 1, 4)
        h.add(E.BatchProgress(epoch=ep + 1, batch=b + 1, batches=4, losses=[1.0], samples_per_s=1.0, lr=0.1), at=t)
    # skipping the first event: batches 2 -> 6 (4 batches, 32 samples) in 2 s
    assert h.measured_samples_per_s() == pytest.approx(16.0)
