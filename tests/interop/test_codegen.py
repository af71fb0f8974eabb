"""The generated PyTorch module: standalone, readable, and computing what the studio model computes."""

from __future__ import annotations

import ast
import runpy
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from cnnrnn_studio.compile import build_model
from cnnrnn_studio.compile.codegen import class_name_for, python_source
from cnnrnn_studio.errors import ValidationError
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import load_template

from .generated import generated_model, load_module, network_class


def test_generated_module_matches_studio_model(network_name, nets, tmp_path):
    project = nets.network(network_name)
    studio = nets.randomise(project.build_model(), seed=1)
    mod, model = generated_model(project, studio, tmp_path, f"gen_{network_name}")
    for batch, length in ((2, 9), (3, 14)):
        x = nets.sample_input(project, batch=batch, length=length, seed=batch)
        with torch.no_grad():
            expected, got = studio(x), model(x)
        assert got.shape == expected.shape
        assert torch.allclose(got, expected, atol=1e-6, rtol=0), (got - expected).abs().max()
    # and back: the module's weights under the studio's names load strictly into the studio model
    back = project.build_model()
    back.load_state_dict(mod.studio_state_dict(model), strict=True)
    assert all(torch.equal(a, b) for a, b in zip(back.state_dict().values(), studio.state_dict().values()))


def test_imports_only_torch_and_safetensors(network_name, nets):
    tree = ast.parse(python_source(nets.network(network_name)))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add(node.module.split(".")[0])
    assert roots <= {"torch", "safetensors", "sys"}  # sys: only in the __main__ demo
    assert "torch" in roots and "safetensors" in roots


def test_reads_like_hand_written_code():
    src = python_source(load_template("digits_cnn"))
    assert f"class {class_name_for(load_template('digits_cnn').name)}(nn.Module):" in src
    assert "self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding='same')" in src
    assert "self.dense2 = nn.Linear(128, 10)" in src
    assert "x = self.conv1(x)" in src
    assert "# [B, 32, 8, 8]" in src  # each line says its output shape
    assert "def load_weights(model: nn.Module, path: str)" in src
    assert 'if __name__ == "__main__":' in src
    assert "'blocks.conv1.': 'conv1.'," in src.replace("  ", " ").replace("  ", " ")
    for line in src.splitlines():
        assert len(line) <= 130, line


def test_wrappers_are_spelled_out_in_plain_torch():
    seq = python_source(load_template("cnn1d_classifier"))
    assert "self.conv1(x.transpose(1, 2)).transpose(1, 2)" in seq  # Conv1d over time
    video = python_source(load_template("cnn_lstm_video"))
    assert "batch, steps = x.shape[0], x.shape[1]" in video
    assert "self.conv1(x.flatten(0, 1)).unflatten(0, (batch, steps))" in video  # per frame
    crnn = python_source(load_template("crnn"))
    assert "x = x.permute(0, 3, 1, 2).flatten(2)" in crnn
    assert "_, (h, _) = self.lstm(x)" in crnn
    assert "x = torch.cat((h[-2], h[-1]), dim=1)" in crnn  # both directions' final states
    gru = python_source(load_template("gru_forecaster"))
    assert "_, h = self.gru(x)" in gru and "x = h[-1]" in gru


def test_skip_connections_keep_named_values():
    src = python_source(load_template("resnet_block"))
    assert "stem_relu = torch.relu(x)" in src
    assert "x = self.conv_a(stem_relu)" in src
    assert "x = stem_relu + x" in src


def test_names_that_clash_with_python_are_renamed(tmp_path):
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "input")
    g.add_block("Dense", {"out_features": 4}, "x")        # the forward's own variable
    g.add_block("ReLU", {}, "class")                      # a Python keyword
    g.add_block("Add", {}, "sum")                         # a builtin
    g.add_block("Dense", {"out_features": 4}, "h")        # the recurrent state's name
    g.add_block("Dense", {"out_features": 2}, "self")
    g.add_block("Output", {}, "output")
    for a, b in [("input", "x"), ("x", "class"), ("class", "sum"), ("x", "sum"), ("sum", "h"), ("h", "self"),
                 ("self", "output")]:
        g.add_link(a, b)
    studio = build_model(g).eval()
    path = tmp_path / "clash.py"
    path.write_text(python_source(g, name="clash"))
    mod = load_module(path, "clash_gen")
    model = network_class(mod)()
    weights = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in studio.state_dict().items()}, str(weights))
    mod.load_weights(model, str(weights))
    model.eval()
    x = torch.randn(3, 4)
    with torch.no_grad():
        assert torch.allclose(model(x), studio(x), atol=1e-6)


