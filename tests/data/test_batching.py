import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnrnn_studio.data import DataSplit, count_batches, iter_batches
from cnnrnn_studio.data.batching import batch_indices


def _tensor_split(n=23):
    return DataSplit(x=torch.arange(n * 2, dtype=torch.float32).reshape(n, 2), y=torch.arange(n))


def _ragged_split(lengths):
    x = [torch.full((t, 3), float(i)) for i, t in enumerate(lengths)]
    return DataSplit(x=x, y=torch.arange(len(lengths)))


def test_tensor_split_plain_slices_in_order():
    split = _tensor_split()
    batches = list(iter_batches(split, 5, shuffle=False))
    assert [len(b[2]) for b in batches] == [5, 5, 5, 5, 3]
    assert torch.equal(torch.cat([b[2] for b in batches]), torch.arange(23))
    for x, y, idx in batches:
        assert torch.equal(x, split.x[idx]) and torch.equal(y, split.y[idx])


def test_tensor_split_shuffle_is_a_seeded_permutation():
    split = _tensor_split()
    a = torch.cat([b[2] for b in iter_batches(split, 4, True, torch.Generator().manual_seed(3))])
    b = torch.cat([b[2] for b in iter_batches(split, 4, True, torch.Generator().manual_seed(3))])
    c = torch.cat([b[2] for b in iter_batches(split, 4, True, torch.Generator().manual_seed(4))])
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert sorted(a.tolist()) == list(range(23))


@settings(max_examples=60, deadline=None, database=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=6), min_size=0, max_size=40),
    batch_size=st.integers(min_value=1, max_value=9),
    shuffle=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_buckets_never_mix_lengths_and_cover_every_sample_once(lengths, batch_size, shuffle, seed):
    split = _ragged_split(lengths)
    seen = []
    n_batches = 0
    for x, y, idx in iter_batches(split, batch_size, shuffle, torch.Generator().manual_seed(seed)):
        n_batches += 1
        assert 1 <= len(idx) <= batch_size
        assert len({lengths[i] for i in idx.tolist()}) == 1  # one length per batch: no padding
        assert x.shape == (len(idx), lengths[int(idx[0])], 3)
        assert torch.equal(x[:, 0, 0], idx.float())  # each row is the sample it claims to be
        assert torch.equal(y, idx)
        seen += idx.tolist()
    assert sorted(seen) == list(range(len(lengths)))
    assert n_batches == count_batches(split, batch_size)


def test_shuffled_buckets_interleave_lengths():
    split = _ragged_split([2] * 20 + [5] * 20)
    order = [int(x.shape[1]) for x, _, _ in iter_batches(split, 4, True, torch.Generator().manual_seed(0))]
    assert order != sorted(order)  # not all short batches first


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError):
        list(iter_batches(_tensor_split(), bad))


@settings(max_examples=60, deadline=None, database=None)
@given(n=st.integers(min_value=0, max_value=40), batch_size=st.integers(min_value=1, max_value=9),
       merge=st.booleans())
def test_count_batches_counts_the_batches_cut(n, batch_size, merge):
    split = _tensor_split(n)
    parts = batch_indices(split, batch_size, True, torch.Generator().manual_seed(0), merge_single_last=merge)
    assert len(parts) == count_batches(split, batch_size, merge_single_last=merge)
    assert sorted(torch.cat(parts).tolist() if parts else []) == list(range(n))
    if merge and len(parts) > 1:
        assert len(parts[-1]) > 1  # no lone last sample for BatchNorm to choke on


def test_merge_single_last_folds_a_lone_last_sample():
    sizes = [len(b[2]) for b in iter_batches(_tensor_split(21), 5, merge_single_last=True)]
    assert sizes == [5, 5, 5, 6]
    assert [len(b[2]) for b in iter_batches(_tensor_split(21), 5)] == [5, 5, 5, 5, 1]
