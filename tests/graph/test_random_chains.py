"""Hypothesis: random valid chains of blocks compile, and every block's inferred shape is what
the compiled model really produces, at two batch sizes and (for open time axes) two lengths."""

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnrnn_studio.blocks import REGISTRY, ShapeError
from cnnrnn_studio.compile import build_model
from cnnrnn_studio.graph import Graph, analyze

INPUTS = {
    "image": st.tuples(st.integers(1, 3), st.integers(4, 12), st.integers(4, 12)),
    "sequence": st.tuples(st.one_of(st.none(), st.integers(4, 16)), st.integers(1, 5)),
    "vector": st.tuples(st.integers(1, 9)),
    "image_sequence": st.tuples(st.integers(2, 4), st.integers(1, 2), st.integers(4, 8), st.integers(4, 8)),
    "tokens": st.tuples(st.one_of(st.none(), st.integers(3, 9))),
}

STEP_PARAMS = {
    "Conv1d": st.fixed_dictionaries({"out_channels": st.integers(1, 6), "kernel_size": st.integers(1, 3),
                                     "padding": st.sampled_from([0, 1, "same"])}),
    "Conv2d": st.fixed_dictionaries({"out_channels": st.integers(1, 6), "kernel_size": st.integers(1, 3),
                                     "stride": st.integers(1, 2), "padding": st.sampled_from([0, 1])}),
    "MaxPool1d": st.fixed_dictionaries({"kernel_size": st.integers(1, 2)}),
    "AvgPool2d": st.fixed_dictionaries({"kernel_size": st.integers(1, 2)}),
    "MinPool2d": st.fixed_dictionaries({"kernel_size": st.integers(1, 2)}),
    "GlobalAvgPool": st.just({}), "GlobalMaxPool": st.just({}),
    "Dense": st.fixed_dictionaries({"out_features": st.integers(1, 6)}),
    "Flatten": st.just({}), "ToSequence": st.just({}), "Dropout": st.just({"p": 0.1}),
    "BatchNorm": st.just({}), "LayerNorm": st.just({}), "ReLU": st.just({}), "Tanh": st.just({}),
    "Softmax": st.just({}), "GELU": st.just({}),
    "RNN": st.fixed_dictionaries({"hidden_size": st.integers(1, 5), "return_sequences": st.booleans()}),
    "LSTM": st.fixed_dictionaries({"hidden_size": st.integers(1, 5), "bidirectional": st.booleans(),
                                   "return_sequences": st.booleans()}),
    "GRU": st.fixed_dictionaries({"hidden_size": st.integers(1, 5), "num_layers": st.integers(1, 2),
                                  "return_sequences": st.booleans()}),
    "Embedding": st.fixed_dictionaries({"num_embeddings": st.just(20), "embedding_dim": st.integers(1, 4)}),
}


@st.composite
def valid_chain(draw):
    kind = draw(st.sampled_from(sorted(INPUTS)))
    shape = list(draw(INPUTS[kind]))
    g = Graph()
    g.add_block("Input", {"kind": kind, "shape": shape}, "in")
    spec = analyze(g).specs["in"]
    last, n = "in", 0
    for i in range(draw(st.integers(1, 7))):
        t = draw(st.sampled_from(sorted(STEP_PARAMS)))
        p = draw(STEP_PARAMS[t])
        bs = REGISTRY[t]
        try:
            out = bs.infer(bs.resolve_params(p), [spec])
        except ShapeError:
            continue  # not applicable here: the rule said why, which is what it should do
        bid = f"b{i}"
        g.add_block(t, p, bid)
        g.add_link(last, bid)
        last, spec, n = bid, out, n + 1
    # Finish with something the Output accepts.
    if spec.kind == "tokens":
        g.add_block("Embedding", {"num_embeddings": 20, "embedding_dim": 3}, "emb")
        g.add_link(last, "emb")
        last = "emb"
        spec = analyze(g).specs["emb"]
    if spec.kind != "vector":
        t = "GlobalAvgPool" if spec.kind in ("image", "sequence") else "Flatten"
        g.add_block(t, {}, "finish")
        g.add_link(last, "finish")
        last = "finish"
        spec = analyze(g).specs["finish"]
        if spec.kind != "vector":
            g.add_block("GlobalMaxPool", {}, "finish2")
            g.add_link(last, "finish2")
            last = "finish2"
    g.add_block("Dense", {"out_features": 3}, "head")
    g.add_link(last, "head")
    g.add_block("Output", {}, "out")
    g.add_link("head", "out")
    return g


def sample(spec, batch, time):
    dims = [time if d is None else d for d in spec.dims]
    if spec.kind == "tokens":
        return torch.randint(0, 20, (batch, *dims))
    return torch.randn(batch, *dims)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_chain())
def test_random_chain_compiles_and_shapes_are_real(g):
    a = analyze(g)
    assert a.ok, [str(p) for p in a.errors]
    model = build_model(g, a).eval()
    assert sum(p.numel() for p in model.parameters()) == a.total_params
    # capture every block's real output
    seen = {}
    for bid, name in model.block_names.items():
        model.blocks[name].register_forward_hook(lambda m, i, o, bid=bid: seen.__setitem__(bid, tuple(o.shape)))
    for batch, time in ((2, 9), (3, 12)):
        x = sample(a.input_spec, batch, time)
        with torch.no_grad():
            y = model(x)
        assert tuple(y.shape) == (batch, 3)
        for bid, shape in seen.items():
            want = a.specs[bid].dims
            assert shape[0] == batch
            assert all(w is None or w == s for w, s in zip(want, shape[1:])), (bid, want, shape)
            assert len(want) == len(shape) - 1
