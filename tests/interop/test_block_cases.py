"""Every block test case (tests/blocks/cases.py) as a one-block network: Input -> block ->
adapter -> Output. "Export as Python" must compute what the studio model computes, and the
ONNX file must verify and come back with the same weights, without a hand-written graph: a new
block is covered by its declaration plus its case."""

from __future__ import annotations


import torch

from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx

from .generated import generated_model


def test_generated_code_matches_studio_model(case_index, nets, tmp_path):
    index = case_index
    project = nets.case_project(index)
    studio = nets.randomise(project.build_model(), seed=1)
    _, model = generated_model(project, studio, tmp_path, f"case_{index}")
    x = nets.sample_input(project, batch=3, length=9, seed=2)
    with torch.no_grad():
        expected, got = studio(x), model(x)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-6, rtol=0), (got - expected).abs().max()


def test_onnx_export_verifies_and_comes_back(case_index, nets, tmp_path):
    """Every case, so each wrapper (OverTime, PerFrame, Recurrent) meets the weight round trip."""
    project = nets.case_project(case_index)
    model = nets.randomise(project.build_model(), seed=2)
    path = tmp_path / "case.onnx"
    report = export_onnx(project, path, model=model)
    assert report.max_abs_diff < 1e-4
    back, state = import_onnx(path)
    assert back.graph.to_dict() == project.graph.to_dict()
    original = model.state_dict()
    assert set(state) == set(original)
    for key, value in original.items():
        assert torch.equal(state[key], value), key
