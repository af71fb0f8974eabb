"""A plain text read as characters for next-character prediction (format "text")."""

from __future__ import annotations

import pytest

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.data.errors import DataError
from cnnrnn_studio.data.text_corpus import char_vocab, decode_chars, encode_chars


def _load(tmp_path, text: str, **options):
    (tmp_path / "corpus.txt").write_text(text, encoding="utf-8")
    return load_dataset({"kind": "file", "format": "text", "train": "corpus.txt", **options}, base_dir=tmp_path)


def test_vocabulary_keeps_padding_and_unknown_first_then_the_most_frequent():
    vocab = char_vocab("abbccc\n")
    assert vocab == ["<pad>", "<unk>", "c", "b", "\n", "a"]
    ids = encode_chars("cab?", vocab)
    assert ids.tolist() == [2, 5, 3, 1]                        # '?' was never seen: <unk>
    assert decode_chars([0, 0, *ids.tolist()], vocab) == "cab\ufffd"


def test_windows_are_token_ids_and_the_next_character_at_every_step(tmp_path):
    text = "héllo wörld\n" * 50
    ds = _load(tmp_path, text, window=8)
    assert ds.kind == "tokens" and ds.task == "classification" and ds.per_step
    assert ds.sample_shape == (8,) and ds.n_outputs == len(ds.vocab) == len(ds.class_names)
    assert ds.vocab[:2] == ["<pad>", "<unk>"] and set(ds.vocab[2:]) == set(text)
    assert "space" in ds.class_names and "\\n" in ds.class_names       # whitespace named visibly
    x, y = ds.train.x, ds.train.y
    assert x.shape == y.shape and x.shape[1] == 8 and x.dtype == y.dtype
    assert decode_chars(x[0].tolist(), ds.vocab) == text[:8]            # non-overlapping by default
    assert decode_chars(x[1].tolist(), ds.vocab) == text[8:16]
    assert decode_chars(y[0].tolist(), ds.vocab) == text[1:9]           # shifted by one character
    n = len(text)
    parts = ds.meta["text"]["split_characters"]
    assert parts == {"train": 384, "val": 96, "test": 120} and sum(parts.values()) == n
    info = ds.to_info()
    assert info["vocab"] == ds.vocab and info["text"]["window"] == 8 and info["per_step"] is True


def test_stride_overlaps_windows_and_a_test_file_is_the_test_split(tmp_path):
    (tmp_path / "other.txt").write_text("cabcabcabcabcaz", encoding="utf-8")
    ds = _load(tmp_path, "abc" * 40, window=6, stride=2, test="other.txt")
    assert decode_chars(ds.train.x[1].tolist(), ds.vocab) == "cabcab"
    assert len(ds.test) == len(range(0, 15 - 6, 2))
    assert ds.test.y[-1, -1].item() == 1                                # 'z' only in the test: <unk>
    assert ds.meta["test_from"] == "file"


def test_other_datasets_describe_themselves_as_before(tmp_path):
    ds = _load(tmp_path, "abc" * 40, window=6)
    ds.meta.pop("text")
    assert "vocab" not in ds.to_info() and "text" not in ds.to_info()


@pytest.mark.parametrize(("options", "words"), [
    ({"window": 0}, "'window' must be at least 1"),
    ({"window": 500}, "too short for one window"),
    ({"stride": "x"}, "'stride' must be a whole number"),
    ({"lowercase": True}, "unknown option 'lowercase' for text files"),
])
def test_bad_options_are_plain_errors(tmp_path, options, words):
    with pytest.raises(DataError, match=words):
        _load(tmp_path, "abc" * 40, **options)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "corpus.txt").write_bytes(b"abc\n\xff\xfe")
    with pytest.raises(DataError, match="line 2: the file is not UTF-8"):
        load_dataset({"kind": "file", "format": "text", "train": "corpus.txt"}, base_dir=tmp_path)
