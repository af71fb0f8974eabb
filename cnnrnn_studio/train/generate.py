"""Generation and closed-loop forecasting with a trained next-step model (`cnnrnn-studio generate`).

Two kinds of run can generate:

* a next-character model, trained on a character text (data format "text"): its run keeps the
  vocabulary (summary.json's ``dataset_info``). The start text is encoded, the model's scores
  at the last real step give the next character (sampled from softmax(scores / temperature);
  temperature 0 takes the most likely one), which is appended, and so on. A network with a fixed
  time length reads the last T characters; a shorter history is padded after its end (id 0) and
  the scores are read at its last real character, so a network that reads forwards (LSTM, GRU,
  RNN) gives exactly what it would for the short text alone.
* a next-value model on a series: a many-to-one regression forecasting one step ahead from a
  window of the same single series (the CSV time-series reader with horizon 1, e.g. the built-in
  airline data), or a per-step regression of one value from one feature. Each prediction is fed
  back as the next input (closed loop), in the data's own units: the inputs are standardised and
  the predictions unstandardised with the statistics the data layer used in training.

Everything a person can get wrong is a GenerateError naming the run folder; nobody sees a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import StudioError

if TYPE_CHECKING:
    import torch

    from .runs import Run

MAX_LENGTH = 100_000
PAD_ID, UNK_ID = 0, 1


class GenerateError(StudioError):
    """A run that cannot generate, or settings it cannot generate with."""


def check_settings(length: Any, temperature: Any) -> tuple[int, float]:
    """The number of steps (1 to MAX_LENGTH) and the temperature (0 or more, finite)."""
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
        raise GenerateError(f"the length must be a whole number from 1 to {MAX_LENGTH:,}, got {length!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or temperature < 0:
        raise GenerateError(f"the temperature must be a number of 0 or more (0 = always the most likely), "
                            f"got {temperature!r}")
    return length, float(temperature)


def text_vocab(summary: dict) -> list[str] | None:
    """The characters a next-character run reads and writes (id = position), or None."""
    info = summary.get("dataset_info") or {}
    vocab = info.get("vocab")
    if isinstance(info.get("text"), dict) and isinstance(vocab, list) and all(isinstance(c, str) for c in vocab):
        return vocab
    return None


def generate(run: Run, *, length: int = 200, start: str | None = None, temperature: float = 1.0,
             seed: int = 0) -> dict[str, Any]:
    """Generate ``length`` steps after ``start``: {"generated": text or [values], "kind", "start", ...}."""
    length, temperature = check_settings(length, temperature)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GenerateError(f"the seed must be a whole number, got {seed!r}")
    if run.model is None:
        raise GenerateError("the run's network was not loaded.", where=str(run.folder))
    vocab = text_vocab(run.summary)
    if vocab is not None:
        return _generate_text(run, vocab, length, start, temperature, seed)
    if run.summary.get("task") == "regression":
        return _forecast(run, length, start, seed)
    raise GenerateError(
        "this run is not a next-step model, so it cannot generate: generation needs a network trained to "
        "predict the next character of a text (data format \"text\") or the next value of a series.",
        where=str(run.folder))


# --- text --------------------------------------------------------------------------------------
def _generate_text(run: Run, vocab: list[str], length: int, start: str | None, temperature: float,
                   seed: int) -> dict[str, Any]:
    import torch

    model = run.model
    gen = torch.Generator().manual_seed(seed)
    index = {c: i for i, c in enumerate(vocab) if i >= 2}
    if start is None or start == "":
        chars = vocab[2:]
        if not chars:
            raise GenerateError("the run's vocabulary has no characters.", where=str(run.folder))
        start = chars[int(torch.randint(len(chars), (1,), generator=gen))]
    unknown = sorted({c for c in start if c not in index})
    if unknown:
        listed = ", ".join(repr(c) for c in unknown)
        raise GenerateError(f"the start text has character(s) the model never saw in training: {listed}; "
                            "use only characters of its text.", where=str(run.folder))
    dims = tuple(model.input_spec.dims)
    steps = dims[0] if dims else None
    history = [index[c] for c in start]
    out: list[int] = []
    device = next(model.parameters()).device
    with torch.no_grad():
        for _ in range(length):
            ids = history[-steps:] if steps is not None else history
            real = len(ids)
            if steps is not None and real < steps:
                ids = ids + [PAD_ID] * (steps - real)
            scores = model(torch.tensor([ids], dtype=torch.long, device=device))
            last = scores[0, real - 1] if scores.dim() == 3 else scores[0]
            nxt = _pick(last.float().cpu(), temperature, gen)
            history.append(nxt)
            out.append(nxt)
    from ..data.text_corpus import decode_chars

    return {"generated": decode_chars(out, vocab), "kind": "text", "start": start, "length": length,
            "temperature": temperature, "seed": seed}


def _pick(scores: torch.Tensor, temperature: float, gen: torch.Generator) -> int:
    """A character id from the scores: padding and unknown are never written."""
    import torch

    scores = scores.clone()
    scores[: min(2, len(scores))] = float("-inf")
    if temperature == 0:
        return int(scores.argmax())
    probs = torch.softmax(scores / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=gen))


# --- series ------------------------------------------------------------------------------------
def _next_value_model(ds: Any, dims: tuple) -> bool:
    """A network that reads one series and predicts its next value, so predictions can be fed back."""
    meta = ds.meta or {}
    one_feature = ds.kind == "sequence" and len(dims) == 2 and dims[1] == 1 and ds.n_outputs == 1
    if ds.per_step:
        return one_feature
    names = meta.get("feature_names")
    return one_feature and meta.get("horizon") == 1 and names is not None and names == [meta.get("target_name")]


def generation_kind(run: Run, dataset: Any = None) -> str | None:
    """What ``generate`` would make for this run, without generating: "text", "values" or None.

    Never raises and never loads data: a series run needs its ``dataset`` (or ``run.dataset``) to
    tell, and is None until it is known.
    """
    if run.model is None:
        return None
    if text_vocab(run.summary or {}) is not None:
        return "text"
    ds = dataset if dataset is not None else getattr(run, "dataset", None)
    if (run.summary or {}).get("task") != "regression" or ds is None:
        return None
    try:
        dims = tuple(run.model.input_spec.dims)
    except AttributeError:
        return None
    return "values" if _next_value_model(ds, dims) else None


def _floats(values: Any) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


def _forecast(run: Run, length: int, start: str | None, seed: int) -> dict[str, Any]:
    import torch

    torch.manual_seed(seed)
    model = run.model
    ds = run.load_dataset()
    meta = ds.meta or {}
    dims = tuple(model.input_spec.dims)
    folder = str(run.folder)
    if not _next_value_model(ds, dims):
        raise GenerateError(
            "this run is not a next-step model, so it cannot forecast in a closed loop: that needs a network "
            "that reads one series and predicts its next value (one input feature, the target itself, one step "
            "ahead), so that each prediction can be fed back as the next input.", where=folder)
    f_mean, f_std = _floats(meta.get("feature_mean")), _floats(meta.get("feature_std"))
    scaling = run.summary.get("target_scaling") or {}
    t_mean = _floats(scaling.get("mean")) or _floats(meta.get("target_mean"))
    t_std = _floats(scaling.get("std")) or _floats(meta.get("target_std"))
    steps = dims[0]
    history = _start_values(start, ds, meta, f_mean, f_std, folder)
    needed = steps or 1
    if len(history) < needed:
        raise GenerateError(f"the start has {len(history)} value(s) but the network reads {needed} at a time: "
                            f"give at least {needed}.", where=folder)
    first = history[-steps:] if steps is not None else list(history)
    device = next(model.parameters()).device
    out: list[float] = []
    with torch.no_grad():
        for _ in range(length):
            window = history[-steps:] if steps is not None else history
            x = torch.tensor(window, dtype=torch.float64)
            if f_mean is not None and f_std is not None:
                x = (x - f_mean[0]) / f_std[0]
            pred = model(x.float().reshape(1, -1, 1).to(device))
            value = float(pred.reshape(-1)[-1])
            if t_mean is not None and t_std is not None:
                value = value * t_std[0] + t_mean[0]
            history.append(value)
            out.append(value)
    return {"generated": out, "kind": "values", "start": first,
            "length": length, "seed": seed, "target_name": meta.get("target_name")}


def _start_values(start: str | None, ds: Any, meta: dict, f_mean: list[float] | None, f_std: list[float] | None,
                  folder: str) -> list[float]:
    """The values to start from, in the data's own units: --start, or the end of the run's data."""
    if start is not None and start.strip() != "":
        values = []
        for i, part in enumerate(start.split(","), 1):
            try:
                v = float(part.strip())
            except ValueError:
                raise GenerateError(f"the start must be numbers separated by commas; value {i} is {part.strip()!r}",
                                    where=folder) from None
            if not math.isfinite(v):
                raise GenerateError(f"the start's value {i} is {part.strip()!r}: use finite numbers", where=folder)
            values.append(v)
        return values
    if meta.get("series"):
        return [float(v) for v in meta["series"]]
    for split in (ds.test, ds.val, ds.train):  # the last sample read, back in the data's own units
        if len(split):
            values = split.x[-1].double().reshape(-1)
            if f_mean is not None and f_std is not None:
                values = values * f_std[0] + f_mean[0]
            return [float(v) for v in values]
    raise GenerateError("the run's data has no samples to start from: give --start.", where=folder)


def format_values(values: Sequence[float]) -> str:
    """Values for a person: comma-separated, 6 significant digits."""
    return ", ".join(f"{v:.6g}" for v in values)


__all__ = ["GenerateError", "MAX_LENGTH", "check_settings", "format_values", "generate", "generation_kind",
           "text_vocab"]
