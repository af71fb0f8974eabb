"""ONNX import: studio files come back exactly; foreign models built from supported operators come in
as blocks computing the same numbers; anything else is refused in one clear message."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from cnnrnn_studio.cli import main as cli_main
from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx_import import import_onnx
from cnnrnn_studio.compile.weights import load_weights
from cnnrnn_studio.project import load_project

RNG = np.random.default_rng(0)


def _w(*shape) -> np.ndarray:
    return (RNG.standard_normal(shape) * 0.3).astype(np.float32)


def _model(nodes, inputs, outputs, inits, opset=17, name="foreign") -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="handmade")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m


def _save(m, tmp_path, name="m.onnx"):
    path = tmp_path / name
    onnx.save(m, str(path))
    return path


def _ort(path, feed: dict) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feed)[0]


def _studio(project, state, x: torch.Tensor) -> np.ndarray:
    model = project.build_model()
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        return model.eval()(x).numpy()


def _types(project) -> list[str]:
    return [b.type for b in project.graph.blocks]


# --- studio -> ONNX -> studio --------------------------------------------------------------
def test_round_trip_gives_the_same_graph_and_outputs(network_name, exported, nets):
    project, model, path, _ = exported(network_name)
    back, state = import_onnx(path)
    assert back.graph.to_dict() == project.graph.to_dict()  # same ids, types, params, links, positions
    assert back.name == project.name
    original = model.state_dict()
    assert set(state) == set(original)
    for key, value in original.items():
        assert torch.equal(state[key], value), key  # the very same weights (BatchNorm statistics included)
    x = nets.sample_input(project, batch=4, length=17, seed=4)
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(_studio(back, state, x), expected, atol=1e-6, rtol=0)


def test_studio_file_without_metadata_comes_in_through_the_operators(exported, tmp_path, nets):
    project, model, path, _ = exported("sequence_zoo")  # Conv1d, pools incl. min, LSTM/GRU/RNN 2-way, 2 layers
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    bare = _save(proto, tmp_path, "bare.onnx")
    notes: list[str] = []
    back, state = import_onnx(bare, warnings=notes)
    types = _types(back)
    for t in ("Conv1d", "BatchNorm", "MaxPool1d", "AvgPool1d", "MinPool1d", "LayerNorm", "Softmax", "Concat", "Add"):
        assert t in types
    assert types.count("LSTM") == 2 and types.count("GRU") == 2  # one block per ONNX layer
    x = nets.sample_input(project, batch=3, length=21, seed=5)
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(_studio(back, state, x), expected, atol=1e-5, rtol=0)
    assert any("guessed" in n for n in notes)


# --- foreign models ---------------------------------------------------------------------------
def test_foreign_cnn(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["n1"], epsilon=1e-3, momentum=0.8),
        helper.make_node("Relu", ["n1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], auto_pad="SAME_UPPER", kernel_shape=[3, 3]),
        helper.make_node("LeakyRelu", ["c2"], ["l2"], alpha=0.1),
        helper.make_node("AveragePool", ["l2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "wd", "bd"], ["logits"]),  # transB=0: weights stored [in, out]
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    inits = {"w1": _w(4, 1, 3, 3), "b1": _w(4), "s": _w(4) + 1, "bb": _w(4), "m": _w(4),
             "v": np.abs(_w(4)) + 0.5, "w2": _w(6, 4, 3, 3), "wd": _w(6, 3), "bd": _w(3)}
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
               [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 3])], inits)
    path = _save(m, tmp_path)
    project, state = import_onnx(path)
    assert _types(project) == ["Input", "Conv2d", "BatchNorm", "ReLU", "MaxPool2d", "Conv2d", "LeakyReLU",
                               "AvgPool2d", "GlobalAvgPool", "Dense", "Softmax", "Output"]
    params = project.analyze().params
    conv2 = [b.id for b in project.graph.blocks if b.type == "Conv2d"][1]
    assert params[conv2]["padding"] == "same" and params[conv2]["bias"] is False
    bn = project.graph.of_type("BatchNorm")[0]
    assert params[bn]["eps"] == pytest.approx(1e-3) and params[bn]["momentum"] == pytest.approx(0.2)
    assert project.analyze().task == "classification"
    x = RNG.standard_normal((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(_studio(project, state, torch.from_numpy(x)), _ort(path, {"x": x}), atol=1e-5)


def test_foreign_mlp_with_branches(tmp_path):
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["mm1"]),
        helper.make_node("Add", ["mm1", "b1"], ["h1"]),          # MatMul + Add -> one Dense with bias
        helper.make_node("Tanh", ["h1"], ["t1"]),
        helper.make_node("Dropout", ["t1", "ratio"], ["d1"]),
        helper.make_node("MatMul", ["d1", "w2"], ["h2"]),         # MatMul alone -> Dense without bias
        helper.make_node("Sigmoid", ["h2"], ["s2"]),
        helper.make_node("Identity", ["s2"], ["i2"]),
        helper.make_node("Add", ["i2", "t1"], ["skip"]),          # a skip connection
        helper.make_node("Concat", ["skip", "h1"], ["cat"], axis=1),
        helper.make_node("Gemm", ["cat", "w3", "b3"], ["y"], transB=1, alpha=0.5, beta=2.0),
    ]
    inits = {"w1": _w(6, 5), "b1": _w(5), "ratio": np.array(0.25, dtype=np.float32), "w2": _w(5, 5),
             "w3": _w(1, 10), "b3": _w(1)}
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], inits)
    path = _save(m, tmp_path)
    notes: list[str] = []
    project, state = import_onnx(path, warnings=notes)
    assert _types(project) == ["Input", "Dense", "Tanh", "Dropout", "Dense", "Sigmoid", "Add", "Concat", "Dense",
                               "Output"]
    params = project.analyze().params
    d1, d2, d3 = project.graph.of_type("Dense")
    assert params[d1]["bias"] is True and params[d2]["bias"] is False and params[d3]["out_features"] == 1
    assert params[project.graph.of_type("Dropout")[0]]["p"] == pytest.approx(0.25)
    assert project.analyze().task == "regression" and any("regression" in n for n in notes)
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(_studio(project, state, torch.from_numpy(x)), _ort(path, {"x": x}), atol=1e-5)


def test_foreign_recurrent_time_major(tmp_path):
    H, G = 5, 4
    nodes = [
        helper.make_node("LSTM", ["x", "wl", "rl", "bl"], ["y1", "", ""], hidden_size=H),
        helper.make_node("Squeeze", ["y1", "ax1"], ["seq1"]),                       # [T, N, H]
        helper.make_node("GRU", ["seq1", "wg", "rg", "bg"], ["", "hg"], hidden_size=G,
                         direction="bidirectional", linear_before_reset=1),
        helper.make_node("Transpose", ["hg"], ["hgt"], perm=[1, 0, 2]),             # [N, 2, G]
        helper.make_node("Reshape", ["hgt", "flat"], ["h"]),                         # [N, 2G]
        helper.make_node("Gemm", ["h", "wd", "bd"], ["y"], transB=1),
    ]
    inits = {"wl": _w(1, 4 * H, 3), "rl": _w(1, 4 * H, H), "bl": _w(1, 8 * H), "ax1": np.array([1]),
             "wg": _w(2, 3 * G, H), "rg": _w(2, 3 * G, G), "bg": _w(2, 6 * G), "flat": np.array([0, -1]),
             "wd": _w(2, 2 * G), "bd": _w(2)}
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "N", 3])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], inits)
    path = _save(m, tmp_path)
    notes: list[str] = []
    project, state = import_onnx(path, warnings=notes)
    assert _types(project) == ["Input", "LSTM", "GRU", "Dense", "Output"]
    params = project.analyze().params
    lstm, gru = project.graph.of_type("LSTM")[0], project.graph.of_type("GRU")[0]
    assert params[lstm]["return_sequences"] is True and params[gru]["bidirectional"] is True
    assert project.analyze().input_spec.dims == (None, 3)
    assert any("[time, batch, features]" in n for n in notes)
    for length in (1, 9):
        x = RNG.standard_normal((2, length, 3)).astype(np.float32)  # the studio reads [batch, time, features]
        expected = _ort(path, {"x": x.transpose(1, 0, 2).copy()})
        np.testing.assert_allclose(_studio(project, state, torch.from_numpy(x)), expected, atol=1e-5)


def test_foreign_rnn_and_conv1d_channels_first(tmp_path):
    H = 6
    nodes = [
        helper.make_node("Conv", ["x", "wc", "bc"], ["c"], kernel_shape=[3], pads=[1, 1]),   # [N, C, L]
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2], strides=[2]),
        helper.make_node("Transpose", ["p"], ["tm"], perm=[2, 0, 1]),                         # [L, N, C]
        helper.make_node("RNN", ["tm", "w", "rr", "b"], ["", "hn"], hidden_size=H),
        helper.make_node("Squeeze", ["hn", "ax0"], ["h"]),
        helper.make_node("Gemm", ["h", "wd"], ["y"], transB=1),
    ]
    inits = {"wc": _w(4, 2, 3), "bc": _w(4), "w": _w(1, H, 4), "rr": _w(1, H, H), "b": _w(1, 2 * H),
             "ax0": np.array([0]), "wd": _w(3, H)}
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, "L"])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    path = _save(m, tmp_path)
    project, state = import_onnx(path)
    assert _types(project) == ["Input", "Conv1d", "ReLU", "MaxPool1d", "RNN", "Dense", "Output"]
    x = RNG.standard_normal((3, 10, 2)).astype(np.float32)  # studio: [batch, time, features]
    expected = _ort(path, {"x": x.transpose(0, 2, 1).copy()})
    np.testing.assert_allclose(_studio(project, state, torch.from_numpy(x)), expected, atol=1e-5)


# --- what cannot come in -------------------------------------------------------------------------
def test_unsupported_operators_are_listed_and_nothing_is_written(tmp_path, capsys):
    nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Erf", ["e"], ["f"]),
             helper.make_node("Erf", ["f"], ["g"]), helper.make_node("Gemm", ["g", "w"], ["y"])]
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], {"w": _w(4, 2)})
    path = _save(m, tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "Erf (2 nodes), Exp (1 node)" in str(e.value)
    assert e.value.unsupported == ["Erf", "Exp"]
    out = tmp_path / "p.json"
    assert cli_main(["import-onnx", str(path), "-o", str(out)]) == 1
    assert "Erf (2 nodes)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_a_supported_operator_used_in_an_unsupported_way(tmp_path):
    nodes = [helper.make_node("GRU", ["x", "w", "r"], ["", "h"], hidden_size=3, linear_before_reset=0),
             helper.make_node("Squeeze", ["h", "ax"], ["hs"]),
             helper.make_node("Gemm", ["hs", "wd"], ["y"])]
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "N", 2])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
               {"w": _w(1, 9, 2), "r": _w(1, 9, 3), "ax": np.array([0]), "wd": _w(3, 2)})
    with pytest.raises(OnnxImportError, match="linear_before_reset"):
        import_onnx(_save(m, tmp_path))


def test_corrupt_and_foreign_files(tmp_path, exported):
    _, _, path, _ = exported("lenet5")
    data = path.read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    text = tmp_path / "notes.onnx"
    text.write_text("this is not a model\n" * 20)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    for bad, words in ((cut, ("damaged", "not an ONNX model")), (text, ("not an ONNX model", "damaged")),
                       (empty, ("empty",)), (tmp_path / "missing.onnx", ("does not exist",))):
        with pytest.raises(OnnxImportError) as e:
            import_onnx(bad)
        assert any(w in str(e.value) for w in words), str(e.value)
        assert str(bad) in str(e.value)  # names the file
        assert isinstance(e.value, StudioError)


# --- the command ---------------------------------------------------------------------------------
def test_cli_import_writes_project_and_weights(tmp_path, exported, nets, capsys):
    project, model, path, _ = exported("crnn")
    out = tmp_path / "imported.json"
    assert cli_main(["import-onnx", str(path), "-o", str(out)]) == 0
    assert "Imported" in capsys.readouterr().out
    loaded = load_project(out)
    assert loaded.graph.to_dict() == project.graph.to_dict()
    rebuilt = load_weights(loaded.build_model(), tmp_path / "imported.safetensors").eval()
    x = nets.sample_input(project, batch=2, seed=6)
    with torch.no_grad():
        np.testing.assert_allclose(rebuilt(x).numpy(), model(x).numpy(), atol=1e-6)
    # an existing project is not replaced without --force
    before = out.read_bytes()
    assert cli_main(["import-onnx", str(path), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err and out.read_bytes() == before
    assert cli_main(["import-onnx", str(path), "-o", str(out), "--force"]) == 0


def test_a_studio_file_changed_by_another_tool_falls_back_to_the_operators(exported, tmp_path, nets):
    project, model, path, _ = exported("crnn")
    proto = onnx.load(str(path))
    for i, node in enumerate(proto.graph.node):  # e.g. an optimiser that renames every node
        node.name = f"n{i}"
    changed = _save(proto, tmp_path, "changed.onnx")
    notes: list[str] = []
    back, state = import_onnx(changed, warnings=notes)
    assert any("rebuilt from the operators" in n and "metadata is damaged" in n and "ignored" in n for n in notes)
    assert "ToSequence" in _types(back) and "LSTM" in _types(back)
    x = nets.sample_input(project, batch=2, seed=7)
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(_studio(back, state, x), expected, atol=1e-5)


def test_a_concat_of_one_tensor_is_that_tensor(tmp_path):
    """torch.cat([x]) as DenseNet writes it for the first layer of each dense block."""
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Concat", ["r"], ["c"], axis=1),
             helper.make_node("Gemm", ["c", "w"], ["y"])]
    m = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], {"w": _w(4, 2)})
    path = _save(m, tmp_path)
    project, state = import_onnx(path)
    assert _types(project) == ["Input", "ReLU", "Dense", "Output"]
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(_studio(project, state, torch.from_numpy(x)), _ort(path, {"x": x}), atol=1e-5)
