"""`cnnrnn-studio export`: several targets at once, plain messages and exit codes for bad input."""

from __future__ import annotations

import importlib.util

import numpy as np
import onnxruntime as ort
import torch

from cnnrnn_studio.cli import main as cli_main
from cnnrnn_studio.compile.codegen import class_name_for
from cnnrnn_studio.compile.weights import save_weights
from cnnrnn_studio.project import load_template


def _project_file(tmp_path, template: str = "cnn1d_classifier"):
    path = tmp_path / "project.json"
    load_template(template).save(path)
    return path


def test_onnx_and_python_in_one_call_with_trained_weights(tmp_path, nets, capsys):
    project_file = _project_file(tmp_path)
    project = load_template("cnn1d_classifier")
    trained = nets.randomise(project.build_model(), seed=12)
    save_weights(trained, tmp_path / "w.safetensors")
    onnx_path, py_path = tmp_path / "out" / "m.onnx", tmp_path / "out" / "m.py"
    onnx_path.parent.mkdir()
    rc = cli_main(["export", str(project_file), "--onnx", str(onnx_path), "--python", str(py_path),
                   "--weights", str(tmp_path / "w.safetensors"), "--probabilities"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Verified against PyTorch" in out and "untrained" not in out
    x = torch.randn(2, 100, 6)
    with torch.no_grad():
        expected = trained(x)
    logits, probs = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"]).run(
        None, {"sequence": x.numpy()})
    np.testing.assert_allclose(logits, expected.numpy(), atol=1e-4)
    np.testing.assert_allclose(probs, torch.softmax(expected, 1).numpy(), atol=1e-5)
    spec = importlib.util.spec_from_file_location("cli_generated", py_path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cls = getattr(mod, class_name_for(project.name))
    generated = mod.load_weights(cls(), str(tmp_path / "w.safetensors")).eval()
    with torch.no_grad():
        assert torch.allclose(generated(x), expected, atol=1e-5)


def test_untrained_export_warns(tmp_path, capsys):
    rc = cli_main(["export", str(_project_file(tmp_path, "gru_forecaster")), "--onnx", str(tmp_path / "g.onnx")])
    assert rc == 0
    assert "Warning: No weights were given" in capsys.readouterr().out


def test_nothing_to_export_is_a_usage_error(tmp_path, capsys):
    assert cli_main(["export", str(_project_file(tmp_path))]) == 2
    assert "--onnx" in capsys.readouterr().err


def test_weights_that_do_not_fit_write_nothing(tmp_path, capsys):
    project_file = _project_file(tmp_path)
    save_weights(load_template("digits_cnn").build_model(), tmp_path / "other.safetensors")
    rc = cli_main(["export", str(project_file), "--onnx", str(tmp_path / "m.onnx"), "--python",
                   str(tmp_path / "m.py"), "--weights", str(tmp_path / "other.safetensors")])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("Error: ") and "do not fit this network" in err and "conv1.weight" in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "m.py").exists()


def test_missing_project_and_bad_destination(tmp_path, capsys):
    assert cli_main(["export", str(tmp_path / "nope.json"), "--onnx", str(tmp_path / "m.onnx")]) == 1
    assert "does not exist" in capsys.readouterr().err
    rc = cli_main(["export", str(_project_file(tmp_path)), "--python", str(tmp_path / "no" / "m.py")])
    assert rc == 1 and "does not exist" in capsys.readouterr().err


def test_torchrun_folder_from_the_project_dataset(tmp_path, capsys):
    rc = cli_main(["export", str(_project_file(tmp_path, "gru_forecaster")), "--torchrun-script",
                   str(tmp_path / "job")])
    assert rc == 0, capsys.readouterr().err
    assert "torchrun --standalone" in capsys.readouterr().out
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        assert data["x_train"].shape[1:] == (12, 1) and data["y_train"].dtype == np.float32
