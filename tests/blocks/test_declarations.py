"""Adding a block is its declaration plus one test case: this fails when a registered block type
lacks what the rest of the program draws from its declaration (a case, a glyph, code, ...)."""

import re
import subprocess
import sys

import pytest

from cnnrnn_studio.blocks import CATEGORIES, CATEGORY_GLYPH, FAMILIES, REGISTRY
from cnnrnn_studio.blocks.base import ShapeError, TensorSpec

from .cases import CASES, REFUSED

TYPES = sorted(REGISTRY)
IO = ("Input", "Output")  # the ends of the network: no case, no forward line, no layer


@pytest.mark.parametrize("type_id", TYPES)
def test_every_block_has_a_test_case(type_id):
    if type_id in IO:
        return
    assert any(c[0] == type_id for c in CASES), f"add an example of {type_id} to tests/blocks/cases.py"


@pytest.mark.parametrize("type_id", TYPES)
def test_every_block_has_a_glyph(type_id):
    glyph = REGISTRY[type_id].glyph
    assert glyph, f"{type_id} declares no glyph (blocks/glyphs.py)"
    names = {"line": 5, "rect": 6, "oval": 6, "dot": 6, "polyline": 2, "path": 2, "arc": 7}
    for stroke in glyph:
        assert stroke[0] in names and len(stroke) == names[stroke[0]], (type_id, stroke)
        numbers = [v for v in stroke[1:] if isinstance(v, float | int) and not isinstance(v, bool)]
        if stroke[0] in ("polyline", "path"):
            numbers = [v for pt in stroke[1] for v in pt]
        if stroke[0] == "arc":
            numbers = numbers[:4]
        assert all(-0.05 <= v <= 1.05 for v in numbers), (type_id, stroke)  # inside the icon square


@pytest.mark.parametrize("type_id", TYPES)
def test_every_block_has_code_emission(type_id):
    spec = REGISTRY[type_id]
    assert spec.has_code or type_id in IO, f"{type_id} declares no code (code_layer / code) for 'Export as Python'"


@pytest.mark.parametrize("type_id", TYPES)
def test_every_block_has_an_id_stem_and_a_known_family(type_id):
    spec = REGISTRY[type_id]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.stem), spec.stem
    assert spec.family == "" or spec.family in FAMILIES


def test_every_family_and_category_glyph_is_declared():
    declared = {s.family for s in REGISTRY.values()}
    assert set(FAMILIES) <= declared
    assert set(CATEGORY_GLYPH) == set(CATEGORIES)
    assert all(t in REGISTRY for t in CATEGORY_GLYPH.values())


@pytest.mark.parametrize("case", [c for c in CASES], ids=[f"{i:02d}_{c[0]}" for i, c in enumerate(CASES)])
def test_blocks_with_weights_say_how_onnx_gives_them_back(case):
    """A block whose module has learned weights declares `onnx_weights` (the studio round trip)."""
    type_id, params, ins = case
    spec = REGISTRY[type_id]
    module = spec.build(spec.resolve_params(params), ins)
    has_params = module is not None and any(True for _ in module.parameters())
    assert has_params == spec.has_weights, type_id


def test_block_library_imports_without_torch_qt_or_onnx():
    code = ("import sys, cnnrnn_studio.blocks, cnnrnn_studio.blocks.docs\n"
            "print(sorted(m for m in ('torch', 'onnx', 'PySide6', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_weight_prefix_follows_the_studio_wrappers():
    conv1d, conv2d, lstm = REGISTRY["Conv1d"], REGISTRY["Conv2d"], REGISTRY["LSTM"]
    assert conv1d.weight_prefix(TensorSpec("sequence", (5, 3))) == "inner."
    assert conv2d.weight_prefix(TensorSpec("image", (1, 4, 4))) == ""
    assert conv2d.weight_prefix(TensorSpec("image_sequence", (2, 1, 4, 4))) == "inner."
    assert lstm.weight_prefix(TensorSpec("sequence", (5, 3))) == "rnn."


@pytest.mark.parametrize("case", REFUSED, ids=[f"{c[0]}-{c[2][0].kind}" for c in REFUSED])
def test_refused_inputs_say_what_to_do(case):
    type_id, params, ins, words = case
    spec = REGISTRY[type_id]
    with pytest.raises(ShapeError) as err:
        spec.infer(spec.resolve_params(params), ins)
    for word in words:
        assert word in err.value.message, err.value.message
