import pytest
import torch

from cnnrnn_studio.data import Dataset, DataSplit


def _ds():
    split = DataSplit(x=torch.zeros(4, 3), y=torch.tensor([0, 1, 0, 1]))
    ragged = DataSplit(x=[torch.zeros(2, 3), torch.zeros(5, 3)], y=torch.tensor([0, 1]))
    return Dataset(
        name="t",
        kind="vector",
        task="classification",
        sample_shape=(3,),
        train=split,
        val=ragged,
        test=split,
        class_names=["a", "b"],
        n_outputs=2,
    )


def test_split_length_and_lengths():
    ds = _ds()
    assert len(ds.train) == 4 and len(ds.val) == 2
    assert ds.val.is_variable_length and not ds.train.is_variable_length
    assert ds.val.lengths() == [2, 5] and ds.train.lengths() == [3, 3, 3, 3]


def test_summary_and_info():
    ds = _ds()
    assert ds.counts() == {"train": 4, "val": 2, "test": 4}
    assert "10 samples" in ds.summary() and "2 classes" in ds.summary()
    info = ds.to_info()
    assert info["sample_shape"] == [3] and info["counts"]["val"] == 2
    assert ds.split("test") is ds.test
    with pytest.raises(KeyError):
        ds.split("training")
    assert not ds.is_variable_length
