import torch

from cnnrnn_studio.data import load_dataset


def _reviews(n=40):
    lines = ["review,sentiment"]
    for i in range(n):
        good = i % 2 == 0
        lines.append(f'"The film, number {i}, was {"great" if good else "awful"}!",{"pos" if good else "neg"}')
    return "\n".join(lines) + "\n"


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "mode": "text", "train": str(path), **options}


def test_text_mode_basics(write):
    ds = load_dataset(_spec(write("reviews.csv", _reviews())))
    assert (ds.kind, ds.task, ds.class_names) == ("tokens", "classification", ["neg", "pos"])
    assert ds.sample_shape == (50,) and ds.train.x.shape[1] == 50 and ds.train.x.dtype == torch.int64
    assert ds.vocab[:2] == ["<pad>", "<unk>"]
    assert {"the", "film", "was", "great", "awful"} <= set(ds.vocab)
    assert "The" not in ds.vocab and "great!" not in ds.vocab  # lower-case words, no punctuation
    assert ds.meta["text_column"] == "review"


def test_vocabulary_comes_from_the_training_split_only(write):
    ds = load_dataset(_spec(write("reviews.csv", _reviews())))
    train_numbers = {str(i) for i in ds.meta["indices"]["train"]}
    test_numbers = {str(i) for i in ds.meta["indices"]["test"]}
    numbers_in_vocab = {w for w in ds.vocab if w.isdigit()}
    assert numbers_in_vocab == train_numbers
    assert not numbers_in_vocab & test_numbers
    # The number in each test sentence is unknown: exactly one <unk> (id 1) per test row.
    assert torch.equal((ds.test.x == 1).sum(1), torch.ones(len(ds.test), dtype=torch.int64))


def test_max_length_and_padding(write):
    path = write("reviews.csv", _reviews())
    pre = load_dataset(_spec(path, max_length=10))
    assert pre.sample_shape == (10,)
    row = pre.train.x[0]  # 6 words: "the film number N was great"
    assert row[:4].tolist() == [0, 0, 0, 0] and bool((row[4:] != 0).all())
    post = load_dataset(_spec(path, max_length=10, padding="post"))
    assert post.train.x[0][6:].tolist() == [0, 0, 0, 0]
    cut = load_dataset(_spec(path, max_length=3))
    assert cut.meta["truncated"] == 40
    # "pre" keeps the end of a long text: "...was great"
    assert cut.vocab[int(cut.train.x[0, -1])] in ("great", "awful")


def test_min_count_drops_rare_words(write):
    ds = load_dataset(_spec(write("reviews.csv", _reviews()), min_count=2))
    assert not any(w.isdigit() for w in ds.vocab)


def test_text_test_file_and_label_by_index(write):
    write("tr.csv", _reviews(40))
    test = write("te.csv", _reviews(6))
    ds = load_dataset(
        {
            "kind": "file",
            "format": "csv",
            "mode": "text",
            "train": "tr.csv",
            "test": "te.csv",
            "label_column": 1,
            "text_column": 0,
        },
        base_dir=test.parent,
    )
    assert len(ds.test) == 6 and len(ds.train) + len(ds.val) == 40


def test_headerless_text_file(write):
    rows = [f"{'nice' if i % 2 else 'bad'} movie {i},{'yes' if i % 2 else 'no'}" for i in range(20)]
    ds = load_dataset(_spec(write("plain.csv", "\n".join(rows))))
    assert len(ds.train) + len(ds.val) + len(ds.test) == 20
    assert ds.class_names == ["no", "yes"]
