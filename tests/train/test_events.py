import math

from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train import train

from .helpers import Recorder, blobs, vector_classifier, vector_regressor, linear_regression


def _run(tmp_path, epochs=2, batch_size=16):
    r = Recorder()
    p = vector_classifier(training={"epochs": epochs, "batch_size": batch_size})
    run = train(p, dataset=blobs(), out=tmp_path / "run", listener=r)
    return r, run


def test_events_come_in_order(tmp_path):
    r, _ = _run(tmp_path)
    names = r.names()
    assert names[0] == "RunStarted" and names[-1] == "Finished"
    # per epoch: EpochStarted, one or more BatchProgress, EpochDone
    body = names[1:-1]
    epochs = []
    for n in body:
        if n == "EpochStarted":
            epochs.append([])
        else:
            epochs[-1].append(n)
    assert len(epochs) == 2
    for e in epochs:
        assert e[-1] == "EpochDone" and set(e[:-1]) == {"BatchProgress"}


def test_run_started_describes_the_run(tmp_path):
    r, run = _run(tmp_path)
    (s,) = r.of(ev.RunStarted)
    assert (s.epochs, s.batches_per_epoch, s.n_train, s.n_val, s.n_test) == (2, 6, 96, 32, 30)
    assert s.device == "cpu" and s.device_name
    assert s.total_params == 4 * 8 + 8 + 8 * 3 + 3
    assert s.task == "classification" and s.class_names == ["c0", "c1", "c2"]
    assert s.run_dir == run.folder


def test_batch_progress_sends_every_batch_loss_once(tmp_path):
    r, run = _run(tmp_path)
    for epoch in (1, 2):
        progress = [e for e in r.of(ev.BatchProgress) if e.epoch == epoch]
        losses = [l for e in progress for l in e.losses]
        assert len(losses) == 6                       # every batch, exactly once
        assert progress[-1].batch == progress[-1].batches == 6
        assert [e.batch for e in progress] == sorted(e.batch for e in progress)
        done = [e for e in r.of(ev.EpochDone) if e.epoch == epoch][0]
        # 96 samples in 6 batches of 16: the epoch loss is the mean of the batch losses
        assert math.isclose(done.train_loss, sum(losses) / 6, rel_tol=1e-6)
        assert all(e.lr == 0.001 and e.samples_per_s > 0 for e in progress)


def test_epoch_done_content(tmp_path):
    r, run = _run(tmp_path)
    done = r.of(ev.EpochDone)
    assert [d.epoch for d in done] == [1, 2] and all(d.epochs == 2 for d in done)
    for d, row in zip(done, run.metrics):
        assert 0 <= d.train_accuracy <= 1 and 0 <= d.val_accuracy <= 1
        assert d.val_mae is None and d.val_rmse is None
        assert d.samples_per_s > 0 and d.seconds > 0
        assert set(d.grad_norms) == {"dense1", "dense2"}      # blocks with weights, by block id
        assert all(v > 0 and math.isfinite(v) for v in d.grad_norms.values())
        assert math.isclose(row["val_loss"], d.val_loss, rel_tol=1e-5)


def test_regression_epochs_report_mae_not_accuracy(tmp_path):
    r = Recorder()
    train(vector_regressor(training={"epochs": 2, "batch_size": 32}), dataset=linear_regression(),
          out=tmp_path / "run", listener=r)
    for d in r.of(ev.EpochDone):
        assert d.train_accuracy is None and d.val_accuracy is None
        assert d.val_mae > 0 and d.val_rmse >= d.val_mae


def test_finished_carries_the_summary(tmp_path):
    r, run = _run(tmp_path)
    (f,) = r.of(ev.Finished)
    assert f.run_dir == run.folder and f.summary == run.summary
    assert not f.stopped_early and not f.stopped_by_user
    assert f.summary["status"] == "finished"


def test_events_turn_into_plain_dicts(tmp_path):
    import json

    r, _ = _run(tmp_path, epochs=1)
    for e in r.events:
        d = e.to_dict()
        assert d["event"] == type(e).__name__
        json.dumps(d)


def test_a_list_of_listeners_all_hear(tmp_path):
    a, b = Recorder(), Recorder()
    train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=tmp_path / "run", listener=[a, b])
    assert a.names() == b.names() and a.names()[-1] == "Finished"
