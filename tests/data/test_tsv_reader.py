import torch

from cnnrnn_studio.data import load_dataset


def _tsv(rows):
    return "\n".join("\t".join(str(v) for v in row) for row in rows) + "\n"


ROWS = [
    [1, 0.1, 0.2, 0.3, 0.4],
    [2, 0.4, 0.3, "NaN", "NaN"],  # shorter series, padded with trailing NaN
    [1, 0.1, 0.3, 0.5, "NaN"],
    [2, 0.9, 0.8, 0.7, 0.6],
    ["1.0", 0.2, 0.2, 0.2, 0.2],  # '1.0' and '1' are the same class
    [2, 0.5, 0.4, "NaN", "NaN"],
    [1, 0.3, 0.4, 0.5, 0.6],
    [2, 0.8, 0.6, 0.4, 0.2],
    [1, 0.0, 0.1, 0.2, 0.3],
    [2, 0.6, 0.5, 0.4, "NaN"],
]


def test_trailing_nan_is_stripped_and_lengths_vary(write):
    path = write("Toy_TRAIN.tsv", _tsv(ROWS))
    ds = load_dataset({"kind": "file", "format": "tsv", "train": str(path)}, validation_split=0.0)
    assert ds.class_names == ["1", "2"] and ds.sample_shape == (None, 1)
    every = ds.train.x + ds.test.x
    assert sorted(int(s.shape[0]) for s in every) == [2, 2, 3, 3, 4, 4, 4, 4, 4, 4]
    assert not any(torch.isnan(s).any() for s in every)
    assert any(s.shape == (2, 1) and torch.allclose(s[:, 0], torch.tensor([0.4, 0.3])) for s in every)


def test_tsv_with_test_file_and_resampling(write):
    write("Toy_TRAIN.tsv", _tsv(ROWS))
    test = write("Toy_TEST.tsv", _tsv(ROWS[:4]))
    ds = load_dataset(
        {"kind": "file", "format": "tsv", "train": "Toy_TRAIN.tsv", "test": "Toy_TEST.tsv", "resample_to": 4},
        base_dir=test.parent,
    )
    assert len(ds.test) == 4 and ds.sample_shape == (4, 1)
    assert torch.allclose(ds.test.x[1, :, 0], torch.tensor([0.4, 0.3666667, 0.3333333, 0.3]), atol=1e-5)
    assert ds.test.y.tolist() == [0, 1, 0, 1]


def test_equal_length_tsv_gives_a_tensor(write):
    rows = [r for r in ROWS if "NaN" not in r]
    path = write("eq.tsv", _tsv(rows))
    ds = load_dataset({"kind": "file", "format": "tsv", "train": str(path)})
    assert isinstance(ds.train.x, torch.Tensor) and ds.sample_shape == (4, 1)


def test_interior_nan_names_line_and_column(write, refuses):
    rows = ROWS[:3] + [[1, 0.1, "NaN", 0.3, 0.4]]
    path = write("hole.tsv", _tsv(rows))
    with refuses(r"hole\.tsv line 4, column 3", "inside the series"):
        load_dataset({"kind": "file", "format": "tsv", "train": str(path)})


def test_non_number_in_tsv(write, refuses):
    rows = ROWS[:3] + [[1, 0.1, "abc", 0.3, 0.4]]
    path = write("word.tsv", _tsv(rows))
    with refuses(r"word\.tsv line 4, column 3: 'abc' is not a number"):
        load_dataset({"kind": "file", "format": "tsv", "train": str(path)})


def test_a_control_character_in_a_label_names_the_line(write, refuses):
    rows = ROWS[:3] + [["1\x00", 0.1, 0.2, 0.3, 0.4]]
    path = write("nul.tsv", _tsv(rows))
    with refuses(r"nul\.tsv line 4, column 1", "control character"):
        load_dataset({"kind": "file", "format": "tsv", "train": str(path)})
