import numpy as np
import torch

from cnnrnn_studio.data import load_dataset


def test_basic_motions_uses_the_archive_train_and_test_files():
    ds = load_dataset({"kind": "builtin", "name": "basic_motions"})
    assert (ds.kind, ds.task, ds.sample_shape) == ("sequence", "classification", (100, 6))
    assert len(ds.train) + len(ds.val) == 40 and len(ds.test) == 40
    assert len(ds.val) == 8  # 20 % of the training file, stratified
    assert ds.class_names == ["Standing", "Running", "Walking", "Badminton"]
    assert ds.meta["test_from"] == "file"
    assert np.bincount(ds.test.y.numpy()).tolist() == [10, 10, 10, 10]
    assert np.bincount(ds.val.y.numpy()).tolist() == [2, 2, 2, 2]
    assert ds.train.x.dtype == torch.float32 and ds.train.x.shape == (32, 100, 6)


def test_basic_motions_values_are_kept_as_in_the_ts_file():
    ds = load_dataset({"kind": "builtin", "name": "basic_motions"})
    # First line of BasicMotions_TRAIN.ts starts 0.079106,0.079106,-0.903497 in dimension 1 (class Standing).
    split = "train" if 0 in ds.meta["indices"]["train"] else "val"
    pos = ds.meta["indices"][split].index(0)
    sample = getattr(ds, split).x[pos]
    assert torch.allclose(sample[:3, 0], torch.tensor([0.079106, 0.079106, -0.903497]), atol=1e-6)
    assert ds.class_names[int(getattr(ds, split).y[pos])] == "Standing"
