"""Convolution blocks: Conv1d over time, Conv2d over images (and every frame of a clip)."""

from __future__ import annotations

from .base import BlockSpec, Param, ShapeError, TensorSpec
from .glyphs import rect
from .onnx_weights import conv_weights
from .rules import P_BIAS, is_one, is_zero, need_kind, p_kernel, p_stride, per_axis, prod, size_text, window_out

CONV_PARAMS = (
    Param("out_channels", "int", 16, "Filters", "How many different patterns this layer learns to detect (output channels).", min=1, max=65536),
    p_kernel(3),
    p_stride(1),
    Param("padding", "padding", 0, "Padding", "Zeros added at the borders: 'same' keeps the size (stride 1), 'valid' or 0 adds none.", min=0, max=1024),
    Param("dilation", "size", 1, "Dilation", "Spacing between the positions a filter looks at; widens its view without more weights.", min=1, max=1024),
    Param("groups", "int", 1, "Groups", "Split channels into independent groups (1 = ordinary convolution).", min=1, max=65536),
    P_BIAS,
)


def _conv_geometry(p: dict, spatial: list[int | None], axes: tuple[str, ...]) -> list[int | None]:
    n = len(axes)
    k = per_axis(p["kernel_size"], n, "kernel_size")
    s = per_axis(p["stride"], n, "stride")
    d = per_axis(p["dilation"], n, "dilation")
    pad = p["padding"]
    if pad == "same":
        if any(x != 1 for x in s):
            raise ShapeError("Padding 'same' only works with stride 1. Set stride to 1 or give padding as a number.", field="padding")
        return list(spatial)
    pads = [0] * n if pad == "valid" else per_axis(pad, n, "padding")
    return [window_out(spatial[i], k[i], s[i], pads[i], d[i], axes[i], "filter") for i in range(n)]


def _groups_ok(p: dict, cin: int) -> None:
    g = p["groups"]
    if cin % g or p["out_channels"] % g:
        raise ShapeError(
            f"Groups ({g}) must divide both the input channels ({cin}) and the filters ({p['out_channels']}).",
            field="groups",
        )


