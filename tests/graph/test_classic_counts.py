"""Known classic networks give their published parameter counts (analysis only: nothing is built)."""

import pytest

from cnnrnn_studio.graph import analyze
from cnnrnn_studio.project import load_template

from .helpers import chain


def test_lenet5_template_has_61706_parameters():
    p = load_template("lenet5")
    a = p.analyze()
    assert a.ok and a.total_params == 61_706
    # and torch agrees
    model = p.build_model()
    assert sum(t.numel() for t in model.parameters()) == 61_706


def _conv(i, c, k, s=1, p=0):
    return (f"conv{i}", "Conv2d", {"out_channels": c, "kernel_size": k, "stride": s, "padding": p})


def test_alexnet_torchvision_variant_61100840():
    blocks = [("in", "Input", {"kind": "image", "shape": [3, 224, 224]}),
              _conv(1, 64, 11, 4, 2), ("r1", "ReLU", {}), ("p1", "MaxPool2d", {"kernel_size": 3, "stride": 2}),
              _conv(2, 192, 5, 1, 2), ("r2", "ReLU", {}), ("p2", "MaxPool2d", {"kernel_size": 3, "stride": 2}),
              _conv(3, 384, 3, 1, 1), ("r3", "ReLU", {}), _conv(4, 256, 3, 1, 1), ("r4", "ReLU", {}),
              _conv(5, 256, 3, 1, 1), ("r5", "ReLU", {}), ("p5", "MaxPool2d", {"kernel_size": 3, "stride": 2}),
              ("flat", "Flatten", {}), ("d1", "Dense", {"out_features": 4096}), ("r6", "ReLU", {}),
              ("d2", "Dense", {"out_features": 4096}), ("r7", "ReLU", {}), ("d3", "Dense", {"out_features": 1000}),
              ("out", "Output", {})]
    a = analyze(chain(*blocks))
    assert a.ok
    assert a.specs["p5"].dims == (256, 6, 6)
    assert a.total_params == 61_100_840


def test_vgg16_138357544():
    blocks = [("in", "Input", {"kind": "image", "shape": [3, 224, 224]})]
    i = 0
    for stage, (c, n) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        for _ in range(n):
            i += 1
            blocks += [_conv(i, c, 3, 1, 1), (f"r{i}", "ReLU", {})]
        blocks.append((f"pool{stage}", "MaxPool2d", {"kernel_size": 2}))
    blocks += [("flat", "Flatten", {}), ("d1", "Dense", {"out_features": 4096}), ("ra", "ReLU", {}),
               ("d2", "Dense", {"out_features": 4096}), ("rb", "ReLU", {}), ("d3", "Dense", {"out_features": 1000}),
               ("out", "Output", {})]
    a = analyze(chain(*blocks))
    assert a.ok and a.total_params == 138_357_544


@pytest.mark.parametrize("cell,expected", [("LSTM", 4 * (128 * 64 + 128 * 128 + 2 * 128)),
                                           ("GRU", 3 * (128 * 64 + 128 * 128 + 2 * 128))])
def test_recurrent_counts_match_the_textbook_formula(cell, expected):
    a = analyze(chain(("in", "Input", {"kind": "sequence", "shape": [None, 64]}), ("r", cell, {"hidden_size": 128}),
                      ("d", "Dense", {"out_features": 2}), ("out", "Output", {})))
    assert a.param_counts["r"] == expected
