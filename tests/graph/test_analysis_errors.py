"""Invalid graphs get problems that name the block and say, in plain words, what to do."""

from cnnrnn_studio.graph import analyze

from .helpers import chain

IMG = ("in", "Input", {"kind": "image", "shape": [1, 8, 8]})
OUT = ("out", "Output", {})


def codes(a):
    return {(p.block_id, p.code) for p in a.errors}


def test_valid_chain_has_no_problems():
    a = analyze(chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 3}), OUT))
    assert a.ok and a.problems == []
    assert a.specs["d"].dims == (3,)
    assert a.total_params == 64 * 3 + 3


def test_cycle_names_its_blocks():
    g = chain(IMG, ("a", "ReLU", {}), ("b", "Tanh", {}), ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT)
    g.add_link("b", "a")
    a = analyze(g)
    assert ("a", "cycle") in codes(a) and ("b", "cycle") in codes(a)
    assert "loop" in next(p.message for p in a.errors if p.block_id == "a")


def test_unknown_type_and_bad_param_name_the_block_and_field():
    g = chain(IMG, ("c", "Conv3d", {}), ("f", "Flatten", {}), ("d", "Dense", {"out_features": -4}), OUT)
    a = analyze(g)
    assert ("c", "unknown_type") in codes(a)
    bad = next(p for p in a.errors if p.block_id == "d")
    assert bad.code == "bad_param" and bad.field == "out_features" and "at least 1" in bad.message


def test_unknown_parameter_name_is_reported():
    a = analyze(chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"units": 4}), OUT))
    p = next(p for p in a.errors if p.block_id == "d")
    assert "units" in p.message and "out_features" in p.message


def test_kernel_larger_than_input():
    a = analyze(chain(IMG, ("c", "Conv2d", {"kernel_size": 9}), ("f", "Flatten", {}),
                      ("d", "Dense", {"out_features": 2}), OUT))
    p = next(p for p in a.errors if p.block_id == "c")
    assert p.code == "shape" and "larger than its input" in p.message


def test_add_of_different_shapes():
    g = chain(IMG, ("c1", "Conv2d", {"out_channels": 4, "padding": "same"}),
              ("c2", "Conv2d", {"out_channels": 8, "padding": "same"}), ("add", "Add", {}),
              ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT,
              links=[("in", "c1"), ("in", "c2"), ("c1", "add"), ("c2", "add"), ("add", "f"), ("f", "d"), ("d", "out")])
    a = analyze(g)
    p = next(p for p in a.errors if p.block_id == "add")
    assert "same shape" in p.message and "[4, 8, 8]" in p.message and "[8, 8, 8]" in p.message


def test_lstm_on_an_image_suggests_to_sequence():
    a = analyze(chain(IMG, ("lstm", "LSTM", {}), ("d", "Dense", {"out_features": 2}), OUT))
    p = next(p for p in a.errors if p.block_id == "lstm")
    assert "image" in p.message and "ToSequence" in p.message
    assert p.fix == {"action": "insert_before", "type": "ToSequence", "block": "lstm"}


def test_dense_on_image_suggests_flatten():
    a = analyze(chain(IMG, ("d", "Dense", {"out_features": 2}), OUT))
    p = next(p for p in a.errors if p.block_id == "d")
    assert p.fix["type"] == "Flatten" and "Insert Flatten" in p.message


def test_missing_input_and_output():
    a = analyze(chain(("d", "Dense", {})))
    cs = {p.code for p in a.errors}
    assert {"no_input", "no_output", "unconnected"} <= cs
    assert any(p.block_id == "d" and p.code == "unconnected" for p in a.errors)


def test_unconnected_and_too_many_inputs():
    g = chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT, ("lonely", "ReLU", {}),
              links=[("in", "f"), ("f", "d"), ("d", "out"), ("in", "d")])
    a = analyze(g)
    assert ("lonely", "unconnected") in codes(a)
    p = next(p for p in a.errors if p.block_id == "d")
    assert p.code == "too_many_inputs" and "Add or Concat" in p.message


def test_merge_needs_two_inputs():
    g = chain(IMG, ("add", "Add", {}), ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT)
    assert ("add", "unconnected") in codes(analyze(g))


def test_dead_end_is_a_warning_only():
    g = chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT, ("extra", "ReLU", {}),
              links=[("in", "f"), ("f", "d"), ("d", "out"), ("f", "extra")])
    a = analyze(g)
    assert a.ok
    assert [(p.block_id, p.code) for p in a.warnings] == [("extra", "dead_end")]


def test_errors_downstream_of_a_broken_block_are_not_repeated():
    a = analyze(chain(IMG, ("d", "Dense", {"out_features": 2}), ("r", "ReLU", {}), OUT))
    assert [p.block_id for p in a.errors] == ["d"]


def test_output_needs_a_vector_and_two_classes():
    a = analyze(chain(IMG, OUT))
    assert next(p for p in a.errors if p.block_id == "out").fix["type"] == "Flatten"
    a = analyze(chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 1}), OUT))
    assert "at least 2" in next(p for p in a.errors if p.block_id == "out").message
    a = analyze(chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 1}), ("out", "Output", {"task": "regression"})))
    assert a.ok


def test_input_shape_must_match_its_kind():
    a = analyze(chain(("in", "Input", {"kind": "sequence", "shape": [1, 8, 8]}), ("g", "GlobalAvgPool", {}),
                      ("d", "Dense", {"out_features": 2}), OUT))
    p = next(p for p in a.errors if p.block_id == "in")
    assert p.field == "shape" and "time, features" in p.message


def test_link_into_input_and_out_of_output():
    g = chain(IMG, ("f", "Flatten", {}), ("d", "Dense", {"out_features": 2}), OUT, ("r", "ReLU", {}),
              links=[("in", "f"), ("f", "d"), ("d", "out"), ("out", "r"), ("r", "in")])
    cs = codes(analyze(g))
    assert ("out", "link_after_output") in cs


def test_variable_length_flatten_is_refused_with_alternative():
    a = analyze(chain(("in", "Input", {"kind": "sequence", "shape": [None, 3]}), ("f", "Flatten", {}),
                      ("d", "Dense", {"out_features": 2}), OUT))
    p = next(p for p in a.errors if p.block_id == "f")
    assert "GlobalAvgPool" in p.message


def test_the_multiply_add_count_says_what_it_is_per():
    from cnnrnn_studio.project import load_template

    assert load_template("lenet5").analyze().macs_per == "per sample"
    assert "per time step" in load_template("fcn_timeseries").analyze().macs_per   # its length is open
