"""ONNX export: one self-contained, verified file with named inputs/outputs, free axes and metadata."""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import cnnrnn_studio as cs
from cnnrnn_studio.errors import StudioError, ValidationError
from cnnrnn_studio.interop.errors import ExportError
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.compile.weights import save_weights
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project, load_template


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _meta(path) -> dict:
    return {p.key: json.loads(p.value) for p in onnx.load(str(path)).metadata_props}


def test_every_network_exports_and_verifies(network_name, exported, nets):
    project, model, path, report = exported(network_name)
    spec = project.analyze().input_spec
    free_time = None in spec.dims
    assert report.path == path and path.is_file()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(path.stem)] == [path.name]  # no .data file
    assert report.max_abs_diff < 1e-4
    assert [s[0] for s in report.checked_shapes] == [2, 3]
    if free_time:
        assert report.checked_shapes[0][1] != report.checked_shapes[1][1]  # two lengths checked
    proto = onnx.load(str(path))
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    assert [i.name for i in proto.graph.input] == [spec.kind]
    task = project.analyze().task
    assert [o.name for o in proto.graph.output] == ["logits" if task in ("classification", "ctc") else "prediction"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param  # any batch size
    assert bool(dims[1].dim_param) == free_time  # any length exactly where the Input leaves time open
    assert all(not d.dim_param for d in dims[2 if free_time else 1:])
    # independent check at a batch size and a length the exporter never saw
    x = nets.sample_input(project, batch=5, length=23, seed=9)
    with torch.no_grad():
        expected = model(x).numpy()
    got = _session(path).run(None, {spec.kind: x.numpy()})[0]
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_metadata_describes_the_network(exported):
    project, _, path, _ = exported("text_lstm")
    meta = _meta(path)
    assert meta["input_kind"] == "tokens" and meta["input_shape"] == [None]
    assert meta["task"] == "classification"
    assert meta["studio_version"] == cs.__version__
    assert meta["output_names"] == ["logits"]
    assert meta["project"]["blocks"] == project.to_dict()["blocks"]
    proto = onnx.load(str(path))
    assert all(isinstance(p.value, str) for p in proto.metadata_props)  # JSON strings


def test_class_names_are_stored(tmp_path):
    names = [f"digit {i}" for i in range(10)]
    export_onnx(load_template("lenet5"), tmp_path / "m.onnx", class_names=names)
    assert _meta(tmp_path / "m.onnx")["class_names"] == names


def _recurrent_graph(cell: str, bidirectional: bool, layers: int, every_step: bool) -> Graph:
    g = Graph()
    g.add_block("Input", {"kind": "sequence", "shape": [None, 3]}, "input")
    g.add_block(cell, {"hidden_size": 6, "num_layers": layers, "bidirectional": bidirectional,
                       "return_sequences": every_step}, "rnn")
    last = "rnn"
    if every_step:
        g.add_block("GlobalAvgPool", {}, "pool")
        g.add_link("rnn", "pool")
        last = "pool"
    g.add_block("Dense", {"out_features": 2}, "dense")
    g.add_block("Output", {"task": "classification"}, "output")
    for a, b in [("input", "rnn"), (last, "dense"), ("dense", "output")]:
        g.add_link(a, b)
    return g


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional, layers, every_step", [(False, 1, False), (True, 2, False), (True, 2, True)])
def test_recurrent_layers_export_natively_with_a_free_length(cell, bidirectional, layers, every_step, tmp_path, nets):
    project = Project(_recurrent_graph(cell, bidirectional, layers, every_step), name=f"{cell} net")
    model = nets.randomise(project.build_model(), seed=3)
    path = tmp_path / "rnn.onnx"
    report = export_onnx(project, path, model=model)
    assert report.max_abs_diff < 1e-4
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ops.count(cell) == layers  # one native node per layer: not unrolled over time
    session = _session(path)
    for batch, length in ((2, 1), (4, 5), (3, 40)):
        x = torch.randn(batch, length, 3)
        with torch.no_grad():
            expected = model(x).numpy()
        np.testing.assert_allclose(session.run(None, {"sequence": x.numpy()})[0], expected, atol=1e-5, rtol=0)


def test_exports_in_a_row_in_one_process_keep_the_length_free(tmp_path):
    """PITFALLS: with the dynamo exporter a second LSTM/GRU export in one process froze the length."""
    for i, cell in enumerate(["GRU", "LSTM", "GRU", "RNN"]):
        project = Project(_recurrent_graph(cell, False, 1, False), name="row")
        model = project.build_model().eval()
        path = tmp_path / f"{i}.onnx"
        export_onnx(project, path, model=model)
        dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
        assert dims[1].dim_param
        session = _session(path)
        for length in (2, 33):
            x = torch.randn(2, length, 3)
            with torch.no_grad():
                expected = model(x).numpy()
            np.testing.assert_allclose(session.run(None, {"sequence": x.numpy()})[0], expected, atol=1e-5)


def test_probabilities_output(tmp_path):
    path = tmp_path / "p.onnx"
    report = export_onnx(load_template("digits_cnn"), path, probabilities=True)
    assert report.output_names == ["logits", "probabilities"]
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    logits, probs = _session(path).run(None, {"image": x})
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probs, torch.softmax(torch.from_numpy(logits), dim=1).numpy(), atol=1e-6)
    with pytest.raises(ExportError, match="only for classifiers"):
        export_onnx(load_template("gru_forecaster"), tmp_path / "r.onnx", probabilities=True)
    assert not (tmp_path / "r.onnx").exists()


