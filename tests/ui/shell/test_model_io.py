"""File → Export (ONNX, PyTorch code, torchrun folder), Import ONNX and Load weights in the app:
the work runs off the GUI thread, the result or the plain reason is shown, and a failure writes
nothing and leaves the canvas as it was."""

from __future__ import annotations

import importlib.util

import numpy as np
import onnxruntime as ort
import pytest
import torch

from cnnrnn_studio.compile.weights import save_weights


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions()]


def test_the_actions_are_in_the_file_menu(window):
    export = _menu_texts(window.export_menu)
    assert any("ONNX" in t for t in export) and any("PyTorch code" in t for t in export)
    assert any("cluster" in t for t in export)
    file_menu = _menu_texts(window.file_menu)
    assert "&Import ONNX model…" in file_menu and "Load &weights…" in file_menu
    assert window.model_io.act_onnx.shortcut().toString() == "Ctrl+E"


def _trained_weights(window, tmp_path):
    """Weights that differ from a fresh model's (so an export with them is recognisably theirs)."""
    model = window.editor.project.build_model()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05)
    path = tmp_path / "trained.safetensors"
    save_weights(model, path)
    return model, path


def test_export_onnx_with_the_weights_in_use(window, dialogs, tmp_path):
    window.docs.new_from_template("lstm_classifier", ask=False)
    model, weights = _trained_weights(window, tmp_path)
    assert window.model_io.load_weights(weights)
    assert window.model_io.wait()
    assert window.model_io.weights.path == weights and "trained.safetensors" in window.model_io.status.text()

    out = tmp_path / "net.onnx"
    assert window.model_io.export_onnx(out, probabilities=True)
    assert not window.model_io.act_onnx.isEnabled()  # one job at a time
    assert window.model_io.wait()
    assert window.model_io.act_onnx.isEnabled()
    assert not dialogs.errors, dialogs.errors
    assert out.is_file() and not (tmp_path / "net.onnx.data").exists()
    assert "largest difference" in dialogs.infos[-1]
    report = window.model_io.last_report
    assert report.max_abs_diff < 1e-4 and report.output_names == ["logits", "probabilities"]
    # the file holds the loaded weights, not a fresh network's
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    dims = [17 if d is None else d for d in window.editor.analysis.input_spec.dims]
    x = np.random.default_rng(0).standard_normal((3, *dims)).astype(np.float32)
    model.eval()
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    got = sess.run(["logits"], {sess.get_inputs()[0].name: x})[0]
    assert np.abs(got - want).max() < 1e-4


def test_untrained_export_says_so(window, dialogs, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    assert window.model_io.export_onnx(tmp_path / "fresh.onnx", weights=None)
    window.model_io.wait()
    assert (tmp_path / "fresh.onnx").is_file()
    assert "untrained" in dialogs.infos[-1].lower() or "not trained" in dialogs.infos[-1].lower()


def test_a_failed_export_writes_nothing_and_says_why(window, dialogs, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    other = window.editor.project
    window.docs.new_from_template("lenet5", ask=False)
    lenet_weights = tmp_path / "lenet.safetensors"
    save_weights(window.editor.project.build_model(), lenet_weights)
    window.docs.new_from_template("digits_cnn", ask=False)
    assert other is not window.editor.project
    out = tmp_path / "wrong.onnx"
    window.model_io.export_onnx(out, weights=lenet_weights)
    window.model_io.wait()
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))
    title, message, _ = dialogs.errors[-1]
    assert "not done" in title and "conv" in message.lower()
    assert "Traceback" not in message


def test_load_weights_that_do_not_fit_lists_the_mismatches(window, dialogs, tmp_path):
    window.docs.new_from_template("lenet5", ask=False)
    wrong = tmp_path / "lenet.safetensors"
    save_weights(window.editor.project.build_model(), wrong)
    window.docs.new_from_template("digits_cnn", ask=False)
    window.model_io.load_weights(wrong)
    window.model_io.wait()
    assert window.model_io.weights is None and window.model_io.status.text() == ""
    assert dialogs.errors and "Weights" in dialogs.errors[-1][0]


