from collections import Counter, defaultdict

import numpy as np
import torch

from cnnrnn_studio.data import decode_tokens, encode_texts, load_dataset
from cnnrnn_studio.data.synthetic import make_sentiment_mini


def test_sentiment_mini_shapes_vocab_and_balance():
    ds = load_dataset({"kind": "builtin", "name": "sentiment_mini"})
    assert (ds.kind, ds.task, ds.class_names) == ("tokens", "classification", ["negative", "positive"])
    assert len(ds.train) + len(ds.val) + len(ds.test) == 2000
    assert ds.vocab[:2] == ["<pad>", "<unk>"]
    assert ds.train.x.dtype == torch.int64 and ds.train.x.shape[1:] == ds.sample_shape
    y = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert np.bincount(y.numpy()).tolist() == [1000, 1000]
    assert "synthetic" in ds.description.lower()
    assert int(ds.train.x.max()) < len(ds.vocab)


def test_sentences_are_pre_padded_and_not_truncated():
    ds = load_dataset({"kind": "builtin", "name": "sentiment_mini"})
    assert ds.meta["longest_text"] <= ds.sample_shape[0] and ds.meta["truncated"] == 0
    assert bool((ds.train.x[:, -1] != 0).all())  # the last position always holds a word


def test_word_order_decides_the_label():
    texts, labels = make_sentiment_mini()
    assert len(set(texts)) == 2000
    by_bag = defaultdict(set)
    for text, label in zip(texts, labels):
        by_bag[tuple(sorted(Counter(text.split()).items()))].add(label)
    # Some sentences hold exactly the same words but have opposite labels: a bag of words cannot
    # tell them apart, a sequence model can.
    assert sum(len(v) == 2 for v in by_bag.values()) > 0
    assert any(" not " in t for t in texts) and any(" but " in t for t in texts)


def test_labels_follow_the_grammar():
    texts, labels = make_sentiment_mini()
    lookup = dict(zip(texts, labels))
    for text, label in lookup.items():
        last_clause = text.split(" but ")[-1]
        negated = any(w in last_clause.split() for w in ("not", "never"))
        positive_word = any(
            w in last_clause.split()
            for w in (
                "good",
                "great",
                "wonderful",
                "excellent",
                "fun",
                "brilliant",
                "moving",
                "charming",
                "clever",
                "enjoyable",
                "beautiful",
                "superb",
            )
        )
        assert label == ("positive" if positive_word != negated else "negative"), text


def test_encode_texts_matches_the_dataset_encoding():
    ds = load_dataset({"kind": "builtin", "name": "sentiment_mini"})
    row = ds.train.x[0]
    text = decode_tokens(row, ds.vocab)
    assert torch.equal(encode_texts([text], ds.vocab, ds.sample_shape[0])[0], row)


def test_max_length_option():
    ds = load_dataset({"kind": "builtin", "name": "sentiment_mini", "max_length": 8})
    assert ds.sample_shape == (8,) and ds.train.x.shape[1] == 8
    assert ds.meta["truncated"] > 0
