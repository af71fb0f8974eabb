"""Augmentation settings: the ``"augment"`` object of a project's ``dataset`` section, checked,
and the ``Augmenter`` that applies them to training batches.

    "dataset": {"kind": "builtin", "name": "digits",
                "augment": {"images": {"flip": true, "shift": 0.1, "rotate": 10},
                            "series": {"jitter": 0.05}}}

One object per kind of data: ``images`` applies to image data, ``series`` to sequences over
time; the one that does not match the data is kept but unused (switching datasets loses
nothing). Settings left out are off. The transforms themselves are in augment_ops.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from typing import TYPE_CHECKING

from .errors import DataError

if TYPE_CHECKING:  # torch loads on first use only (listing datasets must not load it)
    import torch

AUGMENT_KEY = "augment"
#: The sections of "augment" and the data kind each applies to.
AUGMENT_SECTIONS = {"images": "image", "series": "sequence"}
#: The settings of each part, with the value that means "off".
IMAGE_AUGMENTS = {"flip": False, "shift": 0.0, "crop": 0.0, "rotate": 0.0, "brightness": 0.0, "contrast": 0.0}
SERIES_AUGMENTS = {"jitter": 0.0, "scale": 0.0, "time_shift": 0.0, "window": 1.0}
SECTION_DEFAULTS = {"images": IMAGE_AUGMENTS, "series": SERIES_AUGMENTS}

#: name -> (lowest, highest, what it means); flip is true/false.
LIMITS: dict[str, tuple[float, float, str]] = {
    "shift": (0.0, 0.5, "the largest shift, as a share of the width and height"),
    "crop": (0.0, 0.5, "the largest share of the size cut away before zooming back"),
    "rotate": (0.0, 180.0, "the largest rotation, in degrees"),
    "brightness": (0.0, 1.0, "the largest brightness change, as a share of the image's range"),
    "contrast": (0.0, 1.0, "the largest contrast change, as a share"),
    "jitter": (0.0, 1.0, "the noise, as a share of each channel's spread"),
    "scale": (0.0, 0.9, "the largest scaling either way, as a share"),
    "time_shift": (0.0, 0.5, "the largest shift in time, as a share of the length"),
    "window": (0.1, 1.0, "the share of the length a random window keeps (1 = off)"),
}
#: These move time steps, so they cannot be used when every step has its own target.
MOVES_TIME = ("time_shift", "window")


def _field(section: str | None = None, name: str | None = None) -> str:
    return ".".join(["dataset", AUGMENT_KEY] + [p for p in (section, name) if p])


def check_augment(value: Any) -> dict[str, dict[str, Any]]:
    """The ``augment`` object, checked: {"images": {...}, "series": {...}} holding only the
    settings that are on. A wrong key or value is a DataError naming the field
    (``dataset.augment.images.shift``), its allowed values and what was found."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"{_field()} must be an object such as {{\"images\": {{\"flip\": true}}}}, got {value!r}")
    out: dict[str, dict[str, Any]] = {}
    for section, settings in value.items():
        if section not in AUGMENT_SECTIONS:
            raise DataError(f"{_field()} has an unknown part {section!r}; the parts are "
                            f"{', '.join(repr(s) for s in AUGMENT_SECTIONS)} (image data and series)")
        if settings is None:
            continue
        if not isinstance(settings, Mapping):
            raise DataError(f"{_field(section)} must be an object of settings, got {settings!r}")
        defaults = SECTION_DEFAULTS[section]
        checked: dict[str, Any] = {}
        for name, v in settings.items():
            where = _field(section, name)
            if name not in defaults:
                raise DataError(f"{where} is not a setting; the {section} settings are: {', '.join(defaults)}")
            if name == "flip":
                if not isinstance(v, bool):
                    raise DataError(f"{where} must be true or false, got {v!r}")
                if v:
                    checked[name] = True
                continue
            low, high, meaning = LIMITS[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high:
                raise DataError(f"{where} must be a number from {low:g} to {high:g} ({meaning}), got {v!r}")
            if float(v) != defaults[name]:
                checked[name] = float(v)
        out[section] = checked
    return out


def augment_settings(value: Any, kind: str, *, per_step: bool = False, task: str = "classification"
                     ) -> dict[str, Any]:
    """The settings that apply to data of ``kind`` ({} when none do). Time moves are refused
    when targets follow the time steps (a target per step, or CTC label sequences)."""
    checked = check_augment(value)
    for section, data_kind in AUGMENT_SECTIONS.items():
        if data_kind == kind:
            settings = checked.get(section, {})
            moving = [n for n in MOVES_TIME if n in settings]
            if moving and (per_step or task == "ctc"):
                what = "a target at every time step" if per_step else "label sequences (CTC)"
                raise DataError(f"{_field(section, moving[0])} moves the time steps, but this data has {what} "
                                f"that would no longer line up; turn {' and '.join(moving)} off")
            return settings
    return {}


def _generator(seed: int, device: torch.device) -> torch.Generator:
    import torch

    try:
        return torch.Generator(device=device).manual_seed(seed)
    except RuntimeError:  # a device without its own generator: draw on the CPU
        return torch.Generator().manual_seed(seed)


def _same_device(a: torch.device, b: torch.device) -> bool:
    """'cuda' and 'cuda:0' are the same device when one leaves the number open."""
    return a.type == b.type and (a.index is None or b.index is None or a.index == b.index)


class Augmenter:
    """Augments training batches on their own device, seeded: the same seed, the same batches."""

    def __init__(self, settings: Mapping[str, Any], kind: str, seed: int, device: torch.device | str = "cpu"):
        import torch

        self.settings = dict(settings)
        self.kind = kind
        self.device = torch.device(device)
        self.generator = _generator(int(seed), self.device)
        if not _same_device(self.generator.device, self.device):
            self.generator = _generator(int(seed), torch.device("cpu"))
        self._tried = {self.device}

    @property
    def active(self) -> bool:
        return bool(self.settings) and self.kind in AUGMENT_SECTIONS.values()

    def __call__(self, xb: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return xb
        from .augment_ops import augment_batch

        if not _same_device(self.generator.device, xb.device) and xb.device not in self._tried:
            # The batch lives elsewhere than planned: a generator there, with the same seed (once).
            self._tried.add(xb.device)
            made = _generator(int(self.generator.initial_seed()), xb.device)
            if _same_device(made.device, xb.device):
                self.generator = made
        if not _same_device(self.generator.device, xb.device):  # no generator on that device: augment on the CPU
            return augment_batch(xb.cpu(), self.kind, self.settings, self.generator).to(xb.device)
        return augment_batch(xb, self.kind, self.settings, self.generator)


def augmented_examples(sample: torch.Tensor, kind: str, settings: Mapping[str, Any], n: int = 8,
                       seed: int = 0) -> torch.Tensor:
    """``n`` augmented copies of one sample (no batch axis), [n, *sample.shape], to show a person."""
    batch = sample.detach().float().unsqueeze(0).repeat(n, *([1] * sample.dim()))
    return Augmenter(settings, kind, seed, batch.device)(batch)


__all__ = ["AUGMENT_KEY", "AUGMENT_SECTIONS", "Augmenter", "LIMITS", "augment_settings", "augmented_examples",
           "check_augment"]
