"""--torchrun-script: the DDP folder, its data file, and a real 2-process run on CPU (gloo)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.interop.errors import ExportError
from cnnrnn_studio.interop.torchrun import README_SECTION, export_torchrun_script
from cnnrnn_studio.compile.weights import load_weights, save_weights
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project


def _project() -> Project:
    """Conv1d + BatchNorm + LSTM over sequences of open length: buckets, join() and buffers all matter."""
    g = Graph()
    g.add_block("Input", {"kind": "sequence", "shape": [None, 3]}, "input")
    g.add_block("Conv1d", {"out_channels": 4, "kernel_size": 3, "padding": "same"}, "conv1")
    g.add_block("BatchNorm", {}, "bn1")
    g.add_block("LSTM", {"hidden_size": 5}, "lstm")
    g.add_block("Dense", {"out_features": 2}, "dense")
    g.add_block("Output", {}, "output")
    for a, b in [("input", "conv1"), ("conv1", "bn1"), ("bn1", "lstm"), ("lstm", "dense"), ("dense", "output")]:
        g.add_link(a, b)
    return Project(g, name="tiny ddp", training={"epochs": 3, "batch_size": 4, "learning_rate": 0.01})


def _dataset(variable: bool = True) -> Dataset:
    gen = torch.Generator().manual_seed(0)

    def split(n: int) -> DataSplit:
        if variable:
            x = [torch.randn(int(torch.randint(4, 8, (1,), generator=gen)), 3, generator=gen) for _ in range(n)]
        else:
            x = torch.randn(n, 6, 3, generator=gen)
        return DataSplit(x, torch.randint(0, 2, (n,), generator=gen))

    shape = (None, 3) if variable else (6, 3)
    return Dataset("toy", "sequence", "classification", shape, split(30), split(7), split(6),
                   class_names=["calm", "busy"], n_outputs=2)


def _train_module(folder):
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location("ddp_train_under_test", folder / "train.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("model", None)


def test_folder_contents(tmp_path):
    report = export_torchrun_script(_project(), tmp_path / "job", dataset=_dataset())
    job = tmp_path / "job"
    assert sorted(p.name for p in job.iterdir()) == [".cnnrnn-studio-torchrun", "README.md", "data.npz", "model.py",
                                                     "project.json", "train.py"]   # the marker names what it wrote
    assert report.samples == {"train": 30, "val": 7, "test": 6}
    with np.load(job / "data.npz", allow_pickle=False) as data:  # plain arrays, no pickle
        assert data["x_train"].shape == (int(data["x_train_lengths"].sum()), 3)
        assert len(data["x_train_lengths"]) == 30 and data["y_train"].dtype == np.int64
        assert list(data["class_names"]) == ["calm", "busy"]
    readme = (job / "README.md").read_text()
    for text in ("torchrun --standalone --nproc-per-node=N train.py", "--nnodes=2", "--node-rank=0",
                 "--rdzv-backend c10d --rdzv-endpoint HOST:29500", "`x_<split>_lengths`"):
        assert text in readme
    train = (job / "train.py").read_text()
    assert "EPOCHS = 3" in train and "BATCH_SIZE = 4" in train and "LEARNING_RATE = 0.01" in train
    assert "from model import TinyDdp, load_weights, studio_state_dict" in train
    assert "sampler.set_epoch(epoch)" in train and "DistributedSampler" in train
    for heading in ("torchrun --standalone --nproc-per-node=N train.py", "--rdzv-backend c10d"):
        assert heading in README_SECTION


def test_batches_cover_every_sample_once_per_epoch(tmp_path):
    export_torchrun_script(_project(), tmp_path / "job", dataset=_dataset())
    train = _train_module(tmp_path / "job")
    from torch.utils.data import DistributedSampler

    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        x, y = train.load_split(data, "train")
    assert isinstance(x, list) and len(x) == len(y) == 30
    seen = []
    for rank in (0, 1):
        sampler = DistributedSampler(range(30), num_replicas=2, rank=rank, shuffle=True, seed=0)
        sampler.set_epoch(1)
        for batch in train.make_batches(x, list(sampler), 4, np.random.default_rng(rank)):
            assert len({len(x[i]) for i in batch}) == 1  # one exact length per batch: no padding
            assert len(batch) <= 4
            seen += batch
    assert sorted(set(seen)) == list(range(30))  # every sample (the sampler pads to equal shares)
    fixed = np.zeros((10, 6, 3), dtype=np.float32)
    assert train.make_batches(fixed, range(10), 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_two_process_run_ends_with_identical_weights_the_studio_can_load(tmp_path):
    project = _project()
    job = tmp_path / "job"
    export_torchrun_script(project, job, dataset=_dataset())
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "train.py",
         "--epochs", "1", "--checksums"],
        cwd=job, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "2 process(es), backend gloo" in result.stdout
    run = job / "run"
    sums = [json.loads((run / f"checksums-rank{r}.json").read_text()) for r in (0, 1)]
    assert sums[0] == sums[1]  # both processes ended with identical weights (buffers included)
    assert set(sums[0]) == set(project.build_model().state_dict())  # under the studio's names
    model = load_weights(project.build_model(), run)  # strict names and shapes
    assert all(torch.isfinite(v).all() for v in model.state_dict().values() if v.is_floating_point())
    summary = json.loads((run / "summary.json").read_text())
    assert summary["format"] == "cnnrnn-studio-run" and summary["status"] == "finished"
    assert summary["distributed"] == {"world_size": 2, "backend": "gloo", "batch_size_per_process": 4}
    assert summary["class_names"] == ["calm", "busy"] and summary["epochs_run"] == 1
    assert 0.0 <= summary["test"]["accuracy"] <= 1.0
    # the studio reads the folder back as one of its own training runs
    from cnnrnn_studio.train.runs import load_run

    loaded = load_run(run)
    assert loaded.project.graph.to_dict() == project.graph.to_dict()
    assert len(loaded.metrics) == 1 and loaded.metrics[0]["epoch"] == 1
    x = torch.randn(2, 6, 3)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), model.eval()(x))


def test_start_weights_travel_with_the_folder(tmp_path, nets):
    project = _project()
    start = nets.randomise(project.build_model(), seed=11)
    save_weights(start, tmp_path / "w.safetensors")
    export_torchrun_script(project, tmp_path / "job", dataset=_dataset(), weights=tmp_path / "w.safetensors")
    assert (tmp_path / "job" / "init.safetensors").is_file()
    assert load_weights(project.build_model(), tmp_path / "job" / "init.safetensors") is not None


def test_fixed_length_data_is_stored_as_one_array(tmp_path):
    g = _project().graph.copy()
    g.set_param("input", "shape", [6, 3])
    export_torchrun_script(Project(g, name="fixed"), tmp_path / "job", dataset=_dataset(variable=False))
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        assert data["x_train"].shape == (30, 6, 3) and "x_train_lengths" not in data.files
    assert "All samples have the same shape." in (tmp_path / "job" / "README.md").read_text()


def test_data_that_does_not_fit_the_network(tmp_path):
    bad = _dataset(variable=False)
    bad.sample_shape = (6, 4)
    with pytest.raises(ExportError, match=r"samples are \[6, 4\] but the network's Input is \[None, 3\]"):
        export_torchrun_script(_project(), tmp_path / "job", dataset=bad)
    with pytest.raises(ExportError, match="no dataset"):
        export_torchrun_script(_project(), tmp_path / "job2")
    assert list(tmp_path.iterdir()) == []
