"""Training on an image folder read from its disk cache batch by batch: the run works, and it
trains to exactly the weights the in-memory path gives (same pixels, same batches)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

import cnnrnn_studio.data.streaming as streaming
from cnnrnn_studio.data.streaming import MappedRows
from cnnrnn_studio.project.from_data import propose_project
from cnnrnn_studio.project.training import TrainConfig
from cnnrnn_studio.train.engine import run_training


def make_shapes(root, per_class=16):
    """Bright bars: horizontal (class 'h') or vertical ('v'), at random places, with noise."""
    rng = np.random.default_rng(0)
    for name in ("h", "v"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = rng.integers(0, 40, (12, 12)).astype(np.uint8)
            k = int(rng.integers(2, 10))
            if name == "h":
                img[k, 1:11] = 250
            else:
                img[1:11, k] = 250
            Image.fromarray(img).save(root / name / f"{i}.png")
    return root


def train(tmp_path, folder, out):
    section = {"kind": "file", "format": "image_folder", "train": str(folder), "size": [12, 12]}
    project, _ = propose_project(section, tmp_path, validation_split=0.25)
    cfg = TrainConfig.from_dict(project.training, epochs=3, batch_size=8, device="cpu", seed=1)
    return run_training(project, cfg, out=tmp_path / out)


def test_a_streamed_folder_trains_to_the_weights_of_the_in_memory_one(tmp_path, monkeypatch):
    folder = make_shapes(tmp_path / "bars")
    in_memory = train(tmp_path, folder, "memory")
    assert not isinstance(in_memory.dataset.train.x, MappedRows)
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    streamed = train(tmp_path, folder, "streamed")
    assert isinstance(streamed.dataset.train.x, MappedRows)
    assert streamed.summary["status"] == "finished" and streamed.summary["epochs_run"] == 3
    assert streamed.summary["n_train"] == in_memory.summary["n_train"]
    assert [r["train_loss"] for r in streamed.metrics] == [r["train_loss"] for r in in_memory.metrics]
    assert streamed.evaluation["accuracy"] == in_memory.evaluation["accuracy"]
    a, b = in_memory.model.state_dict(), streamed.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert streamed.metrics[-1]["train_loss"] < streamed.metrics[0]["train_loss"]  # it learns
