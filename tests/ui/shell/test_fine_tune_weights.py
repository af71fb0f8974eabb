"""A project written by `cnnrnn-studio import-onnx` opens with its weights (the .safetensors beside
it) in use, marked as imported, so the Train tab starts from them."""

from __future__ import annotations

import torch

from cnnrnn_studio.compile.weights import save_weights
from cnnrnn_studio.project import load_template
from cnnrnn_studio.ui.shell.fine_tune import imported_weights_beside


def test_an_imported_project_opens_with_its_weights_as_the_start(window, tmp_path):
    project = load_template("lenet5")
    path = project.save(tmp_path / "net.json")
    torch.manual_seed(0)
    save_weights(project.build_model(), tmp_path / "net.safetensors", {"source": "net.onnx"})
    assert imported_weights_beside(path) == tmp_path / "net.safetensors"
    assert window.docs.open_path(path, ask=False)
    source = window.model_io.weights
    assert source is not None and source.imported and source.path == tmp_path / "net.safetensors"
    dashboard = window.dashboard()
    assert dashboard.start_weights == tmp_path / "net.safetensors" and dashboard.start_from.isChecked()


def test_weights_not_written_by_an_import_are_not_taken(window, tmp_path):
    project = load_template("lenet5")
    path = project.save(tmp_path / "net.json")
    torch.manual_seed(0)
    save_weights(project.build_model(), tmp_path / "net.safetensors")  # no ONNX source named
    assert imported_weights_beside(path) is None
    (tmp_path / "other.json").write_text(path.read_text())
    (tmp_path / "other.safetensors").write_bytes(b"not weights")
    assert imported_weights_beside(tmp_path / "other.json") is None
    assert window.docs.open_path(path, ask=False)
    assert window.model_io.weights is None