def _infer_conv1d(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    need_kind("Conv1d", x, ("sequence",),
              "For images use Conv2d." if x.kind == "image" else
              "Add an Embedding first to turn word ids into vectors." if x.kind == "tokens" else "",
              fix={"action": "insert_before", "type": "Embedding"} if x.kind == "tokens" else None)
    _groups_ok(p, x.features)
    (t,) = _conv_geometry(p, [x.dims[0]], ("time",))
    return TensorSpec("sequence", (t, p["out_channels"]))


def _infer_conv2d(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    need_kind("Conv2d", x, ("image", "image_sequence"),
              "For sequences use Conv1d, which slides over time." if x.kind == "sequence" else "")
    _groups_ok(p, x.features)
    if x.kind == "image":
        h, w = _conv_geometry(p, list(x.dims[1:]), ("height", "width"))
        return TensorSpec("image", (p["out_channels"], h, w))
    h, w = _conv_geometry(p, list(x.dims[2:]), ("height", "width"))
    return TensorSpec("image_sequence", (x.dims[0], p["out_channels"], h, w))


def _conv_count(n: int):
    def count(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
        cin = ins[0].features
        k = prod(per_axis(p["kernel_size"], n, "kernel_size"))
        weights = p["out_channels"] * (cin // p["groups"]) * k
        params = weights + (p["out_channels"] if p["bias"] else 0)
        positions = prod(d or 1 for d in (out.dims[:-1] if n == 1 else out.dims[-2:]))
        frames = (out.dims[0] or 1) if (n == 2 and out.kind == "image_sequence") else 1
        return params, weights * positions * frames
    return count


def _torch_padding(p: dict, n: int):
    pad = p["padding"]
    if isinstance(pad, str):
        return pad
    return tuple(per_axis(pad, n, "padding"))


def _build_conv1d(p: dict, ins: list[TensorSpec]):
    from torch import nn

    from .modules import OverTime

    return OverTime(nn.Conv1d(ins[0].features, p["out_channels"], tuple(per_axis(p["kernel_size"], 1, "kernel_size")),
                              stride=tuple(per_axis(p["stride"], 1, "stride")), padding=_torch_padding(p, 1),
                              dilation=tuple(per_axis(p["dilation"], 1, "dilation")), groups=p["groups"], bias=p["bias"]))


def _build_conv2d(p: dict, ins: list[TensorSpec]):
    from torch import nn

    from .modules import PerFrame

    conv = nn.Conv2d(ins[0].features, p["out_channels"], tuple(per_axis(p["kernel_size"], 2, "kernel_size")),
                     stride=tuple(per_axis(p["stride"], 2, "stride")), padding=_torch_padding(p, 2),
                     dilation=tuple(per_axis(p["dilation"], 2, "dilation")), groups=p["groups"], bias=p["bias"])
    return PerFrame(conv) if ins[0].kind == "image_sequence" else conv


def _code_layer(n: int):
    def layer(p: dict, ins: list[TensorSpec]) -> str:
        """`nn.Conv2d(1, 32, kernel_size=3, padding='same')`: only the arguments that differ from torch's defaults."""
        args = [str(ins[0].features), str(p["out_channels"]), f"kernel_size={size_text(p['kernel_size'], n)}"]
        if not is_one(p["stride"], n):
            args.append(f"stride={size_text(p['stride'], n)}")
        pad = p["padding"]
        if isinstance(pad, str):
            args.append(f"padding={pad!r}")
        elif not is_zero(pad, n):
            args.append(f"padding={size_text(pad, n)}")
        if not is_one(p["dilation"], n):
            args.append(f"dilation={size_text(p['dilation'], n)}")
        if p["groups"] != 1:
            args.append(f"groups={p['groups']}")
        if not p["bias"]:
            args.append("bias=False")
        return f"nn.Conv{n}d({', '.join(args)})"
    return layer


def _summary(p: dict) -> str:
    k = p["kernel_size"]
    k = "x".join(map(str, k)) if isinstance(k, list) else str(k)
    s = f"{p['out_channels']} filters, {k}"
    if p["stride"] not in (1, [1, 1], [1]):
        s += f", stride {p['stride']}"
    if p["padding"] not in (0, "valid"):
        s += f", pad {p['padding']}"
    return s


BLOCKS = [
    BlockSpec(
        type="Conv1d", category="Convolution", label="Conv 1-D",
        help="Slides small filters along time to detect short patterns in a sequence "
             "(a peak, a rise, a rhythm), wherever they occur.",
        when_to_use="Sensor signals, audio features, time series: fast, and sees local patterns in parallel.",
        params=CONV_PARAMS, infer=_infer_conv1d, count=_conv_count(1), build=_build_conv1d,
        summary=_summary, color="#1e88e5",
        code_layer=_code_layer(1), wrap_kinds=("sequence",), onnx_weights=conv_weights,
        glyph=tuple(rect(0.14 + i * 0.25, 0.36, 0.2, 0.28) for i in range(3)),
        family="CNN", id_stem="conv",
    ),
    BlockSpec(
        type="Conv2d", category="Convolution", label="Conv 2-D",
        help="Slides small filters over an image to detect local patterns (edges, corners, textures); "
             "stacked, they find larger shapes. On an image sequence it runs on every frame.",
        when_to_use="Images and video frames: anything where nearby pixels belong together.",
        params=CONV_PARAMS, infer=_infer_conv2d, count=_conv_count(2), build=_build_conv2d,
        summary=_summary, color="#1e88e5",
        code_layer=_code_layer(2), wrap_kinds=("image_sequence",), onnx_weights=conv_weights,
        glyph=tuple(rect(0.16 + i * 0.24, (0.2 + j * 0.22) - 0.08, 0.18, 0.18) for i in range(3) for j in range(3)),
        family="CNN", id_stem="conv",
    ),
]
