"""Readers refuse silently wrong data: values too large to standardise, control characters in
labels, and splits that leave nothing to check the network on."""

import numpy as np
import pytest

from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.scaling import feature_stats, target_stats


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "train": str(path), **options}


def _rows(n=12, bad_line=None, bad_cell=""):
    lines = ["a,b,label"]
    for i in range(1, n + 1):
        lines.append(f"{i},{bad_cell if len(lines) + 1 == bad_line else i * 2},{'x' if i % 2 else 'y'}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e39", "-3.5e38"])
def test_csv_values_too_large_are_refused_with_line_and_column(write, refuses, value):
    path = write("huge.csv", _rows(bad_line=4, bad_cell=value))
    with refuses(rf"huge\.csv line 4, column 2: '{value}' is too large"):
        load_dataset(_spec(path))


def test_a_large_but_representable_value_still_loads(write):
    ds = load_dataset(_spec(write("big.csv", _rows(bad_line=4, bad_cell="1e30"))))
    assert np.isfinite(ds.train.x.numpy()).all()


def test_a_regression_target_too_large_is_refused(write, refuses):
    text = "a,t\n" + "".join(f"{i},{'1e308' if i == 3 else i * 0.5}\n" for i in range(1, 13))
    path = write("t.csv", text)
    with refuses(r"line 4, column 2: '1e308' is too large"):
        load_dataset(_spec(path, task="regression"))


@pytest.mark.parametrize("x", [np.array([[1.0, 2.0], [1e300, 3.0]]), np.array([[1.0, 2.0], [3.0, -1e200]]),
                               [np.array([[1.0, 2.0]]), np.array([[1.0, 2.0], [3.0, 1e300]])]])
def test_standardising_refuses_instead_of_making_nan(x):
    with pytest.raises(DataError, match=r"sample 2 of the training split, feature \d.*cannot be used"):
        feature_stats(x)


def test_target_stats_refuse_huge_targets():
    with pytest.raises(DataError, match="a target value: sample 1"):
        target_stats(np.array([[1e300], [1.0]]))


def test_ordinary_statistics_are_unchanged():
    mean, std = feature_stats(np.array([[1.0, 5.0], [3.0, 5.0]]))
    assert mean.tolist() == [2.0, 5.0] and std.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_a_label_are_refused_with_the_line(tmp_path, refuses, char):
    path = tmp_path / "ctl.csv"
    text = _rows().replace("7,14,x", f"7,14,x{char}")
    path.write_bytes(text.encode("utf-8"))
    with refuses(r"ctl\.csv line 8, column 3: the label .* control character"):
        load_dataset(_spec(path))


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\ufeff", "\u2066"])
def test_invisible_formatting_characters_in_a_label_are_refused_with_the_line(tmp_path, refuses, char):
    path = tmp_path / "fmt.csv"
    path.write_bytes(_rows().replace("7,14,x", f"7,14,x{char}y").encode("utf-8"))
    with refuses(r"fmt\.csv line 8, column 3: the label .* invisible formatting character U\+"):
        load_dataset(_spec(path))


def test_labels_with_joiners_still_load(write):
    family = "\U0001F468\u200d\U0001F469"   # an emoji sequence joined by U+200D
    text = "a,label\n" + "".join(f"{i},{family if i % 2 else 'solo'}\n" for i in range(12))
    assert sorted(load_dataset(_spec(write("zwj.csv", text))).class_names) == sorted([family, "solo"])


def test_labels_with_ordinary_text_still_load(write):
    text = "a,label\n" + "".join(f"{i},{'café au lait' if i % 2 else 'thé'}\n" for i in range(12))
    ds = load_dataset(_spec(write("ok.csv", text)))
    assert sorted(ds.class_names) == ["café au lait", "thé"]


@pytest.mark.parametrize("validation_split", [0.2, 0.0])
def test_three_rows_are_explained_before_training(write, refuses, validation_split):
    path = write("three.csv", "a,b,label\n1,2,x\n3,1,y\n4,5,x\n")
    with refuses(r"three\.csv: only 3 samples", "too few to keep any for validation or testing",
                 "test score would be '-'", "separate test file"):
        load_dataset(_spec(path), validation_split=validation_split)


def test_a_tiny_file_with_a_test_file_still_loads(write):
    train = write("train.csv", "a,b,label\n1,2,x\n3,1,y\n4,5,x\n")
    test = write("test.csv", "a,b,label\n1,2,x\n3,1,y\n")
    ds = load_dataset({**_spec(train), "test": str(test)})
    assert len(ds.test) == 2


def test_a_small_file_that_keeps_a_test_sample_still_loads(write):
    ds = load_dataset(_spec(write("six.csv", "a,b,label\n1,2,x\n3,1,y\n4,5,x\n6,2,y\n7,1,x\n8,8,y\n")))
    assert len(ds.test) >= 1


def test_a_value_beyond_float32_in_any_split_is_refused_even_without_standardising():
    from cnnrnn_studio.data.assemble import Pool, assemble

    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    x[7, 1] = 1e300
    with pytest.raises(DataError, match=r"an input value: sample \d+ of the (training|validation|test) split, "
                                        r"feature 2, is 1e\+300"):
        assemble(name="t", kind="vector", task="classification",
                 train=Pool(x=x, targets=["a", "b"] * 10, source="t.npz"), test=None, seed=0,
                 validation_split=0.2, standardize_inputs=False)
