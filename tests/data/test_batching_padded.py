"""Padded batches of series of different lengths: the chosen batch size, similar lengths together,
zeros past each series' end, and every sample once per pass."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnrnn_studio.data import DataSplit
from cnnrnn_studio.data.batching import count_padded_batches, iter_padded_batches, padded_batch_indices


def _ragged_split(lengths, per_step=False):
    x = [torch.full((t, 3), float(i + 1)) for i, t in enumerate(lengths)]
    if per_step:
        longest = max(lengths, default=1)
        y = torch.stack([torch.cat([torch.zeros(t, dtype=torch.int64), torch.full((longest - t,), -1)])
                         for t in lengths]) if lengths else torch.zeros(0, 1, dtype=torch.int64)
        return DataSplit(x=x, y=y, per_step=True)
    return DataSplit(x=x, y=torch.arange(len(lengths)))


@settings(max_examples=60, deadline=None, database=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=40),
    batch_size=st.integers(min_value=1, max_value=9),
    shuffle=st.booleans(),
    merge=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_padded_batches_cover_every_sample_once_at_the_chosen_size(lengths, batch_size, shuffle, merge, seed):
    split = _ragged_split(lengths)
    seen, sizes = [], []
    for x, y, idx, n in iter_padded_batches(split, batch_size, shuffle, torch.Generator().manual_seed(seed),
                                            merge_single_last=merge):
        sizes.append(len(idx))
        assert n.tolist() == [lengths[i] for i in idx.tolist()]
        assert x.shape == (len(idx), max(n.tolist()), 3)
        for row, i in enumerate(idx.tolist()):
            t = lengths[i]
            assert torch.all(x[row, :t] == i + 1) and torch.all(x[row, t:] == 0)  # the sample, then zeros
        assert torch.equal(y, idx)
        seen += idx.tolist()
    assert sorted(seen) == list(range(len(lengths)))
    assert len(sizes) == count_padded_batches(split, batch_size, merge_single_last=merge)
    # every batch but one holds exactly batch_size (the leftover), or batch_size + 1 when merged
    assert sum(s != batch_size for s in sizes) <= 1
    assert max(sizes) <= batch_size + (1 if merge else 0)


def test_batches_hold_series_of_similar_length():
    lengths = [50, 3, 48, 4, 49, 5, 47, 6]
    parts = padded_batch_indices(_ragged_split(lengths), 4, shuffle=True, generator=torch.Generator().manual_seed(0))
    groups = sorted(sorted(lengths[i] for i in p.tolist()) for p in parts)
    assert groups == [[3, 4, 5, 6], [47, 48, 49, 50]]


def test_shuffling_is_seeded_and_changes_which_equal_lengths_meet():
    split = _ragged_split([5] * 12 + [9] * 12)

    def passes(seed):
        g = torch.Generator().manual_seed(seed)
        return [[p.tolist() for p in padded_batch_indices(split, 4, True, g)] for _ in range(2)]

    assert passes(1) == passes(1)
    first, second = passes(1)
    assert first != second                      # another pass, other batches
    for batches in (first, second):
        assert all(len({i >= 12 for i in b}) == 1 for b in batches)  # one length per batch here


def test_per_step_targets_are_cut_to_the_batch_and_padding_stays_marked():
    split = _ragged_split([2, 7, 4, 9], per_step=True)
    for x, y, idx, n in iter_padded_batches(split, 2):
        assert y.shape == (len(idx), x.shape[1])
        for row, t in enumerate(n.tolist()):
            assert torch.all(y[row, :t] == 0) and torch.all(y[row, t:] == -1)


def test_a_tensor_split_keeps_its_plain_slices_with_its_one_length():
    split = DataSplit(x=torch.randn(10, 6, 2), y=torch.arange(10))
    batches = list(iter_padded_batches(split, 4))
    assert [len(b[2]) for b in batches] == [4, 4, 2]
    assert all(torch.all(n == 6) for *_, n in batches)
