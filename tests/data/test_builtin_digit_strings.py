"""The built-in 'digit_strings': rows of 2 to 6 real handwritten digits side by side, labelled with
the digit string (for CTC), or rows of exactly N digits labelled position by position."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataError, load_dataset, resources_dir
from cnnrnn_studio.data.synthetic import make_digit_strings


@pytest.fixture(scope="module")
def strings():
    return load_dataset({"kind": "builtin", "name": "digit_strings"})


def test_rows_of_two_to_six_digits_with_padded_labels(strings):
    ds = strings
    assert (ds.kind, ds.task, ds.sample_shape) == ("image", "ctc", (1, 8, 56))
    assert ds.class_names == [str(d) for d in range(10)] and ds.n_outputs == 11   # ten digits and the blank
    assert ds.counts() == {"train": 2400, "val": 600, "test": 600}
    for split in (ds.train, ds.val, ds.test):
        y = split.y
        assert y.shape[1] == 6 and y.dtype == torch.int64
        known = y != -1
        counts = known.sum(1)
        assert counts.min() == 2 and counts.max() == 6
        # the label comes first, the padding after it
        assert torch.equal(known, torch.arange(6)[None] < counts[:, None])
        assert y[known].min() >= 0 and y[known].max() <= 9
        assert 0 <= float(split.x.min()) and float(split.x.max()) <= 1


def _digit_patches(indices) -> set[bytes]:
    with np.load(resources_dir() / "digits.npz", allow_pickle=False) as z:
        images = z["X"].reshape(-1, 8, 8).astype(np.float32) / 16.0
    return {images[i].tobytes() for i in indices}


def _patches(image: torch.Tensor) -> set[bytes]:
    a = image[0].numpy()
    return {np.ascontiguousarray(a[:, c:c + 8]).tobytes() for c in range(a.shape[1] - 7)}


def test_test_rows_use_only_digit_images_no_training_row_uses(strings):
    test_ids = set(strings.meta["test_digit_images"])
    assert len(test_ids) == 359
    train_only = _digit_patches(set(range(1797)) - test_ids) - _digit_patches(test_ids)
    for x in strings.test.x:
        assert not (_patches(x) & train_only)
    # the same search finds the training digits in the training rows: the check can fail
    found = sum(bool(_patches(x) & train_only) for x in strings.train.x[:50])
    assert found >= 45


def test_labels_follow_the_digits_left_to_right():
    # Distinct flat "digits" (digit k is a block of value (k+1)/10) make the row readable by eye.
    digits = np.stack([np.full((8, 8), (k + 1) / 10, np.float32) for k in range(10)])
    x, y = make_digit_strings(digits, np.arange(10), n_samples=200, min_count=2, max_count=6, seed=3)
    assert x.shape == (200, 1, 8, 56)
    for image, label in zip(x, y):
        columns = image[0, 0]
        values = [round(v * 10) - 1 for v in columns if v > 0]
        read = [values[i] for i in range(0, len(values), 8)]   # every digit is 8 columns wide
        assert read == [d for d in label.tolist() if d != -1]
        # 0 to 2 blank columns between neighbours, never more
        ink = np.flatnonzero(columns > 0)
        gaps = np.diff(ink) - 1
        assert gaps.max(initial=0) <= 2


def test_fixed_length_rows_are_labelled_position_by_position():
    ds = load_dataset({"kind": "builtin", "name": "digit_strings", "length": 4})
    assert (ds.task, ds.per_step, ds.sample_shape) == ("classification", True, (1, 8, 40))
    assert ds.class_names == [str(d) for d in range(10)] and ds.n_outputs == 10
    assert ds.train.y.shape == (2400, 4) and int(ds.train.y.min()) >= 0
    # every digit appears at every position
    for pos in range(4):
        assert set(ds.train.y[:, pos].tolist()) == set(range(10))


def test_digit_strings_are_the_same_on_every_load_and_split_by_seed(strings):
    again = load_dataset({"kind": "builtin", "name": "digit_strings"})
    assert torch.equal(again.test.x, strings.test.x) and torch.equal(again.train.y, strings.train.y)
    other = load_dataset({"kind": "builtin", "name": "digit_strings"}, seed=5)
    assert torch.equal(other.test.x, strings.test.x)           # the test rows never change
    assert not torch.equal(other.train.y, strings.train.y)      # training and validation are re-split


def test_wrong_length_option_is_named():
    with pytest.raises(DataError, match="'length'.*1 to 6"):
        load_dataset({"kind": "builtin", "name": "digit_strings", "length": 7})
    with pytest.raises(DataError, match="'length'"):
        load_dataset({"kind": "builtin", "name": "digit_strings", "length": "four"})
    with pytest.raises(DataError, match="'digits'"):
        load_dataset({"kind": "builtin", "name": "digit_strings", "digits": 4})
