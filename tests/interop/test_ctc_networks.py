"""CTC networks (Output task "ctc") export like any per-step network: the model is unchanged, only
the loss and the reading differ. The ONNX file returns the per-step scores [batch, T, C] (free batch
and time axes), says in its metadata that score 0 is the blank and how to read greedily, and
"Export as Python" computes what the studio model computes."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from cnnrnn_studio.compile.codegen import python_source
from cnnrnn_studio.interop.onnx import cpu_session, export_onnx
from cnnrnn_studio.train.ctc import as_lists, greedy_decode

from .generated import generated_model

from .test_per_step_networks import _input, _project, _randomised


def gru_reader(steps: int | None = None) -> object:
    return _project([
        ("input", "Input", {"kind": "sequence", "shape": [steps, 4]}),
        ("gru", "GRU", {"hidden_size": 6, "return_sequences": True}),
        ("dense", "Dense", {"out_features": 5}),
        ("output", "Output", {"task": "ctc"}),
    ])


def crnn_reader() -> object:
    return _project([
        ("input", "Input", {"kind": "image", "shape": [1, 8, 12]}),
        ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("relu", "ReLU", {}),
        ("pool", "MaxPool2d", {"kernel_size": 2}),
        ("seq", "ToSequence", {}),
        ("lstm", "LSTM", {"hidden_size": 5, "return_sequences": True, "bidirectional": True}),
        ("dense", "Dense", {"out_features": 11}),
        ("output", "Output", {"task": "ctc"}),
    ])


NETWORKS = {"gru_open_T": (gru_reader, [None, 5]), "crnn": (crnn_reader, [6, 11])}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_onnx_returns_the_per_step_scores_with_free_axes(name, tmp_path):
    make, shape = NETWORKS[name]
    project = make()
    assert project.analyze().ok and list(project.analyze().output_spec.dims) == shape
    model = _randomised(project)
    path = tmp_path / "reader.onnx"
    report = export_onnx(project, path, model=model, class_names=[chr(97 + i) for i in range(shape[1] - 1)])
    assert report.max_abs_diff < 1e-4
    meta = {p.key: json.loads(p.value) for p in onnx.load(str(path)).metadata_props}
    assert meta["task"] == "ctc" and meta["ctc"]["blank_index"] == 0
    assert meta["class_names"] == [chr(97 + i) for i in range(shape[1] - 1)]
    session = cpu_session(str(path))
    out = session.get_outputs()[0]
    assert out.name == "logits" and isinstance(out.shape[0], str)
    if shape[0] is None:
        assert isinstance(out.shape[1], str)
    for batch, length in ((1, 5), (3, 13)):
        x = _input(project, batch, length, seed=batch)
        got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
        with torch.no_grad():
            ref = model(x)
        assert got.shape == tuple(ref.shape) == (batch, shape[0] or length, shape[1])
        assert np.abs(got - ref.numpy()).max() < 1e-4
        # reading the file's scores as documented gives the studio's reading
        assert as_lists(greedy_decode(torch.from_numpy(got))) == as_lists(greedy_decode(ref))


@pytest.mark.parametrize("name", list(NETWORKS))
def test_export_as_python_equals_the_studio_model(name, tmp_path):
    make, _ = NETWORKS[name]
    project = make()
    studio = _randomised(project)
    mod, model = generated_model(project, studio, tmp_path, f"ctc_{name}")
    assert mod.TASK == "ctc"
    x = _input(project, 2, 8, seed=5)
    with torch.no_grad():
        expected, got = studio(x), model(x)
    assert got.shape == expected.shape and got.dim() == 3
    assert torch.allclose(got, expected, atol=1e-6, rtol=0)


def test_the_python_file_says_how_to_read_it_and_its_demo_reads(tmp_path):
    import subprocess
    import sys

    make, _ = next(iter(NETWORKS.values()))
    src = python_source(make())
    assert "score 0 is the blank" in src
    path = tmp_path / "reader.py"
    path.write_text(src)
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "symbols read: [[" in r.stdout
