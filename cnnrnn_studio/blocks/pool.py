"""Pooling blocks: shrink an image or a sequence by keeping the max, mean or min of each window."""

from __future__ import annotations

from .base import BlockSpec, Code, CodeIn, Param, ShapeError, TensorSpec
from .glyphs import window_grid
from .rules import is_zero, need_kind, numel, prod, p_kernel, p_padding_int, p_stride, per_axis, size_text, window_out

P_CEIL = Param("ceil_mode", "bool", False, "Round up",
               "Round the output size up instead of down, so a last, partial window at the end is kept "
               "(torch's ceil_mode; used by some imported networks).")
POOL_PARAMS = (p_kernel(2), p_stride(None, optional=True), p_padding_int(0), P_CEIL)

_WORD = {"Max": "largest", "Avg": "average", "Min": "smallest"}


def _geometry(p: dict, spatial: list[int | None], axes: tuple[str, ...]) -> list[int | None]:
    n = len(axes)
    k = per_axis(p["kernel_size"], n, "kernel_size")
    s = per_axis(p["stride"] if p["stride"] is not None else p["kernel_size"], n, "stride")
    pad = per_axis(p["padding"], n, "padding")
    for i in range(n):
        if pad[i] * 2 > k[i]:
            raise ShapeError(
                f"Padding ({pad[i]}) can be at most half the kernel size ({k[i]}).", field="padding"
            )
    out = [window_out(spatial[i], k[i], s[i], pad[i], 1, axes[i], "pooling") for i in range(n)]
    if p.get("ceil_mode"):
        out = [_ceil_out(spatial[i], k[i], s[i], pad[i]) for i in range(n)]
    return out


