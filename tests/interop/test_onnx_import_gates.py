"""ONNX import of squeeze-and-excitation gates and SiLU, as torch writes MobileNetV3 and EfficientNet-B0.

The networks are written here by hand in torchvision's manner (torchvision is not needed): inverted
residual blocks with depthwise convolutions, a squeeze-and-excitation gate (AdaptiveAvgPool2d(1) ->
1x1 Conv -> ReLU/SiLU -> 1x1 Conv -> Hardsigmoid/Sigmoid, then input * scale), Hardswish or SiLU.
Both torch exporters write nn.SiLU as x * Sigmoid(x) and the gate as a Mul of two tensors. Each file
must come in as blocks (SiLU, Multiply, Dense for the 1x1 convolutions of the gate), compute what
onnxruntime computes on the original file (the tolerance rule of interop/tolerance.py, at two batch
sizes), and export again as a verified file."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from cnnrnn_studio.interop.errors import OnnxImportError
from cnnrnn_studio.interop.onnx import export_onnx
from cnnrnn_studio.interop.onnx_import import import_onnx
from cnnrnn_studio.interop.tolerance import allowed_difference

pytestmark = pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript:DeprecationWarning")


class SqueezeExcite(nn.Module):
    """torchvision.ops.SqueezeExcitation: 1x1 convolutions on the pooled channels."""

    def __init__(self, channels: int, squeeze: int, act: nn.Module, gate: nn.Module) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.act, self.gate = act, gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.act(self.fc1(self.avgpool(x)))))
        return x * scale


def conv_bn(cin: int, cout: int, k: int, act: type[nn.Module] | None, stride: int = 1, groups: int = 1) -> list:
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return layers + ([act()] if act is not None else [])


class InvertedResidual(nn.Module):
    """MobileNetV3's bneck / EfficientNet's MBConv: expand, depthwise, gate, project, skip if shapes allow."""

    def __init__(self, cin: int, expanded: int, cout: int, k: int, stride: int, act: type[nn.Module],
                 se: SqueezeExcite | None) -> None:
        super().__init__()
        layers = [] if expanded == cin else conv_bn(cin, expanded, 1, act)
        layers += conv_bn(expanded, expanded, k, act, stride, groups=expanded)
        layers += [se] if se is not None else []
        layers += conv_bn(expanded, cout, 1, None)
        self.block = nn.Sequential(*layers)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.skip else y


def mobilenet_v3_like() -> nn.Module:
    hs = nn.Hardswish
    return nn.Sequential(
        *conv_bn(3, 16, 3, hs, stride=2),
        InvertedResidual(16, 16, 16, 3, 1, nn.ReLU, SqueezeExcite(16, 8, nn.ReLU(), nn.Hardsigmoid())),
        InvertedResidual(16, 48, 24, 3, 2, hs, None),
        InvertedResidual(24, 72, 24, 5, 1, hs, SqueezeExcite(72, 24, nn.ReLU(), nn.Hardsigmoid())),
        *conv_bn(24, 96, 1, hs),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(96, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, 5),
    )


def efficientnet_b0_like() -> nn.Module:
    silu = nn.SiLU
    return nn.Sequential(
        *conv_bn(3, 16, 3, silu, stride=2),
        InvertedResidual(16, 16, 8, 3, 1, silu, SqueezeExcite(16, 4, nn.SiLU(), nn.Sigmoid())),
        InvertedResidual(8, 48, 12, 3, 2, silu, SqueezeExcite(48, 2, nn.SiLU(), nn.Sigmoid())),
        InvertedResidual(12, 72, 12, 5, 1, silu, SqueezeExcite(72, 3, nn.SiLU(), nn.Sigmoid())),
        *conv_bn(12, 64, 1, silu),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, 4),
    )


class LinearSqueezeExcite(nn.Module):
    """The original squeeze-and-excitation code: Linear layers on the pooled vector, viewed as [b, c, 1, 1]."""

    def __init__(self, channels: int, unsqueeze: bool) -> None:
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channels, channels // 2), nn.ReLU(), nn.Linear(channels // 2, channels),
                                nn.Sigmoid())
        self.unsqueeze = unsqueeze

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.fc(x.mean(dim=(2, 3)))
        if self.unsqueeze:
            return x * g[:, :, None, None]
        return x * g.view(x.shape[0], x.shape[1], 1, 1)


class SequenceGate(nn.Module):
    """Squeeze-and-excitation over time for [batch, features, time] (a 1-D CNN for time series)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1)
        self.fc1, self.fc2 = nn.Conv1d(channels, 2, 1), nn.Conv1d(2, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv(x))
        g = torch.sigmoid(self.fc2(torch.relu(self.fc1(y.mean(dim=2, keepdim=True)))))
        return y * g


class MaxOverTime(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=2)


