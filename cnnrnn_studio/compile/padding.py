"""Running a compiled network on a batch of padded sequences so that padding changes nothing.

A batch of series of different lengths is padded with zeros to its longest, with each sample's
real length. ``StudioModel.forward_padded`` walks the same plan as ``forward`` but runs each
block through one of the rules below, chosen once when the model is built from the block's
torch module (dispatch on module types, the blocks stay the one registry of what they are):

- per step (Dense, activations, Dropout, Softmax/LayerNorm over features, Embedding, Add and
  Concat on features, Multiply, anything applied frame by frame): real steps only ever see real steps;
  the padded steps are set back to zero after the block (a bias would make them non-zero, and
  the next convolution would read them).
- convolution and pooling over time: a real output step reads real steps and the zeros past the
  end, which is what the unpadded computation reads as its own zero padding; a max pool sees -inf
  there instead (torch's own padding for max), so a max never picks padding. The lengths follow
  torch's output-length formula, and the steps past them are zeroed again. An average pool with
  "round up" (ceil_mode) divides its last window by a count that padding would change: the network
  falls back to exact-length batches.
- recurrent blocks: torch's packed sequences, so the final state is the one after each sample's
  real last step (both directions), and per-step outputs past the end are zero.
- pooling over time (GlobalAvgPool / GlobalMaxPool on a sequence): mean over the real steps, max
  over the real steps.
- BatchNorm over a sequence: in training the batch statistics (and the running averages) count
  the real steps only; in evaluation the running statistics are per step anyway.

Anything else that meets a padded time axis (a BatchNorm on image sequences, a block this file
does not know) makes ``padding_problem`` name the block: the engine then batches by exact length.
The ONNX export and the generated Python code use the plain ``forward`` (unpadded sequences, or
batches of one length); none of this is part of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..blocks.modules import Add, Concat, FlattenFrom, GlobalPool, Multiply, Negate, OverTime, PerFrame, Recurrent

#: Modules that work on every step (or frame) on its own: the time axis passes through unchanged.
_PER_STEP = (nn.Linear, nn.Dropout, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.ReLU6, nn.SiLU,
             nn.Hardswish, nn.Hardsigmoid, nn.Embedding, nn.LayerNorm, nn.Identity)

#: A rule: (module, inputs, their lengths (None = no padded time axis)) -> (output, its lengths).
Rule = Callable[[nn.Module, list[torch.Tensor], list[torch.Tensor | None]],
                tuple[torch.Tensor, torch.Tensor | None]]


@dataclass(frozen=True)
class PaddingPlan:
    rules: list[Rule]
    problem: str | None  # why padding would change this network (None: it never does)


def step_mask(lengths: torch.Tensor, steps: int, device: torch.device) -> torch.Tensor:
    """[B, steps] bool: True at each sample's real steps."""
    return torch.arange(steps, device=device)[None, :] < lengths.to(device)[:, None]


