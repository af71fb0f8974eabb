"""The losses the engine trains with, including the per-step ones that skip steps which do not count.

A per-step target marks a step that must not count (an unlabelled step, or padding past a
sample's own length) with -1 (classes) or NaN (numbers). The losses average over the counted
steps only, so how the samples are batched or padded never changes them.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import StudioError

IGNORED_CLASS = -1  # the data layer's mark for a class step that does not count


def _same_steps(out: torch.Tensor, y: torch.Tensor) -> None:
    if out.dim() < 3 or out.shape[:2] != y.shape[:2]:
        raise StudioError(
            f"The network gives {list(out.shape[1:-1]) or 'one'} step(s) per sample but the data has a target at "
            f"each of {y.shape[1]} steps: the time length must reach the Output unchanged (no pooling or "
            "striding over time, and 'Output every step' on the last recurrent block).")


class StepCrossEntropy(nn.Module):
    """Cross-entropy at every counted step: out [B, T, K] scores, y [B, T] class ids (-1 = skip)."""

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _same_steps(out, y)
        total = nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1),
                                            ignore_index=IGNORED_CLASS, reduction="sum")
        return total / (y != IGNORED_CLASS).sum().clamp(min=1)


class StepMSE(nn.Module):
    """Mean squared error over the counted steps: out and y [B, T, K], NaN in y = skip."""

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _same_steps(out, y)
        y = y.reshape(out.shape)
        known = ~torch.isnan(y)
        diff = torch.where(known, out - torch.nan_to_num(y), torch.zeros((), dtype=out.dtype, device=out.device))
        return diff.pow(2).sum() / known.sum().clamp(min=1)


class CTCLoss(nn.Module):
    """CTC loss (see train.ctc) for scores [B, T, C] (index 0 = blank, i + 1 = symbol i) and labels
    [B, L] of symbol ids padded with -1: torch's CTCLoss on log_softmax over C, 'mean' reduction
    (each sample's loss over its label length, averaged). Every sample's input length is T: a batch
    holds sequences of one length, or padded series whose steps past their ends the engine made
    sure blanks (blank_past_end), which leaves each one's loss as its own T_i steps give it. A T too short for a label gives no gradient (zero_infinity)
    instead of infinity; the fit check refuses that case before training when T is known."""

    def __init__(self) -> None:
        super().__init__()
        from .ctc import BLANK

        self.ctc = nn.CTCLoss(blank=BLANK, reduction="mean", zero_infinity=True)

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        from .ctc import PAD

        if out.dim() != 3:
            raise StudioError(f"CTC needs per-step scores [batch, T, C], but the network gives {list(out.shape)}: "
                              "end the network with a sequence (a recurrent block with 'Output every step', then "
                              "Dense).")
        logp = out.float().log_softmax(-1).transpose(0, 1)  # [T, B, C]
        known = y != PAD
        input_lengths = torch.full((out.shape[0],), out.shape[1], dtype=torch.long, device=out.device)
        targets = torch.where(known, y + 1, torch.zeros_like(y))  # symbol i is score index i + 1
        return self.ctc(logp, targets, input_lengths, known.sum(1))


def blank_past_end(out: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """CTC scores [B, T, C] of padded series with every step past a series' length (int64 [B])
    made a sure blank (train.ctc.pad_scores' fill): the CTC loss and the greedy reading of each
    series are then what its own T_i steps give."""
    from .ctc import BLANK, _PAD_SCORE

    past = torch.arange(out.shape[1], device=out.device)[None, :] >= lengths.to(out.device)[:, None]
    fill = torch.full((out.shape[2],), -_PAD_SCORE, dtype=out.dtype, device=out.device)
    fill[BLANK] = 0.0
    return torch.where(past[..., None], fill, out)


def make_loss(task: str, per_step: bool = False) -> nn.Module:
    """Cross-entropy for classes, mean squared error for numbers; per step when the data is; CTC
    for reading label sequences."""
    if task == "ctc":
        return CTCLoss()
    if per_step:
        return StepMSE() if task == "regression" else StepCrossEntropy()
    return nn.MSELoss() if task == "regression" else nn.CrossEntropyLoss()


def counted_steps(y: torch.Tensor, task: str) -> torch.Tensor:
    """True where a per-step target counts: [B, T] for classes, [B, T, K] for numbers."""
    return y != IGNORED_CLASS if task == "classification" else ~torch.isnan(y)


def step_hits(out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(steps predicted right, steps that count) for per-step classes, both device tensors."""
    known = y != IGNORED_CLASS
    return ((out.argmax(-1) == y) & known).sum(), known.sum()


def step_errors(out: torch.Tensor, y: torch.Tensor, scale: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean absolute error, root mean squared error) over the counted steps of per-step numbers,
    in the targets' own units when ``scale`` (their std) is given."""
    y = y.reshape(out.shape)
    known = ~torch.isnan(y)
    err = torch.where(known, out - torch.nan_to_num(y), torch.zeros((), dtype=out.dtype, device=out.device))
    if scale is not None:
        err = err * scale.reshape(-1)
    n = known.sum().clamp(min=1)
    return err.abs().sum() / n, (err.pow(2).sum() / n).sqrt()
