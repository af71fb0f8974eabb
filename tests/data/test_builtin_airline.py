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


# ---- ahead: forecast each of the next N months (sequence to sequence) --------------------------

@pytest.fixture(scope="module")
def year_ahead():
    return load_dataset({"kind": "builtin", "name": "airline", "window": 24, "ahead": 12})


def test_ahead_gives_the_past_window_and_the_next_months_one_per_step(year_ahead):
    ds = year_ahead
    assert (ds.kind, ds.task, ds.per_step, ds.sample_shape, ds.n_outputs) == ("sequence", "regression", True,
                                                                              (24, 1), 1)
    for split in (ds.train, ds.val, ds.test):
        assert split.x.shape[1:] == (24, 1) and split.y.shape[1:] == (12, 1)
    series = np.array(ds.meta["series"])
    mean, std = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    f_mean, f_std = ds.meta["feature_mean"][0], ds.meta["feature_std"][0]
    for name in ("train", "val", "test"):
        split = ds.split(name)
        for i, first in enumerate(ds.meta["target_rows"][name]):
            assert np.allclose(split.y[i, :, 0].numpy() * std + mean, series[first:first + 12], atol=1e-3)
            assert np.allclose(split.x[i, :, 0].numpy() * f_std + f_mean, series[first - 24:first], atol=1e-3)


def test_ahead_never_shares_a_forecast_month_between_training_and_testing(year_ahead):
    rows = year_ahead.meta["target_rows"]
    fit_months = {m for name in ("train", "val") for first in rows[name] for m in range(first, first + 12)}
    test_months = {m for first in rows["test"] for m in range(first, first + 12)}
    assert max(fit_months) < 120 <= min(test_months) and max(test_months) == 143
    assert len(year_ahead.test) == 13                    # forecasts starting 1959-01 to 1960-01
    assert max(rows["train"]) < min(rows["val"])         # validation: the latest training windows


def test_ahead_options_are_checked():
    from cnnrnn_studio.data import DataError

    with pytest.raises(DataError, match="'ahead'.*at most 24"):
        load_dataset({"kind": "builtin", "name": "airline", "ahead": 30})
    with pytest.raises(DataError, match="'horizon' and 'ahead'"):
        load_dataset({"kind": "builtin", "name": "airline", "ahead": 12, "horizon": 3})
    with pytest.raises(DataError, match="'window'"):
        load_dataset({"kind": "builtin", "name": "airline", "ahead": 12, "window": 100})


def test_difference_cuts_the_windows_from_the_change_over_a_year(year_ahead):
    ds = load_dataset({"kind": "builtin", "name": "airline", "window": 24, "ahead": 12, "difference": 12})
    level = np.array(year_ahead.meta["series"])
    change = np.array(ds.meta["series"])
    assert len(change) == 132 and np.allclose(change, level[12:] - level[:-12])
    assert ds.meta["dates"][0] == "1950-01"
    mean, std = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    # the same test forecasts as without 'difference': the months of the last two years
    assert [r + 12 for r in ds.meta["target_rows"]["test"]] == year_ahead.meta["target_rows"]["test"]
    for i, first in enumerate(ds.meta["target_rows"]["test"]):
        month = first + 12
        # a forecast change plus the month a year before gives the month itself
        restored = ds.test.y[i, :, 0].numpy() * std + mean + level[month - 12:month]
        assert np.allclose(restored, level[month:month + 12], atol=1e-3)
    from cnnrnn_studio.data import DataError

    with pytest.raises(DataError, match="'difference' goes with 'ahead'"):
        load_dataset({"kind": "builtin", "name": "airline", "difference": 12})
    with pytest.raises(DataError, match="'difference'"):
        load_dataset({"kind": "builtin", "name": "airline", "ahead": 12, "difference": 30})
