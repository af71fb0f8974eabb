"""Turning sentences into fixed-length rows of word ids for an Embedding + RNN network.

Words are lower-cased; the vocabulary is built on the TRAINING split only (words first seen in
validation or test become <unk>, as they would for new text after training). Index 0 is <pad>,
1 is <unk>. Padding and truncation happen at the START by default ("pre", as in Keras), so the
last real word sits right before the RNN's final state instead of behind a run of pads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .assemble import encode_classes, make_split
from .dataset import Dataset
from .splits import TEST_FRACTION, split_indices

if TYPE_CHECKING:
    import torch

PAD = "<pad>"
UNK = "<unk>"
PADDING_CHOICES = ("pre", "post")
_WORD = re.compile(r"\w+(?:'\w+)*")


def tokenize(text: str) -> list[str]:
    """Lower-case words; punctuation is dropped, inner apostrophes kept ("don't")."""
    return _WORD.findall(text.lower())


def build_vocab(token_lists: Sequence[Sequence[str]], min_count: int = 1) -> list[str]:
    """['<pad>', '<unk>', most frequent word, ...]; ties in alphabetical order (deterministic)."""
    counts = Counter(word for tokens in token_lists for word in tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, UNK, *words]


def encode_tokens(
    token_lists: Sequence[Sequence[str]], vocab: Sequence[str], max_length: int, padding: str = "pre"
) -> np.ndarray:
    """int64 [N, max_length]: word ids, unknown words -> 1, padded with 0."""
    index = {word: i for i, word in enumerate(vocab)}
    out = np.zeros((len(token_lists), max_length), dtype=np.int64)
    for row, tokens in enumerate(token_lists):
        ids = [index.get(w, 1) for w in tokens]
        if padding == "pre":
            ids = ids[-max_length:] if ids else []  # keep the end of long texts
            if ids:
                out[row, max_length - len(ids) :] = ids
        else:
            ids = ids[:max_length]
            out[row, : len(ids)] = ids
    return out


def encode_texts(texts: Sequence[str], vocab: Sequence[str], max_length: int, padding: str = "pre") -> torch.Tensor:
    """Encode new sentences exactly as the dataset's were (for trying a trained model)."""
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    return torch.from_numpy(encode_tokens([tokenize(t) for t in texts], vocab, max_length, padding))


def decode_tokens(ids: Sequence[int] | torch.Tensor, vocab: Sequence[str]) -> str:
    """Word ids back to text, pads left out (for showing samples in the UI)."""
    words = [vocab[int(i)] if 0 <= int(i) < len(vocab) else UNK for i in ids if int(i) != 0]
    return " ".join(words)


def build_text_dataset(
    *,
    name: str,
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str] | None,
    test_labels: Sequence[str] | None,
    train_source: str,
    test_source: str | None,
    seed: int,
    validation_split: float,
    max_length: int,
    min_count: int = 1,
    padding: str = "pre",
    class_order: Sequence[str] | None = None,
    description: str = "",
    attribution: str = "",
    meta: dict | None = None,
) -> Dataset:
    """Classify texts: split first, then build the vocabulary on the training split alone."""
    ids_all, ids_test_file, class_names = encode_classes(
        list(train_labels),
        None if test_labels is None else list(test_labels),
        train_source=train_source,
        test_source=test_source,
        order=class_order,
    )
    tr, va, te = split_indices(
        len(train_texts),
        ids_all,
        test_fraction=0.0 if test_texts is not None else TEST_FRACTION,
        val_fraction=validation_split,
        seed=seed,
    )
    tokens_all = [tokenize(t) for t in train_texts]
    vocab = build_vocab([tokens_all[i] for i in tr], min_count)
    if test_texts is not None:
        test_tokens = [tokenize(t) for t in test_texts]
        test_ids = ids_test_file
    else:
        test_tokens = [tokens_all[i] for i in te]
        test_ids = ids_all[te]
    parts = [
        ([tokens_all[i] for i in tr], ids_all[tr]),
        ([tokens_all[i] for i in va], ids_all[va]),
        (test_tokens, test_ids),
    ]
    splits = [
        make_split(encode_tokens(toks, vocab, max_length, padding), y, "tokens", "classification") for toks, y in parts
    ]
    longest = max((len(t) for t in tokens_all), default=0)
    meta = dict(meta or {})
    meta.update(
        {
            "max_length": max_length,
            "padding": padding,
            "min_count": min_count,
            "longest_text": longest,
            "truncated": int(sum(len(t) > max_length for t in tokens_all)),
            "indices": {
                "train": tr.tolist(),
                "val": va.tolist(),
                "test": list(range(len(test_tokens))) if test_texts is not None else te.tolist(),
            },
            "test_from": "file" if test_texts is not None else "split",
            "class_counts": {
                split: [int(v) for v in np.bincount(y, minlength=len(class_names))]
                for split, (_, y) in zip(("train", "val", "test"), parts)
            },
        }
    )
    return Dataset(
        name=name,
        kind="tokens",
        task="classification",
        sample_shape=(max_length,),
        train=splits[0],
        val=splits[1],
        test=splits[2],
        class_names=class_names,
        n_outputs=len(class_names),
        vocab=vocab,
        description=description,
        attribution=attribution,
        meta=meta,
    )
