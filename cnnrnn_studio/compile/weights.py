"""Weights files: safetensors only, checked name by name and shape by shape against the network.

A user's weights file is never unpickled (no torch.load): safetensors holds plain arrays, so a
file someone sent cannot run code. Keys are the studio's state-dict names
(`blocks.conv1.weight`, `blocks.lstm.rnn.weight_ih_l0`); messages show them without `blocks.`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import WeightsError
from ..files import atomic_write_bytes

WEIGHTS_FILE = "weights.safetensors"
_PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".pkl", ".pickle")


def resolve_weights_path(path_or_run_dir: str | os.PathLike) -> Path:
    """A .safetensors file, or a run folder holding weights.safetensors (or exactly one .safetensors)."""
    p = Path(path_or_run_dir).expanduser()
    if not p.exists():
        raise WeightsError("the weights file or run folder does not exist.", where=str(p))
    if p.is_dir():
        if (p / WEIGHTS_FILE).is_file():
            return p / WEIGHTS_FILE
        found = sorted(p.glob("*.safetensors"))
        if len(found) == 1:
            return found[0]
        if not found:
            raise WeightsError(f"this folder has no {WEIGHTS_FILE}: give a training run folder or a .safetensors file.",
                               where=str(p))
        names = ", ".join(f.name for f in found)
        raise WeightsError(f"this folder holds several weights files ({names}); give the one to use.", where=str(p))
    if p.suffix.lower() in _PICKLE_SUFFIXES:
        raise WeightsError(
            "PyTorch pickle files (.pt, .pth, .ckpt) are not opened, because loading one can run any code it "
            "contains. Save the weights with safetensors (safetensors.torch.save_file) and use that file.",
            where=str(p))
    return p


def read_weights(path_or_run_dir: str | os.PathLike) -> dict[str, Any]:
    """The tensors of a safetensors file by name; a WeightsError for anything that is not one."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    p = resolve_weights_path(path_or_run_dir)
    try:
        return load_file(str(p))
    except (SafetensorError, ValueError, OSError, RuntimeError, json.JSONDecodeError) as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise WeightsError(f"this is not a readable weights file (.safetensors): {detail}.", where=str(p)) from None


def _shown(key: str) -> str:
    return key[len("blocks."):] if key.startswith("blocks.") else key


def _dims(shape) -> str:
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def weight_mismatches(model_state: dict[str, Any], file_state: dict[str, Any]) -> list[str]:
    """Every name/shape difference, one readable line each (empty list: they fit)."""
    problems = []
    for key, want in model_state.items():
        if key not in file_state:
            problems.append(f"{_shown(key)}: missing from the file (model needs {_dims(want.shape)})")
            continue
        have = file_state[key]
        if tuple(have.shape) != tuple(want.shape):
            problems.append(f"{_shown(key)}: file has {_dims(have.shape)}, model needs {_dims(want.shape)}")
        elif want.is_floating_point() and not have.is_floating_point():
            problems.append(f"{_shown(key)}: file has {str(have.dtype).replace('torch.', '')} values, "
                            f"model needs floating-point numbers")
    for key in file_state:
        if key not in model_state:
            problems.append(f"{_shown(key)}: in the file, but the network has no such weight "
                            f"(file has {_dims(file_state[key].shape)})")
    return problems


def _normalise_keys(model_keys: list[str], state: dict[str, Any]) -> dict[str, Any]:
    """Accept files without the 'blocks.' prefix (as the messages show the names)."""
    if model_keys and all(k.startswith("blocks.") for k in model_keys) and state \
            and not any(k.startswith("blocks.") for k in state):
        return {"blocks." + k: v for k, v in state.items()}
    return state


def load_weights(model, path_or_run_dir: str | os.PathLike):
    """Load a .safetensors file (or a run folder's weights.safetensors) into `model`.

    Every name and shape is checked first; all mismatches are listed in one WeightsError and the
    model is left untouched. Returns the model.
    """
    import torch

    p = resolve_weights_path(path_or_run_dir)
    state = read_weights(p)
    model_state = model.state_dict()
    state = _normalise_keys(list(model_state), state)
    problems = weight_mismatches(model_state, state)
    if problems:
        n = len(problems)
        raise WeightsError(
            f"the weights do not fit this network ({n} problem{'s' if n != 1 else ''}); they were made for a "
            "different network, or the network changed since:\n  - " + "\n  - ".join(problems),
            where=str(p), mismatches=problems)
    for key, value in state.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise WeightsError(f"{_shown(key)} holds NaN or infinite values; the training that made it diverged.",
                               where=str(p))
    with torch.no_grad():
        model.load_state_dict(state, strict=True)
    return model


