"""Fine-tuning end to end (issue 14): a ResNet-18 made here with torch.nn (torchvision's
architecture, written out: torchvision is not a dependency) is exported to ONNX, imported with
`cnnrnn-studio import-onnx`, its head replaced for a small image folder made here, and trained
for 2 epochs from the imported weights with `train --weights`. The frozen blocks' weights and
BatchNorm statistics must come out bit-identical, the new head's must change, and the result
must export as a verified ONNX file."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from torch import nn

from cnnrnn_studio.cli import main
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.project import load_project
from cnnrnn_studio.project.fit import load_project_dataset
from cnnrnn_studio.project.head import head_size, replace_head

pytestmark = pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript:DeprecationWarning")


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):
    """torchvision.models.resnet18's layers: stem, 4 stages of 2 basic blocks, average pool, fc."""

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            stages.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _pretrained_onnx(path) -> None:
    torch.manual_seed(0)
    model = ResNet18().eval()
    with torch.no_grad():  # statistics that are not the defaults, so keeping them means something
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    # PRESERVE without constant folding keeps BatchNormalization nodes (eval mode would fold them).
    torch.onnx.export(model, (torch.randn(2, 3, 32, 32),), str(path), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


def _image_folder(root) -> None:
    """3 classes of 4 tiny RGB pictures: red, green and blue squares with noise."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(("red", "green", "blue")):
        (root / name).mkdir(parents=True)
        for i in range(4):
            px = rng.integers(0, 60, size=(32, 32, 3), dtype=np.uint8)
            px[4:28, 4:28, c] = 200 + i * 10
            Image.fromarray(px, "RGB").save(root / name / f"{i}.png")


def test_import_replace_head_train_keeps_frozen_weights_and_exports(tmp_path, capsys):
    onnx_path = tmp_path / "resnet18.onnx"
    _pretrained_onnx(onnx_path)
    project_path = tmp_path / "resnet18.json"
    assert main(["import-onnx", str(onnx_path), "-o", str(project_path)]) == 0
    weights_path = tmp_path / "resnet18.safetensors"  # written beside the project
    imported = load_file(str(weights_path))

    _image_folder(tmp_path / "photos")
    project = load_project(project_path)
    project.dataset = {"kind": "file", "format": "image_folder", "train": "photos", "size": [32, 32], "color": "rgb"}
    project.training = {"batch_size": 4, "learning_rate": 0.01, "validation_split": 0.25, "device": "cpu"}
    outputs, task = head_size(load_project_dataset(project))
    assert (outputs, task) == (3, "classification")
    head = replace_head(project.graph, outputs, task)
    frozen = project.graph.frozen_ids()
    assert head not in frozen and not project.graph.block(head).frozen
    assert {b.id for b in project.graph.blocks if b.type in ("Conv2d", "BatchNorm")} <= frozen
    project.save()
    assert json.loads(project_path.read_text())["blocks"][1].get("frozen") is True  # beside "params"

    capsys.readouterr()
    out_dir = tmp_path / "run"
    assert main(["train", str(project_path), "--weights", str(weights_path), "--epochs", "2",
                 "--out", str(out_dir), "--json"]) == 0
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines() if l.startswith("{")]
    assert lines[-1]["final"] and lines[-1]["epochs_run"] == 2

    trained = load_file(str(out_dir / "weights.safetensors"))
    frozen_keys = [k for k in trained if k.split(".")[1] in frozen]
    assert any(k.endswith("running_mean") for k in frozen_keys) and any(k.endswith("running_var") for k in frozen_keys)
    for key in frozen_keys:  # weights and BatchNorm statistics, bit for bit
        assert torch.equal(trained[key], imported[key]), key
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["start_weights"]["fresh_blocks"] == [head]
    assert summary["trainable_params"] == 512 * 3 + 3
    torch.manual_seed(0)  # the seed the run used: the head it started from
    start = load_project(project_path).build_model().state_dict()
    assert not torch.equal(trained[f"blocks.{head}.weight"], start[f"blocks.{head}.weight"])

    report = export_onnx(load_project(project_path), tmp_path / "tuned.onnx", weights=out_dir)
    assert (tmp_path / "tuned.onnx").is_file() and report.max_abs_diff <= 1e-4
