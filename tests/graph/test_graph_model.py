import pytest

from cnnrnn_studio.errors import GraphEditError
from cnnrnn_studio.graph import Graph


def test_events_are_announced_in_order():
    g = Graph()
    seen = []
    g.subscribe(lambda e, p: seen.append(e))
    g.add_block("Input", {"kind": "vector", "shape": [3]}, "in")
    g.add_block("Dense", {}, "d")
    g.add_link("in", "d")
    g.set_param("d", "out_features", 5)
    g.move_block("d", (10, 20))
    g.remove_block("d")
    assert seen == ["block_added", "block_added", "link_added", "params_changed", "block_moved",
                    "link_removed", "block_removed"]


def test_impossible_edits_raise_with_the_block():
    g = Graph()
    g.add_block("ReLU", None, "a")
    with pytest.raises(GraphEditError) as e:
        g.add_link("a", "ghost")
    assert e.value.block_id == "ghost"
    with pytest.raises(GraphEditError):
        g.add_link("a", "a")
    with pytest.raises(GraphEditError):
        g.add_block("ReLU", None, "a")
    with pytest.raises(GraphEditError):
        g.add_block("ReLU", None, "has space")


def test_ports_order_inputs_and_new_ids_are_free():
    g = Graph()
    for bid in ("x", "y", "cat"):
        g.add_block("ReLU", None, bid)
    g.add_link("y", "cat", 1)
    g.add_link("x", "cat", 0)
    assert g.inputs_of("cat") == ["x", "y"]
    assert g.new_id("ReLU") == "relu1"
    g.add_block("ReLU", None, "relu1")
    assert g.new_id("ReLU") == "relu2"


def test_rename_keeps_links_and_copy_is_independent():
    g = Graph()
    g.add_block("ReLU", None, "a")
    g.add_block("Tanh", None, "b")
    g.add_link("a", "b")
    g.rename_block("a", "first")
    assert g.inputs_of("b") == ["first"] and g.block("first").id == "first"
    h = g.copy()
    h.set_param("b", "x", 1)
    assert g.block("b").params == {}
