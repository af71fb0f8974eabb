"""Samples read from a memory-mapped file batch by batch, instead of held in memory as float32.

``MappedRows`` stands where a split's ``x`` tensor stands: ``x[idx]`` (an index tensor, a slice or
one position) gives float32 rows exactly as the in-memory tensor would (uint8 pixels divided by
255), read from the file only then. The whole float set is never made unless something asks for
it by name (``numpy()``, or a torch function called on the object itself, for tools and small
sets). ``prefetch_batches`` cuts the same batches as ``batching.batch_indices`` and gathers the
next ones on a background thread while the network trains on the current one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

    from .dataset import DataSplit

PREFETCH_DEPTH = 3  # batches gathered ahead of the one the network trains on
#: Inputs whose float32 numbers take more bytes than this are read from disk batch by batch (when
#: their reader can: image folders, uncompressed .npz images); smaller ones are held in memory,
#: which trains fastest.
STREAM_ABOVE = 256 * 2**20


def streams(float_bytes: int) -> bool:
    """Should inputs of this many float32 bytes stay on disk? Above STREAM_ABOVE, or when twice
    that (they are copied once more while the split is made) is more than the free memory."""
    from ..graph.memory import available_memory

    return float_bytes > STREAM_ABOVE or 2 * float_bytes > available_memory()


class MappedRows:
    """Rows ``rows`` of an on-disk array ``source`` [M, ...] (a numpy memmap), seen as a float32
    tensor [len(rows), ...]. uint8 sources are divided by 255 (pixels to [0, 1]); float sources
    are read as they are."""

    def __init__(self, source: np.ndarray, rows: np.ndarray | None = None, fill: Any = None) -> None:
        self.source = source
        self.rows = np.arange(len(source), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        self._scale = 255.0 if source.dtype == np.uint8 else None
        #: a cache_fill.CacheFill still decoding rows of ``source`` (None: every row is there); reading
        #: waits for the rows it needs
        self.fill = fill

    @property
    def filling(self) -> bool:
        """Are rows of the file still being decoded into it (in the background)?"""
        return self.fill is not None and not self.fill.complete

    # --- what a tensor tells about itself -----------------------------------------------------
    @property
    def shape(self) -> torch.Size:
        import torch

        return torch.Size((len(self.rows), *self.source.shape[1:]))

    @property
    def dtype(self) -> torch.dtype:
        import torch

        return torch.float32

    @property
    def device(self) -> torch.device:
        import torch

        return torch.device("cpu")

    @property
    def ndim(self) -> int:
        return self.source.ndim

    def dim(self) -> int:
        return self.source.ndim

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def __len__(self) -> int:
        return len(self.rows)

    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def element_size(self) -> int:
        return 4

    @property
    def disk_bytes(self) -> int:
        """Bytes of the file these rows take (what the OS may keep cached), not float32 bytes."""
        return len(self.rows) * int(np.prod(self.source.shape[1:], dtype=np.int64)) * self.source.itemsize

    # --- reading --------------------------------------------------------------------------------
    def subset(self, idx: Any) -> MappedRows:
        """The rows at positions ``idx`` of these rows, still on disk (nothing is read)."""
        return MappedRows(self.source, self.rows[np.asarray(idx, dtype=np.int64)], self.fill)

    def raw(self, positions: np.ndarray) -> np.ndarray:
        """Rows at ``positions`` (a 1-d integer array) as the file stores them (uint8 pixels stay
        0..255), read from the file now."""
        rows = self.rows[positions]
        if self.filling:
            self.fill.wait(rows)
        # Reading in file order touches each page once, in sequence; the batch order is put back after.
        order = np.argsort(rows, kind="stable")
        block = np.empty((len(rows), *self.source.shape[1:]), dtype=self.source.dtype)
        block[order] = self.source[rows[order]]
        return block

    def read(self, positions: np.ndarray) -> torch.Tensor:
        """float32 rows at ``positions`` (a 1-d integer array), read from the file now."""
        import torch

        t = torch.from_numpy(self.raw(positions))
        if self._scale is not None:
            return t.float().div_(self._scale)
        return t.float() if t.dtype != torch.float32 else t

    def __getitem__(self, key: Any) -> torch.Tensor:
        import torch

        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            n = len(self.rows)
            if not -n <= int(key) < n:
                raise IndexError(f"index {int(key)} is out of range for {n} samples")
            return self.read(np.array([int(key) % n]))[0]
        if isinstance(key, slice):
            return self.read(np.arange(len(self.rows))[key])
        if isinstance(key, torch.Tensor):
            key = key.cpu().numpy()
        key = np.asarray(key)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        return self.read(key.astype(np.int64).reshape(-1))

    def min_max_mean(self, chunk: int = 4096) -> tuple[float, float, float]:
        """The smallest, largest and mean value of these rows as read, a chunk at a time (never
        the whole set in memory at once)."""
        lo, hi, total, count = np.inf, -np.inf, 0.0, 0
        for start in range(0, len(self.rows), chunk):
            part = self.read(np.arange(start, min(start + chunk, len(self.rows))))
            lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
            total += float(part.double().sum())
            count += part.numel()
        return lo, hi, total / max(count, 1)

    def numpy(self) -> np.ndarray:
        """Every row as one float32 array (the whole set in memory: for small sets and exports)."""
        return self[:].numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def to_tensor(self) -> torch.Tensor:
        """Every row as one float32 tensor (the whole set in memory)."""
        return self[:]

    @classmethod
    def __torch_function__(cls, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        # torch.cat([split.x, ...]) and friends on a small set: read it whole, then do as asked.
        def real(a: Any) -> Any:
            if isinstance(a, MappedRows):
                return a.to_tensor()
            if isinstance(a, (list, tuple)):
                return type(a)(real(v) for v in a)
            return a

        return func(*real(tuple(args)), **{k: real(v) for k, v in (kwargs or {}).items()})

    def __repr__(self) -> str:
        return f"MappedRows({len(self.rows):,} rows of {tuple(self.source.shape[1:])} {self.source.dtype} on disk)"


def torch_cat_numpy(parts: list[torch.Tensor]) -> np.ndarray:
    """Index tensors joined into one numpy array (empty when there are none)."""
    return np.concatenate([p.numpy() for p in parts]) if parts else np.zeros(0, dtype=np.int64)


def is_streamed(split: DataSplit) -> bool:
    """Does this split read its inputs from disk batch by batch?"""
    return isinstance(split.x, MappedRows)


def prefetch_batches(
    split: DataSplit,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    *,
    merge_single_last: bool = False,
    pin_memory: bool = False,
    depth: int = PREFETCH_DEPTH,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """``iter_batches`` for a streamed split: the same batches in the same order (the same
    generator draws), each gathered from disk and converted to float32 on a background thread
    ``depth`` batches ahead. At most ``depth + 1`` batches exist at a time, whatever the split's
    size. Stopping early (``break``, an error) ends the thread."""
    from .batching import batch_indices

    order = batch_indices(split, batch_size, shuffle, generator, merge_single_last=merge_single_last)
    x = split.x
    if not isinstance(x, MappedRows):
        for idx in order:
            yield x[idx], split.y[idx], idx
        return
    if x.filling:  # the cache is still being decoded: decode in the order this pass reads it
        x.fill.prefer(x.rows[torch_cat_numpy(order)])
    slots: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    done = object()

    def gather() -> None:
        try:
            for idx in order:
                xb = x.read(idx.numpy())
                if pin_memory:
                    xb = xb.pin_memory()
                item: Any = (xb, idx)
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            slots.put(exc)
            return
        slots.put(done)

    worker = threading.Thread(target=gather, name="prefetch-batches", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            xb, idx = item
            yield xb, split.y[idx], idx
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.05)
