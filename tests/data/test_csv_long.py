"""CSV in the long format (issue 11, point 5): one row per time step, a sequence id column, the
feature columns and a label at every step, read as per-step data. Rows of one sequence follow each
other (file order = step order); sequences may have different lengths (padding never counts)."""

import numpy as np
import pytest
import torch

import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.data import iter_batches, load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "mode": "long", "train": str(path), **options}


def _long_rows(lengths, seed=0, numeric_label=False, start=0):
    """Rows 'id,a,b,label' for sequences of the given lengths; the label says whether a rises."""
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for n, t in enumerate(lengths):
        sid = f"s{start + n}"
        a = rng.normal(size=t).round(3)
        b = rng.normal(size=t).round(3)
        labels = [f"{2 * v:.3f}" if numeric_label else ("up" if v > 0 else "down") for v in a]
        truth[sid] = (np.stack([a, b], 1), labels)
        rows += [f"{sid},{a[i]},{b[i]},{labels[i]}" for i in range(t)]
    return rows, truth


def test_sequences_of_different_lengths_become_per_step_classes(write):
    lengths = [3, 7, 5, 9, 4, 6, 8, 5, 3, 7, 6, 4, 9, 5, 8, 6, 7, 4, 5, 6]
    rows, truth = _long_rows(lengths)
    path = write("tags.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    ds = load_dataset(_spec(path, normalize=False), validation_split=0.0)
    assert ds.per_step and ds.kind == "sequence" and ds.task == "classification"
    assert ds.class_names == ["down", "up"] and ds.n_outputs == 2 and ds.sample_shape == (None, 2)
    assert ds.meta["feature_names"] == ["a", "b"] and ds.meta["sequence_ids"] == [f"s{i}" for i in range(20)]
    assert len(ds.train) + len(ds.test) == 20
    for split, idx in ((ds.train, ds.meta["indices"]["train"]), (ds.test, ds.meta["indices"]["test"])):
        for row, i in enumerate(idx):
            x, labels = truth[f"s{i}"]
            n = len(labels)
            assert torch.allclose(split.x[row], torch.tensor(x, dtype=torch.float32))  # steps in file order
            want = [ds.class_names.index(c) for c in labels]
            assert split.y[row, :n].tolist() == want
            assert (split.y[row, n:] == -1).all()              # padding never counts
    counted = sum(ds.meta["class_counts"]["train"]) + sum(ds.meta["class_counts"]["test"])
    assert counted == sum(lengths)
    for xb, yb, _ in iter_batches(ds.train, 4):               # targets line up with each batch's length
        assert yb.shape == xb.shape[:2]
    assert "20 sequences of 3 to 9 steps" in ds.description and "at every time step" in ds.summary()


def test_equal_lengths_give_one_array_and_a_named_label_column(write):
    rows, truth = _long_rows([6] * 12, seed=1)
    # label first, the id in the middle: columns chosen by name
    text = "tag,a,id,b\n" + "\n".join(f"{r.split(',')[3]},{r.split(',')[1]},{r.split(',')[0]},{r.split(',')[2]}"
                                       for r in rows) + "\n"
    path = write("fixed.csv", text)
    ds = load_dataset(_spec(path, sequence_column="id", label_column="tag"), validation_split=0.0)
    assert ds.sample_shape == (6, 2) and isinstance(ds.train.x, torch.Tensor)
    assert ds.train.y.shape == (len(ds.train), 6) and (ds.train.y >= 0).all()
    assert ds.meta["feature_names"] == ["a", "b"]


def test_numeric_labels_with_task_regression_are_per_step_numbers(write):
    rows, truth = _long_rows([4, 6, 5, 7, 4, 6, 5, 8, 6, 5], seed=2, numeric_label=True)
    path = write("values.csv", "id,a,b,value\n" + "\n".join(rows) + "\n")
    ds = load_dataset(_spec(path, task="regression", normalize=False), validation_split=0.0)
    assert ds.per_step and ds.task == "regression" and ds.n_outputs == 1
    mean, std = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    for row, i in enumerate(ds.meta["indices"]["train"]):
        x, labels = truth[f"s{i}"]
        n = len(labels)
        y = ds.train.y[row, :, 0]
        assert np.allclose(y[:n].numpy() * std + mean, [float(v) for v in labels], atol=1e-4)
        assert torch.isnan(y[n:]).all()


def test_a_test_file_in_the_long_format(write):
    rows, _ = _long_rows([5, 6, 7, 5, 6, 7, 5, 6], seed=3)
    t_rows, _ = _long_rows([4, 9, 5], seed=4, start=100)
    train = write("train.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    test = write("test.csv", "id,a,b,tag\n" + "\n".join(t_rows) + "\n")
    ds = load_dataset({**_spec(train), "test": str(test)}, validation_split=0.25)
    assert len(ds.test) == 3 and ds.meta["test_from"] == "file"
    assert [len(s) for s in ds.test.x] == [4, 9, 5]
    assert ds.test.y.shape[1] == ds.train.y.shape[1] == 9    # one padded width for both files


def _good(n=8):
    rows, _ = _long_rows([4] * n, seed=5)
    return rows


def test_an_empty_sequence_id_names_its_line(write, refuses):
    rows = _good()
    rows[5] = "," + rows[5].split(",", 1)[1]                 # line 7 (header is line 1)
    path = write("gap.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    with refuses(r"gap\.csv line 7, column 1", "sequence id is empty"):
        load_dataset(_spec(path))


def test_a_sequence_coming_back_after_another_names_its_line(write, refuses):
    rows = _good()
    rows[9] = "s0" + rows[9][2:]                              # s0's rows are lines 2-5; this is line 11
    path = write("mixed.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    with refuses(r"mixed\.csv line 11, column 1", "sequence 's0' comes back", "began at line 2",
                 "must follow each other"):
        load_dataset(_spec(path))


def test_a_non_number_feature_names_its_line_and_column(write, refuses):
    rows = _good()
    parts = rows[3].split(",")
    rows[3] = ",".join([parts[0], parts[1], "abc", parts[3]])  # line 5
    path = write("word.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    with refuses(r"word\.csv line 5, column 3", "'abc' is not a number", "'b'"):
        load_dataset(_spec(path))


def test_a_control_character_in_a_label_names_its_line(write, refuses):
    rows = _good()
    rows[6] = rows[6].rsplit(",", 1)[0] + ",up\x07"           # line 8
    path = write("ctrl.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    with refuses(r"ctrl\.csv line 8, column 4", "control character"):
        load_dataset(_spec(path))


def test_a_non_number_target_in_regression_names_its_line(write, refuses):
    rows, _ = _long_rows([4] * 8, seed=6, numeric_label=True)
    rows[10] = rows[10].rsplit(",", 1)[0] + ",many"           # line 12
    path = write("target.csv", "id,a,b,value\n" + "\n".join(rows) + "\n")
    with refuses(r"target\.csv line 12, column 4", "'many' is not a number"):
        load_dataset(_spec(path, task="regression"))


def test_a_test_label_never_seen_in_training_names_its_line(write, refuses):
    train = write("train.csv", "id,a,b,tag\n" + "\n".join(_good()) + "\n")
    t_rows, _ = _long_rows([3, 3], seed=7, start=50)
    t_rows[4] = t_rows[4].rsplit(",", 1)[0] + ",sideways"     # line 6
    test = write("test.csv", "id,a,b,tag\n" + "\n".join(t_rows) + "\n")
    with refuses(r"test\.csv line 6, column 4", "'sideways' does not occur in train\\.csv"):
        load_dataset({**_spec(train), "test": str(test)})


def test_a_sequence_too_long_for_memory_is_refused_before_padding(write, refuses, monkeypatch):
    rows, _ = _long_rows([3] * 10 + [400], seed=8)
    path = write("long.csv", "id,a,b,tag\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(memory, "available_memory", lambda: 4096)
    with refuses(r"long\.csv line 32", "sequence 's10' has 400 rows", "11 sequences", "Split the long sequence"):
        load_dataset(_spec(path))


@pytest.mark.parametrize("options, message", [
    ({"sequence_column": "id", "label_column": "id"}, "both the sequence id and the label"),
    ({"feature_columns": ["a", "tag"]}, "both a feature and the label"),
    ({"window": 5}, "unknown option 'window'"),
    ({"sequence_column": "nope"}, "no column 'nope'"),
])
def test_bad_options(write, refuses, options, message):
    path = write("ok.csv", "id,a,b,tag\n" + "\n".join(_good()) + "\n")
    with refuses(message):
        load_dataset(_spec(path, **options))
