from cnnrnn_studio.data import DataSplit
from cnnrnn_studio.train import train
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train.runs import load_weights

from .helpers import Recorder, TrainForwardCounter, blobs, same_state, state_copy, vector_classifier


def _contradicting():
    """Validation labels are the training rule reversed, so learning makes validation worse."""
    d = blobs(n_classes=2, n_features=2)
    d.val = DataSplit(d.val.x, 1 - d.val.y)
    return d


def test_early_stopping_ends_the_run_and_restores_the_best_epoch(tmp_path):
    p = vector_classifier(n_features=2, n_classes=2, training={
        "epochs": 30, "batch_size": 16, "learning_rate": 0.05, "early_stopping_patience": 2})
    snapshots = {}
    rec = Recorder()

    def listener(e):
        rec(e)
        if isinstance(e, ev.EpochDone):
            snapshots[e.epoch] = state_copy(counter.model)

    counter = TrainForwardCounter(p)
    run = train(p, dataset=_contradicting(), out=tmp_path / "run", listener=listener)
    val = [r["val_loss"] for r in run.metrics]
    best = 1 + val.index(min(val))
    assert run.summary["stopped_early"] and not run.summary["stopped_by_user"]
    assert len(run.metrics) == best + 2 < 30           # two epochs without improvement
    assert run.summary["best_epoch"] == best
    assert run.summary["weights"] == {"epoch": best, "which": "best"}
    assert same_state(state_copy(run.model), snapshots[best])
    fresh = p.build_model()
    assert load_weights(fresh, run.folder / "weights.safetensors")["which"] == "best"
    assert same_state(state_copy(fresh), snapshots[best])
    (f,) = rec.of(ev.Finished)
    assert f.stopped_early


def test_without_patience_all_epochs_run(tmp_path):
    p = vector_classifier(n_features=2, n_classes=2, training={"epochs": 4, "batch_size": 16, "learning_rate": 0.05})
    run = train(p, dataset=_contradicting(), out=tmp_path / "run")
    assert len(run.metrics) == 4 and not run.summary["stopped_early"]
    assert run.summary["weights"] == {"epoch": 4, "which": "last"}


def test_schedulers_change_the_learning_rate(tmp_path):
    lrs = {}
    for sched in ("none", "step", "cosine"):
        p = vector_classifier(training={"epochs": 6, "batch_size": 32, "learning_rate": 0.1, "scheduler": sched,
                                        "optimizer": "sgd"})
        run = train(p, dataset=blobs(), out=tmp_path / sched)
        lrs[sched] = [r["lr"] for r in run.metrics]
    assert lrs["none"] == [0.1] * 6
    assert lrs["step"] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001] or \
        [round(v, 8) for v in lrs["step"]] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    assert lrs["cosine"][0] == 0.1 and all(a > b for a, b in zip(lrs["cosine"], lrs["cosine"][1:]))


def test_plateau_halves_the_rate_when_validation_stalls(tmp_path):
    p = vector_classifier(n_features=2, n_classes=2, training={
        "epochs": 9, "batch_size": 16, "learning_rate": 0.05, "scheduler": "plateau"})
    run = train(p, dataset=_contradicting(), out=tmp_path / "run")
    lrs = [r["lr"] for r in run.metrics]
    assert lrs[0] == 0.05 and min(lrs) == 0.025


def test_grad_clip_and_other_optimizers_train(tmp_path):
    for opt in ("adamw", "sgd"):
        p = vector_classifier(training={"epochs": 8, "batch_size": 16, "optimizer": opt, "learning_rate": 0.05,
                                        "grad_clip": 0.5, "weight_decay": 0.001})
        run = train(p, dataset=blobs(), out=tmp_path / opt)
        assert run.metrics[-1]["train_loss"] < run.metrics[0]["train_loss"]
        assert run.evaluation["accuracy"] > 0.8
