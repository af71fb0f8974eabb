"""ONNX import of MobileNet-style pieces written by torch itself: ReLU6 (exported as Clip 0..6),
Hardswish, Hardsigmoid and pools with ceil_mode. The imported project must compute torch's
numbers and export again as a verified file; other Clip ranges are refused by name."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx

pytestmark = pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript:DeprecationWarning")


def _export(model: nn.Module, x: torch.Tensor, path, opset: int = 17) -> None:
    torch.onnx.export(model.eval(), (x,), str(path), dynamo=False, opset_version=opset,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def _studio(project, state, x: torch.Tensor) -> torch.Tensor:
    model = project.build_model()
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        return model.eval()(x)


def _check(model: nn.Module, x: torch.Tensor, tmp_path, want: set[str], opset: int = 17, studio_x=None):
    """studio_x: the input in the studio's layout where it differs ([batch, time, features] for sequences)."""
    torch.manual_seed(0)
    path = tmp_path / "foreign.onnx"
    _export(model, x, path, opset)
    project, state = import_onnx(path)
    types = {b.type for b in project.graph.blocks}
    assert want <= types, types
    with torch.no_grad():
        expected = model.eval()(x)
    got = _studio(project, state, x if studio_x is None else studio_x)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5, rtol=0), (got - expected).abs().max()
    built = project.build_model()
    built.load_state_dict(state, strict=True)
    report = export_onnx(project, tmp_path / "again.onnx", model=built)
    assert report.max_abs_diff < 1e-4
    return project


def test_mobile_image_net_comes_in_as_blocks(tmp_path):
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.ReLU6(), nn.MaxPool2d(2, ceil_mode=True), nn.Hardswish(),
        nn.Flatten(), nn.Linear(4 * 6 * 5, 3),  # 11x9 after the conv -> 6x5 (floor mode: 5x4)
    )
    x = torch.randn(2, 3, 13, 11) * 4  # wide enough that ReLU6's cap at 6 matters
    project = _check(model, x, tmp_path, {"Conv2d", "ReLU6", "MaxPool2d", "HardSwish", "Flatten", "Dense"})
    pool = next(b for b in project.graph.blocks if b.type == "MaxPool2d")
    assert pool.params["ceil_mode"] is True


def test_hardsigmoid_and_ceil_avg_pool(tmp_path):
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.Hardsigmoid(),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
        nn.Flatten(), nn.Linear(3 * 6 * 5, 2),  # 10x8 -> 6x5 (floor mode: 5x4)
    )
    x = torch.randn(3, 2, 10, 8) * 4
    project = _check(model, x, tmp_path, {"HardSigmoid", "AvgPool2d"})
    pool = next(b for b in project.graph.blocks if b.type == "AvgPool2d")
    assert pool.params["ceil_mode"] is True


class _MaxOverTime(nn.Module):
    def forward(self, x):
        return x.amax(dim=2)


def test_sequence_max_pool_with_ceil_mode(tmp_path):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv1d(5, 4, 3), nn.ReLU6(), nn.MaxPool1d(3, stride=2, ceil_mode=True),
                          nn.Hardswish(), _MaxOverTime(), nn.Linear(4, 2))
    x = torch.randn(2, 5, 20) * 4  # 18 steps after the conv: 8 in floor mode, 9 in ceil mode
    _check(model, x, tmp_path, {"Conv1d", "ReLU6", "MaxPool1d", "HardSwish"}, studio_x=x.transpose(1, 2))


def _conv_then(act: onnx.NodeProto, opset: int, tmp_path):
    """x -> Conv (stored weights) -> act -> Flatten, saved; act reads "c" and writes "r"."""
    w = (np.random.default_rng(0).standard_normal((4, 3, 3, 3)) * 2).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"), act,
             helper.make_node("Flatten", ["r"], ["y"], name="flat")]
    graph = helper.make_graph(nodes, "handmade", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 64])],
                              [numpy_helper.from_array(w, "w")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    path = tmp_path / "handmade.onnx"
    onnx.save(m, str(path))
    return path, w


def test_clip_zero_six_in_old_opset_attributes(tmp_path):
    """Opset 10 keeps Clip's range in attributes rather than inputs."""
    path, w = _conv_then(helper.make_node("Clip", ["c"], ["r"], name="clip", min=0.0, max=6.0), 10, tmp_path)
    project, state = import_onnx(path)
    assert "ReLU6" in {b.type for b in project.graph.blocks}
    x = torch.randn(2, 3, 6, 6)
    expected = torch.clamp(torch.nn.functional.conv2d(x, torch.from_numpy(w)), 0, 6).flatten(1)
    assert torch.allclose(_studio(project, state, x), expected, atol=1e-5)


@pytest.mark.parametrize("lo, hi, shown", [(-1.0, 1.0, "-1..1"), (0.0, 1.0, "0..1"), (0.0, None, "0..none")])
def test_other_clip_ranges_are_refused_by_name(tmp_path, lo, hi, shown):
    class Clamp(nn.Module):
        def forward(self, x):
            return torch.clamp(x, lo, hi)

    model = nn.Sequential(nn.Conv2d(3, 2, 3), Clamp(), nn.Flatten())
    path = tmp_path / "clamp.onnx"
    _export(model, torch.randn(1, 3, 5, 5), path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    msg = str(e.value)
    assert "Clip" in msg and shown in msg and "ReLU6" in msg, msg


def test_other_hard_sigmoid_slopes_are_refused(tmp_path):
    path, _ = _conv_then(helper.make_node("HardSigmoid", ["c"], ["r"], name="hsig", alpha=0.2, beta=0.5), 17, tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "'hsig'" in str(e.value) and "0.2 * x + 0.5" in str(e.value), str(e.value)
