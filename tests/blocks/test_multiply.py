"""Multiply's shape rule and what its module computes: same shapes, size-1 axes that stretch, a vector
that scales each channel (the squeeze-and-excitation gate), and the sentences for inputs that do not fit."""

import pytest
import torch

from cnnrnn_studio.blocks import REGISTRY, ShapeError, TensorSpec as S

MUL = REGISTRY["Multiply"]


def _run(ins: list[S], xs: list[torch.Tensor]) -> tuple[S, torch.Tensor]:
    out = MUL.infer({}, ins)
    with torch.no_grad():
        y = MUL.build({}, ins)(*xs)
    return out, y


def test_same_shapes_multiply_element_by_element():
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    out, y = _run([S("image", (3, 4, 5))] * 2, [a, b])
    assert out == S("image", (3, 4, 5))
    assert torch.equal(y, a * b)


def test_a_vector_scales_each_channel_of_an_image():
    x, g = torch.randn(2, 3, 4, 5), torch.rand(2, 3)
    for order in ((0, 1), (1, 0)):  # the gate may come first
        specs = [S("image", (3, 4, 5)), S("vector", (3,))]
        out, y = _run([specs[i] for i in order], [(x, g)[i] for i in order])
        assert out == S("image", (3, 4, 5))
        for c in range(3):
            for n in range(2):
                assert torch.allclose(y[n, c], x[n, c] * g[n, c])


def test_a_vector_scales_each_feature_of_a_sequence_at_every_step():
    x, g = torch.randn(2, 7, 4), torch.rand(2, 4)
    out, y = _run([S("sequence", (None, 4)), S("vector", (4,))], [x, g])
    assert out == S("sequence", (None, 4))
    for t in range(7):
        assert torch.allclose(y[:, t], x[:, t] * g)


def test_a_vector_scales_each_channel_of_every_frame():
    x, g = torch.randn(2, 3, 4, 5, 5), torch.rand(2, 4)
    out, y = _run([S("image_sequence", (3, 4, 5, 5)), S("vector", (4,))], [x, g])
    assert out == S("image_sequence", (3, 4, 5, 5))
    assert torch.allclose(y[1, 2, 3], x[1, 2, 3] * g[1, 3])


def test_an_axis_of_size_one_stretches():
    x, g = torch.randn(2, 3, 4, 5), torch.rand(2, 3, 1, 1)
    out, y = _run([S("image", (3, 4, 5)), S("image", (3, 1, 1))], [x, g])
    assert out == S("image", (3, 4, 5))
    assert torch.allclose(y[0, 2], x[0, 2] * g[0, 2, 0, 0])
    out, _ = _run([S("image", (1, 4, 5)), S("image", (3, 4, 1))], [torch.randn(2, 1, 4, 5), torch.randn(2, 3, 4, 1)])
    assert out == S("image", (3, 4, 5))


def test_three_inputs():
    a, b, c = torch.randn(2, 6), torch.randn(2, 1), torch.randn(2, 6)
    out, y = _run([S("vector", (6,)), S("vector", (1,)), S("vector", (6,))], [a, b, c])
    assert out == S("vector", (6,))
    assert torch.allclose(y, a * b * c)


@pytest.mark.parametrize("ins, words", [
    ([S("image", (3, 4, 5)), S("image", (3, 4, 6))], ("same shape", "input 1 is [3, 4, 5]", "input 2 is [3, 4, 6]")),
    ([S("image", (3, 4, 5)), S("vector", (4,))], ("each channel", "needs 3 numbers", "it has 4")),
    ([S("sequence", (None, 4)), S("vector", (3,))], ("each feature", "needs 4 numbers")),
    ([S("vector", (4,)), S("vector", (3,))], ("same shape",)),
    ([S("image", (3, 4, 5)), S("sequence", (5, 3))], ("one kind", "input 2 is a sequence over time")),
    ([S("tokens", (5,)), S("tokens", (5,))], ("word ids", "Embedding")),
])
def test_inputs_that_do_not_fit_are_refused_with_a_sentence(ins, words):
    with pytest.raises(ShapeError) as e:
        MUL.infer({}, ins)
    for w in words:
        assert w in e.value.message, e.value.message
