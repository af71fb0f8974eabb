import pytest
import torch

from cnnrnn_studio.data import DataSplit, iter_batches
from cnnrnn_studio.train import train

from .helpers import gru_classifier, linear_regression, variable_sequences, vector_regressor


def test_regression_test_mae_is_in_original_units(tmp_path):
    ds = linear_regression(mean=100.0, std=10.0)
    run = train(vector_regressor(training={"epochs": 30, "batch_size": 16, "learning_rate": 0.01}), dataset=ds,
                out=tmp_path / "run")
    ev = run.evaluation
    with torch.no_grad():
        pred = run.model(ds.test.x)
    expected = (pred * 10 + 100 - (ds.test.y * 10 + 100)).abs().mean().item()
    assert ev["mae"] == pytest.approx(expected, rel=1e-5)
    assert ev["mae"] < 3.0                                  # learnt: the targets' spread is 10
    preds = [p[0] for p in ev["predictions"]]
    assert 80 < sum(preds) / len(preds) < 120                # original units, not standardised
    assert run.summary["test"]["mae"] == ev["mae"]
    last = run.metrics[-1]
    assert last["val_mae"] is not None and last["val_accuracy"] is None
    assert run.summary["target_scaling"] == {"mean": [100.0], "std": [10.0]}


def test_variable_length_sequences_train_and_a_sample_alone_predicts_as_in_a_batch(tmp_path):
    ds = variable_sequences()
    assert isinstance(ds.train.x, list)
    run = train(gru_classifier(training={"epochs": 3, "batch_size": 8}), dataset=ds, out=tmp_path / "run")
    assert len(run.metrics) == 3 and run.evaluation["n"] == len(ds.test)
    model = run.model
    with torch.no_grad():
        for xb, _, idx in iter_batches(ds.test, 4):
            batch_out = model(xb)
            for row, i in zip(batch_out, idx.tolist()):
                alone = model(ds.test.x[i][None])[0]
                assert torch.allclose(alone, row, atol=1e-5)
    assert run.evaluation["predictions"] == [int(model(x[None]).argmax()) for x in ds.test.x]


def test_a_fixed_length_sequence_dataset_trains_with_an_open_time_input(tmp_path):
    ds = variable_sequences()
    fixed = [torch.stack([x[:3] for x in s.x]) for s in (ds.train, ds.val, ds.test)]
    ds.train, ds.val, ds.test = (DataSplit(x, s.y) for x, s in zip(fixed, (ds.train, ds.val, ds.test)))
    ds.sample_shape = (3, 2)
    run = train(gru_classifier(training={"epochs": 1, "batch_size": 8}), dataset=ds, out=tmp_path / "run")
    assert run.summary["epochs_run"] == 1
