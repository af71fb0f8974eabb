"""Every block test case (tests/blocks/cases.py) as a one-block network: Input -> block ->
adapter -> Output. "Export as Python" must compute what the studio model computes, and the
ONNX file must verify and come back with the same weights, without a hand-written graph: a new
block is covered by its declaration plus its case."""

from __future__ import annotations

import importlib.util

import torch
from safetensors.torch import save_file

from cnnrnn_studio.compile.codegen import python_source
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx


def _load(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_code_matches_studio_model(case_index, nets, tmp_path):
    index = case_index
    project = nets.case_project(index)
    studio = nets.randomise(project.build_model(), seed=1)
    weights = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in studio.state_dict().items()}, str(weights))
    path = tmp_path / f"case_{index}.py"
    path.write_text(python_source(project))
    mod = _load(path, f"case_{index}")
    cls = next(v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == mod.__name__)
    model = mod.load_weights(cls(), str(weights)).eval()
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