def _zero_padding(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    mask = step_mask(lengths, x.shape[1], x.device)
    # where, not a product: a max pool leaves -inf past the end, and -inf * 0 is NaN
    return torch.where(mask.reshape(mask.shape + (1,) * (x.dim() - 2)), x, torch.zeros((), dtype=x.dtype,
                                                                                         device=x.device))


def _first_lengths(lengths: list[torch.Tensor | None]) -> torch.Tensor | None:
    return next((n for n in lengths if n is not None), None)


def _plain(mod: nn.Module, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    return mod(*xs), None


def _per_step(mod: nn.Module, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    n = _first_lengths(lengths)
    out = mod(*xs)
    return _zero_padding(out, n), n


def _window_lengths(inner: nn.Module, lengths: torch.Tensor) -> torch.Tensor:
    """torch's output length of a 1-d convolution or pooling for inputs of ``lengths`` steps."""
    def first(v):
        return v[0] if isinstance(v, (tuple, list)) else v

    k, s = first(inner.kernel_size), first(inner.stride)
    d = first(getattr(inner, "dilation", 1))
    p = first(inner.padding)
    ceil = bool(getattr(inner, "ceil_mode", False))
    if isinstance(p, str):  # 'same' (stride 1 only) keeps the length; 'valid' adds none
        if p == "same":
            return lengths.clone()
        p = 0
    span = lengths + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil:  # torch: the last window must start inside the input or its left padding
        out = torch.where((out - 1) * s >= lengths + p, out - 1, out)
    return out.clamp(min=1)


def _over_time(mod: nn.Module, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    n = lengths[0]
    x = xs[0]
    inner = mod.inner
    core = inner.inner if isinstance(inner, Negate) else inner
    if isinstance(core, nn.MaxPool1d):
        # Past the end the unpadded max pool sees its own -inf padding (or nothing): so must this one.
        far = float("inf") if isinstance(inner, Negate) else float("-inf")
        mask = step_mask(n, x.shape[1], x.device)[..., None]
        x = x.masked_fill(~mask, far)
    out = mod(x)
    n_out = _window_lengths(core, n)
    return _zero_padding(out, n_out), n_out


def _batch_norm_over_time(mod: nn.Module, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    """BatchNorm1d on [B, T, F] whose batch statistics count the real steps only."""
    bn: nn.BatchNorm1d = mod.inner
    x, n = xs[0], lengths[0]
    if not (bn.training or bn.running_mean is None):  # evaluation: per step, padding plays no part
        return _zero_padding(mod(x), n), n
    mask = step_mask(n, x.shape[1], x.device)[..., None].to(x.dtype)  # [B, T, 1]
    count = mask.sum()
    mean = (x * mask).sum((0, 1)) / count
    var = ((x - mean).pow(2) * mask).sum((0, 1)) / count
    if bn.track_running_stats and bn.running_mean is not None:
        with torch.no_grad():
            bn.num_batches_tracked.add_(1)
            m = (1.0 / float(bn.num_batches_tracked)) if bn.momentum is None else bn.momentum
            unbiased = var * count / (count - 1).clamp(min=1)
            bn.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
            bn.running_var.mul_(1 - m).add_(unbiased.detach(), alpha=m)
    out = (x - mean) / torch.sqrt(var + bn.eps)
    if bn.affine:
        out = out * bn.weight + bn.bias
    return out * mask, n


def _recurrent(mod: Recurrent, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    x, n = xs[0], lengths[0]
    packed = pack_padded_sequence(x, n.cpu(), batch_first=True, enforce_sorted=False)
    out, state = mod.rnn(packed)
    if mod.return_sequences:
        seq, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return seq, n
    h = state[0] if mod.cell == "LSTM" else state  # in the batch's own order (torch un-sorts it)
    if mod.bidirectional:
        return torch.cat((h[-2], h[-1]), dim=1), None
    return h[-1], None


def _global_pool_over_time(mod: GlobalPool, xs: list[torch.Tensor], lengths: list[torch.Tensor | None]):
    x, n = xs[0], lengths[0]
    mask = step_mask(n, x.shape[1], x.device)[..., None]
    if mod.mode == "avg":
        return (x * mask.to(x.dtype)).sum(1) / n.to(x.device, x.dtype)[:, None], None
    return x.masked_fill(~mask, float("-inf")).amax(1), None


def _rule(mod: nn.Module, timed: list[bool]) -> tuple[Rule | None, str | None]:
    """The rule for a block whose inputs do (True) or do not carry a padded time axis, or
    (None, why padding would change it)."""
    if not any(timed):
        return _plain, None
    if isinstance(mod, Recurrent):
        return _recurrent, None
    if isinstance(mod, GlobalPool):
        if mod.dims == (1,):
            return _global_pool_over_time, None
        return _per_step, None  # an image sequence's frames pooled one by one: time stays
    if isinstance(mod, OverTime):
        inner = mod.inner
        core = inner.inner if isinstance(inner, Negate) else inner
        if isinstance(core, nn.BatchNorm1d):
            return _batch_norm_over_time, None
        if isinstance(core, nn.AvgPool1d) and core.ceil_mode:
            return None, "an average pool over time that rounds up (ceil_mode) divides its last window by a count padding would change"
        if isinstance(core, (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d)):
            return _over_time, None
        return None, f"padding would change its {type(core).__name__}"
    if isinstance(mod, PerFrame):
        if isinstance(mod.inner, nn.modules.batchnorm._BatchNorm):
            return None, "batch normalization of image sequences would count the padded frames"
        return _per_step, None
    if isinstance(mod, nn.Softmax):
        return (_per_step, None) if mod.dim in (-1, 2) else (None, "its softmax runs over time")
    if isinstance(mod, FlattenFrom):
        return (_per_step, None) if mod.start_dim >= 2 else (None, "it flattens the time axis")
    if isinstance(mod, (Add, Concat)):
        if isinstance(mod, Concat) and mod.dim == 1:
            return None, "it joins on the time axis"
        if not all(timed):
            return None, "it mixes a padded sequence with an input that has no time axis"
        return _per_step, None
    if isinstance(mod, Multiply):
        # a vector without time scales every step alike (a gate); two sequences multiply step by step
        return _per_step, None
    if isinstance(mod, _PER_STEP):
        return _per_step, None
    return None, f"padding would change its {type(mod).__name__} over time"


def plan_padding(steps: list[tuple[str, nn.Module, tuple[int, ...]]], input_timed: bool,
                 block_of: dict[str, str]) -> PaddingPlan:
    """One rule per step of the model's plan (name, module, input slots), following which values
    carry the padded time axis; ``problem`` names the first block padding would change."""
    timed = [input_timed]
    rules: list[Rule] = []
    for name, mod, ins in steps:
        flags = [timed[i] for i in ins]
        rule, why = _rule(mod, flags)
        if rule is None:
            return PaddingPlan([], f"block {block_of.get(name, name)}: {why}")
        rules.append(rule)
        timed.append(rule is not _plain and rule not in (_global_pool_over_time,) and
                     not (rule is _recurrent and not mod.return_sequences))
    return PaddingPlan(rules, None)
