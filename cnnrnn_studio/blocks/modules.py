"""Small torch modules that give the blocks their per-kind behaviour.

Tensors between blocks keep the layout the person sees, with the batch axis in front:
vector [B,F], image [B,C,H,W], sequence [B,T,F], image sequence [B,T,C,H,W], tokens [B,T].
These wrappers adapt torch's own layers to that (a Conv1d over time on [B,T,F], a Conv2d on
every frame of [B,T,C,H,W]) so nobody has to insert a transpose. Every module here is
traceable by torch.onnx and by torch.fx.
"""

from __future__ import annotations

import torch
from torch import nn


class OverTime(nn.Module):
    """Apply a channels-first 1-d layer (Conv1d, pools, BatchNorm1d) to a [B,T,F] sequence."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x.transpose(1, 2)).transpose(1, 2)


class PerFrame(nn.Module):
    """Apply an image layer to every frame of a [B,T,C,H,W] image sequence (time kept)."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.shape[0], x.shape[1]
        y = self.inner(x.flatten(0, 1))
        return y.reshape((b, t) + tuple(y.shape[1:]))


class Negate(nn.Module):
    """min-pool = -maxpool(-x): wraps a max pool (so stride/padding rules stay torch's)."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.inner(-x)


class GlobalPool(nn.Module):
    def __init__(self, mode: str, dims: tuple[int, ...]):
        super().__init__()
        self.mode = mode
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "avg":
            return x.mean(dim=self.dims)
        return x.amax(dim=self.dims)


class FlattenFrom(nn.Module):
    def __init__(self, start_dim: int):
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(self.start_dim)


class ToSequence(nn.Module):
    """[B,C,H,W] -> [B,W,C*H]: the image is read column by column, width becomes time."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 3, 1, 2).flatten(2)


class Add(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Multiply(nn.Module):
    """The element-wise product. gates[i] = (lead, trail) gives a vector input [B,F] size-1 axes before and
    after its features, so it scales the channels of the others: [B,C] -> [B,C,1,1] for images."""

    def __init__(self, gates: tuple[tuple[int, int] | None, ...] = ()):
        super().__init__()
        self.gates = tuple(gates)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = None
        for i, x in enumerate(xs):
            gate = self.gates[i] if i < len(self.gates) else None
            if gate is not None:
                for _ in range(gate[0]):
                    x = x.unsqueeze(1)
                for _ in range(gate[1]):
                    x = x.unsqueeze(-1)
            out = x if out is None else out * x
        return out


class Concat(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)


class Recurrent(nn.Module):
    """nn.RNN / nn.LSTM / nn.GRU (batch first) returning one tensor.

    return_sequences: every step's output [B,T,H*dirs]; otherwise the final state of the last
    layer [B,H*dirs] (for bidirectional: the forward direction's state after the last step and
    the backward direction's state after the first, i.e. both directions' final states).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int,
                 bidirectional: bool, dropout: float, return_sequences: bool):
        super().__init__()
        cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cell]
        self.cell = cell
        self.rnn = cls(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                       bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)
        if self.return_sequences:
            return out
        h = state[0] if self.cell == "LSTM" else state
        if self.bidirectional:
            return torch.cat((h[-2], h[-1]), dim=1)
        return h[-1]

