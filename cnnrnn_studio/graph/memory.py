"""How much memory this machine has, and how much a network needs to train.

Pure Python (no psutil, no torch): the editor calls it after every edit. The estimate counts
float32 numbers (4 bytes each) and leaves out what torch and the data loader need on top, so
a network it refuses does not fit:

- weights: every parameter once;
- gradients: one number per parameter;
- optimizer state: two numbers per parameter (Adam's two moments, the default optimizer;
  SGD with momentum keeps one, so for SGD this over-counts by one copy of the weights);
- activations: every block's output for the whole batch, kept for the backward pass (the
  Output block passes its input on, so it adds none). A variable-length time axis counts as
  1 step (its length is not known before the data).

The batch size is the project's (its training settings, 64 by default) where the project is
known; a bare graph is estimated for one sample.

When the project trains on a CUDA GPU, the estimate is also compared with that GPU's memory. This
module never asks torch: the layer that knows the device passes the GPU's figure in
(`analyze(..., gpu_memory=...)`, from project/file.py `chosen_gpu_memory`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

BYTES_PER_NUMBER = 4          # float32
OPTIMIZER_COPIES = 2          # Adam: first and second moment per weight
FALLBACK_MEMORY = 8 * 1024**3  # when the machine does not say (8 GiB: a small laptop)


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key + ":"):
                    parts = line.split()
                    return int(parts[1]) * 1024  # the file says kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def machine_memory() -> int:
    """This machine's physical memory in bytes (/proc/meminfo, else sysconf, else 8 GiB)."""
    total = _meminfo("MemTotal")
    if total:
        return total
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and size > 0:
            return int(pages) * int(size)
    except (ValueError, OSError, AttributeError):
        pass
    return FALLBACK_MEMORY


def available_memory() -> int:
    """Memory a reader may still fill, in bytes: MemAvailable where the system says, else the
    physical memory (a reader refusing above that can never have fitted)."""
    return _meminfo("MemAvailable") or machine_memory()


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KB'; decimal-free for bytes, one decimal above (binary units, as the OS shows)."""
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1024 or unit == "EB":
            break
        n /= 1024
    if unit == "bytes":
        return f"{int(n)} bytes"
    return f"{n:.1f} {unit}" if abs(n) < 1024 else f"{n:.3g} {unit}"  # astronomically large: 1.69e+17 EB


@dataclass
class MemoryEstimate:
    """What training needs, in bytes, and which blocks need the most."""

    batch_size: int
    weights: int = 0
    gradients: int = 0
    optimizer: int = 0
    activations: int = 0
    per_block: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer + self.activations

    def largest(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.per_block.items(), key=lambda kv: -kv[1])[:n]

    def sentence(self, limit: int, where: str = "this machine's") -> str:
        """Why it cannot fit in `limit` bytes (`where`: whose memory, "this machine's" or "the chosen
        GPU's"), naming the largest blocks and the figures."""
        blocks = ", ".join(f"{bid} ({format_bytes(b)})" for bid, b in self.largest() if b > 0)
        per = "one sample" if self.batch_size == 1 else f"batch size {self.batch_size}"
        return (f"The network needs about {format_bytes(self.total)} of memory to train at {per}, more than "
                f"{where} {format_bytes(limit)} (weights {format_bytes(self.weights)}, gradients "
                f"{format_bytes(self.gradients)}, optimizer state {format_bytes(self.optimizer)}, activations "
                f"{format_bytes(self.activations)}). The largest blocks: {blocks}. Make them smaller (fewer "
                f"filters or units, a smaller input), or use a smaller batch size"
                + (", or train on the CPU." if "GPU" in where else "."))


def numel(dims) -> int:
    """Numbers in one sample of this shape; an open (None) axis counts as 1."""
    n = 1
    for d in dims:
        n *= 1 if d is None else int(d)
    return n


def estimate(order: list[str], param_counts: dict[str, int], output_numel: dict[str, int],
             batch_size: int) -> MemoryEstimate:
    """The training memory of the blocks in `order` (see the module doc for what is counted)."""
    est = MemoryEstimate(batch_size=batch_size)
    per_weight = BYTES_PER_NUMBER * (2 + OPTIMIZER_COPIES)  # weight, gradient, optimizer state
    for bid in order:
        p = param_counts.get(bid, 0)
        act = output_numel.get(bid, 0) * batch_size * BYTES_PER_NUMBER
        est.weights += p * BYTES_PER_NUMBER
        est.gradients += p * BYTES_PER_NUMBER
        est.optimizer += p * BYTES_PER_NUMBER * OPTIMIZER_COPIES
        est.activations += act
        est.per_block[bid] = p * per_weight + act
    return est