def _randomise(model: nn.Module, seed: int) -> nn.Module:
    """BatchNorm statistics away from 0/1, so folding them into the convolutions is really tested."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.2)
                m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
                m.weight.copy_(torch.rand_like(m.weight) + 0.5)
                m.bias.copy_(torch.randn_like(m.bias) * 0.2)
    return model.eval()


def _export(model: nn.Module, x: torch.Tensor, path, dynamo: bool) -> None:
    if dynamo:
        torch.onnx.export(model, (x,), str(path), dynamo=True, input_names=["x"], output_names=["y"],
                          dynamic_shapes=({0: torch.export.Dim.DYNAMIC},), external_data=False)
    else:
        torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def _comes_in(model: nn.Module, shape: tuple[int, ...], tmp_path, dynamo: bool, studio_layout=None):
    """Export, import, and compare the studio network with onnxruntime on the original file at two batch
    sizes; then export the studio project again (export_onnx verifies it). Returns (project, ONNX op types)."""
    import onnxruntime as ort

    path = tmp_path / "foreign.onnx"
    _export(model, torch.randn(2, *shape), path, dynamo)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    project, state = import_onnx(path)
    studio = project.build_model()
    studio.load_state_dict(state, strict=True)
    studio.eval()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(5)
    for batch in (2, 3):
        x = torch.randn((batch, *shape), generator=gen) * 2
        (expected,) = session.run(None, {"x": x.numpy()})
        with torch.no_grad():
            got = studio(x if studio_layout is None else studio_layout(x)).numpy()
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= allowed_difference(expected), np.abs(got - expected).max()
    report = export_onnx(project, tmp_path / "again.onnx", model=studio)
    assert report.max_abs_diff <= allowed_difference(np.ones(1))
    return project, ops


def _count(project, btype: str) -> int:
    return sum(1 for b in project.graph.blocks if b.type == btype)


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_mobilenet_v3_gates_come_in(tmp_path, dynamo):
    model = _randomise(mobilenet_v3_like(), seed=1)
    project, ops = _comes_in(model, (3, 32, 32), tmp_path, dynamo)
    assert {"Mul", "HardSigmoid", "HardSwish"} <= ops
    assert _count(project, "Multiply") == 2  # one per gate
    assert _count(project, "HardSigmoid") == 2
    assert _count(project, "Add") == 2  # the skips
    for m in (b for b in project.graph.blocks if b.type == "Multiply"):
        kinds = {project.analyze().specs[src].kind for src in project.graph.inputs_of(m.id)}
        assert kinds == {"image", "vector"}  # an image scaled by one number per channel


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_efficientnet_b0_silu_and_gates_come_in(tmp_path, dynamo):
    model = _randomise(efficientnet_b0_like(), seed=2)
    project, ops = _comes_in(model, (3, 32, 32), tmp_path, dynamo)
    assert {"Mul", "Sigmoid"} <= ops
    # every x * sigmoid(x) is one SiLU block; the gates' sigmoids stay, with a Multiply each
    n_silu = sum(isinstance(m, nn.SiLU) for m in model.modules())
    assert _count(project, "SiLU") == n_silu
    assert _count(project, "Multiply") == 3
    assert _count(project, "Sigmoid") == 3
    assert _count(project, "Add") == 1


@pytest.mark.parametrize("unsqueeze", [False, True], ids=["view", "unsqueeze"])
@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_gate_written_with_linear_layers(tmp_path, dynamo, unsqueeze):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), LinearSqueezeExcite(6, unsqueeze), nn.Flatten(),
                          nn.Linear(6 * 5 * 5, 3)).eval()
    project, _ = _comes_in(model, (3, 5, 5), tmp_path, dynamo)
    assert _count(project, "Multiply") == 1 and _count(project, "Dense") == 3


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_gate_over_time_on_a_sequence(tmp_path, dynamo):
    torch.manual_seed(4)
    model = nn.Sequential(SequenceGate(4), MaxOverTime(), nn.Linear(4, 2)).eval()
    project, _ = _comes_in(model, (4, 9), tmp_path, dynamo, studio_layout=lambda x: x.transpose(1, 2))
    mul = next(b for b in project.graph.blocks if b.type == "Multiply")
    kinds = sorted(project.analyze().specs[src].kind for src in project.graph.inputs_of(mul.id))
    assert kinds == ["sequence", "vector"]


class _SigmoidTwice(nn.Module):
    """x * sigmoid(x), with sigmoid(x) also used on its own: not a SiLU, a Sigmoid and a Multiply."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(x)
        return x * s + s


def test_sigmoid_used_elsewhere_stays_a_sigmoid_times_its_input(tmp_path):
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 6), _SigmoidTwice(), nn.Linear(6, 2)).eval()
    project, _ = _comes_in(model, (4,), tmp_path, dynamo=False)
    assert _count(project, "SiLU") == 0
    assert _count(project, "Sigmoid") == 1 and _count(project, "Multiply") == 1


def _handmade(nodes: list, inits: list, tmp_path, out_dim: int = 4):
    graph = helper.make_graph(nodes, "handmade", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", out_dim])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    path = tmp_path / "handmade.onnx"
    onnx.save(m, str(path))
    return path


def test_product_with_a_constant_is_refused_by_name(tmp_path):
    w = numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")
    scale = numpy_helper.from_array(np.full((4,), 2.0, np.float32), "scale")
    path = _handmade([helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"),
                      helper.make_node("Mul", ["h", "scale"], ["y"], name="times_two")], [w, scale], tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "'times_two'" in str(e.value) and "constant" in str(e.value), str(e.value)


def test_square_of_a_value_is_refused_by_name(tmp_path):
    w = numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")
    path = _handmade([helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"),
                      helper.make_node("Mul", ["h", "h"], ["y"], name="square")], [w], tmp_path)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "'square'" in str(e.value) and "by itself" in str(e.value), str(e.value)


def test_wide_convolution_on_pooled_channels_is_refused(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Conv2d(4, 4, 3, padding=1), nn.Flatten())
    path = tmp_path / "wide.onnx"
    _export(model.eval(), torch.randn(2, 3, 6, 6), path, dynamo=False)
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    assert "1x1 convolution" in str(e.value) and "Conv" in str(e.value), str(e.value)
