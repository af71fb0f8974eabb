"""Frozen blocks in the torchrun folder: the project keeps the field, model.py freezes the layers,
and a real run (1 process, gloo) leaves their weights and BatchNorm statistics as they started."""

from __future__ import annotations

import json
import subprocess
import sys

import torch
from safetensors.torch import load_file

from cnnrnn_studio.compile.weights import save_weights
from cnnrnn_studio.interop.torchrun import export_torchrun_script

from .test_torchrun import _dataset, _project


def test_a_run_of_the_folder_keeps_frozen_blocks_as_they_started(tmp_path, nets):
    project = _project()
    for bid in ("conv1", "bn1"):
        project.graph.set_frozen(bid, True)
    start = nets.randomise(project.build_model(), seed=5)
    save_weights(start, tmp_path / "w.safetensors")
    job = tmp_path / "job"
    export_torchrun_script(project, job, dataset=_dataset(), weights=tmp_path / "w.safetensors")
    frozen = {b["id"] for b in json.loads((job / "project.json").read_text())["blocks"] if b.get("frozen")}
    assert frozen == {"conv1", "bn1"}
    assert "self.conv1.requires_grad_(False)" in (job / "model.py").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=1", "train.py",
         "--epochs", "1"], cwd=job, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    before, after = load_file(str(tmp_path / "w.safetensors")), load_file(str(job / "run" / "weights.safetensors"))
    for key in before:
        if key.startswith(("blocks.conv1.", "blocks.bn1.")):
            assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before["blocks.dense.weight"], after["blocks.dense.weight"])
