"""The block library: one declaration per block type, collected into a registry.

Adding a block means adding one `BlockSpec` to a family module (and its test); the palette,
inspector, tooltips, project file and docs pick it up from here.
"""

from __future__ import annotations

from . import conv, dense, io, merge, pool, recurrent, reshape
from .base import KIND_AXES, KINDS, BlockSpec, Param, ParamError, ShapeError, TensorSpec

#: Palette order of the categories.
CATEGORIES = (
    "Input/Output", "Convolution", "Pooling", "Dense", "Recurrent",
    "Normalization", "Regularization", "Activation", "Merge", "Reshape",
)

#: Network families in the order a mixed network names them ("CNN + LSTM"). A family in
#: FAMILY_ALONE names a network only when no other is present (every CNN has a Dense too).
FAMILIES = ("CNN", "LSTM", "GRU", "RNN", "MLP")
FAMILY_ALONE = ("MLP",)

#: The block whose glyph stands for each category in the palette.
CATEGORY_GLYPH = {
    "Input/Output": "Input", "Convolution": "Conv2d", "Pooling": "MaxPool2d", "Dense": "Dense",
    "Recurrent": "LSTM", "Normalization": "BatchNorm", "Regularization": "Dropout", "Activation": "ReLU",
    "Merge": "Add", "Reshape": "Flatten",
}

REGISTRY: dict[str, BlockSpec] = {}
for _family in (io, conv, pool, dense, recurrent, merge, reshape):
    for _spec in _family.BLOCKS:
        if _spec.type in REGISTRY:  # a declaration bug, caught at import in every test run
            raise RuntimeError(f"block type {_spec.type} declared twice")
        if _spec.category not in CATEGORIES:
            raise RuntimeError(f"block type {_spec.type} has unknown category {_spec.category}")
        if _spec.family and _spec.family not in FAMILIES:
            raise RuntimeError(f"block type {_spec.type} has unknown family {_spec.family}")
        REGISTRY[_spec.type] = _spec


def get_block(type_id: str) -> BlockSpec:
    """The declaration of a block type; KeyError if unknown."""
    return REGISTRY[type_id]


def block_types() -> list[str]:
    return list(REGISTRY)


def family_of_block_types(types: set[str]) -> str:
    """'CNN', 'LSTM', 'CNN + LSTM', 'MLP' or 'other': the kind of network these block types make."""
    present = {REGISTRY[t].family for t in types if t in REGISTRY and REGISTRY[t].family}
    parts = [f for f in FAMILIES if f in present and f not in FAMILY_ALONE]
    if not parts:
        alone = [f for f in FAMILIES if f in present]
        return alone[0] if alone else "other"
    return " + ".join(parts)


def by_category() -> dict[str, list[BlockSpec]]:
    out: dict[str, list[BlockSpec]] = {c: [] for c in CATEGORIES}
    for spec in REGISTRY.values():
        out[spec.category].append(spec)
    return out


__all__ = [
    "BlockSpec", "Param", "ParamError", "ShapeError", "TensorSpec", "KINDS", "KIND_AXES",
    "CATEGORIES", "REGISTRY", "get_block", "block_types", "by_category",
    "FAMILIES", "FAMILY_ALONE", "CATEGORY_GLYPH", "family_of_block_types",
]
