"""The in-memory dataset every other part of the studio works with (a contract: keep the names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


from ..kinds import format_shape, kind_title
TASKS = ("classification", "regression", "ctc")
SPLIT_NAMES = ("train", "val", "test")


@dataclass
class DataSplit:
    """One split: inputs ``x`` and targets ``y``.

    ``x`` is a tensor [N, *sample_shape], or a LIST of per-sample tensors [T_i, F] when the
    sequence lengths differ (batch those with ``iter_padded_batches`` or ``iter_batches``; see batching).
    ``y`` is int64 [N] class ids (classification) or float32 [N, n_outputs] (regression).
    With ``per_step`` (a target at every time step) ``y`` is int64 [N, T] class ids, -1 where a step
    does not count, or float32 [N, T, n_outputs], NaN where it does not; T is the longest length,
    and the steps past a sample's own length are marked so (padding never counts).
    For the task "ctc" ``y`` is int64 [N, L]: each sample's label sequence of symbol ids (indices
    into the dataset's class_names), padded with -1 after the label; ``per_step`` stays False.
    """

    x: torch.Tensor | list[torch.Tensor]
    y: torch.Tensor
    per_step: bool = False

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @property
    def is_variable_length(self) -> bool:
        return isinstance(self.x, list)

    def lengths(self) -> list[int]:
        """Time length of every sample (the same number for all when x is a tensor)."""
        if isinstance(self.x, list):
            return [int(t.shape[0]) for t in self.x]
        if self.x.dim() < 2:
            return [1] * len(self)
        return [int(self.x.shape[1])] * len(self)


@dataclass
class Dataset:
    """A loaded dataset, split three ways, with what the UI and the engine need to know about it."""

    name: str
    kind: str  # "vector" | "image" | "sequence" | "image_sequence" | "tokens"
    task: str  # "classification" | "regression" | "ctc" (class_names: the symbols; n_outputs: symbols + 1 blank)
    sample_shape: tuple  # per sample, no batch axis; None marks a variable time axis
    train: DataSplit
    val: DataSplit
    test: DataSplit
    class_names: list[str] | None = None
    n_outputs: int = 0
    vocab: list[str] | None = None
    description: str = ""
    attribution: str = ""
    meta: dict = field(default_factory=dict)
    per_step: bool = False  # a target at every time step (see DataSplit)

    def split(self, name: str) -> DataSplit:
        """The split called 'train', 'val' or 'test'."""
        if name not in SPLIT_NAMES:
            raise KeyError(f"unknown split {name!r}; the splits are train, val and test")
        return getattr(self, name)

    @property
    def is_variable_length(self) -> bool:
        return any(dim is None for dim in self.sample_shape)

    def counts(self) -> dict[str, int]:
        return {name: len(self.split(name)) for name in SPLIT_NAMES}

    def summary(self) -> str:
        """One line for a status bar or the CLI: '1,797 samples (1,150 / 288 / 359), image 1x8x8, 10 classes'."""
        c = self.counts()
        shape = format_shape(self.sample_shape, sep="x", brackets=False)
        total = sum(c.values())
        what = (
            f"{self.n_outputs} classes"
            if self.task == "classification"
            else f"{self.n_outputs} target{'s' if self.n_outputs != 1 else ''} (regression)"
        )
        if self.task == "ctc":
            what = f"label sequences of {self.n_outputs - 1} symbols (CTC)"
        if self.per_step:
            what = what.replace(" (regression)", "") + " at every time step" + (
                " (regression)" if self.task == "regression" else "")
        return (
            f"{self.name}: {total:,} samples (train {c['train']:,}, validation {c['val']:,}, "
            f"test {c['test']:,}), {kind_title(self.kind)} {shape}, {what}"
        )

    def to_info(self) -> dict[str, Any]:
        """A JSON-friendly description without the tensors (for project files, logs, the UI);
        "per_step" only appears for per-step data, "text" and "vocab" only for a character text
        (format "text"), so older descriptions read the same."""
        info = {
            "name": self.name,
            "kind": self.kind,
            "task": self.task,
            "sample_shape": list(self.sample_shape),
            "counts": self.counts(),
            "class_names": self.class_names,
            "n_outputs": self.n_outputs,
            "vocab_size": None if self.vocab is None else len(self.vocab),
            "description": self.description,
        }
        if self.per_step:
            info["per_step"] = True
        if "text" in self.meta and self.vocab is not None:
            # A character text: the run keeps its vocabulary, to decode what the model writes.
            info["text"] = dict(self.meta["text"])
            info["vocab"] = list(self.vocab)
        return info
