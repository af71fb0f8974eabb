"""The torchrun folder's train.py augments training batches as the studio does (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.data.augment import Augmenter
from cnnrnn_studio.interop.errors import ExportError
from cnnrnn_studio.interop.torchrun import export_torchrun_script
from cnnrnn_studio.compile.weights import load_weights
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project

from .test_torchrun import _dataset, _project, _train_module

IMAGE_AUGMENT = {"flip": True, "shift": 0.2, "rotate": 10.0, "brightness": 0.2}


def _image_project(augment: dict | None) -> Project:
    g = Graph()
    g.add_block("Input", {"kind": "image", "shape": [1, 6, 6]}, "input")
    g.add_block("Conv2d", {"out_channels": 3, "kernel_size": 3}, "conv")
    g.add_block("Flatten", {}, "flat")
    g.add_block("Dense", {"out_features": 2}, "dense")
    g.add_block("Output", {}, "output")
    for a, b in [("input", "conv"), ("conv", "flat"), ("flat", "dense"), ("dense", "output")]:
        g.add_link(a, b)
    dataset = {"kind": "builtin", "name": "digits"}
    if augment is not None:
        dataset["augment"] = augment
    return Project(g, name="tiny images", dataset=dataset,
                   training={"epochs": 2, "batch_size": 8, "learning_rate": 0.01, "seed": 3})


def _images() -> Dataset:
    gen = torch.Generator().manual_seed(0)

    def split(n: int) -> DataSplit:
        return DataSplit(torch.rand(n, 1, 6, 6, generator=gen), torch.randint(0, 2, (n,), generator=gen))

    return Dataset("squares", "image", "classification", (1, 6, 6), split(24), split(8), split(8),
                   class_names=["dark", "light"], n_outputs=2)


def _run(job, *args):
    result = subprocess.run([sys.executable, "train.py", "--cpu", *args], cwd=job, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


def test_train_py_trains_with_the_projects_augmentation(tmp_path):
    project = _image_project({"images": IMAGE_AUGMENT, "series": {"jitter": 0.1}})
    job = tmp_path / "job"
    export_torchrun_script(project, job, dataset=_images())
    text = (job / "train.py").read_text()
    assert "AUGMENT = {'flip': True, 'shift': 0.2, 'rotate': 10.0, 'brightness': 0.2}" in text
    assert "DATA_KIND = 'image'" in text
    readme = (job / "README.md").read_text()
    assert "Augmentation (from the project): flip True, shift 0.2, rotate 10.0, brightness 0.2" in readme
    assert "import cnnrnn_studio" not in text and "from cnnrnn_studio" not in text  # standalone

    out = _run(job, "--out", "aug")
    assert "augmentation {'flip': True" in out
    summary = json.loads((job / "aug" / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["augment"] == IMAGE_AUGMENT
    _run(job, "--out", "plain", "--no-augment")
    assert json.loads((job / "plain" / "summary.json").read_text())["augment"] is None
    augmented = load_weights(project.build_model(), job / "aug").state_dict()
    plain = load_weights(project.build_model(), job / "plain").state_dict()
    assert any(not torch.equal(augmented[k], plain[k]) for k in augmented)  # the batches were changed


def test_train_py_augments_exactly_as_the_studio_does(tmp_path):
    export_torchrun_script(_image_project({"images": IMAGE_AUGMENT}), tmp_path / "job", dataset=_images())
    train = _train_module(tmp_path / "job")
    x = _images().train.x
    ours = Augmenter(IMAGE_AUGMENT, "image", seed=5)(x)
    theirs = train.augment_batch(x, "image", IMAGE_AUGMENT, torch.Generator().manual_seed(5))
    assert torch.equal(ours, theirs) and not torch.equal(ours, x)


def test_series_augmentation_runs_on_sequences_of_different_lengths(tmp_path):
    project = _project()
    project.dataset = {"kind": "builtin", "name": "basic_motions",
                       "augment": {"series": {"jitter": 0.05, "scale": 0.1, "time_shift": 0.2, "window": 0.8}}}
    job = tmp_path / "job"
    export_torchrun_script(project, job, dataset=_dataset())
    assert "DATA_KIND = 'sequence'" in (job / "train.py").read_text()
    _run(job, "--epochs", "1")
    summary = json.loads((job / "run" / "summary.json").read_text())
    assert summary["augment"] == {"jitter": 0.05, "scale": 0.1, "time_shift": 0.2, "window": 0.8}


def test_without_augmentation_the_script_says_so(tmp_path):
    export_torchrun_script(_image_project(None), tmp_path / "job", dataset=_images())
    assert "AUGMENT = {}" in (tmp_path / "job" / "train.py").read_text()
    assert "No augmentation (the project sets none)." in (tmp_path / "job" / "README.md").read_text()


def test_a_bad_setting_is_refused_naming_the_field(tmp_path):
    with pytest.raises(ExportError, match=r"dataset\.augment\.images\.crop must be a number from 0 to 0\.5"):
        export_torchrun_script(_image_project({"images": {"crop": 0.9}}), tmp_path / "job", dataset=_images())
    assert not (tmp_path / "job").exists()
