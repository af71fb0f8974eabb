"""Mini-batches for the training engine.

A tensor split is cut into plain slices. A split whose x is a list of sequences of different
lengths can be batched two ways:

- ``iter_batches`` / ``batch_indices``: BUCKETED by exact length, so a batch never holds padding.
  On a set where nearly every series has its own length the batches hold about one series each,
  whatever batch size the person chose; this is the fallback for networks that padding would
  change (see compile.model.StudioModel.padding_problem).
- ``iter_padded_batches`` / ``padded_batch_indices``: batches of the chosen size made of series of
  SIMILAR length (sorted by length, ties and batch order shuffled with the seeded generator),
  padded with zeros to the batch's longest, with each sample's real length. The model runs them
  with ``forward_padded`` so padding never changes an output (recurrent blocks are packed,
  pooling over time and BatchNorm statistics are masked, padded steps are re-zeroed).

Per-step targets are stored padded to the longest length (padding marked as not counting); a
batch gets them cut to its own (longest) length, so they line up with the network's outputs step
for step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .dataset import DataSplit

if TYPE_CHECKING:
    import torch


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")


def length_buckets(split: DataSplit) -> dict[int, list[int]]:
    """Sample indices grouped by sequence length, lengths ascending, indices ascending."""
    buckets: dict[int, list[int]] = {}
    for i, length in enumerate(split.lengths()):
        buckets.setdefault(length, []).append(i)
    return dict(sorted(buckets.items()))


def _merge_single_last(parts: list[torch.Tensor]) -> list[torch.Tensor]:
    # A last batch of one sample breaks BatchNorm in training mode; fold it into the previous one.
    if len(parts) > 1 and len(parts[-1]) == 1:
        import torch

        parts[-2:] = [torch.cat(parts[-2:])]
    return parts


def batch_indices(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    *,
    merge_single_last: bool = False,
) -> list[torch.Tensor]:
    """The sample indices of every batch of one pass, in the order they are used.

    ``merge_single_last`` (what training uses): a tensor split whose last batch would hold one
    sample folds it into the batch before, which then holds ``batch_size + 1``. A list split's
    length buckets are cut as they are, with or without it.
    """
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    _check_batch_size(batch_size)
    n = len(split)
    if not isinstance(split.x, list):
        if not n:
            return []
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        parts = list(torch.split(order, batch_size))
        return _merge_single_last(parts) if merge_single_last else parts
    batches: list[torch.Tensor] = []
    for members in length_buckets(split).values():
        idx = torch.tensor(members, dtype=torch.int64)
        if shuffle:
            idx = idx[torch.randperm(len(idx), generator=generator)]
        batches.extend(torch.split(idx, batch_size))
    if shuffle and batches:
        # Shuffle the order of the batches too, or every epoch would see short sequences first.
        batches = [batches[int(k)] for k in torch.randperm(len(batches), generator=generator)]
    return batches


def count_batches(split: DataSplit, batch_size: int, *, merge_single_last: bool = False) -> int:
    """How many batches ``batch_indices`` / ``iter_batches`` cut with the same arguments (for
    progress bars), without cutting them; independent of shuffling."""
    _check_batch_size(batch_size)
    if isinstance(split.x, list):
        return sum(-(-len(m) // batch_size) for m in length_buckets(split).values())
    n = len(split)
    k = -(-n // batch_size)
    last = n - (k - 1) * batch_size
    return k - 1 if merge_single_last and k > 1 and last == 1 else k


def padded_batch_indices(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    *,
    merge_single_last: bool = False,
) -> list[torch.Tensor]:
    """The sample indices of every batch of one padded pass: ``batch_size`` samples of similar
    length per batch (the last may hold fewer), so padding stays small.

    Without ``shuffle`` the samples are taken by length (ties in index order) and the batches come
    shortest first. With ``shuffle`` the samples are put in a random order before a stable sort by
    length (so which of the equal-length samples share a batch changes every pass) and the batches'
    order is shuffled. ``merge_single_last``: a batch of one sample (BatchNorm cannot train on
    one) is folded into its neighbour in length, which then holds ``batch_size + 1``. A tensor split
    gets ``batch_indices``' plain slices.
    """
    import torch

    _check_batch_size(batch_size)
    if not isinstance(split.x, list):
        return batch_indices(split, batch_size, shuffle, generator, merge_single_last=merge_single_last)
    n = len(split)
    if not n:
        return []
    lengths = torch.tensor(split.lengths(), dtype=torch.int64)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order[torch.sort(lengths[order], stable=True).indices]
    parts = list(torch.split(order, batch_size))
    if merge_single_last:
        parts = _merge_single_last(parts)
    if shuffle and parts:
        parts = [parts[int(k)] for k in torch.randperm(len(parts), generator=generator)]
    return parts


def count_padded_batches(split: DataSplit, batch_size: int, *, merge_single_last: bool = False) -> int:
    """How many batches ``padded_batch_indices`` cuts with the same arguments: as many as a tensor
    split of the same size gets."""
    _check_batch_size(batch_size)
    n = len(split)
    k = -(-n // batch_size)
    last = n - (k - 1) * batch_size
    return k - 1 if merge_single_last and k > 1 and last == 1 else k


def pad_sequences(xs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples [T_i, ...] stacked into [B, max T_i, ...], zeros after each one's end, and their
    lengths (int64 [B], on the CPU, where torch's packed sequences want them)."""
    import torch

    from torch.nn.utils.rnn import pad_sequence

    lengths = torch.tensor([int(t.shape[0]) for t in xs], dtype=torch.int64)
    return pad_sequence(xs, batch_first=True), lengths


def iter_padded_batches(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    *,
    merge_single_last: bool = False,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield ``(x_batch, y_batch, index_tensor, lengths)`` of ``padded_batch_indices``' batches:
    x padded with zeros to the batch's longest sample, ``lengths`` each sample's real length
    (int64, CPU). Per-step targets are cut to the batch's longest length; their steps past a
    sample's end are already marked as not counting. A tensor split's batches carry its one length.
    """
    import torch

    for idx in padded_batch_indices(split, batch_size, shuffle, generator, merge_single_last=merge_single_last):
        if isinstance(split.x, list):
            x_batch, lengths = pad_sequences([split.x[int(i)] for i in idx])
            y_batch = split.y[idx]
            if split.per_step:
                y_batch = y_batch[:, : x_batch.shape[1]]
        else:
            x_batch, y_batch = split.x[idx], split.y[idx]
            t = int(x_batch.shape[1]) if x_batch.dim() > 1 else 1
            lengths = torch.full((len(idx),), t, dtype=torch.int64)
        yield x_batch, y_batch, idx, lengths


def iter_batches(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    *,
    merge_single_last: bool = False,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield ``(x_batch, y_batch, index_tensor)``; each sample appears exactly once per pass.

    ``index_tensor`` (int64) holds the positions of the batch's samples in the split, so
    predictions can be put back in order. With ``shuffle`` the order comes from ``generator``
    (same generator state, same batches). ``merge_single_last``: see ``batch_indices``.
    """
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    for idx in batch_indices(split, batch_size, shuffle, generator, merge_single_last=merge_single_last):
        if isinstance(split.x, list):
            x_batch = torch.stack([split.x[int(i)] for i in idx])
            y_batch = split.y[idx]
            if split.per_step:
                y_batch = y_batch[:, : x_batch.shape[1]]
        else:
            x_batch = split.x[idx]
            y_batch = split.y[idx]
        yield x_batch, y_batch, idx
