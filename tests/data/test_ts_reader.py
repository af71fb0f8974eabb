import numpy as np
import torch

from cnnrnn_studio.data import iter_batches, load_dataset

UNIVARIATE = """# a comment
@problemName Tiny
@timeStamps false
@missing false
@univariate true
@equalLength true
@seriesLength 4
@classLabel true up down
@data
1,2,3,4:up
4,3,2,1:down
1.5,2.5,3.5,4.5:up
# comments may appear among the data too
9,8,7,6:down
2,3,4,5:up
8,7,6,5:down
3,4,5,6:up
7,6,5,4:down
2,4,6,8:up
8,6,4,2:down
"""


def _spec(path, **options):
    return {"kind": "file", "format": "ts", "train": str(path), **options}


def test_univariate_equal_length(write):
    ds = load_dataset(_spec(write("tiny.ts", UNIVARIATE)), seed=0)
    assert (ds.kind, ds.sample_shape, ds.class_names) == ("sequence", (4, 1), ["up", "down"])
    assert len(ds.train) + len(ds.val) + len(ds.test) == 10
    assert ds.meta["problem_name"] == "Tiny"
    all_x = torch.cat([ds.train.x, ds.val.x, ds.test.x])
    assert all_x.dtype == torch.float32
    # Values are kept as they are (no normalisation for .ts by default).
    assert any(torch.equal(s[:, 0], torch.tensor([1.5, 2.5, 3.5, 4.5])) for s in all_x)
    for split in (ds.train, ds.val, ds.test):
        for x, y in zip(split.x, split.y):
            rising = bool(x[-1, 0] > x[0, 0])
            assert ds.class_names[int(y)] == ("up" if rising else "down")


def _multivariate(n_per_class, length, classes=("walk", "run"), unequal=False, numeric=False):
    lines = ["@problemName Multi", "@dimensions 3", f"@equalLength {'false' if unequal else 'true'}"]
    if not unequal:
        lines.append(f"@seriesLength {length}")
    lines += [f"@classLabel true {' '.join(classes)}", "@data"]
    rng = np.random.default_rng(0)
    for i in range(n_per_class * len(classes)):
        label = classes[i % len(classes)]
        t = length + (i % 3 if unequal else 0)
        dims = [",".join(f"{v:.4f}" for v in rng.normal(size=t) + 10 * d) for d in range(3)]
        lines.append(":".join(dims) + ":" + label)
    return "\n".join(lines) + "\n"


def test_multivariate_equal_length_with_test_file(write):
    train = write("m_TRAIN.ts", _multivariate(6, 5))
    write("m_TEST.ts", _multivariate(3, 5))
    ds = load_dataset(
        {"kind": "file", "format": "ts", "train": "m_TRAIN.ts", "test": "m_TEST.ts"}, base_dir=train.parent
    )
    assert ds.sample_shape == (5, 3)
    assert len(ds.test) == 6 and len(ds.train) + len(ds.val) == 12
    # Channel d was drawn around 10 * d: time first, channels last.
    assert torch.allclose(ds.test.x.mean(dim=(0, 1)), torch.tensor([0.0, 10.0, 20.0]), atol=1.0)


def test_numeric_labels_keep_the_header_order(write):
    path = write("num.ts", _multivariate(3, 4, classes=("3", "1", "2")))
    ds = load_dataset(_spec(path))
    assert ds.class_names == ["3", "1", "2"]


def test_unequal_length_gives_a_list_batched_without_padding(write):
    path = write("uneq.ts", _multivariate(6, 5, unequal=True))
    ds = load_dataset(_spec(path))
    assert ds.sample_shape == (None, 3)
    assert isinstance(ds.train.x, list) and all(s.dtype == torch.float32 for s in ds.train.x)
    lengths = {int(s.shape[0]) for split in (ds.train, ds.val, ds.test) for s in split.x}
    assert lengths == {5, 6, 7}
    seen = []
    for xb, yb, idx in iter_batches(ds.train, 4, shuffle=True, generator=torch.Generator().manual_seed(0)):
        assert xb.shape[0] == yb.shape[0] == idx.shape[0] and xb.shape[2] == 3
        seen += idx.tolist()
    assert sorted(seen) == list(range(len(ds.train)))


def test_resample_to_makes_equal_lengths(write):
    path = write("uneq.ts", _multivariate(6, 5, unequal=True))
    ds = load_dataset(_spec(path, resample_to=10))
    assert ds.sample_shape == (10, 3) and ds.train.x.shape[1:] == (10, 3)


def test_resample_is_linear_interpolation(write):
    text = "@univariate true\n@equalLength false\n@classLabel true a b\n@data\n0,10:a\n0,5,10:a\n5,0:b\n9,6,3,0:b\n1,2:a\n2,1:b\n"
    ds = load_dataset(_spec(write("r.ts", text), resample_to=3), validation_split=0.0)
    every = torch.cat([ds.train.x, ds.test.x])[:, :, 0]
    assert any(torch.allclose(s, torch.tensor([0.0, 5.0, 10.0])) for s in every)
    assert any(torch.allclose(s, torch.tensor([9.0, 4.5, 0.0])) for s in every)


def test_missing_values_are_interpolated_when_the_header_allows(write):
    text = (
        "@missing true\n@univariate true\n@classLabel true a b\n@data\n1,?,3,4:a\n4,3,NaN,1:b\n1,2,3,4:a\n4,3,2,1:b\n2,2,2,2:a\n3,3,3,3:b\n"
    )
    ds = load_dataset(_spec(write("miss.ts", text), resample_to=None), validation_split=0.0)
    every = torch.cat([ds.train.x, ds.test.x])[:, :, 0]
    assert not torch.isnan(every).any()
    assert sum(torch.allclose(s, torch.tensor([1.0, 2.0, 3.0, 4.0])) for s in every) == 2
    assert ds.meta["interpolated_values"] == 2


def test_target_label_gives_regression(write):
    lines = ["@univariate true", "@targetLabel true", "@data"]
    lines += [f"{i},{i + 1},{i + 2}:{i * 1.5}" for i in range(20)]
    ds = load_dataset(_spec(write("reg.ts", "\n".join(lines))))
    assert ds.task == "regression" and ds.n_outputs == 1 and ds.train.y.shape[1] == 1
    mean, std = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    first_values = ds.train.x[:, 0, 0]
    assert torch.allclose(ds.train.y[:, 0] * std + mean, first_values * 1.5, atol=1e-4)


def test_normalize_option_uses_training_statistics(write):
    path = write("m.ts", _multivariate(10, 6))
    ds = load_dataset(_spec(path, normalize=True))
    flat = ds.train.x.reshape(-1, 3)
    assert torch.allclose(flat.mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(flat.std(0, unbiased=False), torch.ones(3), atol=1e-4)
    assert len(ds.meta["feature_mean"]) == 3
