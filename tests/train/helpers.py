"""Small projects and synthetic datasets for the engine tests (tiny, so every test runs fast)."""

from __future__ import annotations

import threading
from pathlib import Path

import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.project import Project


def make_project(blocks: list[tuple[str, str, dict]], *, name: str = "Tiny", training: dict | None = None,
                 dataset: dict | None = None, path: Path | None = None) -> Project:
    """A chain of blocks (id, type, params) linked in order."""
    d = {
        "format": "cnnrnn-studio-project", "version": 1, "name": name,
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
    }
    if training is not None:
        d["training"] = training
    if dataset is not None:
        d["dataset"] = dataset
    p = Project.from_dict(d)
    if path is not None:
        p.save(path)
    return p


def vector_classifier(n_features: int = 4, n_classes: int = 3, hidden: int = 8, **kw) -> Project:
    return make_project([
        ("input", "Input", {"kind": "vector", "shape": [n_features]}),
        ("dense1", "Dense", {"out_features": hidden}),
        ("relu1", "ReLU", {}),
        ("dense2", "Dense", {"out_features": n_classes}),
        ("output", "Output", {"task": "classification"}),
    ], **kw)


def vector_regressor(n_features: int = 3, n_outputs: int = 1, **kw) -> Project:
    return make_project([
        ("input", "Input", {"kind": "vector", "shape": [n_features]}),
        ("dense1", "Dense", {"out_features": 8}),
        ("tanh", "Tanh", {}),
        ("dense2", "Dense", {"out_features": n_outputs}),
        ("output", "Output", {"task": "regression"}),
    ], **kw)


def gru_classifier(n_features: int = 2, n_classes: int = 2, **kw) -> Project:
    return make_project([
        ("input", "Input", {"kind": "sequence", "shape": [None, n_features]}),
        ("gru", "GRU", {"hidden_size": 6}),
        ("dense", "Dense", {"out_features": n_classes}),
        ("output", "Output", {"task": "classification"}),
    ], **kw)


def _split(x, y) -> DataSplit:
    return DataSplit(x, y)


def blobs(n_train: int = 96, n_val: int = 32, n_test: int = 30, n_features: int = 4, n_classes: int = 3,
          seed: int = 0) -> Dataset:
    """Separable classes: class c is centred at 3 * e_c."""
    g = torch.Generator().manual_seed(seed)

    def make(n):
        y = torch.arange(n) % n_classes
        x = torch.randn(n, n_features, generator=g) * 0.7
        x[torch.arange(n), y % n_features] += 3.0
        return _split(x, y)

    return Dataset(name="blobs", kind="vector", task="classification", sample_shape=(n_features,),
                   train=make(n_train), val=make(n_val), test=make(n_test),
                   class_names=[f"c{i}" for i in range(n_classes)], n_outputs=n_classes)


def linear_regression(n_train: int = 96, n_val: int = 32, n_test: int = 40, mean: float = 100.0,
                      std: float = 10.0, seed: int = 0) -> Dataset:
    """y (standardised) = a smooth function of x; meta says how to get back to original units."""
    g = torch.Generator().manual_seed(seed)
    w = torch.tensor([0.8, -0.5, 0.3])

    def make(n):
        x = torch.randn(n, 3, generator=g)
        y = (x @ w + 0.05 * torch.randn(n, generator=g))[:, None]
        return _split(x, y.float())

    return Dataset(name="line", kind="vector", task="regression", sample_shape=(3,), train=make(n_train),
                   val=make(n_val), test=make(n_test), n_outputs=1,
                   meta={"target_mean": [mean], "target_std": [std]})


def variable_sequences(n_train: int = 48, n_val: int = 16, n_test: int = 16, seed: int = 0) -> Dataset:
    """Sequences of lengths 3..6 with 2 features; class 1 when the first feature's sum is positive."""
    g = torch.Generator().manual_seed(seed)

    def make(n):
        xs = [torch.randn(3 + i % 4, 2, generator=g) for i in range(n)]
        y = torch.tensor([int(x[:, 0].sum() > 0) for x in xs])
        return _split(xs, y)

    return Dataset(name="seqs", kind="sequence", task="classification", sample_shape=(None, 2),
                   train=make(n_train), val=make(n_val), test=make(n_test), class_names=["neg", "pos"],
                   n_outputs=2)


class Recorder:
    """A listener that keeps every event (thread-safe enough for appends)."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, e):
        with self.lock:
            self.events.append(e)

    def of(self, cls):
        return [e for e in self.events if isinstance(e, cls)]

    def names(self):
        return [type(e).__name__ for e in self.events]


class TrainForwardCounter:
    """Wraps project.build_model so a test can watch (and act on) every training forward pass."""

    def __init__(self, project: Project, on_call=None):
        self.calls = 0
        self.model = None
        self.on_call = on_call
        original = project.build_model

        def build():
            model = original()
            self.model = model

            def hook(module, inputs, output):
                if module.training:
                    self.calls += 1
                    if self.on_call is not None:
                        replaced = self.on_call(self.calls, output)
                        if replaced is not None:
                            return replaced
                return None

            model.register_forward_hook(hook)
            padded = model.forward_padded

            def forward_padded(x, lengths):  # batches of padded series skip the hook: watch them too
                out, out_lengths = padded(x, lengths)
                replaced = hook(model, (x,), out)
                return (out if replaced is None else replaced), out_lengths

            model.forward_padded = forward_padded
            return model

        project.build_model = build


def state_copy(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