def _ceil_out(size: int | None, k: int, s: int, pad: int) -> int | None:
    """torch's ceil-mode length: round up, but the last window must start inside the input or the left padding."""
    if size is None:
        return None
    out = -(-(size + 2 * pad - k) // s) + 1
    if (out - 1) * s >= size + pad:
        out -= 1
    return out


def _infer(n: int, name: str):
    def infer(p: dict, ins: list[TensorSpec]) -> TensorSpec:
        x = ins[0]
        if n == 1:
            need_kind(name, x, ("sequence",), "For images use the 2-D pooling block." if x.kind == "image" else "")
            (t,) = _geometry(p, [x.dims[0]], ("time",))
            return TensorSpec("sequence", (t, x.dims[1]))
        need_kind(name, x, ("image", "image_sequence"),
                  "For sequences use the 1-D pooling block." if x.kind == "sequence" else "")
        lead = x.dims[:-2]
        h, w = _geometry(p, list(x.dims[-2:]), ("height", "width"))
        return TensorSpec(x.kind, tuple(lead) + (h, w))
    return infer


def _count(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
    # No multiplications: one comparison/addition per element read, reported as multiply-adds.
    n = 1 if ins[0].kind == "sequence" else 2
    return 0, numel(out) * prod(per_axis(p["kernel_size"], n, "kernel_size"))


def _build(n: int, op: str):
    def build(p: dict, ins: list[TensorSpec]):
        from torch import nn

        from .modules import Negate, OverTime, PerFrame

        k = tuple(per_axis(p["kernel_size"], n, "kernel_size"))
        s = tuple(per_axis(p["stride"], n, "stride")) if p["stride"] is not None else None
        pad = tuple(per_axis(p["padding"], n, "padding"))
        if op == "Avg":
            cls = nn.AvgPool1d if n == 1 else nn.AvgPool2d
            m = cls(k, s, pad, ceil_mode=bool(p["ceil_mode"]), count_include_pad=True)
        else:
            cls = nn.MaxPool1d if n == 1 else nn.MaxPool2d
            m = cls(k, s, pad, ceil_mode=bool(p["ceil_mode"]))
            if op == "Min":
                m = Negate(m)
        if n == 1:
            return OverTime(m)
        return PerFrame(m) if ins[0].kind == "image_sequence" else m
    return build


def _code_layer(n: int, op: str):
    def layer(p: dict, ins: list[TensorSpec]) -> str:
        # A min pool is written as a max pool of -x (as the studio's Negate module does it).
        args = [size_text(p["kernel_size"], n)]
        if p["stride"] is not None:
            args.append(f"stride={size_text(p['stride'], n)}")
        if not is_zero(p["padding"], n):
            args.append(f"padding={size_text(p['padding'], n)}")
        if p.get("ceil_mode"):
            args.append("ceil_mode=True")
        return f"nn.{'Avg' if op == 'Avg' else 'Max'}Pool{n}d({', '.join(args)})"
    return layer


def _code_min(c: CodeIn) -> Code:
    return Code(f"-{c.layer}(-{c.a})", "min = -max of -x" if c.wrapped else "min pool = -(max pool of -x)")


def _summary(p: dict) -> str:
    k = p["kernel_size"]
    k = "x".join(map(str, k)) if isinstance(k, list) else str(k)
    return f"{k}" + (f", stride {p['stride']}" if p["stride"] is not None else "") + (", round up" if p.get("ceil_mode") else "")


BLOCKS = []
for _n in (1, 2):
    for _op in ("Max", "Avg", "Min"):
        _t = f"{_op}Pool{_n}d"
        BLOCKS.append(BlockSpec(
            type=_t, category="Pooling", label=f"{_op} pool {_n}-D",
            help=(f"Keeps the {_WORD[_op]} value of each window, shrinking the "
                  f"{'sequence along time' if _n == 1 else 'image (and each frame of a clip)'}. "
                  "This makes the network cheaper and less sensitive to exact positions."),
            when_to_use=("After a convolution, to halve the size: " +
                         {"Max": "keeps the strongest detection.", "Avg": "keeps the average response, smoother.",
                          "Min": "keeps the weakest response (useful for dips in a signal)."}[_op]),
            params=POOL_PARAMS, infer=_infer(_n, _t), count=_count, build=_build(_n, _op),
            summary=_summary, color="#43a047",
            code_layer=_code_layer(_n, _op), code=_code_min if _op == "Min" else None,
            wrap_kinds=("sequence",) if _n == 1 else ("image_sequence",), glyph=window_grid(0.22),
        ))


def _infer_global(name: str):
    def infer(p: dict, ins: list[TensorSpec]) -> TensorSpec:
        x = ins[0]
        need_kind(name, x, ("image", "sequence", "image_sequence"))
        if x.kind == "image":
            return TensorSpec("vector", (x.dims[0],))
        if x.kind == "sequence":
            return TensorSpec("vector", (x.dims[1],))
        return TensorSpec("sequence", (x.dims[0], x.dims[1]))
    return infer


def _build_global(mode: str):
    def build(p: dict, ins: list[TensorSpec]):
        from .modules import GlobalPool

        kind = ins[0].kind
        dims = {"image": (2, 3), "sequence": (1,), "image_sequence": (3, 4)}[kind]
        return GlobalPool(mode, dims)
    return build


def _code_global(mode: str):
    def code(c: CodeIn) -> Code:
        dims = {"image": "(2, 3)", "sequence": "1", "image_sequence": "(3, 4)"}[c.kind]
        note = {"image": "over height and width", "sequence": "over time",
                "image_sequence": "over each frame's height and width"}[c.kind]
        return Code(f"{c.a}.{'mean' if mode == 'avg' else 'amax'}(dim={dims})", note)
    return code


def _count_global(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
    return 0, numel(ins[0])


for _mode, _Name in (("avg", "GlobalAvgPool"), ("max", "GlobalMaxPool")):
    BLOCKS.append(BlockSpec(
        type=_Name, category="Pooling", label=f"Global {'average' if _mode == 'avg' else 'max'} pool",
        help=(f"Takes the {'average' if _mode == 'avg' else 'largest value'} of each channel over all positions: "
              "an image becomes one number per channel, a sequence one number per feature (time is pooled away); "
              "on an image sequence every frame is pooled, time is kept."),
        when_to_use="At the end of a convolutional network, instead of Flatten: far fewer weights, and it works for any input length.",
        params=(), infer=_infer_global(_Name), count=_count_global, build=_build_global(_mode), color="#43a047",
        code=_code_global(_mode), glyph=window_grid(0.16),
    ))
