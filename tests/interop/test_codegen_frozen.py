"""Frozen blocks in the "Export as Python" file: their layers have requires_grad off and stay in
eval mode when the module trains, as in the studio; the numbers stay the studio's."""

from __future__ import annotations

import torch

from cnnrnn_studio.project import Project

from .generated import generated_model

BLOCKS = [
    ("input", "Input", {"kind": "image", "shape": [1, 8, 8]}),
    ("conv1", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
    ("bn1", "BatchNorm", {}),
    ("relu1", "ReLU", {}),
    ("flat", "Flatten", {}),
    ("dense1", "Dense", {"out_features": 3}),
    ("output", "Output", {"task": "classification"}),
]


def test_generated_code_freezes_what_the_studio_froze(tmp_path):
    d = {"format": "cnnrnn-studio-project", "version": 1, "name": "Frozen net",
         "blocks": [{"id": i, "type": t, "params": p, **({"frozen": True} if i in ("conv1", "bn1") else {})}
                    for i, t, p in BLOCKS],
         "links": [{"from": a[0], "to": b[0]} for a, b in zip(BLOCKS, BLOCKS[1:])]}
    project = Project.from_dict(d)
    torch.manual_seed(0)
    studio = project.build_model().eval()
    with torch.no_grad():
        studio.blocks["bn1"].running_mean.uniform_(-1, 1)
    _, mine = generated_model(project, studio, tmp_path, "frozen_net")
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(mine(x), studio(x), atol=1e-6)
    assert not any(p.requires_grad for p in mine.conv1.parameters())
    assert not any(p.requires_grad for p in mine.bn1.parameters())
    assert all(p.requires_grad for p in mine.dense1.parameters())
    mine.train()
    assert mine.training and mine.dense1.training and not mine.bn1.training
    before = mine.bn1.running_mean.clone()
    mine(x).sum().backward()
    assert torch.equal(mine.bn1.running_mean, before) and mine.conv1.weight.grad is None
