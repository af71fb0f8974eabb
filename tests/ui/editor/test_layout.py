"""Tidy layout: layered left to right, no overlaps, long chains wrapped only where one link crosses."""

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import list_templates, load_template
from cnnrnn_studio.ui.editor.geometry import CARD_H, CARD_W
from cnnrnn_studio.ui.editor.layout import bounding_size, fitted_positions, overlapping, tidy_positions


def chain(n: int) -> Graph:
    g = Graph()
    prev = g.add_block("Input", {"kind": "vector", "shape": [4]}).id
    for _ in range(n):
        cur = g.add_block("Dense").id
        g.add_link(prev, cur)
        prev = cur
    return g


def test_every_block_gets_a_position_left_to_right():
    g = chain(5)
    pos = tidy_positions(g)
    assert set(pos) == set(g.block_ids())
    order = ["input1"] + [f"dense{i}" for i in range(1, 6)]
    xs = [pos[b][0] for b in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert len({pos[b][1] for b in order}) == 1  # a plain chain stays on one row


def test_parallel_branches_get_their_own_rows_and_never_overlap():
    p = load_template("resnet_block")
    pos = tidy_positions(p.graph)
    assert not overlapping(pos)
    # the two convolutions of the residual branch sit on another row than the skip's ends
    assert pos["conv_a"][1] != pos["stem_relu"][1]
    assert pos["add"][0] > pos["bn_b"][0] > pos["stem_relu"][0]


def test_every_template_lays_out_without_overlaps():
    for t in list_templates():
        g = load_template(t.id).graph
        for pos in (tidy_positions(g), fitted_positions(g, 900, 600)):
            assert not overlapping(pos), t.id


def test_wrapping_makes_a_long_chain_fit_a_window():
    g = chain(20)
    flat = tidy_positions(g)
    wrapped = fitted_positions(g, 1000, 700)
    fw, fh = bounding_size(flat)
    ww, wh = bounding_size(wrapped)
    scale = lambda w, h: min(1000 / w, 700 / h)  # noqa: E731
    assert scale(ww, wh) > 2 * scale(fw, fh)
    assert not overlapping(wrapped)


def test_wrapping_never_cuts_through_parallel_branches():
    p = load_template("resnet_block")
    pos = fitted_positions(p.graph, 700, 700)
    band_of = lambda b: round(pos[b][1] / 10)  # noqa: E731
    # every block of the residual unit is in one band: x grows from stem_relu to add
    unit = ["stem_relu", "conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "add"]
    xs = [pos[b][0] for b in unit]
    assert xs[0] < xs[-1] and all(x >= xs[0] for x in xs)
    assert abs(pos["add"][1] - pos["stem_relu"][1]) < 3 * CARD_H
    assert band_of("add") == band_of("stem_relu")


def test_loops_are_laid_out_too():
    g = chain(3)
    g.add_link("dense3", "dense1")  # a loop the person is fixing
    pos = tidy_positions(g)
    assert set(pos) == set(g.block_ids()) and not overlapping(pos)


def test_overlapping_finds_cards_on_top_of_each_other():
    assert overlapping({"a": (0, 0), "b": (CARD_W - 1, CARD_H - 1)}) == [("a", "b")]
    assert overlapping({"a": (0, 0), "b": (CARD_W, 0)}) == []
