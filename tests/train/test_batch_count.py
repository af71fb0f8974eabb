"""The number of batches the engine reports is the number it runs (one rule, in data/batching.py)."""

import pytest

from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train import train

from .helpers import Recorder, TrainForwardCounter, blobs, gru_classifier, variable_sequences, vector_classifier


@pytest.mark.parametrize("n_train, batch_size", [
    (96, 16),   # whole batches
    (97, 16),   # a last batch of one sample, folded into the one before
    (98, 16),   # a last batch of two
    (5, 1),     # batch size one: the last two samples share a batch
    (1, 4),     # a single sample: one batch, nothing to fold into
])
def test_reported_batches_are_the_batches_run(tmp_path, n_train, batch_size):
    p = vector_classifier(training={"epochs": 2, "batch_size": batch_size})
    counter = TrainForwardCounter(p)
    rec = Recorder()
    run = train(p, dataset=blobs(n_train=n_train), out=tmp_path / "run", listener=rec)
    (started,) = rec.of(ev.RunStarted)
    assert counter.calls == 2 * started.batches_per_epoch
    assert run.summary["batches_per_epoch"] == started.batches_per_epoch
    # each epoch's last progress event comes with its last batch
    last = {p.epoch: p for p in rec.of(ev.BatchProgress)}
    assert [(e.batch, e.batches) for e in last.values()] == [(started.batches_per_epoch,) * 2] * 2
    assert all(e.grad_norms for e in rec.of(ev.EpochDone))  # measured on the last batch


def test_reported_batches_are_the_batches_run_for_variable_lengths(tmp_path):
    p = gru_classifier(training={"epochs": 1, "batch_size": 5})
    counter = TrainForwardCounter(p)
    rec = Recorder()
    train(p, dataset=variable_sequences(n_train=49), out=tmp_path / "run", listener=rec)
    (started,) = rec.of(ev.RunStarted)
    assert counter.calls == started.batches_per_epoch
    assert rec.of(ev.BatchProgress)[-1].batch == started.batches_per_epoch
