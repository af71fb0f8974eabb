"""Size, padding and shape fields read what a person types leniently, and refuse the rest."""

import pytest

from cnnrnn_studio.blocks import ParamError, get_block
from cnnrnn_studio.ui.editor.param_text import format_value, parse_text

KERNEL = get_block("Conv2d").param("kernel_size")
PADDING = get_block("Conv2d").param("padding")
SHAPE = get_block("Input").param("shape")
STRIDE = get_block("MaxPool2d").param("stride")


@pytest.mark.parametrize("text, value", [("3", 3), (" 3 ", 3), ("3x3", [3, 3]), ("3 x 5", [3, 5]),
                                         ("[3, 5]", [3, 5]), ("(2,2)", [2, 2]), ("3×4", [3, 4]), ("3.0", 3)])
def test_sizes(text, value):
    assert parse_text(KERNEL, text) == value


def test_padding_words_and_numbers():
    assert parse_text(PADDING, "same") == "same"
    assert parse_text(PADDING, "Valid") == "valid"
    assert parse_text(PADDING, "1") == 1


def test_shapes_with_an_open_time_axis():
    assert parse_text(SHAPE, "1 x 28 x 28") == [1, 28, 28]
    assert parse_text(SHAPE, "[T, 6]") == [None, 6]
    assert parse_text(SHAPE, "null, 6") == [None, 6]


def test_optional_value_may_be_left_empty():
    assert parse_text(STRIDE, "") is None


@pytest.mark.parametrize("param, text, words", [(KERNEL, "banana", "not a whole number"), (KERNEL, "0", "at least 1"),
                                                (KERNEL, "", "needs a value"), (PADDING, "wide", "not a whole number"),
                                                (SHAPE, "1 x 0", "at least 1")])
def test_refused_with_a_message(param, text, words):
    with pytest.raises(ParamError) as e:
        parse_text(param, text)
    assert words in e.value.message


def test_values_are_written_back_readably_and_read_back_the_same():
    for param, value in ((KERNEL, [3, 5]), (KERNEL, 3), (PADDING, "same"), (SHAPE, [None, 6]), (SHAPE, [1, 28, 28])):
        assert parse_text(param, format_value(param, value)) == value
    assert format_value(SHAPE, [None, 6]) == "T x 6"


def test_a_missing_size_is_refused_not_guessed():
    for text in ("3 x", "3 x x", "3,,3", "x3"):
        with pytest.raises(ParamError) as e:
            parse_text(KERNEL, text)
        assert "missing" in e.value.message
