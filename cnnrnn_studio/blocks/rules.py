"""Shape arithmetic shared by the block families (pure Python, no torch)."""

from __future__ import annotations

import math
from typing import Sequence

from .base import KIND_WORDS, Param, ShapeError, TensorSpec

AXIS_NAMES_1D = ("time",)
AXIS_NAMES_2D = ("height", "width")


def per_axis(value, n: int, name: str) -> list[int]:
    """An int or a list of ints as one value per spatial axis."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return [int(value[0])] * n
        if len(value) != n:
            raise ShapeError(
                f"{name.replace('_', ' ').capitalize()} needs {n} number(s) here, one per axis; it has {len(value)}.",
                field=name,
            )
        return [int(v) for v in value]
    return [int(value)] * n


def window_out(size: int | None, kernel: int, stride: int, pad: int, dilation: int,
               axis: str, what: str, field: str = "kernel_size") -> int | None:
    """Output length of a sliding window (conv or pool) along one axis, torch's formula."""
    if size is None:
        return None
    reach = dilation * (kernel - 1) + 1
    if size + 2 * pad < reach:
        raise ShapeError(
            f"The {what} window ({reach} wide) is larger than its input along {axis} "
            f"({size}{' + padding ' + str(2 * pad) if pad else ''}). Use a smaller {field.replace('_', ' ')}, "
            f"add padding, or remove a pooling block before it.",
            field=field,
        )
    return (size + 2 * pad - reach) // stride + 1


def need_kind(block: str, spec: TensorSpec, allowed: Sequence[str], hint: str = "",
              fix: dict | None = None) -> None:
    if spec.kind not in allowed:
        words = " or ".join(KIND_WORDS[k] for k in allowed)
        raise ShapeError(
            f"{block} works on {words}, but it gets {KIND_WORDS[spec.kind]} {spec.show()}."
            + (f" {hint}" if hint else ""),
            fix=fix,
        )


def prod(xs) -> int:
    return math.prod(int(x) for x in xs)


def steps(spec: TensorSpec) -> int:
    """How many times a per-step layer runs per sample (a variable time axis counts as 1)."""
    if spec.kind in ("sequence", "image_sequence", "tokens"):
        return spec.dims[0] or 1
    return 1


def numel(spec: TensorSpec) -> int:
    return prod(d or 1 for d in spec.dims)


# Parameter declarations reused by several families
def p_kernel(default=3) -> Param:
    return Param("kernel_size", "size", default, "Kernel size", "How many neighbouring positions one filter looks at.", min=1, max=1024)


def p_stride(default=1, optional=False) -> Param:
    return Param("stride", "size", default, "Stride", "How far the window moves each step; 2 halves the size.", min=1, max=1024, optional=optional)


def p_padding_int(default=0) -> Param:
    return Param("padding", "size", default, "Padding", "Zeros added at each border.", min=0, max=1024)


P_BIAS = Param("bias", "bool", True, "Bias", "Add a learned offset to each output.")


# --- text for "Export as Python" (the blocks' code rules; strings only) -----------------------
def size_text(value, n: int) -> str:
    """`3` or `(3, 5)`: a size as a person writes it for torch."""
    v = per_axis(value, n, "size")
    return str(v[0]) if len(set(v)) == 1 else "(" + ", ".join(map(str, v)) + ")"


def is_one(value, n: int) -> bool:
    return all(v == 1 for v in per_axis(value, n, "size"))


def is_zero(value, n: int) -> bool:
    return all(v == 0 for v in per_axis(value, n, "size"))


def num_text(x: float) -> str:
    """A float written exactly (repr round-trips), without noise: 0.3, 1e-05."""
    return repr(float(x))