def state_bytes(state: dict[str, Any], metadata: dict[str, str] | None = None) -> bytes:
    from safetensors.torch import save

    from ..version import __version__

    meta = {"format": "cnnrnn-studio-weights", "studio_version": __version__}
    meta.update(metadata or {})
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    return save(tensors, metadata=meta)


def save_weights(model_or_state, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> Path:
    """Save a model's state dict (or a state dict) as safetensors, atomically. Returns the path."""
    state = model_or_state if isinstance(model_or_state, dict) else model_or_state.state_dict()
    return atomic_write_bytes(path, state_bytes(state, metadata), WeightsError)


class StartWeights:
    """What `load_start_weights` did: the file, the blocks that start fresh (a new head the file has
    no weights for) and the file's blocks the network no longer has (a replaced head)."""

    def __init__(self, path: Path, fresh: list[str], unused: list[str]) -> None:
        self.path, self.fresh, self.unused = path, fresh, unused

    def notes(self) -> list[str]:
        out = []
        if self.fresh:
            out.append(f"{', '.join(self.fresh)}: not in {self.path.name}, so {'they start' if len(self.fresh) > 1 else 'it starts'} "
                       "from fresh weights (a new head).")
        if self.unused:
            out.append(f"{', '.join(self.unused)}: in {self.path.name}, but the network has no such block any more "
                       "(a replaced head); not used.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "fresh_blocks": self.fresh, "unused_blocks": self.unused}


def _block_of(key: str, names: dict[str, str]) -> str:
    """'blocks.conv1.weight' -> the block id conv1 (names: submodule name -> block id)."""
    parts = key.split(".")
    if len(parts) > 1 and parts[0] == "blocks":
        return names.get(parts[1], parts[1])
    return parts[0]


def load_start_weights(model, path_or_run_dir: str | os.PathLike) -> StartWeights:
    """Training's starting weights: load a .safetensors file (or a run folder's) into `model`.

    Every name and shape is checked as by `load_weights`, with one allowance for fine-tuning: when
    some blocks are frozen, a trainable block the file has no weights for starts fresh (the new head)
    and the file's weights of blocks the network no longer has are left out (the replaced head); both
    are reported. Weights missing for a frozen block, a shape that differs, or (with nothing frozen)
    anything missing or extra are a WeightsError listing every problem with its block; the model is
    then left untouched.
    """
    import torch

    p = resolve_weights_path(path_or_run_dir)
    state = read_weights(p)
    model_state = model.state_dict()
    state = _normalise_keys(list(model_state), state)
    names = {name: bid for bid, name in getattr(model, "block_names", {}).items()}
    frozen = set(getattr(model, "frozen_blocks", ()))
    fresh: set[str] = set()
    unused: set[str] = set()
    if frozen:
        file_blocks = {_block_of(k, names) for k in state}
        for key in model_state:
            name = key.split(".")[1] if key.startswith("blocks.") else None
            bid = _block_of(key, names)
            if key not in state and name not in frozen and bid not in file_blocks:
                fresh.add(bid)
        model_blocks = {_block_of(k, names) for k in model_state}
        unused = {_block_of(k, names) for k in state if _block_of(k, names) not in model_blocks}
    checked_model = {k: v for k, v in model_state.items() if _block_of(k, names) not in fresh}
    checked_file = {k: v for k, v in state.items() if _block_of(k, names) not in unused}
    problems = weight_mismatches(checked_model, checked_file)
    if not problems and not checked_file:
        problems = ["no weight in the file belongs to a block of this network"]
    if problems:
        n = len(problems)
        raise WeightsError(
            f"these starting weights do not fit this network ({n} problem{'s' if n != 1 else ''}); they were made "
            "for a different network, or the network changed since:\n  - " + "\n  - ".join(problems),
            where=str(p), mismatches=problems)
    for key, value in checked_file.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise WeightsError(f"{_shown(key)} holds NaN or infinite values; the training that made it diverged.",
                               where=str(p))
    with torch.no_grad():
        model.load_state_dict(checked_file, strict=False)
    return StartWeights(p, sorted(fresh), sorted(unused))
