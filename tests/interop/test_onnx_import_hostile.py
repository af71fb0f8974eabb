"""Broken ONNX files and metadata give an OnnxImportError naming the file, never a traceback;
verification refuses test inputs that cannot fit in memory."""

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx_import import import_onnx, read_model
from cnnrnn_studio.interop.onnx_import.roundtrip import _meta_json


def _gemm(batch="N") -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])
    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    b = numpy_helper.from_array(np.zeros(3, np.float32), "B")
    node = helper.make_node("Gemm", ["x", "W", "B"], ["y"], transB=1)
    return helper.make_model(helper.make_graph([node], "g", [x], [y], [w, b]),
                             opset_imports=[helper.make_opsetid("", 17)])


def _external(model: onnx.ModelProto, location: str) -> onnx.ModelProto:
    for t in model.graph.initializer:
        t.data_location = TensorProto.EXTERNAL
        t.ClearField("raw_data")
        t.ClearField("float_data")
        entry = t.external_data.add()
        entry.key, entry.value = "location", location
    return model


def test_missing_external_data_file_says_put_it_next_to_it(tmp_path):
    (tmp_path / "m").mkdir()
    path = tmp_path / "m" / "m.onnx"
    onnx.save(_gemm(), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.onnx.data", size_threshold=0)
    (tmp_path / "m" / "m.onnx.data").unlink()
    with pytest.raises(OnnxImportError, match="put that file next to") as e:
        read_model(path)
    assert str(path) in str(e.value)


def test_truncated_external_data_file(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_gemm(), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.onnx.data", size_threshold=0)
    with open(tmp_path / "m.onnx.data", "r+b") as f:
        f.truncate(10)
    with pytest.raises(OnnxImportError, match=r"separate weight \(\.data\) file cannot be used"):
        read_model(path)


@pytest.mark.parametrize("location", ["../../etc/passwd", "/etc/passwd"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    path = tmp_path / "m.onnx"
    path.write_bytes(_external(_gemm(), location).SerializeToString())
    with pytest.raises(OnnxImportError, match="outside its own folder") as e:
        read_model(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("breaks", ["node_input", "no_opset", "unknown_op", "dims"])
def test_checker_failures_are_plain_errors(tmp_path, breaks):
    m = _gemm()
    if breaks == "node_input":
        m.graph.node[0].input[1] = "nope"
    elif breaks == "no_opset":
        del m.opset_import[:]
    elif breaks == "unknown_op":
        m.graph.node[0].op_type = "Frobnicate"
    else:
        m.graph.initializer[0].dims[:] = [300, 4]
    path = tmp_path / "bad.onnx"
    path.write_bytes(m.SerializeToString())
    with pytest.raises(OnnxImportError, match="damaged or invalid"):
        read_model(path)


@pytest.mark.parametrize("key,text,kind", [
    ("probabilities", "{not json", bool), ("probabilities", "[" * 100_000 + "]" * 100_000, bool),
    ("project", "[" * 100_000 + "]" * 100_000, object), ("buffers", "{bad", dict), ("buffers", "[1]", dict),
    ("probabilities", '"yes"', bool),
])
def test_metadata_that_is_not_the_json_the_studio_writes(key, text, kind):
    with pytest.raises(OnnxImportError, match=f"metadata '{key}'") as e:
        _meta_json({key: text}, key, None, kind, Path("m.onnx"))
    assert "m.onnx" in str(e.value)


def test_metadata_as_written_reads():
    assert _meta_json({}, "probabilities", "false", bool, Path("m.onnx")) is False
    assert _meta_json({"buffers": json.dumps({"a": [1]})}, "buffers", "{}", dict, Path("m.onnx")) == {"a": [1]}


def test_verification_refuses_a_fixed_batch_that_cannot_fit(tmp_path, monkeypatch):
    path = tmp_path / "big_batch.onnx"
    onnx.save(_gemm(batch=100_000_000), str(path))
    monkeypatch.setattr(memory, "available_memory", lambda: 1024**3)
    with pytest.raises(OnnxImportError, match=r"100000000 test input\(s\).*only 1\.0 GB is free"):
        import_onnx(path)


def test_a_small_fixed_batch_still_imports(tmp_path):
    path = tmp_path / "small_batch.onnx"
    onnx.save(_gemm(batch=2), str(path))
    project, state = import_onnx(path)
    assert project.analyze().ok
