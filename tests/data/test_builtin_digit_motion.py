import numpy as np
import pytest
import torch

from cnnrnn_studio.data import load_dataset


@pytest.fixture(scope="module")
def motion():
    return load_dataset({"kind": "builtin", "name": "digit_motion"})


def test_digit_motion_shapes_and_classes(motion):
    ds = motion
    assert (ds.kind, ds.task, ds.sample_shape) == ("image_sequence", "classification", (8, 1, 16, 16))
    assert ds.class_names == ["up", "down", "left", "right"]
    assert len(ds.train) + len(ds.val) + len(ds.test) == 1600
    y = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert np.bincount(y.numpy()).tolist() == [400, 400, 400, 400]
    assert ds.train.x.dtype == torch.float32 and 0 <= ds.train.x.min() and ds.train.x.max() <= 1


def _centre(frame: torch.Tensor) -> tuple[float, float]:
    img = frame[0]
    total = img.sum()
    rows = (img.sum(1) * torch.arange(16)).sum() / total
    cols = (img.sum(0) * torch.arange(16)).sum() / total
    return float(rows), float(cols)


def test_the_label_is_the_direction_of_motion(motion):
    for x, y in zip(motion.test.x[:80], motion.test.y[:80]):
        r0, c0 = _centre(x[0])
        r1, c1 = _centre(x[-1])
        direction = motion.class_names[int(y)]
        moved = {"up": r0 - r1, "down": r1 - r0, "left": c0 - c1, "right": c1 - c0}[direction]
        assert moved > 2.99  # 3 or 7 pixels over 8 frames
        sideways = abs(c1 - c0) if direction in ("up", "down") else abs(r1 - r0)
        assert sideways < 1e-4


def test_digit_motion_is_deterministic_and_split_by_seed(motion):
    again = load_dataset({"kind": "builtin", "name": "digit_motion"})
    assert torch.equal(again.train.x, motion.train.x)
    other = load_dataset({"kind": "builtin", "name": "digit_motion"}, seed=3)
    assert other.meta["indices"]["test"] != motion.meta["indices"]["test"]


# ---- per_frame: the digit turns, and every frame has its own label ----------------------------

@pytest.fixture(scope="module")
def per_frame():
    return load_dataset({"kind": "builtin", "name": "digit_motion", "per_frame": True})


def test_per_frame_labels_have_a_class_at_every_frame(per_frame):
    ds = per_frame
    assert (ds.kind, ds.task, ds.per_step, ds.sample_shape) == ("image_sequence", "classification", True,
                                                                 (8, 1, 16, 16))
    assert ds.class_names == ["up", "down", "left", "right"] and ds.n_outputs == 4
    assert ds.counts() == {"train": 1024, "val": 256, "test": 320}
    y = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert y.shape == (1600, 8)
    assert (y[:, 0] == -1).all()                 # the first frame has not moved yet: it does not count
    assert y[:, 1:].min() >= 0 and y[:, 1:].max() <= 3


def test_each_frame_is_labelled_with_the_way_the_digit_just_moved(per_frame):
    ds = per_frame
    for x, y in zip(ds.test.x[:60], ds.test.y[:60]):
        for t in range(1, 8):
            r0, c0 = _centre(x[t - 1])
            r1, c1 = _centre(x[t])
            moved = {"up": r0 - r1, "down": r1 - r0, "left": c0 - c1, "right": c1 - c0}[ds.class_names[int(y[t])]]
            assert abs(moved - 1) < 1e-4          # one pixel that way...
            assert abs(r1 - r0) + abs(c1 - c0) - 1 < 1e-4   # ...and no other motion


def test_the_digit_really_turns_within_clips(per_frame):
    y = per_frame.train.y[:, 1:]
    turns = (y[:, 1:] != y[:, :-1]).sum(1)
    assert (turns == 0).any() and (turns >= 1).float().mean() > 0.5 and turns.max() <= 2


def test_per_frame_option_is_checked():
    from cnnrnn_studio.data import DataError

    with pytest.raises(DataError, match="'per_frame'"):
        load_dataset({"kind": "builtin", "name": "digit_motion", "per_frame": "yes"})
