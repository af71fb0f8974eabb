"""Mini-batches for the training engine.

A tensor split is cut into plain slices. A split whose x is a list of sequences of different
lengths is BUCKETED by exact length, so a batch never holds padding and padding can never change
a prediction (it also keeps the ONNX export free of pack_padded_sequence, which does not export).
Per-step targets are stored padded to the longest length; a bucket's batch gets them cut to its
own length, so they line up with the network's outputs step for step.
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
