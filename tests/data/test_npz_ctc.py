"""npz files for CTC (issue 11, item 5 contract): with the option "task": "ctc" an integer y [N, L]
is a label sequence per sample (symbol ids, padded with -1); the class names are the symbols (the
blank, score 0 of the network, is not one of them) and n_outputs is symbols + 1."""

import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataError, iter_batches, load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "npz", "train": str(path), "task": "ctc", **options}


def _labels(n=40, width=5, symbols=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.full((n, width), -1, np.int64)
    for i in range(n):
        k = int(rng.integers(1, width + 1))
        y[i, :k] = rng.integers(0, symbols, k)
    return y


def test_integer_label_sequences_padded_with_minus_one(tmp_path):
    x = np.random.default_rng(0).integers(0, 255, size=(40, 1, 6, 16)).astype(np.uint8)
    y = _labels()
    y[:, 0] = np.arange(40) % 3   # every symbol appears
    np.savez(tmp_path / "a.npz", X=x, y=y)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.2)
    assert ds.task == "ctc" and not ds.per_step and ds.kind == "image"
    assert ds.class_names == ["0", "1", "2"] and ds.n_outputs == 4
    for s in (ds.train, ds.val, ds.test):
        assert s.y.dtype == torch.int64 and s.y.shape[1] == 5 and not s.per_step
    together = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    order = ds.meta["indices"]["train"] + ds.meta["indices"]["val"] + ds.meta["indices"]["test"]
    assert torch.equal(together, torch.from_numpy(y[order]))     # the labels as written, padding kept
    assert ds.to_info()["task"] == "ctc" and "CTC" in ds.summary() and "blank" in ds.description


def test_class_names_name_the_symbols(tmp_path):
    x = np.zeros((20, 8, 2), np.float32)
    x[:, :, 0] = np.arange(20)[:, None]
    np.savez(tmp_path / "a.npz", X=x, y=_labels(20, symbols=2), class_names=np.array(["a", "b"]))
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert ds.class_names == ["a", "b"] and ds.n_outputs == 3 and ds.kind == "sequence"
    with pytest.raises(DataError, match="symbol 1.*1 class names.*blank"):
        load_dataset(_spec(tmp_path / "a.npz", class_names=["a"]), validation_split=0.0)


def test_variable_lengths_batch_with_their_whole_labels(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 12, 2)).astype(np.float32)
    lengths = rng.integers(6, 13, size=30)
    np.savez(tmp_path / "a.npz", X=x, y=_labels(30), lengths=lengths)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert ds.is_variable_length and ds.task == "ctc"
    for xb, yb, _ in iter_batches(ds.train, 4):
        assert yb.shape == (len(xb), 5)                           # labels are not cut to the time length


@pytest.mark.parametrize("y, match", [
    (np.array([[0, -1, 1]] * 10), "after the padding"),
    (np.array([[0, -2, -1]] * 10), "holds -2"),
    (np.zeros((10, 3, 2), np.int64), r"shape \[N, L\]"),
    (np.zeros((10, 3), np.float32), "whole-number"),
])
def test_bad_labels_are_refused_with_the_reason(tmp_path, y, match):
    np.savez(tmp_path / "a.npz", X=np.zeros((10, 4, 2), np.float32), y=y)
    with pytest.raises(DataError, match=match):
        load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)


def test_ctc_does_not_go_with_per_step(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.zeros((10, 4, 2), np.float32), y=_labels(10, width=4))
    with pytest.raises(DataError, match="per_step"):
        load_dataset(_spec(tmp_path / "a.npz", per_step=True), validation_split=0.0)
