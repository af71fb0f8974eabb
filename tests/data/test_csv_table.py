import numpy as np
import pytest
import torch

from cnnrnn_studio.data import load_dataset


def _iris_like(n_per_class=20, header=True, delimiter=","):
    rng = np.random.default_rng(1)
    lines = [delimiter.join(["length", "width", "height", "species"])] if header else []
    for i in range(n_per_class * 3):
        c = i % 3
        values = rng.normal(loc=[c, 2 * c, 10], scale=0.1)
        lines.append(delimiter.join([f"{v:.3f}" for v in values] + [["setosa", "versicolor", "virginica"][c]]))
    return "\n".join(lines) + "\n"


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "train": str(path), **options}


def test_table_with_header_and_text_labels(write):
    ds = load_dataset(_spec(write("iris.csv", _iris_like())))
    assert (ds.kind, ds.task, ds.sample_shape) == ("vector", "classification", (3,))
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert len(ds.train) + len(ds.val) + len(ds.test) == 60
    assert ds.meta["feature_names"] == ["length", "width", "height"]
    assert np.bincount(ds.test.y.numpy()).tolist() == [4, 4, 4]


def test_features_are_standardised_with_train_statistics(write):
    ds = load_dataset(_spec(write("iris.csv", _iris_like())))
    assert torch.allclose(ds.train.x.mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(ds.train.x.std(0, unbiased=False), torch.ones(3), atol=1e-4)
    raw = load_dataset(_spec(write("iris.csv", _iris_like()), normalize=False))
    mean = torch.tensor(ds.meta["feature_mean"], dtype=torch.float32)
    std = torch.tensor(ds.meta["feature_std"], dtype=torch.float32)
    assert torch.allclose(ds.test.x * std + mean, raw.test.x, atol=1e-4)


def test_no_header_label_by_index_and_semicolons(write):
    path = write("semi.csv", _iris_like(header=False, delimiter=";"))
    ds = load_dataset(_spec(path, label_column=3))
    assert ds.class_names == ["setosa", "versicolor", "virginica"] and ds.sample_shape == (3,)


def test_label_column_by_name_and_feature_columns(write):
    path = write("iris.csv", _iris_like())
    ds = load_dataset(_spec(path, label_column="species", feature_columns=["width", 0]))
    assert ds.sample_shape == (2,) and ds.meta["feature_names"] == ["width", "length"]


def test_few_integer_labels_mean_classification(write):
    rows = ["a,b,label"] + [f"{i},{i % 5},{i % 3}" for i in range(30)]
    ds = load_dataset(_spec(write("ints.csv", "\n".join(rows))))
    assert ds.task == "classification" and ds.class_names == ["0", "1", "2"]


def test_many_numeric_labels_mean_regression(write):
    rows = ["x1,x2,price"] + [f"{i},{i * 2},{i * 3.5 + 1}" for i in range(40)]
    ds = load_dataset(_spec(write("prices.csv", "\n".join(rows))))
    assert ds.task == "regression" and ds.n_outputs == 1 and ds.train.y.shape[1] == 1
    mean, std = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    assert abs(float(ds.train.y.mean())) < 1e-5
    raw = ds.test.y[:, 0] * std + mean
    x1 = ds.test.x[:, 0] * ds.meta["feature_std"][0] + ds.meta["feature_mean"][0]
    assert torch.allclose(raw, x1 * 3.5 + 1, atol=1e-3)


def test_task_option_and_several_targets(write):
    rows = ["x,y1,y2"] + [f"{i},{i % 3},{i * 2}" for i in range(30)]
    path = write("multi.csv", "\n".join(rows))
    ds = load_dataset(_spec(path, label_column=["y1", "y2"]))
    assert ds.task == "regression" and ds.n_outputs == 2 and ds.train.y.shape[1] == 2
    assert len(ds.meta["target_mean"]) == 2
    ds = load_dataset(_spec(path, label_column="y1", task="regression"))
    assert ds.task == "regression" and ds.n_outputs == 1


def test_csv_test_file_is_the_test_split(write):
    write("train.csv", _iris_like(20))
    test = write("test.csv", _iris_like(5))
    ds = load_dataset({"kind": "file", "format": "csv", "train": "train.csv", "test": "test.csv"}, base_dir=test.parent)
    assert len(ds.test) == 15 and len(ds.train) + len(ds.val) == 60
    assert ds.meta["test_from"] == "file"


def test_gzipped_csv_without_header(tmp_path):
    import gzip

    rows = [",".join(str(v) for v in [i % 7, (i * 3) % 5, i % 2]) for i in range(40)]
    path = tmp_path / "small.csv.gz"
    path.write_bytes(gzip.compress("\n".join(rows).encode()))
    ds = load_dataset({"kind": "file", "format": "csv", "train": str(path)})
    assert ds.sample_shape == (2,) and ds.class_names == ["0", "1"]


@pytest.mark.parametrize("quoted", [True, False])
def test_quoted_cells_and_blank_lines(write, quoted):
    q = '"' if quoted else ""
    rows = ["a,b,label", ""] + [f"{i},{i + 1},{q}cls {i % 2}{q}" for i in range(20)] + ["", ""]
    ds = load_dataset(_spec(write("q.csv", "\n".join(rows))))
    assert ds.class_names == ["cls 0", "cls 1"]


def test_test_file_without_header_next_to_a_training_file_with_one(write):
    write("train.csv", _iris_like(20))
    test = write("test.csv", _iris_like(5, header=False))
    ds = load_dataset(
        {"kind": "file", "format": "csv", "train": "train.csv", "test": "test.csv", "label_column": "species"},
        base_dir=test.parent,
    )
    assert len(ds.test) == 15
