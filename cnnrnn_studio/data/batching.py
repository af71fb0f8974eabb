"""Mini-batches for the training engine.

A tensor split is cut into plain slices. A split whose x is a list of sequences of different
lengths is BUCKETED by exact length, so a batch never holds padding and padding can never change
a prediction (it also keeps the ONNX export free of pack_padded_sequence, which does not export).
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


def _batch_index_lists(
    split: DataSplit, batch_size: int, shuffle: bool, generator: torch.Generator | None
) -> list[torch.Tensor]:
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    n = len(split)
    if not isinstance(split.x, list):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        return list(torch.split(order, batch_size)) if n else []
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


def count_batches(split: DataSplit, batch_size: int) -> int:
    """How many batches ``iter_batches`` yields (for progress bars); independent of shuffling."""
    _check_batch_size(batch_size)
    if not isinstance(split.x, list):
        return -(-len(split) // batch_size)
    return sum(-(-len(m) // batch_size) for m in length_buckets(split).values())


def iter_batches(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield ``(x_batch, y_batch, index_tensor)``; each sample appears exactly once per pass.

    ``index_tensor`` (int64) holds the positions of the batch's samples in the split, so
    predictions can be put back in order. With ``shuffle`` the order comes from ``generator``
    (same generator state, same batches).
    """
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    _check_batch_size(batch_size)
    for idx in _batch_index_lists(split, batch_size, shuffle, generator):
        if isinstance(split.x, list):
            x_batch = torch.stack([split.x[int(i)] for i in idx])
        else:
            x_batch = split.x[idx]
        yield x_batch, split.y[idx], idx
