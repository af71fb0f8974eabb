"""How much each time step of the input still moves the loss: the vanishing gradient made visible.

For a network whose input has a time axis, the size of d(loss)/d(input at step t) for every step
t, on a few samples, once per epoch. A plain RNN over a long sequence shows the textbook picture:
the last steps get almost all of the gradient and the first ones next to nothing (each step back
multiplies it by the recurrent weights and tanh's slope, both below one), so it cannot learn what
happened early on. An LSTM's or GRU's gated memory keeps a path along which the gradient does not
shrink at every step, and the curve stays much flatter.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Callable

import torch

if TYPE_CHECKING:
    from ..data import DataSplit

TIME_KINDS = ("sequence", "image_sequence")
SAMPLES = 32


def first_samples(split: DataSplit, n: int = SAMPLES) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Up to n samples of one length (variable-length splits: the first bucket's)."""
    if len(split) == 0:
        return None
    if isinstance(split.x, list):
        from ..data import iter_batches

        xb, yb, _ = next(iter_batches(split, n, shuffle=False))
        return xb, yb
    return split.x[:n], split.y[:n]


def time_gradients(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                   loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> list[float]:
    """The L2 norm of d(loss)/d(x[:, t]) for each step t (batch and features summed), in eval mode.
    The parameters' own gradients are left untouched (torch.autograd.grad, not backward)."""
    x = x.detach().float().requires_grad_(True)
    was_training = model.training
    model.eval()
    # cuDNN's RNN kernels refuse a backward pass in eval mode; the plain kernels do it.
    flags = torch.backends.cudnn.flags(enabled=False) if x.device.type == "cuda" else nullcontext()
    try:
        with torch.enable_grad(), flags:
            out = model(x)
            loss = loss_fn(out.float(), y)
            (g,) = torch.autograd.grad(loss, x)
    finally:
        model.train(was_training)
    dims = (0,) + tuple(range(2, g.dim()))
    return g.float().pow(2).sum(dim=dims).sqrt().tolist()
