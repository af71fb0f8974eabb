import numpy as np
import pytest
import torch

from cnnrnn_studio.data import load_dataset


def _series_csv(n=60, with_label=False):
    lines = ["date,temp,humidity" + (",state" if with_label else "")]
    for i in range(n):
        row = f"2020-01-{i:03d},{i * 1.0},{100 - i}"
        if with_label:
            row += "," + ("warm" if (i // 10) % 2 else "cold")
        lines.append(row)
    return "\n".join(lines) + "\n"


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "mode": "timeseries", "train": str(path), **options}


def test_forecasting_windows(write):
    ds = load_dataset(_spec(write("weather.csv", _series_csv()), window=5, target_column="temp"))
    assert (ds.kind, ds.task, ds.sample_shape) == ("sequence", "regression", (5, 2))
    n = 60 - 5
    assert len(ds.train) + len(ds.val) + len(ds.test) == n
    assert len(ds.test) == 11  # 20 % of 55, rounded
    assert ds.meta["feature_names"] == ["temp", "humidity"]  # the date column is left out
    # window k reads rows k..k+4 and predicts temp of row k+5, which is k+5.
    y = ds.train.y[:, 0] * ds.meta["target_std"][0] + ds.meta["target_mean"][0]
    assert torch.allclose(y, torch.arange(len(ds.train)) + 5.0, atol=1e-4)
    assert ds.meta["test_start"] == 60 - 11 and len(ds.meta["series"]) == 60


def test_horizon_and_default_target(write):
    ds = load_dataset(_spec(write("w.csv", _series_csv()), window=4, horizon=3), validation_split=0.0)
    assert ds.meta["target_name"] == "humidity"  # the last number column by default
    y = ds.train.y[:, 0] * ds.meta["target_std"][0] + ds.meta["target_mean"][0]
    # window 0 reads rows 0..3; horizon 3 -> row 6, humidity 94
    assert float(y[0]) == pytest.approx(94.0, abs=1e-4)
    assert len(ds.train) + len(ds.test) == 60 - 4 - 3 + 1


def test_no_future_rows_in_the_scaling(write):
    ds = load_dataset(_spec(write("w.csv", _series_csv()), window=5, feature_columns=["temp"]))
    last_train_row = len(ds.train) - 1 + 5 - 1  # last row read by a training window
    assert ds.meta["feature_mean"][0] == pytest.approx(np.arange(last_train_row + 1).mean())


def test_classification_of_windows(write):
    ds = load_dataset(_spec(write("s.csv", _series_csv(with_label=True)), window=5, label_column="state"))
    assert ds.task == "classification" and ds.class_names == ["cold", "warm"]
    assert ds.sample_shape == (5, 2)
    assert len(ds.train) + len(ds.val) + len(ds.test) == 56
    # the first window ends on row 4 (cold), window 6 ends on row 10 (warm)
    assert ds.train.y[0] == 0 and ds.train.y[6] == 1


def test_test_file_for_timeseries(write):
    write("a.csv", _series_csv(50))
    test = write("b.csv", _series_csv(20))
    ds = load_dataset(
        {"kind": "file", "format": "csv", "mode": "timeseries", "train": "a.csv", "test": "b.csv", "window": 5},
        base_dir=test.parent,
    )
    assert len(ds.test) == 15 and len(ds.train) + len(ds.val) == 45
    assert ds.meta["test_start"] == 50 + 5 and len(ds.meta["series"]) == 70


def test_too_short_series(write, refuses):
    path = write("short.csv", _series_csv(8))
    with refuses(r"short\.csv has 8 rows", "window of 12"):
        load_dataset(_spec(path))


def test_horizon_with_label_column_is_refused(write, refuses):
    path = write("s.csv", _series_csv(with_label=True))
    with refuses("'horizon'"):
        load_dataset(_spec(path, label_column="state", horizon=2))
