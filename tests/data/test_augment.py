"""The augmentation transforms (data/augment_ops.py) and their settings (data/augment.py)."""

import pytest
import torch

from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.augment import Augmenter, augment_settings, augmented_examples, check_augment

IMAGE_SETTINGS = {"flip": True, "shift": 0.2, "crop": 0.2, "rotate": 15.0, "brightness": 0.3, "contrast": 0.3}
SERIES_SETTINGS = {"jitter": 0.1, "scale": 0.2, "time_shift": 0.2, "window": 0.8}


def images(n=6, c=1, h=10, w=12, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def series(n=5, t=30, f=3, seed=0):
    return torch.randn(n, t, f, generator=torch.Generator().manual_seed(seed)).cumsum(1)


@pytest.mark.parametrize("name", list(IMAGE_SETTINGS))
@pytest.mark.parametrize("c", [1, 3])
def test_each_image_transform_keeps_the_shape_and_changes_the_images(name, c):
    x = images(c=c)
    out = Augmenter({name: IMAGE_SETTINGS[name]}, "image", seed=1)(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.isfinite(out).all()
    assert not torch.equal(out, x)


@pytest.mark.parametrize("name", list(SERIES_SETTINGS))
def test_each_series_transform_keeps_the_shape_and_changes_the_series(name):
    x = series()
    out = Augmenter({name: SERIES_SETTINGS[name]}, "sequence", seed=1)(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.isfinite(out).all()
    assert not torch.equal(out, x)


@pytest.mark.parametrize("kind, settings, make", [("image", IMAGE_SETTINGS, images),
                                                  ("sequence", SERIES_SETTINGS, series)])
def test_the_same_seed_gives_the_same_batches_and_another_seed_others(kind, settings, make):
    x = make()
    a, b, c = (Augmenter(settings, kind, seed=s) for s in (7, 7, 8))
    first = [a(x), a(x)]
    assert torch.equal(first[0], b(x)) and torch.equal(first[1], b(x))
    assert not torch.equal(first[0], first[1])  # each batch draws new amounts
    assert not torch.equal(first[0], c(x))


def test_nothing_on_leaves_the_batch_itself():
    x = images()
    assert Augmenter({}, "image", seed=0)(x) is x
    off = check_augment({"images": {"flip": False, "shift": 0, "rotate": 0.0}, "series": {"window": 1}})
    assert off == {"images": {}, "series": {}}
    assert augment_settings({"images": {"flip": False}}, "image") == {}
    # Settings for images leave series (and other kinds) alone, and the other way round.
    s = series()
    assert Augmenter(augment_settings({"images": IMAGE_SETTINGS}, "sequence"), "sequence", seed=0)(s) is s
    tokens = torch.randint(0, 9, (4, 7))
    assert Augmenter(augment_settings({"images": IMAGE_SETTINGS, "series": SERIES_SETTINGS}, "tokens"),
                     "tokens", seed=0)(tokens) is tokens


def test_flip_mirrors_some_images_and_keeps_the_others():
    x = images(n=32)
    out = Augmenter({"flip": True}, "image", seed=3)(x)
    same = [torch.allclose(o, i, atol=1e-5) for o, i in zip(out, x)]
    mirrored = [torch.allclose(o, i.flip(-1), atol=1e-5) for o, i in zip(out, x)]
    assert all(s or m for s, m in zip(same, mirrored))
    assert 0 < sum(mirrored) < 32


def test_shift_moves_a_dot_by_at_most_the_share_asked():
    x = torch.zeros(64, 1, 20, 20)
    x[:, :, 10, 10] = 1.0
    out = Augmenter({"shift": 0.1}, "image", seed=0)(x)  # up to 2 pixels each way
    rows = torch.arange(20.0).reshape(1, 20, 1)
    mass = out[:, 0].sum((1, 2))
    centre_r = (out[:, 0] * rows).sum((1, 2)) / mass
    centre_c = (out[:, 0] * rows.transpose(1, 2)).sum((1, 2)) / mass
    moved = torch.stack([centre_r - 10, centre_c - 10], 1)
    assert moved.abs().max() <= 2.0 + 1e-4
    assert (moved.abs().amax(1) > 0.5).float().mean() > 0.5  # most dots really moved


def test_brightness_adds_one_amount_per_image_within_its_range():
    x = images(n=16)
    out = Augmenter({"brightness": 0.2}, "image", seed=0)(x)
    delta = (out - x).reshape(16, -1)
    assert torch.allclose(delta, delta[:, :1].expand_as(delta), atol=1e-6)
    spread = (x.reshape(16, -1).amax(1) - x.reshape(16, -1).amin(1))
    assert (delta[:, 0].abs() <= 0.2 * spread + 1e-6).all()


def test_contrast_keeps_each_images_mean():
    x = images(n=8)
    out = Augmenter({"contrast": 0.5}, "image", seed=0)(x)
    assert torch.allclose(out.mean((1, 2, 3)), x.mean((1, 2, 3)), atol=1e-5)


def test_series_scaling_multiplies_each_channel_by_one_factor():
    x = series() + 50.0  # no zeros to divide by
    out = Augmenter({"scale": 0.2}, "sequence", seed=0)(x)
    ratio = out / x
    assert torch.allclose(ratio, ratio[:, :1].expand_as(ratio), atol=1e-5)
    assert ((ratio >= 0.8 - 1e-5) & (ratio <= 1.2 + 1e-5)).all()


def test_time_shift_moves_whole_steps_and_repeats_the_edge():
    x = torch.arange(20.0).reshape(1, 20, 1).repeat(16, 1, 2)
    out = Augmenter({"time_shift": 0.25}, "sequence", seed=0)(x)  # up to 5 steps
    for o in out:
        d = o[:, 0] - torch.arange(20.0)
        inside = (o[:, 0] > 0) & (o[:, 0] < 19)  # away from the repeated edge values
        moved = d[inside]
        assert torch.allclose(moved, moved[:1].expand_as(moved)) and moved.abs().max() <= 5
        assert torch.equal(o[:, 0], o[:, 1])  # every channel moves together
    assert (out != x).any()


def test_window_slicing_stretches_a_part_back_to_the_whole_length():
    x = torch.linspace(0, 1, 50).reshape(1, 50, 1).repeat(8, 1, 1)
    out = Augmenter({"window": 0.5}, "sequence", seed=0)(x)
    span = out[:, -1, 0] - out[:, 0, 0]
    assert torch.allclose(span, torch.full_like(span, 0.5), atol=1e-5)  # half of the ramp, stretched
    assert (out[:, 0, 0] >= 0).all() and (out[:, -1, 0] <= 1 + 1e-6).all()
    assert len(set(out[:, 0, 0].tolist())) > 1  # each series its own window


def test_jitter_is_noise_scaled_to_the_channels_spread():
    x = series(n=32, t=100) * torch.tensor([1.0, 100.0, 0.01])
    out = Augmenter({"jitter": 0.1}, "sequence", seed=0)(x)
    noise_share = (out - x).std(dim=(0, 1)) / x.std(dim=(0, 1))
    assert torch.allclose(noise_share, torch.full((3,), 0.1), rtol=0.1)


def test_augmented_examples_show_one_sample_many_ways():
    sample = images(n=1)[0]
    shown = augmented_examples(sample, "image", {"shift": 0.2, "flip": True}, n=6, seed=0)
    assert shown.shape == (6, *sample.shape)
    assert len({tuple(s.flatten().tolist()) for s in shown}) > 1
    assert torch.equal(shown, augmented_examples(sample, "image", {"shift": 0.2, "flip": True}, n=6, seed=0))


@pytest.mark.parametrize("value, words", [
    ([1, 2], "dataset.augment must be an object"),
    ({"pictures": {}}, "dataset.augment has an unknown part 'pictures'"),
    ({"images": 3}, "dataset.augment.images must be an object"),
    ({"images": {"flop": True}}, "dataset.augment.images.flop is not a setting; the images settings are: flip"),
    ({"images": {"jitter": 0.1}}, "dataset.augment.images.jitter is not a setting"),
    ({"images": {"flip": "yes"}}, "dataset.augment.images.flip must be true or false, got 'yes'"),
    ({"images": {"shift": 0.9}}, "dataset.augment.images.shift must be a number from 0 to 0.5"),
    ({"images": {"rotate": -5}}, "dataset.augment.images.rotate must be a number from 0 to 180"),
    ({"images": {"brightness": True}}, "dataset.augment.images.brightness must be a number"),
    ({"images": {"contrast": float("nan")}}, "dataset.augment.images.contrast must be a number"),
    ({"series": {"window": 0.0}}, "dataset.augment.series.window must be a number from 0.1 to 1"),
    ({"series": {"jitter": "lots"}}, "dataset.augment.series.jitter must be a number from 0 to 1"),
])
def test_bad_settings_are_refused_naming_the_field(value, words):
    with pytest.raises(DataError) as e:
        check_augment(value)
    assert words in str(e.value)


def test_time_moves_are_refused_when_every_step_has_a_target():
    assert augment_settings({"series": {"jitter": 0.1}}, "sequence", per_step=True) == {"jitter": 0.1}
    with pytest.raises(DataError, match=r"dataset\.augment\.series\.time_shift moves the time steps"):
        augment_settings({"series": {"time_shift": 0.1}}, "sequence", per_step=True)
    with pytest.raises(DataError, match=r"dataset\.augment\.series\.window .*label sequences \(CTC\)"):
        augment_settings({"series": {"window": 0.9}}, "sequence", task="ctc")


def test_the_dataset_section_takes_augment_and_checks_it():
    spec = {"kind": "builtin", "name": "digits", "augment": {"images": {"flip": True, "shift": 0.1}}}
    ds = load_dataset(spec)
    assert ds.kind == "image" and len(ds.train)
    with pytest.raises(DataError, match=r"dataset\.augment\.images\.shift must be a number from 0 to 0\.5 \(.*\), got 2"):
        load_dataset(dict(spec, augment={"images": {"shift": 2}}))