def test_untrained_export_says_so(tmp_path):
    report = export_onnx(load_template("lstm_classifier"), tmp_path / "u.onnx", class_names=list("abcd"))
    assert any("untrained" in w for w in report.warnings)
    assert _meta(tmp_path / "u.onnx")["trained"] is False


def test_weights_from_a_run_folder(tmp_path, nets):
    project = load_template("resnet_block")
    trained = nets.randomise(project.build_model(), seed=5)
    run = tmp_path / "run1"
    run.mkdir()
    save_weights(trained, run / "weights.safetensors")
    names = [str(i) for i in range(10)]
    (run / "summary.json").write_text(json.dumps({"class_names": names}))
    path = tmp_path / "trained.onnx"
    report = export_onnx(project, path, weights=run)
    assert not any("untrained" in w for w in report.warnings)
    meta = _meta(path)
    assert meta["trained"] is True and meta["class_names"] == names
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        expected = trained(x).numpy()
    np.testing.assert_allclose(_session(path).run(None, {"image": x.numpy()})[0], expected, atol=1e-5)


def test_project_file_path_and_package_api(tmp_path):
    src = load_template("gru_forecaster")
    src.save(tmp_path / "proj.json")
    report = cs.export_onnx(tmp_path / "proj.json", tmp_path / "g.onnx")
    assert report.path.is_file() and report.output_names == ["prediction"]


class _BatchDependent(torch.nn.Module):
    """Eager code that the tracer cannot follow: it branches in Python on the batch size."""

    def __init__(self, inner: torch.nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        y = self.inner(x)
        return y if x.shape[0] == 2 else y + 1.0


def test_an_export_that_does_not_verify_leaves_nothing(tmp_path):
    project = load_template("gru_forecaster")
    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous export")
    with pytest.raises(ExportError) as e:
        export_onnx(project, target, model=_BatchDependent(project.build_model()))
    assert "largest difference" in str(e.value) and "[3, 12, 1]" in str(e.value)
    assert target.read_bytes() == b"previous export"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # no temporary left


def test_unwritable_destinations_are_explained(tmp_path):
    project = load_template("gru_forecaster")
    with pytest.raises(ExportError, match="does not exist"):
        export_onnx(project, tmp_path / "missing" / "m.onnx")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportError, match="is a file, not a folder"):
        export_onnx(project, tmp_path / "afile" / "m.onnx")
    with pytest.raises(ExportError, match="this is a folder"):
        export_onnx(project, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
    assert issubclass(ExportError, StudioError)


def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # running as root: permissions do not bind, use a path that cannot exist
            target = "/proc/cnnrnn_studio_test/m.onnx"
        else:
            target = folder / "m.onnx"
        with pytest.raises(ExportError) as e:
            export_onnx(load_template("gru_forecaster"), target)
        assert "m.onnx" in str(e.value)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_an_invalid_network_is_not_exported(tmp_path):
    g = Graph()
    g.add_block("Input", {"kind": "image", "shape": [1, 8, 8]}, "input")
    g.add_block("Dense", {"out_features": 2}, "dense")
    g.add_block("Output", {}, "output")
    g.add_link("input", "dense")
    g.add_link("dense", "output")
    with pytest.raises(ValidationError, match="dense"):
        export_onnx(Project(g), tmp_path / "bad.onnx")
    assert list(tmp_path.iterdir()) == []
