"""Reader for a plain UTF-8 text read as characters, for next-character prediction.

``{"kind": "file", "format": "text", "train": "corpus.txt", "window": 64}``: the text is cut into
windows of ``window`` characters (``stride`` characters apart; by default the windows do not
overlap). X is a window's character ids [window] (token data), y the character that follows at
every step [window] (a class at every time step), so an Embedding -> LSTM(every step) -> Dense(V)
network learns to predict the next character.

The split is made on the text itself, not on the windows, so no window straddles two splits: the
first part trains, the next validates, the last part tests (or the whole 'test' file). The
vocabulary is the training part's characters, most frequent first; id 0 is padding (the
Embedding's padding_idx) and id 1 stands for a character the training part never had. It is
kept in the dataset (``vocab``) and in its description (``to_info``), so a run can decode what
its model writes without the text file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .assemble import make_split
from .dataset import Dataset
from .errors import DataError
from .files import read_text, require_file
from .options import check_known, get_int
from .splits import TEST_FRACTION, _round_half_up
from .text import PAD, UNK

TEXT_OPTIONS: dict[str, Any] = {"window": 64, "stride": None}
PAD_ID, UNK_ID = 0, 1
_SHOWN = {"\n": "\\n", "\t": "\\t", "\r": "\\r", " ": "space"}


def char_vocab(text: str) -> list[str]:
    """['<pad>', '<unk>', most frequent character, ...]; ties in code-point order (deterministic)."""
    counts = Counter(text)
    return [PAD, UNK, *sorted(counts, key=lambda c: (-counts[c], c))]


def encode_chars(text: str, vocab: Sequence[str]) -> np.ndarray:
    """int64 [len(text)]: character ids, characters not in the vocabulary -> 1 (<unk>)."""
    index = {c: i for i, c in enumerate(vocab) if i >= 2}
    return np.fromiter((index.get(c, UNK_ID) for c in text), dtype=np.int64, count=len(text))


def decode_chars(ids: Sequence[int], vocab: Sequence[str], unknown: str = "\ufffd") -> str:
    """Character ids back to text; padding is left out, an unknown id shows as ``unknown``."""
    out = []
    for i in ids:
        i = int(i)
        if i == PAD_ID:
            continue
        out.append(vocab[i] if 2 <= i < len(vocab) else unknown)
    return "".join(out)


def class_name(char: str) -> str:
    """How a character is named among the classes (whitespace made visible)."""
    return _SHOWN.get(char, char)


def _windows(ids: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """X [n, window] and the next character at every step y [n, window]."""
    starts = np.arange(0, max(len(ids) - window, 0), stride, dtype=np.int64)
    offsets = np.arange(window)
    if len(starts) == 0:
        empty = np.zeros((0, window), dtype=np.int64)
        return empty, empty.copy()
    return ids[starts[:, None] + offsets], ids[starts[:, None] + offsets + 1]


def _check_fits(n_chars: int, window: int, stride: int) -> None:
    from ..graph.memory import available_memory, format_bytes

    need = 2 * 2 * (n_chars // stride + 1) * window * 8  # X and y, copied once more into tensors
    free = available_memory()
    if need > free:
        raise DataError(f"windows of {window:,} characters every {stride:,} need about {format_bytes(need)} of "
                        f"memory; only {format_bytes(free)} is free. Choose a larger 'stride' or a smaller 'window'.")


def load_text_corpus(
    *,
    name: str,
    train_path: Path,
    test_path: Path | None,
    options: Mapping[str, Any],
    seed: int,
    validation_split: float,
) -> Dataset:
    """The dataset of a character text file (see the module's docstring). ``seed`` is unused: the
    split follows the text's order."""
    del seed
    text = read_text(require_file(train_path, "training file"))
    test_text = read_text(require_file(test_path, "test file")) if test_path else None
    return text_corpus_dataset(
        name=name, text=text, test_text=test_text, options=options, validation_split=validation_split,
        source_name=train_path.name,
        source={"train": str(train_path), **({"test": str(test_path)} if test_path else {})},
        context="text files",
    )


def text_corpus_dataset(
    *,
    name: str,
    text: str,
    test_text: str | None,
    options: Mapping[str, Any],
    validation_split: float,
    source_name: str,
    source: Any,
    context: str,
) -> Dataset:
    """The next-character dataset of a text already read (a file's, or a built-in corpus):
    ``source_name`` names it in messages and the description, ``context`` in option errors."""
    check_known(options, TEXT_OPTIONS, context)
    window = get_int(options, "window", 64)
    stride = get_int(options, "stride", window)
    text = text.replace("\r\n", "\n")
    test_text = test_text.replace("\r\n", "\n") if test_text is not None else None
    _check_fits(len(text) + len(test_text or ""), window, stride)

    n = len(text)
    n_test = 0 if test_text is not None else _round_half_up(n * TEST_FRACTION)
    n_val = _round_half_up((n - n_test) * validation_split)
    n_train = n - n_test - n_val
    if n_train <= window:
        raise DataError(
            f"{source_name} has {n:,} characters; its training part ({n_train:,}) is too short for one window "
            f"of {window:,} characters and the one after it: use a longer text or a smaller 'window'",
            path=source if isinstance(source, str) else source.get("train"))
    parts = {"train": text[:n_train], "val": text[n_train:n_train + n_val],
             "test": test_text if test_text is not None else text[n_train + n_val:]}
    vocab = char_vocab(parts["train"])
    splits, counts = {}, {}
    for split, part in parts.items():
        x, y = _windows(encode_chars(part, vocab), window, stride)
        splits[split] = make_split(x, y, "tokens", "classification", per_step=True)
        counts[split] = len(x)
    unknown = sorted((set(parts["val"]) | set(parts["test"])) - set(vocab[2:]))
    description = (
        f"Text from {source_name}: {n:,} characters, {len(vocab) - 2} different ones; windows of "
        f"{window} characters every {stride}, predicting the next character at every step."
    )
    if unknown:
        description += f" {len(unknown)} character(s) outside the training part read as <unk>."
    return Dataset(
        name=name,
        kind="tokens",
        task="classification",
        sample_shape=(window,),
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        class_names=[PAD, UNK, *(class_name(c) for c in vocab[2:])],
        n_outputs=len(vocab),
        vocab=vocab,
        description=description,
        meta={
            "text": {"unit": "character", "window": window, "stride": stride, "characters": n,
                     "split_characters": {k: len(v) for k, v in parts.items()}},
            "test_from": "file" if test_text is not None else "split",
            "source": source,
        },
        per_step=True,
    )
