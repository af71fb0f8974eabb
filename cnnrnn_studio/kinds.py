"""The kinds of tensor the studio knows, in one vocabulary, and the one way a shape is written.

A kind is what one sample is: a flat vector, an image, a sequence over time, an image sequence
(a clip of frames) or a sequence of word ids. Every layer names kinds through this module: the
block rules and their messages, the data layer, the wizard, the inspector and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Kind:
    """name: the id in files and JSON; axes: what each per-sample axis means (batch excluded);
    phrase: what one sample is, in plain words; example: a typical per-sample shape."""

    name: str
    axes: tuple[str, ...]
    phrase: str
    example: tuple[int, ...]

    @property
    def title(self) -> str:
        """The name as words: 'image sequence'."""
        return self.name.replace("_", " ")


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("vector", ("features",), "a flat vector (a row of numbers)", (13,)),
    Kind("image", ("channels", "height", "width"), "an image", (1, 28, 28)),
    Kind("sequence", ("time", "features"), "a sequence over time", (100, 6)),
    Kind("image_sequence", ("time", "channels", "height", "width"), "an image sequence (a clip of frames)",
         (8, 1, 16, 16)),
    Kind("tokens", ("time",), "a sequence of word ids", (50,)),
)}

KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def kind_phrase(name: str) -> str:
    """'an image', 'a sequence over time' ...; an unknown name is returned as it is."""
    kind = KINDS.get(name)
    return kind.phrase if kind is not None else name


def kind_title(name: str) -> str:
    """'image sequence' for 'image_sequence': a kind's name as words."""
    kind = KINDS.get(name)
    return kind.title if kind is not None else name.replace("_", " ")


def format_shape(dims: Sequence[int | None], *, open_axis: str = "T", batch: str | None = None,
                 sep: str = ", ", brackets: bool = True) -> str:
    """A per-sample shape as people read it: [1, 28, 28], [T, 6] (`open_axis` marks a time axis
    of any length; "null" where it stands for the JSON value), [B, T, 6] with a `batch` letter,
    28x28 with sep="x" and brackets=False."""
    parts = ([batch] if batch else []) + [open_axis if d is None else str(d) for d in dims]
    text = sep.join(parts)
    return f"[{text}]" if brackets else text
