"""Dense (fully connected), Dropout, normalisation and activation blocks."""

from __future__ import annotations

from .base import BlockSpec, Code, CodeIn, Param, ShapeError, TensorSpec
from .glyphs import bell, curve, dot, gelu, hard_swish, line, polyline, rect, s_curve, silu
from .onnx_weights import batchnorm_weights, layernorm_weights, linear_weights
from .rules import P_BIAS, need_kind, num_text, numel, steps


def _infer_dense(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    x = ins[0]
    if x.kind in ("image", "image_sequence"):
        raise ShapeError(
            f"Dense needs a flat input (or a sequence), but it gets {'an image' if x.kind == 'image' else 'an image sequence'} "
            f"{x.show()}. Insert Flatten (or GlobalAvgPool) before it.",
            fix={"action": "insert_before", "type": "Flatten"},
        )
    need_kind("Dense", x, ("vector", "sequence"),
              "Add an Embedding first to turn word ids into vectors." if x.kind == "tokens" else "",
              fix={"action": "insert_before", "type": "Embedding"} if x.kind == "tokens" else None)
    if x.kind == "sequence":
        return TensorSpec("sequence", (x.dims[0], p["out_features"]))
    return TensorSpec("vector", (p["out_features"],))


def _count_dense(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
    fin = ins[0].features
    w = fin * p["out_features"]
    return w + (p["out_features"] if p["bias"] else 0), w * steps(ins[0])


def _build_dense(p: dict, ins: list[TensorSpec]):
    from torch import nn

    return nn.Linear(ins[0].features, p["out_features"], bias=p["bias"])


def _same(p: dict, ins: list[TensorSpec]) -> TensorSpec:
    return ins[0]


def _not_tokens(name: str):
    def infer(p: dict, ins: list[TensorSpec]) -> TensorSpec:
        if ins[0].kind == "tokens":
            raise ShapeError(f"{name} cannot work on word ids. Add an Embedding first.",
                             fix={"action": "insert_before", "type": "Embedding"})
        return ins[0]
    return infer


def _build_dropout(p: dict, ins: list[TensorSpec]):
    from torch import nn

    return nn.Dropout(p["p"])


def _build_batchnorm(p: dict, ins: list[TensorSpec]):
    from torch import nn

    from .modules import OverTime, PerFrame

    x = ins[0]
    if x.kind == "vector":
        return nn.BatchNorm1d(x.features, eps=p["eps"], momentum=p["momentum"])
    if x.kind == "sequence":
        return OverTime(nn.BatchNorm1d(x.features, eps=p["eps"], momentum=p["momentum"]))
    bn = nn.BatchNorm2d(x.features, eps=p["eps"], momentum=p["momentum"])
    return PerFrame(bn) if x.kind == "image_sequence" else bn


def _ln_shape(x: TensorSpec) -> tuple[int, ...]:
    # vector/sequence: the features; image: the whole [C,H,W]; image sequence: each frame.
    if x.kind in ("vector", "sequence"):
        return (x.features,)
    return tuple(x.dims[-3:])  # type: ignore[arg-type]


def _build_layernorm(p: dict, ins: list[TensorSpec]):
    from torch import nn

    return nn.LayerNorm(_ln_shape(ins[0]), eps=p["eps"])


def _count_norm(kind: str):
    def count(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
        x = ins[0]
        n = x.features if kind == "bn" else numel_dims(_ln_shape(x))
        return 2 * n, numel(x)
    return count


def numel_dims(dims: tuple[int, ...]) -> int:
    out = 1
    for d in dims:
        out *= d
    return out


def _count_elementwise(p: dict, ins: list[TensorSpec], out: TensorSpec) -> tuple[int, int]:
    return 0, 0


def _act(torch_name: str, **kw):
    def build(p: dict, ins: list[TensorSpec]):
        from torch import nn

        return getattr(nn, torch_name)(**{k: p[v] for k, v in kw.items()})
    return build


def _build_softmax(p: dict, ins: list[TensorSpec]):
    from torch import nn

    # The feature/class axis: last for vectors and sequences, channels for images.
    dim = {"vector": -1, "sequence": -1, "image": 1, "image_sequence": 2}[ins[0].kind]
    return nn.Softmax(dim=dim)


# --- "Export as Python" ---------------------------------------------------------------------------
def _code_dense(p: dict, ins: list[TensorSpec]) -> str:
    return f"nn.Linear({ins[0].features}, {p['out_features']}{'' if p['bias'] else ', bias=False'})"


def _code_dropout(c: CodeIn) -> Code:
    return Code(f"{c.layer}({c.a})", "only active while training")


def _code_batchnorm(p: dict, ins: list[TensorSpec]) -> str:
    x = ins[0]
    cls = "nn.BatchNorm1d" if x.kind in ("vector", "sequence") else "nn.BatchNorm2d"
    args = [str(x.features)]
    if p["eps"] != 1e-5:
        args.append(f"eps={num_text(p['eps'])}")
    if p["momentum"] != 0.1:
        args.append(f"momentum={num_text(p['momentum'])}")
    return f"{cls}({', '.join(args)})"


def _code_layernorm(p: dict, ins: list[TensorSpec]) -> str:
    shape = _ln_shape(ins[0])
    arg = str(shape[0]) if len(shape) == 1 else "[" + ", ".join(map(str, shape)) + "]"
    eps = "" if p["eps"] == 1e-5 else f", eps={num_text(p['eps'])}"
    return f"nn.LayerNorm({arg}{eps})"


def _code_fn(template: str):
    """An activation written as a function call, e.g. `torch.relu({a})`."""
    return lambda c: Code(template.format(a=c.a))


def _code_softmax(c: CodeIn) -> Code:
    dim = {"vector": -1, "sequence": -1, "image": 1, "image_sequence": 2}[c.kind]
    return Code(f"torch.softmax({c.a}, dim={dim})")


_DENSE_GLYPH = (
    tuple(line(0.22, a, 0.78, b) for a in (0.25, 0.5, 0.75) for b in (0.35, 0.65))
    + tuple(dot(0.22, a, 0.07) for a in (0.25, 0.5, 0.75))
    + tuple(dot(0.78, b, 0.07) for b in (0.35, 0.65))
)
_NORM_GLYPH = (curve(bell), line(0.1, 0.82, 0.9, 0.82))

P_EPS = Param("eps", "float", 1e-5, "Epsilon", "A tiny number that avoids dividing by zero.", min=0.0, max=1.0)

BLOCKS = [
    BlockSpec(
        type="Dense", category="Dense", label="Dense",
        help="Every output is a learned weighted sum of all inputs (a fully connected layer). "
             "On a sequence it is applied at every time step.",
        when_to_use="To combine features into a decision; the last Dense has one output per class.",
        params=(Param("out_features", "int", 64, "Outputs", "How many numbers this layer produces (units).", min=1, max=1_000_000), P_BIAS),
        infer=_infer_dense, count=_count_dense, build=_build_dense,
        summary=lambda p: f"{p['out_features']} units", color="#8e24aa",
        code_layer=_code_dense, onnx_weights=linear_weights, glyph=_DENSE_GLYPH, family="MLP",
    ),
    BlockSpec(
        type="Dropout", category="Regularization", label="Dropout",
        help="While training, switches off a random fraction of the values so the network cannot rely "
             "on any single one; does nothing at prediction time.",
        when_to_use="When training accuracy is much higher than validation accuracy (overfitting).",
        params=(Param("p", "float", 0.5, "Drop fraction", "The fraction of values set to zero while training.", min=0.0, max=0.99),),
        infer=_same, count=_count_elementwise, build=_build_dropout,
        summary=lambda p: f"p={p['p']:g}", color="#78909c",
        code_layer=lambda p, ins: f"nn.Dropout({num_text(p['p'])})", code=_code_dropout, keeps_size=True,
        glyph=tuple(dot(0.25 + i * 0.25, 0.25 + j * 0.25, 0.08, fill=(i + j) % 2 == 0)
                    for i in range(3) for j in range(3)),
    ),
    BlockSpec(
        type="BatchNorm", category="Normalization", label="Batch norm",
        help="Rescales each channel to mean 0 and spread 1 over the batch, which makes deep networks "
             "train faster and more reliably.",
        when_to_use="After a convolution, before its activation.",
        params=(P_EPS, Param("momentum", "float", 0.1, "Momentum", "How fast the running averages follow new batches.", min=0.0, max=1.0)),
        infer=_not_tokens("BatchNorm"), count=_count_norm("bn"), build=_build_batchnorm, color="#00897b",
        code_layer=_code_batchnorm, wrap_kinds=("sequence", "image_sequence"), onnx_weights=batchnorm_weights,
        glyph=_NORM_GLYPH, id_stem="bn", keeps_size=True,
    ),
    BlockSpec(
        type="LayerNorm", category="Normalization", label="Layer norm",
        help="Rescales the features of each sample (each time step in a sequence) to mean 0 and spread 1; "
             "independent of the batch, so it suits recurrent networks.",
        when_to_use="Between recurrent or dense layers, especially with small batches.",
        params=(P_EPS,), infer=_not_tokens("LayerNorm"), count=_count_norm("ln"), build=_build_layernorm, color="#00897b",
        code_layer=_code_layernorm, onnx_weights=layernorm_weights, glyph=_NORM_GLYPH, id_stem="ln", keeps_size=True,
    ),
    BlockSpec(
        type="ReLU", category="Activation", label="ReLU",
        help="Keeps positive values and sets negative ones to zero. The default non-linearity: fast and "
             "its gradient does not fade for positive values.",
        params=(), infer=_not_tokens("ReLU"), build=_act("ReLU"), color="#fb8c00",
        code=_code_fn("torch.relu({a})"), glyph=(polyline((0.1, 0.7), (0.5, 0.7), (0.88, 0.2)),), keeps_size=True,
    ),
    BlockSpec(
        type="LeakyReLU", category="Activation", label="Leaky ReLU",
        help="Like ReLU, but negative values are scaled down instead of zeroed, so no unit goes silent.",
        params=(Param("negative_slope", "float", 0.01, "Negative slope", "How much of a negative value passes.", min=0.0, max=1.0),),
        infer=_not_tokens("LeakyReLU"), build=_act("LeakyReLU", negative_slope="negative_slope"), color="#fb8c00",
        code=lambda c: Code(f"F.leaky_relu({c.a}, negative_slope={num_text(c.params['negative_slope'])})"),
        glyph=(polyline((0.1, 0.8), (0.5, 0.7), (0.88, 0.2)),), keeps_size=True,
    ),
    BlockSpec(
        type="Tanh", category="Activation", label="Tanh",
        help="Squashes values into -1..1. Used inside classic recurrent networks; its gradient fades for large values.",
        params=(), infer=_not_tokens("Tanh"), build=_act("Tanh"), color="#fb8c00",
        code=_code_fn("torch.tanh({a})"), glyph=(curve(s_curve(0.8)), line(0.1, 0.5, 0.9, 0.5)), keeps_size=True,
    ),
    BlockSpec(
        type="Sigmoid", category="Activation", label="Sigmoid",
        help="Squashes values into 0..1, like a gate or a probability. Its gradient is small, so deep stacks train slowly.",
        params=(), infer=_not_tokens("Sigmoid"), build=_act("Sigmoid"), color="#fb8c00",
        code=_code_fn("torch.sigmoid({a})"), glyph=(curve(s_curve(0.75)),), keeps_size=True,
    ),
    BlockSpec(
        type="GELU", category="Activation", label="GELU",
        help="A smooth variant of ReLU used in modern networks such as transformers.",
        params=(), infer=_not_tokens("GELU"), build=_act("GELU"), color="#fb8c00",
        code=_code_fn("F.gelu({a})"), glyph=(curve(gelu),), keeps_size=True,
    ),
    BlockSpec(
        type="ReLU6", category="Activation", label="ReLU6",
        help="Like ReLU, but values above 6 are cut to 6, so the output stays in 0..6 (min(max(x, 0), 6)). "
             "Used in mobile networks such as MobileNet, where the bounded range survives low-precision arithmetic.",
        params=(), infer=_not_tokens("ReLU6"), build=_act("ReLU6"), color="#fb8c00",
        code=_code_fn("F.relu6({a})"), glyph=(polyline((0.1, 0.75), (0.38, 0.75), (0.62, 0.25), (0.9, 0.25)),),
        keeps_size=True,
    ),
    BlockSpec(
        type="SiLU", category="Activation", label="SiLU (swish)",
        help="x * sigmoid(x), also called swish: a smooth curve like ReLU that lets small negative values "
             "through and dips a little below zero. Used throughout EfficientNet.",
        params=(), infer=_not_tokens("SiLU"), build=_act("SiLU"), color="#fb8c00",
        code=_code_fn("F.silu({a})"), glyph=(curve(silu),), keeps_size=True,
    ),
    BlockSpec(
        type="HardSwish", category="Activation", label="Hard swish",
        help="x * ReLU6(x + 3) / 6: a cheap, piecewise version of the smooth swish (SiLU) curve: zero below -3, "
             "the input itself above 3, a small dip in between. Used in MobileNetV3.",
        params=(), infer=_not_tokens("HardSwish"), build=_act("Hardswish"), color="#fb8c00",
        code=_code_fn("F.hardswish({a})"), glyph=(curve(hard_swish),), keeps_size=True,
    ),
    BlockSpec(
        type="HardSigmoid", category="Activation", label="Hard sigmoid",
        help="ReLU6(x + 3) / 6: a straight-line stand-in for the sigmoid, 0 below -3, 1 above 3. "
             "Cheaper than the sigmoid; used for the gates of MobileNetV3's squeeze-and-excitation blocks.",
        params=(), infer=_not_tokens("HardSigmoid"), build=_act("Hardsigmoid"), color="#fb8c00",
        code=_code_fn("F.hardsigmoid({a})"), glyph=(polyline((0.1, 0.8), (0.3, 0.8), (0.7, 0.2), (0.9, 0.2)),),
        keeps_size=True,
    ),
    BlockSpec(
        type="Softmax", category="Activation", label="Softmax",
        help="Turns scores into probabilities that add up to 1. Not needed before a classification Output "
             "(the loss applies it itself).",
        params=(), infer=_not_tokens("Softmax"), build=_build_softmax, color="#fb8c00",
        code=_code_softmax, keeps_size=True,
        glyph=tuple(rect(0.18 + i * 0.23, 0.8 - hh, 0.16, hh) for i, hh in enumerate((0.2, 0.5, 0.3))),
    ),
]
