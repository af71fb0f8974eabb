from pathlib import Path

from cnnrnn_studio.blocks import REGISTRY
from cnnrnn_studio.blocks.docs import blocks_markdown


def test_reference_lists_every_block_and_parameter():
    md = blocks_markdown()
    for spec in REGISTRY.values():
        assert f"(`{spec.type}`)" in md
        for p in spec.params:
            assert f"| `{p.name}` |" in md


def test_shipped_reference_is_up_to_date():
    shipped = Path(__file__).resolve().parents[2] / "docs" / "blocks.md"
    assert shipped.read_text() == blocks_markdown(), "run: cnnrnn-studio blocks --markdown > docs/blocks.md"