def test_export_python_code_that_runs(window, dialogs, tmp_path):
    window.docs.new_from_template("crnn", ask=False)
    out = tmp_path / "crnn_model.py"
    assert window.model_io.export_python(out)
    window.model_io.wait()
    assert not dialogs.errors
    spec = importlib.util.spec_from_file_location("crnn_model", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    classes = [v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, torch.nn.Module)
               and v.__module__ == "crnn_model"]
    assert classes
    studio = window.editor.project.build_model().eval()
    save_weights(studio, tmp_path / "w.safetensors")
    mine = mod.load_weights(classes[0](), str(tmp_path / "w.safetensors")).eval()
    x = torch.randn(2, *[d for d in window.editor.analysis.input_spec.dims])
    with torch.no_grad():
        assert torch.allclose(mine(x), studio(x), atol=1e-6)


def test_export_a_torchrun_folder(window, dialogs, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    out = tmp_path / "ddp"
    assert window.model_io.export_torchrun(out)
    window.model_io.wait()
    assert not dialogs.errors, dialogs.errors
    assert {"train.py", "model.py", "data.npz", "README.md"} <= {p.name for p in out.iterdir()}


def test_import_an_onnx_model_onto_the_canvas(window, dialogs, tmp_path):
    from cnnrnn_studio.interop.onnx import export_onnx
    from cnnrnn_studio.project import load_template

    source = load_template("resnet_block")
    model = source.build_model()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)
    export_onnx(source, tmp_path / "resnet.onnx", model=model)
    assert window.model_io.import_onnx(tmp_path / "resnet.onnx")
    window.model_io.wait()
    assert not dialogs.errors, dialogs.errors
    g = window.editor.graph
    assert sorted(g.block_ids()) == sorted(source.graph.block_ids())
    assert sorted((l.src, l.dst, l.port) for l in g.links) == sorted((l.src, l.dst, l.port) for l in source.graph.links)
    assert not window.editor.stack.isClean()          # unsaved until the person saves it
    assert window.model_io.weights is not None and "resnet.onnx" in window.model_io.status.text()
    from cnnrnn_studio.compile.weights import load_weights

    rebuilt = load_weights(window.editor.project.build_model(), window.model_io.weights.path).eval()
    model.eval()
    x = torch.randn(2, *source.check().input_spec.dims)
    with torch.no_grad():
        assert torch.allclose(rebuilt(x), model(x), atol=1e-5)


@pytest.mark.parametrize("content", [b"", b"not an onnx model at all \x00\x01"])
def test_importing_a_broken_file_keeps_the_work(window, dialogs, tmp_path, content):
    window.docs.new_from_template("gru_forecaster", ask=False)
    before = window.editor.project.to_dict()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    window.model_io.import_onnx(bad)
    window.model_io.wait()
    assert dialogs.errors and "bad.onnx" in dialogs.errors[-1][1]
    assert window.editor.project.to_dict() == before


def test_a_finished_run_gives_the_canvas_its_weights(window, tmp_path):
    run = tmp_path / "run-1"
    run.mkdir()
    window.model_io._run_finished(str(run))          # no weights file: nothing to use
    assert window.model_io.weights is None
    (run / "weights.safetensors").write_bytes(b"x")
    window.model_io._run_finished(str(run))
    assert window.model_io.weights.path == run and "run run-1" in window.model_io.status.text()
    window.docs.new_from_template("digits_cnn", ask=False)   # another network: those weights are not its own
    assert window.model_io.weights is None


def test_the_onnx_dialog_offers_the_weights_in_use(window, tmp_path):
    from cnnrnn_studio.ui.shell.model_io import OnnxExportDialog, WeightsSource

    run = tmp_path / "run-7"
    run.mkdir()
    dlg = OnnxExportDialog(window, tmp_path / "x.onnx", WeightsSource.of(run), classifier=True)
    assert dlg.chosen_weights() == str(run)
    dlg.weights.setCurrentIndex(1)
    assert dlg.chosen_weights() is None
    assert dlg.probabilities.isEnabled()
    dlg.deleteLater()
    dlg = OnnxExportDialog(window, tmp_path / "x.onnx", None, classifier=False)
    assert dlg.chosen_weights() is None and not dlg.probabilities.isEnabled()
    dlg.deleteLater()
