import torch

from cnnrnn_studio.data import DataSplit
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train import train

from .helpers import Recorder, blobs, vector_classifier


def test_training_without_validation_data(tmp_path):
    d = blobs()
    d.val = DataSplit(torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64))
    rec = Recorder()
    run = train(vector_classifier(training={"epochs": 3, "batch_size": 16, "early_stopping_patience": 5,
                                            "scheduler": "plateau"}),
                dataset=d, out=tmp_path / "run", listener=rec)
    assert all(r["val_loss"] is None and r["val_accuracy"] is None for r in run.metrics)
    assert all(e.val_loss is None for e in rec.of(ev.EpochDone))
    assert (rec.of(ev.RunStarted)[0].n_val, len(run.metrics)) == (0, 3)
    # early stopping watched the training loss instead: it fell, so the last epoch is the best
    assert run.summary["best_epoch"] == 3


def test_a_last_batch_of_one_sample_is_folded_in(tmp_path):
    # 33 samples, batch 16: batches of 16 and 17, never a lone sample (BatchNorm cannot train on one)
    from .helpers import make_project

    p = make_project([
        ("input", "Input", {"kind": "vector", "shape": [4]}),
        ("dense1", "Dense", {"out_features": 8}),
        ("bn", "BatchNorm", {}),
        ("dense2", "Dense", {"out_features": 3}),
        ("output", "Output", {"task": "classification"}),
    ], training={"epochs": 1, "batch_size": 16})
    rec = Recorder()
    train(p, dataset=blobs(n_train=33), out=tmp_path / "run", listener=rec)
    assert rec.of(ev.RunStarted)[0].batches_per_epoch == 2
    assert sum(len(b.losses) for b in rec.of(ev.BatchProgress)) == 2