def test_layer_names_never_shadow_torch_methods(tmp_path):
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "input")
    g.add_block("Dense", {"out_features": 4}, "eval")     # nn.Module.eval
    g.add_block("Dense", {"out_features": 2}, "to")       # nn.Module.to
    g.add_block("Output", {}, "output")
    for a, b in [("input", "eval"), ("eval", "to"), ("to", "output")]:
        g.add_link(a, b)
    src = python_source(g, name="shadow")
    assert "self.eval_ = nn.Linear(4, 4)" in src and "self.to_ = nn.Linear(4, 2)" in src
    path = tmp_path / "shadow.py"
    path.write_text(src)
    model = network_class(load_module(path, "shadow_gen"))()
    assert model.eval() is model  # still torch's method
    assert model(torch.randn(2, 4)).shape == (2, 2)


def test_demo_runs_with_studio_weights(tmp_path, nets, monkeypatch, capsys):
    project = load_template("text_lstm")
    studio = project.build_model()
    weights = tmp_path / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in studio.state_dict().items()}, str(weights))
    path = tmp_path / "model.py"
    path.write_text(python_source(project))
    monkeypatch.setattr(sys, "argv", [str(path), str(weights)])
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert "input (2, 16) -> output (2, 2)" in out
    assert "predicted classes:" in out
    assert set(load_file(str(weights))) == set(studio.state_dict())


def test_invalid_network_is_refused_with_the_problems():
    g = Graph()
    g.add_block("Input", {"kind": "image", "shape": [1, 8, 8]}, "input")
    g.add_block("Dense", {"out_features": 4}, "dense")
    g.add_block("Output", {}, "output")
    g.add_link("input", "dense")
    g.add_link("dense", "output")
    with pytest.raises(ValidationError) as e:
        python_source(g)
    assert "dense" in str(e.value) and "Flatten" in str(e.value)


@pytest.mark.parametrize("name, expected", [("LeNet-5", "LeNet5"), ("digits cnn", "DigitsCnn"),
                                            ("CRNN (CNN + LSTM on images)", "CRNN"), ("", "Network"),
                                            ("3 layers", "Net3Layers")])
def test_class_names(name, expected):
    assert class_name_for(name) == expected


def test_a_flat_value_read_by_two_branches(tmp_path):
    """Flatten on a vector writes no code; its value must survive until both branches read it."""
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [5]}, "input")
    g.add_block("Dense", {"out_features": 4}, "d0")
    g.add_block("Flatten", {}, "flat")
    g.add_block("Dense", {"out_features": 4}, "a")
    g.add_block("Tanh", {}, "ta")
    g.add_block("Dense", {"out_features": 4}, "b")
    g.add_block("Add", {}, "add")
    g.add_block("Output", {"task": "regression"}, "output")
    for src, dst in [("input", "d0"), ("d0", "flat"), ("flat", "a"), ("a", "ta"), ("flat", "b"), ("ta", "add"),
                     ("b", "add"), ("add", "output")]:
        g.add_link(src, dst)
    studio = build_model(g).eval()
    path = tmp_path / "flat.py"
    path.write_text(python_source(g, name="flat"))
    mod = load_module(path, "flat_gen")
    weights = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in studio.state_dict().items()}, str(weights))
    model = mod.load_weights(network_class(mod)(), str(weights)).eval()
    x = torch.randn(3, 5)
    with torch.no_grad():
        assert torch.allclose(model(x), studio(x), atol=1e-6)


def test_the_reserved_layer_names_cover_every_torch_module_method():
    """A torch upgrade that adds nn.Module methods must not let a block name shadow one."""
    from cnnrnn_studio.compile.codegen import _MODULE_ATTRS

    assert {n for n in dir(torch.nn.Module) if not n.startswith("_")} <= _MODULE_ATTRS
