"""Augmentation in the training engine: training batches only, seeded, refused with the field named."""

import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.train import evaluate, train

from .helpers import make_project, same_state, state_copy

STRONG = {"images": {"flip": True, "shift": 0.5, "rotate": 90, "brightness": 1.0, "contrast": 1.0}}


def little_images(seed=0) -> Dataset:
    g = torch.Generator().manual_seed(seed)

    def make(n):
        y = torch.arange(n) % 3
        x = torch.rand(n, 1, 6, 6, generator=g) * 0.3
        x[torch.arange(n), 0, y * 2, :] += 1.0  # class c: a bright row 2c
        return DataSplit(x, y)

    return Dataset(name="rows", kind="image", task="classification", sample_shape=(1, 6, 6),
                   train=make(48), val=make(24), test=make(24), class_names=["a", "b", "c"], n_outputs=3)


def image_project(augment=None, seed=0):
    dataset = {"kind": "builtin", "name": "digits"}
    if augment is not None:
        dataset["augment"] = augment
    return make_project([
        ("input", "Input", {"kind": "image", "shape": [1, 6, 6]}),
        ("flat", "Flatten", {}),
        ("dense", "Dense", {"out_features": 3}),
        ("output", "Output", {"task": "classification"}),
    ], dataset=dataset, training={"epochs": 2, "batch_size": 16, "seed": seed, "device": "cpu"})


def test_validation_and_test_scores_are_of_the_data_as_it_is(tmp_path):
    ds = little_images()
    run = train(image_project(STRONG), dataset=ds, out=tmp_path / "run")
    model = run.model
    # Had the engine augmented them, these strong changes would move the losses far.
    val = evaluate(model, ds.val, "classification", ds.class_names)
    test = evaluate(model, ds.test, "classification", ds.class_names)
    assert run.metrics[-1]["val_loss"] == pytest.approx(val["loss"], rel=1e-5)
    assert run.evaluation["loss"] == pytest.approx(test["loss"], rel=1e-5)
    assert run.evaluation["accuracy"] == test["accuracy"]


def test_training_batches_are_augmented_the_same_way_for_the_same_seed(tmp_path):
    ds = little_images()
    a = train(image_project(STRONG), dataset=ds, out=tmp_path / "a")
    b = train(image_project(STRONG), dataset=ds, out=tmp_path / "b")
    plain = train(image_project(), dataset=ds, out=tmp_path / "plain")
    other_seed = train(image_project(STRONG), dataset=ds, out=tmp_path / "c", seed=1)
    plain_seed = train(image_project(), dataset=ds, out=tmp_path / "d", seed=1)
    assert same_state(state_copy(a.model), state_copy(b.model))
    assert [r["train_loss"] for r in a.metrics] == [r["train_loss"] for r in b.metrics]
    assert not same_state(state_copy(a.model), state_copy(plain.model))
    assert not same_state(state_copy(other_seed.model), state_copy(plain_seed.model))
    assert a.summary["dataset"]["augment"] == STRONG  # the run keeps what it was trained with


def test_augmentation_for_another_kind_changes_nothing(tmp_path):
    ds = little_images()
    series_only = train(image_project({"series": {"jitter": 0.5}}), dataset=ds, out=tmp_path / "a")
    plain = train(image_project(), dataset=ds, out=tmp_path / "b")
    assert same_state(state_copy(series_only.model), state_copy(plain.model))


def test_a_bad_setting_stops_the_run_before_it_starts_naming_the_field(tmp_path):
    with pytest.raises(StudioError, match=r"dataset\.augment\.images\.rotate must be a number from 0 to 180"):
        train(image_project({"images": {"rotate": 500}}), dataset=little_images(), out=tmp_path / "run")


def test_series_of_different_lengths_are_augmented_too(tmp_path):
    from .helpers import gru_classifier, variable_sequences

    series = {"series": {"jitter": 0.1, "scale": 0.2, "time_shift": 0.2, "window": 0.7}}
    dataset = {"kind": "builtin", "name": "basic_motions"}
    training = {"epochs": 2, "batch_size": 8, "seed": 0, "device": "cpu"}
    a = train(gru_classifier(dataset=dict(dataset, augment=series), training=training),
              dataset=variable_sequences(), out=tmp_path / "a")
    plain = train(gru_classifier(dataset=dataset, training=training), dataset=variable_sequences(),
                  out=tmp_path / "b")
    assert all(torch.isfinite(torch.tensor(r["train_loss"])) for r in a.metrics)
    assert not same_state(state_copy(a.model), state_copy(plain.model))
