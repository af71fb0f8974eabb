"""One rule for "computes the same", shared by the ONNX export check and the ONNX import check:
1e-4 absolute for outputs up to 1 in size, 1e-4 relative to the largest output above that."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx
from cnnrnn_studio.interop.onnx_import.tracked import article
from cnnrnn_studio.interop.tolerance import allowed_difference, within_tolerance
from cnnrnn_studio.project import Project

pytestmark = pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript:DeprecationWarning")


def test_the_rule():
    assert allowed_difference(np.array([0.5, -0.9])) == pytest.approx(1e-4)
    assert allowed_difference(np.array([3.0, -2e11])) == pytest.approx(2e7)
    assert allowed_difference(np.array([])) == pytest.approx(1e-4)
    assert allowed_difference(np.array([np.inf, 1.0])) == pytest.approx(1e-4)
    assert within_tolerance(9e-5, [0.1]) and not within_tolerance(2e-4, [0.1])
    assert within_tolerance(1.0, [5e4]) and not within_tolerance(10.0, [5e4])
    assert not within_tolerance(float("nan"), [1.0])


def _huge_dense_project() -> tuple[Project, torch.nn.Module]:
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [64]}, "input", (0.0, 0.0))
    g.add_block("Dense", {"out_features": 32}, "d1", (0.0, 100.0))
    g.add_block("Dense", {"out_features": 4}, "d2", (0.0, 200.0))
    g.add_block("Output", {"task": "regression"}, "output", (0.0, 300.0))
    g.add_link("input", "d1")
    g.add_link("d1", "d2")
    g.add_link("d2", "output")
    project = Project(g, name="huge")
    model = project.build_model()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3e4)  # outputs near 1e10: float32 alone differs by far more than 1e-4 there
    return project, model.eval()


def test_export_and_import_accept_the_same_large_outputs(tmp_path):
    project, model = _huge_dense_project()
    report = export_onnx(project, tmp_path / "huge.onnx", model=model)
    x = torch.randn(3, 64)
    with torch.no_grad():
        big = float(model(x).abs().max())
    assert big > 1e6
    assert report.max_abs_diff <= 1e-4 * big
    back, state = import_onnx(tmp_path / "huge.onnx")  # the same rule lets it back in
    rebuilt = back.build_model()
    rebuilt.load_state_dict(state)
    with torch.no_grad():
        np.testing.assert_allclose(rebuilt.eval()(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_articles_before_operator_names():
    assert [article(w) for w in ("AveragePool", "LSTM", "RNN", "Gemm", "GRU", "Expand", "MaxPool", "HardSwish")] \
        == ["an", "an", "an", "a", "a", "an", "a", "a"]


def test_an_unnamed_node_is_named_with_the_right_article(tmp_path):
    nodes = [helper.make_node("AveragePool", ["x"], ["p"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["p"], ["g"]), helper.make_node("Flatten", ["g"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], [])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = tmp_path / "avg.onnx"
    onnx.save(m, str(path))
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "an AveragePool node leaves the padding out" in str(e.value)


def test_unsupported_operators_are_listed_with_their_nodes_and_what_is_supported(tmp_path):
    nodes = [helper.make_node("Sin", ["x"], ["sq"], name="sine"), helper.make_node("Gemm", ["sq", "w"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
                              [numpy_helper.from_array(np.ones((4, 2), np.float32), "w")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = tmp_path / "sin.onnx"
    onnx.save(m, str(path))
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    text = str(e.value)
    assert "Sin (1 node: 'sine')" in text and "The studio reads Conv" in text and "arithmetic on tensor sizes" in text
    assert e.value.unsupported == ["Sin"]
