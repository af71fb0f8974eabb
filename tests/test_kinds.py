"""One vocabulary for tensor kinds and one shape formatter, shared by every layer."""

import cnnrnn_studio.blocks as blocks
import cnnrnn_studio.data as data
from cnnrnn_studio.kinds import KINDS, format_shape, kind_phrase, kind_title
from cnnrnn_studio.project.from_data import KIND_WORDS


def test_every_layer_names_the_same_kinds():
    assert blocks.KINDS == data.KINDS == tuple(KINDS)
    assert blocks.KIND_AXES == {name: k.axes for name, k in KINDS.items()}
    assert KIND_WORDS == {name: k.phrase for name, k in KINDS.items()}


def test_each_kind_has_axes_a_phrase_and_an_example_of_its_rank():
    for name, k in KINDS.items():
        assert len(k.example) == len(k.axes) > 0, name
        assert k.phrase.startswith(("a ", "an ")), name
    assert kind_title("image_sequence") == "image sequence"
    assert kind_phrase("tokens") == "a sequence of word ids"
    assert kind_phrase("no such kind") == "no such kind"


def test_shapes_are_written_one_way():
    assert format_shape((1, 28, 28)) == "[1, 28, 28]"
    assert format_shape((None, 6)) == "[T, 6]"
    assert format_shape((None, 6), open_axis="null") == "[null, 6]"
    assert format_shape((None, 6), batch="B") == "[B, T, 6]"
    assert format_shape((1, 8, 8), sep="x", brackets=False) == "1x8x8"
    assert blocks.TensorSpec("sequence", (None, 6)).show() == "[T, 6]"
