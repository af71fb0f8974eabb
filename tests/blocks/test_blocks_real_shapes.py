"""Every block: the inferred shape equals what the built module really returns, and the counted
parameters equal torch's own count (Keras' run_layer_test, applied to every declaration)."""

import pytest
import torch

from cnnrnn_studio.blocks import REGISTRY, TensorSpec, get_block

from .cases import CASES


def random_batch(spec: TensorSpec, batch: int, time: int) -> torch.Tensor:
    dims = [time if d is None else d for d in spec.dims]
    if spec.kind == "tokens":
        return torch.randint(0, 30, (batch, *dims))
    return torch.randn(batch, *dims)


def concrete(spec: TensorSpec, time: int) -> TensorSpec:
    return TensorSpec(spec.kind, tuple(time if d is None else d for d in spec.dims))


def _id(case):
    t, p, ins = case
    return f"{t}-{'-'.join(i.kind for i in ins)}-{abs(hash(str(p))) % 1000}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_inferred_shape_is_real_output(case):
    type_id, raw, ins = case
    spec = get_block(type_id)
    params = spec.resolve_params(raw)
    out = spec.infer(params, ins)
    module = spec.build(params, ins)
    module.eval()
    for batch, time in ((2, 13), (3, 17)):
        xs = [random_batch(s, batch, time) for s in ins]
        with torch.no_grad():
            y = module(*xs)
        # With an open time axis, the rule applied to the real length must give the real output,
        # and the open spec must agree with it on every fixed axis.
        out_now = spec.infer(params, [concrete(s, time) for s in ins])
        assert tuple(y.shape) == (batch, *out_now.dims), (type_id, raw)
        assert out.kind == out_now.kind
        assert all(d is None or d == e for d, e in zip(out.dims, out_now.dims))
        if any(None in s.dims for s in ins) and out.kind in ("sequence", "image_sequence"):
            assert out.dims[0] is None


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_counted_params_equal_torch(case):
    type_id, raw, ins = case
    spec = get_block(type_id)
    params = spec.resolve_params(raw)
    out = spec.infer(params, ins)
    n_params, macs = spec.count(params, ins, out)
    module = spec.build(params, ins)
    assert n_params == sum(p.numel() for p in module.parameters())
    assert macs >= 0


def test_every_block_type_has_a_case():
    covered = {t for t, _, _ in CASES} | {"Input", "Output"}
    assert covered == set(REGISTRY)


def test_conv1d_is_over_time_without_transposes_by_the_user():
    # A sequence [T, F] treats F as channels and slides over time.
    spec = get_block("Conv1d")
    p = spec.resolve_params({"out_channels": 3, "kernel_size": 1, "bias": False})
    m = spec.build(p, [TensorSpec("sequence", (4, 2))])
    with torch.no_grad():
        m.inner.weight.zero_()
        m.inner.weight[0, 1, 0] = 1.0  # output channel 0 copies input feature 1
    x = torch.randn(1, 4, 2)
    assert torch.allclose(m(x)[0, :, 0], x[0, :, 1])


def test_per_frame_conv_equals_conv_on_each_frame():
    spec = get_block("Conv2d")
    clip = TensorSpec("image_sequence", (3, 1, 6, 6))
    p = spec.resolve_params({"out_channels": 2, "kernel_size": 3})
    m = spec.build(p, [clip])
    x = torch.randn(2, 3, 1, 6, 6)
    y = m(x)
    for t in range(3):
        assert torch.allclose(y[:, t], m.inner(x[:, t]), atol=1e-6)


def test_min_pool_is_the_minimum():
    spec = get_block("MinPool1d")
    p = spec.resolve_params({"kernel_size": 2})
    m = spec.build(p, [TensorSpec("sequence", (4, 1))])
    x = torch.tensor([[[3.0], [1.0], [5.0], [7.0]]])
    assert m(x).flatten().tolist() == [1.0, 5.0]


def test_to_sequence_reads_columns_left_to_right():
    spec = get_block("ToSequence")
    m = spec.build({}, [TensorSpec("image", (1, 2, 3))])
    x = torch.arange(6.0).reshape(1, 1, 2, 3)  # rows [0 1 2], [3 4 5]
    assert m(x)[0].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_bidirectional_final_state_joins_both_directions():
    spec = get_block("GRU")
    p = spec.resolve_params({"hidden_size": 3, "bidirectional": True})
    m = spec.build(p, [TensorSpec("sequence", (5, 2))]).eval()
    x = torch.randn(2, 5, 2)
    seq, _ = m.rnn(x)
    y = m(x)
    assert torch.allclose(y[:, :3], seq[:, -1, :3], atol=1e-6)  # forward: after the last step
    assert torch.allclose(y[:, 3:], seq[:, 0, 3:], atol=1e-6)   # backward: after reading back to the first
