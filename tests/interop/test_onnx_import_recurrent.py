"""ONNX import of recurrent classifiers as people write them: `out, _ = rnn(x); fc(out[:, -1])` with
a batch-first layer (torch's legacy exporter writes `Gather` on the time axis, `out[:, -1:]` a Slice),
the dynamo exporter's zero initial states (`Expand` of zeros) and shape arithmetic (`Shape -> Slice ->
Mul -> Reshape`), and ONNX's own batch-first LSTM (`layout=1`). Each must compute torch's (or
onnxruntime's) numbers and export again as a verified file; what the studio cannot represent is
refused with a sentence that says why."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx

pytestmark = [pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning"), pytest.mark.filterwarnings("ignore::FutureWarning")]
RNG = np.random.default_rng(5)


class Classifier(nn.Module):
    """A recurrent layer (batch first) and a Linear on its last step, written the usual ways."""

    def __init__(self, cell: str, bidirectional: bool = False) -> None:
        super().__init__()
        self.rnn = getattr(nn, cell)(4, 6, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(6 * (2 if bidirectional else 1), 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def _export(model: nn.Module, path, dynamo: bool = False) -> None:
    x = torch.randn(2, 5, 4)
    if dynamo:
        dims = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}
        torch.onnx.export(model.eval(), (x,), str(path), dynamo=True, input_names=["x"], output_names=["y"],
                          dynamic_shapes=(dims,), external_data=False)
    else:
        torch.onnx.export(model.eval(), (x,), str(path), dynamo=False, opset_version=17, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch", 1: "time"}, "y": {0: "batch"}})


def _studio_model(project, state) -> nn.Module:
    model = project.build_model()
    model.load_state_dict(state, strict=True)
    return model.eval()


def _comes_in(model: nn.Module, tmp_path, dynamo: bool = False):
    """Import the exported model; it must compute torch's numbers at two lengths and export again."""
    torch.manual_seed(0)
    path = tmp_path / "foreign.onnx"
    _export(model, path, dynamo)
    project, state = import_onnx(path)
    studio = _studio_model(project, state)
    for batch, length in ((2, 3), (3, 11)):
        x = torch.randn(batch, length, 4)
        with torch.no_grad():
            np.testing.assert_allclose(studio(x).numpy(), model(x).numpy(), atol=1e-5)
    report = export_onnx(project, tmp_path / "again.onnx", model=studio)
    assert report.max_abs_diff < 1e-4
    return project


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_last_step_classifier_becomes_the_layers_last_step_output(cell, tmp_path):
    torch.manual_seed(1)
    project = _comes_in(Classifier(cell), tmp_path)
    assert [b.type for b in project.graph.blocks] == ["Input", cell, "Dense", "Output"]
    rnn = project.graph.of_type(cell)[0]
    assert project.analyze().params[rnn]["return_sequences"] is False
    assert project.analyze().input_spec.dims == (None, 4)  # the length stays free


_DYNAMO_SCRIPT = """
import sys, torch
from torch import nn
torch.manual_seed(3)
rnn, fc = nn.LSTM(4, 6, batch_first=True), nn.Linear(6, 3)
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = rnn, fc
    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
model = Classifier().eval()
dims = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}
torch.onnx.export(model, (torch.randn(2, 5, 4),), sys.argv[1], dynamo=True, input_names=["x"], output_names=["y"],
                  dynamic_shapes=(dims,), external_data=False)
torch.save(model.state_dict(), sys.argv[2])
"""


def test_dynamo_exporter_lstm_with_zero_state_and_shape_arithmetic(tmp_path):
    # In a fresh process: after an LSTM export in the same process the dynamo exporter freezes the length.
    path, weights = tmp_path / "dynamo.onnx", tmp_path / "torch_weights.pt"
    subprocess.run([sys.executable, "-c", _DYNAMO_SCRIPT, str(path), str(weights)], check=True,
                   capture_output=True, timeout=600)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert {"Expand", "Mul", "Gather", "Shape"} <= ops  # the patterns this test is about are really there
    model = Classifier("LSTM")
    model.load_state_dict(torch.load(weights, weights_only=True))  # written by this test just above
    project, state = import_onnx(path)
    assert [b.type for b in project.graph.blocks] == ["Input", "LSTM", "Dense", "Output"]
    studio = _studio_model(project, state)
    for batch, length in ((2, 3), (3, 11)):
        x = torch.randn(batch, length, 4)
        with torch.no_grad():
            np.testing.assert_allclose(studio(x).numpy(), model.eval()(x).numpy(), atol=1e-5)
    assert export_onnx(project, tmp_path / "again.onnx", model=studio).max_abs_diff < 1e-4


def test_last_step_of_a_two_way_layer_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "bi.onnx"
    _export(Classifier("LSTM", bidirectional=True), path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "two-way" in str(e.value) and "h_n" in str(e.value) and str(path) in str(e.value)


def test_every_step_also_used_is_refused(tmp_path):
    class Both(Classifier):
        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1]) + self.fc(out).mean(dim=1)

    path = tmp_path / "both.onnx"
    _export(Both("GRU"), path)
    with pytest.raises(OnnxImportError):
        import_onnx(path)


