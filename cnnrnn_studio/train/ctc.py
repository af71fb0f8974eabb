"""Connectionist temporal classification (Graves et al. 2006): reading an unaligned label sequence.

The network gives C scores at each of T steps, [B, T, C]. **Score index 0 is the blank** (torch's
default); index ``i + 1`` is symbol ``i``, the dataset's ``class_names[i]``, so C = symbols + 1.
Labels are symbol ids [B, L], padded with -1 after each sample's own label.

Training uses ``torch.nn.CTCLoss`` on ``log_softmax`` over C; every sample's input length is T (a
batch holds sequences of one length; see data.batching). Reading is greedy: the best score per
step, repeats collapsed, blanks dropped. A label of length L needs at least L steps plus one for
every repeated adjacent symbol (a blank must separate them): ``steps_needed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

BLANK = 0  # the score index of the blank; symbol i has index i + 1
PAD = -1   # the label padding (and the decoder's fill past a read sequence)
# Score a padded step gets when outputs of different lengths are stacked (evaluation of
# variable-length data): the blank, surely. Trailing sure blanks change neither the loss nor the
# greedy reading.
_PAD_SCORE = 1e4


def steps_needed(label: Sequence[int]) -> int:
    """Fewest steps that can spell ``label``: its length plus one blank per repeated neighbour."""
    label = [int(s) for s in label if int(s) != PAD]
    return len(label) + sum(1 for a, b in zip(label, label[1:]) if a == b)


def pad_scores(out: "torch.Tensor", steps: int) -> "torch.Tensor":
    """Per-step scores [B, t, C] padded to ``steps`` with sure-blank steps."""
    import torch

    extra = steps - out.shape[1]
    if extra <= 0:
        return out
    pad = torch.full((out.shape[0], extra, out.shape[2]), -_PAD_SCORE, dtype=out.dtype, device=out.device)
    pad[..., BLANK] = 0.0
    return torch.cat([out, pad], 1)


def greedy_decode(out: "torch.Tensor") -> "torch.Tensor":
    """Read scores [B, T, C]: symbol ids [B, T], each row's read symbols first, then -1.
    Best score per step, repeats collapsed, blanks dropped; on the scores' device, no host sync."""
    import torch

    best = out.argmax(-1)  # [B, T]
    prev = torch.nn.functional.pad(best, (1, 0), value=PAD)[:, :-1]
    keep = (best != BLANK) & (best != prev)
    t = best.shape[1]
    where = torch.where(keep, keep.cumsum(1) - 1, torch.full_like(best, t))
    read = torch.full((best.shape[0], t + 1), PAD, dtype=torch.long, device=best.device)
    read.scatter_(1, where, torch.where(keep, best - 1, torch.full_like(best, PAD)))
    return read[:, :t]


def exact_matches(read: "torch.Tensor", y: "torch.Tensor") -> "torch.Tensor":
    """Per sample: was the label [L] (padded with -1) read exactly? Bool [B], on the device."""
    import torch

    w = max(read.shape[1], y.shape[1])
    a = torch.nn.functional.pad(read, (0, w - read.shape[1]), value=PAD)
    b = torch.nn.functional.pad(y.to(read.dtype), (0, w - y.shape[1]), value=PAD)
    return (a == b).all(1)


def as_lists(ids: "torch.Tensor") -> list[list[int]]:
    """Rows of symbol ids padded with -1 as plain lists without the padding."""
    return [[v for v in row if v != PAD] for row in ids.tolist()]


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions turning a into b."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def character_error_rate(read: Sequence[Sequence], true: Sequence[Sequence]) -> float | None:
    """Sum of edit distances over sum of reference lengths (None without any reference symbol)."""
    total = sum(len(t) for t in true)
    if not total:
        return None
    return sum(edit_distance(r, t) for r, t in zip(read, true)) / total


def spell(ids: Sequence[int], symbols: Sequence[str] | None) -> str:
    """Symbol ids as text: the symbols joined (with spaces when any symbol is longer than one character)."""
    names = [symbols[i] if symbols and 0 <= i < len(symbols) else str(i) for i in ids]
    return ("" if all(len(n) == 1 for n in names) else " ").join(names)
