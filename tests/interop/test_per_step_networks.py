"""Networks that predict at every time step (many-to-many): the Output gets a sequence [T, K].

check --json reports the Output's shape as [T, K] (null for an open T), the compiled model returns
[batch, T, K], the ONNX file verifies with free batch and time axes, and "Export as Python"
computes what the studio model computes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnnrnn_studio.cli import main
from cnnrnn_studio.interop.onnx import cpu_session, export_onnx
from cnnrnn_studio.project import Project

from .generated import generated_model


def _project(blocks: list[tuple[str, str, dict]]) -> Project:
    return Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "per step",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
    })


def gru_tagger(task: str = "classification", k: int = 3, steps: int | None = None) -> Project:
    return _project([
        ("input", "Input", {"kind": "sequence", "shape": [steps, 4]}),
        ("gru", "GRU", {"hidden_size": 6, "return_sequences": True}),
        ("dense", "Dense", {"out_features": k}),
        ("output", "Output", {"task": task}),
    ])


def crnn() -> Project:
    """CNN -> ToSequence (one step per column) -> LSTM(every step) -> Dense -> Output."""
    return _project([
        ("input", "Input", {"kind": "image", "shape": [1, 8, 12]}),
        ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("relu", "ReLU", {}),
        ("pool", "MaxPool2d", {"kernel_size": 2}),
        ("seq", "ToSequence", {}),
        ("lstm", "LSTM", {"hidden_size": 5, "return_sequences": True, "bidirectional": True}),
        ("dense", "Dense", {"out_features": 11}),
        ("output", "Output", {"task": "classification"}),
    ])


NETWORKS = {
    "gru_classes_open_T": (lambda: gru_tagger("classification", 3), [None, 3]),
    "gru_numbers_fixed_T": (lambda: gru_tagger("regression", 2, steps=9), [9, 2]),
    "crnn": (crnn, [6, 11]),
}


def _input(project: Project, batch: int, length: int, seed: int) -> torch.Tensor:
    spec = project.analyze().input_spec
    dims = [length if d is None else d for d in spec.dims]
    return torch.randn((batch, *dims), generator=torch.Generator().manual_seed(seed))


def _randomised(project: Project) -> torch.nn.Module:
    model = project.build_model()
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(torch.randn(t.shape, generator=gen) * 0.3)
    return model.eval()


@pytest.mark.parametrize("name", list(NETWORKS))
def test_check_json_reports_a_sequence_at_the_output(name, tmp_path, capsys):
    make, shape = NETWORKS[name]
    path = tmp_path / "p.json"
    make().save(path)
    assert main(["check", str(path), "--json", "--no-data"]) == 0
    blocks = {b["id"]: b for b in json.loads(capsys.readouterr().out)["blocks"]}
    assert blocks["output"]["output_shape"] == shape


@pytest.mark.parametrize("name", list(NETWORKS))
def test_compiled_model_returns_batch_time_classes(name):
    make, shape = NETWORKS[name]
    project = make()
    model = project.build_model().eval()
    length = 7 if shape[0] is None else None
    with torch.no_grad():
        out = model(_input(project, 3, length or 1, seed=0))
    assert list(out.shape) == [3, shape[0] or length, shape[1]]


@pytest.mark.parametrize("name", list(NETWORKS))
def test_onnx_export_verifies_with_free_batch_and_time(name, tmp_path):
    make, shape = NETWORKS[name]
    project = make()
    model = _randomised(project)
    path = tmp_path / "net.onnx"
    report = export_onnx(project, path, model=model, probabilities=project.analyze().task == "classification")
    assert report.max_abs_diff < 1e-4
    session = cpu_session(str(path))
    out = session.get_outputs()[0]
    assert isinstance(out.shape[0], str)                    # batch is free
    if shape[0] is None:
        assert isinstance(out.shape[1], str)                # so is time
        lengths = (5, 13)
    else:  # the exporter may leave a fixed T symbolic; the outputs below have it
        assert out.shape[-1] == shape[1]
        lengths = (None,)
    for batch, length in zip((1, 4), lengths * 2):
        x = _input(project, batch, length or 1, seed=batch)
        got = session.run(None, {session.get_inputs()[0].name: x.numpy()})
        with torch.no_grad():
            ref = model(x).numpy()
        assert got[0].shape == ref.shape == (batch, shape[0] or length, shape[1])
        assert np.abs(got[0] - ref).max() < 1e-4
        if len(got) > 1:  # probabilities: softmax over the classes at every step
            assert np.allclose(got[1].sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_export_as_python_equals_the_studio_model(name, tmp_path):
    make, shape = NETWORKS[name]
    project = make()
    studio = _randomised(project)
    _, model = generated_model(project, studio, tmp_path, f"net_{name}")
    x = _input(project, 2, 8, seed=5)
    with torch.no_grad():
        expected, got = studio(x), model(x)
    assert got.shape == expected.shape and got.dim() == 3
    assert torch.allclose(got, expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_onnx_import_brings_the_per_step_network_back(name, tmp_path):
    from cnnrnn_studio.interop.onnx_import import import_onnx

    make, _ = NETWORKS[name]
    project = make()
    model = _randomised(project)
    export_onnx(project, tmp_path / "net.onnx", model=model)
    back, state = import_onnx(tmp_path / "net.onnx")
    assert back.graph.to_dict() == project.graph.to_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(state[key], value), key
