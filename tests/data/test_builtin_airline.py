import numpy as np
import pytest
import torch

from cnnrnn_studio.data import load_dataset


@pytest.fixture(scope="module")
def airline():
    return load_dataset({"kind": "builtin", "name": "airline"})


def test_airline_windows_and_split(airline):
    ds = airline
    assert (ds.kind, ds.task, ds.sample_shape, ds.n_outputs) == ("sequence", "regression", (12, 1), 1)
    assert len(ds.train) + len(ds.val) + len(ds.test) == 144 - 12
    assert len(ds.test) == 24
    assert ds.train.y.shape == (len(ds.train), 1) and ds.train.y.dtype == torch.float32


def test_airline_series_meta(airline):
    series = airline.meta["series"]
    assert len(series) == 144 and series[0] == 112 and series[-1] == 432
    assert airline.meta["test_start"] == 144 - 24
    assert airline.meta["dates"][0] == "1949-01" and airline.meta["dates"][-1] == "1960-12"


def test_airline_split_is_chronological(airline):
    rows = airline.meta["target_rows"]
    assert rows["train"] == list(range(12, 12 + len(airline.train)))
    assert max(rows["train"]) < min(rows["val"]) and max(rows["val"]) < min(rows["test"])
    assert rows["test"][0] == airline.meta["test_start"] and rows["test"][-1] == 143


def test_airline_targets_and_inputs_decode_to_the_series(airline):
    series = np.array(airline.meta["series"])
    mean, std = airline.meta["target_mean"][0], airline.meta["target_std"][0]
    y = airline.test.y[:, 0].numpy() * std + mean
    assert np.allclose(y, series[120:144], atol=1e-3)
    f_mean, f_std = airline.meta["feature_mean"][0], airline.meta["feature_std"][0]
    first_test_inputs = airline.test.x[0, :, 0].numpy() * f_std + f_mean
    assert np.allclose(first_test_inputs, series[108:120], atol=1e-3)


def test_airline_scaling_uses_training_rows_only(airline):
    series = np.array(airline.meta["series"])
    n_train = len(airline.train)
    seen_rows = series[: n_train - 1 + 12]  # the rows the training windows read
    assert airline.meta["feature_mean"][0] == pytest.approx(seen_rows.mean())
    train_targets = series[12 : 12 + n_train]
    assert airline.meta["target_mean"][0] == pytest.approx(train_targets.mean())
    assert airline.meta["target_std"][0] == pytest.approx(train_targets.std())


def test_airline_window_option():
    ds = load_dataset({"kind": "builtin", "name": "airline", "window": 6})
    assert ds.sample_shape == (6, 1)
    assert len(ds.train) + len(ds.val) + len(ds.test) == 144 - 6
    assert len(ds.test) == 24


def test_airline_same_regardless_of_seed():
    a = load_dataset({"kind": "builtin", "name": "airline"}, seed=1)
    b = load_dataset({"kind": "builtin", "name": "airline"}, seed=99)
    assert torch.equal(a.test.x, b.test.x) and torch.equal(a.train.y, b.train.y)
