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
