import torch

from cnnrnn_studio.compile import build_model

from ..graph.helpers import chain


def test_block_ids_that_clash_with_module_attributes_still_build():
    g = chain(("in", "Input", {"kind": "vector", "shape": [4]}), ("eval", "Dense", {"out_features": 5}),
              ("keys", "ReLU", {}), ("to", "Dense", {"out_features": 2}), ("out", "Output", {}))
    m = build_model(g)
    assert m(torch.randn(3, 4)).shape == (3, 2)
    assert set(m.block_names) == {"eval", "keys", "to"}
    assert all(n.endswith("_") for n in m.block_names.values())


def test_dead_end_branches_do_no_work():
    g = chain(("in", "Input", {"kind": "vector", "shape": [4]}), ("d", "Dense", {"out_features": 2}),
              ("out", "Output", {}), ("side", "Dense", {"out_features": 9}),
              links=[("in", "d"), ("d", "out"), ("in", "side")])
    m = build_model(g)
    assert "side" not in m.block_names
    assert sum(p.numel() for p in m.parameters()) == 10


def test_skip_connection_adds_the_skipped_input():
    g = chain(("in", "Input", {"kind": "vector", "shape": [3]}), ("r", "ReLU", {}), ("add", "Add", {}),
              ("d", "Dense", {"out_features": 2}), ("out", "Output", {}),
              links=[("in", "r"), ("r", "add"), ("in", "add"), ("add", "d"), ("d", "out")])
    m = build_model(g)
    seen = {}
    m.blocks["add"].register_forward_hook(lambda mod, i, o: seen.setdefault("add", o))
    x = torch.tensor([[-1.0, 2.0, -3.0]])
    m(x)
    assert torch.equal(seen["add"], torch.relu(x) + x)
