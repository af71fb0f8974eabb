"""An imported network trains on from its imported weights unless "Start from the imported
weights" is switched off; frozen blocks come out of the run unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from cnnrnn_studio.compile.weights import save_weights


def _imported_weights(project, folder: Path) -> Path:
    torch.manual_seed(123)
    model = project.build_model()
    with torch.no_grad():
        model.blocks["dense1"].weight.fill_(0.25)
    return save_weights(model, folder / "imported.safetensors", {"source": "net.onnx"})


def test_training_starts_from_the_imported_weights_and_keeps_frozen_ones(dashboard, tiny_project, train_to_end,
                                                                         tmp_path):
    tiny_project.graph.set_frozen("dense1", True)
    weights = _imported_weights(tiny_project, tmp_path)
    dashboard.set_project(tiny_project)
    assert dashboard.start_from.isHidden()
    dashboard.set_start_weights(weights, "imported from net.onnx")
    assert not dashboard.start_from.isHidden() and dashboard.start_from.isChecked()
    run_dir = Path(train_to_end(dashboard, epochs=2))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["start_weights"]["file"] == str(weights)
    end = load_file(str(run_dir / "weights.safetensors"))
    assert torch.equal(end["blocks.dense1.weight"], load_file(str(weights))["blocks.dense1.weight"])


def test_switched_off_it_starts_from_fresh_weights(dashboard, tiny_project, train_to_end, tmp_path):
    weights = _imported_weights(tiny_project, tmp_path)
    dashboard.set_project(tiny_project)
    dashboard.set_start_weights(weights, "imported from net.onnx")
    dashboard.start_from.setChecked(False)
    run_dir = Path(train_to_end(dashboard, epochs=1))
    assert json.loads((run_dir / "summary.json").read_text())["start_weights"] is None
    dashboard.set_start_weights(None)
    assert dashboard.start_from.isHidden()