# --- hand-made ONNX: batch-first layout, GRU variants, Gemm biases ---------------------------------
def _w(*shape) -> np.ndarray:
    return (RNG.standard_normal(shape) * 0.4).astype(np.float32)


def _save(nodes, inputs, outputs, inits, tmp_path, name="m.onnx"):
    graph = helper.make_graph(nodes, "handmade", inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="handmade")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    path = tmp_path / name
    onnx.save(m, str(path))
    return path


def _ort(path, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def _reference(path, x: np.ndarray) -> np.ndarray:
    """onnx's reference evaluator: onnxruntime does not run batch-first (layout=1) recurrent layers."""
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(str(path)).run(None, {"x": x})[0]


@pytest.mark.parametrize("use", ["Y_h", "Y last step", "Y last step kept as an axis"])
def test_batch_first_layout_is_the_studios_own_order(use, tmp_path):
    H = 5
    lstm = helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "yh"], hidden_size=H, layout=1)  # y [N, T, 1, H]
    if use == "Y_h":
        pick = [helper.make_node("Squeeze", ["yh", "ax1"], ["h"])]                               # yh [N, 1, H]
    elif use == "Y last step":
        pick = [helper.make_node("Squeeze", ["y", "ax2"], ["seq"]),                             # [N, T, H]
                helper.make_node("Gather", ["seq", "last"], ["h"], axis=1)]
    else:  # out[:, -1:] then squeeze(1)
        pick = [helper.make_node("Squeeze", ["y", "ax2"], ["seq"]),
                helper.make_node("Slice", ["seq", "start", "end", "ax1", "one"], ["l"]),         # [N, 1, H]
                helper.make_node("Squeeze", ["l", "ax1"], ["h"])]
    nodes = [lstm, *pick, helper.make_node("Gemm", ["h", "wd", "bd"], ["out"], transB=1)]
    inits = {"w": _w(1, 4 * H, 3), "r": _w(1, 4 * H, H), "b": _w(1, 8 * H), "ax1": np.array([1]),
             "ax2": np.array([2]), "last": np.array(-1), "wd": _w(2, H), "bd": _w(2), "start": np.array([-1]),
             "end": np.array([np.iinfo(np.int64).max]), "one": np.array([1])}
    path = _save(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 3])],
                 [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 2])], inits, tmp_path)
    notes: list[str] = []
    project, state = import_onnx(path, warnings=notes)
    assert [b.type for b in project.graph.blocks] == ["Input", "LSTM", "Dense", "Output"]
    assert not any("transpose your data" in n for n in notes)  # batch first needs no change
    studio = _studio_model(project, state)
    for length in (1, 8):
        x = RNG.standard_normal((3, length, 3)).astype(np.float32)
        with torch.no_grad():
            np.testing.assert_allclose(studio(torch.from_numpy(x)).numpy(), _reference(path, x), atol=1e-5)


def test_gru_linear_before_reset_0_is_refused_saying_why(tmp_path):
    G = 3
    nodes = [helper.make_node("GRU", ["x", "w", "r"], ["", "h"], hidden_size=G),  # linear_before_reset defaults to 0
             helper.make_node("Squeeze", ["h", "ax"], ["hs"]), helper.make_node("Gemm", ["hs", "wd"], ["y"])]
    path = _save(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "N", 2])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
                 {"w": _w(1, 3 * G, 2), "r": _w(1, 3 * G, G), "ax": np.array([0]), "wd": _w(G, 2)}, tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    text = str(e.value)
    assert "linear_before_reset=0" in text and "torch" in text and "cannot be imported exactly" in text


def _gemm_file(bias: np.ndarray, tmp_path, batch=2):
    nodes = [helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="head")]
    return _save(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])],
                 {"w": _w(4, 3), "c": bias}, tmp_path)


def test_gemm_bias_that_differs_per_sample_is_a_clear_message(tmp_path):
    path = _gemm_file(_w(2, 3), tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "'head'" in str(e.value) and "bias of shape [2, 3]" in str(e.value) and "one bias per output" in str(e.value)


@pytest.mark.parametrize("shape", [(2, 3), (1, 3), (3,), (2, 1), ()])
def test_gemm_bias_the_same_for_every_sample_comes_in(shape, tmp_path):
    row = np.broadcast_to(_w(*shape[-1:]) if shape else _w(), shape).astype(np.float32)
    bias = np.broadcast_to(row[:1] if len(shape) == 2 else row, shape).copy()
    path = _gemm_file(bias, tmp_path)
    project, state = import_onnx(path)  # verified against onnxruntime inside
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    with torch.no_grad():
        got = _studio_model(project, state)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, _ort(path, x), atol=1e-5)
