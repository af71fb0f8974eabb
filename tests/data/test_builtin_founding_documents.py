"""The built-in next-character corpus: public-domain US founding documents, stored gzip-compressed
in resources/data, read as characters (the same windows as the "text" file format)."""

from __future__ import annotations

import gzip

import pytest
import torch

from cnnrnn_studio.data import BUILTIN_DATASETS, DataError, load_dataset, resources_dir
from cnnrnn_studio.data.text_corpus import decode_chars


@pytest.fixture(scope="module")
def corpus():
    return load_dataset({"kind": "builtin", "name": "founding_documents"})


def test_the_corpus_is_small_compact_and_credited(corpus):
    path = resources_dir() / "founding_documents.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    assert 40_000 < len(text) < 400_000 and path.stat().st_size < len(text) / 2
    assert text.startswith("THE DECLARATION OF INDEPENDENCE")
    for part in ("We hold these truths to be self-evident", "Articles of Confederation",
                 "We the People of the United States", "Amendment X"):
        assert part in text
    assert "public domain" in corpus.attribution
    assert "public-domain" in BUILTIN_DATASETS["founding_documents"].description
    attribution = (resources_dir() / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "founding_documents.txt.gz" in attribution and "public domain" in attribution


def test_windows_predict_the_next_character_at_every_step(corpus):
    ds = corpus
    assert (ds.kind, ds.task, ds.per_step, ds.sample_shape) == ("tokens", "classification", True, (64,))
    assert ds.n_outputs == len(ds.vocab) == len(ds.class_names)
    first = decode_chars(ds.train.x[0].tolist(), ds.vocab)
    assert first.startswith("THE DECLARATION OF INDEPENDENCE")
    assert torch.equal(ds.train.y[0, :-1], ds.train.x[0, 1:])    # y is x moved on by one character
    info = ds.to_info()
    assert info["vocab"] == ds.vocab and info["text"]["window"] == 64   # the run keeps the vocabulary


def test_window_and_stride_options(corpus):
    ds = load_dataset({"kind": "builtin", "name": "founding_documents", "window": 32, "stride": 8})
    assert ds.sample_shape == (32,) and len(ds.train) > 3 * len(corpus.train)
    with pytest.raises(DataError, match="'windw'"):
        load_dataset({"kind": "builtin", "name": "founding_documents", "windw": 32})


def test_make_resources_writes_the_shipped_file_byte_for_byte(tmp_path):
    from cnnrnn_studio.data.make_resources import make_founding_documents

    shipped = resources_dir() / "founding_documents.txt.gz"
    with gzip.open(shipped, "rt", encoding="utf-8") as f:
        (tmp_path / "founding_documents.txt").write_text(f.read(), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    make_founding_documents(tmp_path, out)
    assert (out / "founding_documents.txt.gz").read_bytes() == shipped.read_bytes()
