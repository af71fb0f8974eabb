"""A text 'max_length' whose word-id table cannot fit in free memory is refused before it is made."""

import pytest

import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.builtin import load_sentiment_mini


def test_sentiment_max_length_beyond_memory():
    with pytest.raises(DataError, match=r"option 'max_length' 1,000,000,000,000 makes .* sentences"):
        load_sentiment_mini({"max_length": 10**12}, 0, 0.2)
    assert load_sentiment_mini({"max_length": 30}, 0, 0.2) is not None


def test_csv_text_max_length_beyond_free_memory(write, refuses, monkeypatch):
    rows = "".join(f"word{i} other{i},{'a' if i % 2 else 'b'}\n" for i in range(12))
    path = write("t.csv", "text,label\n" + rows)
    spec = {"kind": "file", "format": "csv", "mode": "text", "train": str(path)}
    monkeypatch.setattr(memory, "available_memory", lambda: 1024**2)
    with refuses(r"option 'max_length' 100,000 makes 12 texts in t\.csv", "Choose a smaller max_length"):
        load_dataset({**spec, "max_length": 100_000})
    assert len(load_dataset({**spec, "max_length": 5}).train) > 0
