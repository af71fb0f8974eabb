"""Readable PyTorch source for a network: the "export as Python" file (STYLE rule 9).

`python_source(project_or_graph)` writes one standalone module a programmer is glad to read:
an `nn.Module` whose layers carry the block names (`self.conv1 = nn.Conv2d(1, 32, ...)`), a
`forward` with one line per block and the output shape of each line in a comment, the studio's
per-kind wrappers spelled out in plain torch (transposes around Conv1d on sequences, flatten /
unflatten around per-frame layers, the recurrent final-state selection), `load_weights` for the
studio's `.safetensors` files and a small demo under `if __name__ == "__main__":`.

The generated module imports only torch and safetensors. Its outputs equal the studio model's
(tests/export/test_codegen.py checks every template and every block type). Generating the text
needs no torch: the GUI shows it read-only as the person edits.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from ..blocks import TensorSpec
from ..blocks.rules import per_axis
from ..errors import ValidationError
from ..graph import Analysis, Graph, analyze

# Attribute names torch's nn.Module already uses (self.eval, self.train, self.to ...): a block
# called "eval" must not shadow them. Kept as a list so generating needs no torch import.
_MODULE_ATTRS = frozenset("""
T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double
dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule
half ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters
parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook
register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook
register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory smart_apply
state_dict to to_empty train training type xpu zero_grad
""".split())

# Names the generated forward uses itself; a block named like one gets a trailing underscore.
_RESERVED_LOCALS = frozenset({"x", "h", "self", "torch", "nn", "F", "batch", "steps", "load_file",
                              "save_file", "model", "path"})

# Blocks whose studio module wraps the torch layer; the wrapper adds a name to the weight keys.
_RECURRENT = ("RNN", "LSTM", "GRU")


def studio_wrapper(block_type: str, in_spec: TensorSpec) -> str:
    """The part between `blocks.<name>.` and the torch parameter name in a studio state dict.

    Conv1d, 1-d pools and BatchNorm on a sequence sit in OverTime (`inner.`); 2-d layers on an
    image sequence sit in PerFrame (`inner.`); recurrent layers sit in Recurrent (`rnn.`).
    """
    if block_type in _RECURRENT:
        return "rnn."
    if block_type == "Conv1d":
        return "inner."
    if block_type in ("Conv2d", "BatchNorm") and in_spec.kind in ("sequence", "image_sequence"):
        return "inner."
    return ""


def studio_module_names(graph: Graph, analysis: Analysis) -> dict[str, str]:
    """block id -> the submodule name StudioModel gives it (same rule, same order)."""
    from .model import module_name

    names: dict[str, str] = {}
    taken: set[str] = set()
    for bid in needed_blocks(graph, analysis):
        name = module_name(bid)
        while name in taken:
            name += "_"
        taken.add(name)
        names[bid] = name
    return names


def needed_blocks(graph: Graph, analysis: Analysis) -> list[str]:
    """Blocks on a path from Input to Output, in flow order (dead ends do no work)."""
    import networkx as nx

    g = graph.nx
    need = nx.ancestors(g, analysis.output_id) & nx.descendants(g, analysis.input_id)
    return [b for b in analysis.order if b in need]


def readable_order(graph: Graph, blocks: list[str]) -> list[str]:
    """A flow order that follows each chain to its end before starting the next branch.

    Any topological order computes the same thing; this one keeps a chain in consecutive lines
    (so its value can stay in `x`) and reads like code a person would write.
    """
    rank = {b: i for i, b in enumerate(blocks)}
    wanted = set(blocks)
    missing = {b: sum(1 for p in graph.inputs_of(b) if p in wanted) for b in blocks}
    stack = [b for b in reversed(blocks) if missing[b] == 0]
    order: list[str] = []
    while stack:
        b = stack.pop()
        order.append(b)
        ready = []
        for s in graph.outputs_of(b):
            if s in wanted:
                missing[s] -= 1
                if missing[s] == 0:
                    ready.append(s)
        stack.extend(sorted(ready, key=rank.get, reverse=True))  # the first successor goes next
    return order


def class_name_for(name: str) -> str:
    """'LeNet-5' -> 'LeNet5', 'digits cnn' -> 'DigitsCnn'; a valid class name in every case."""
    short = re.sub(r"\(.*?\)", " ", name or "")  # 'CRNN (CNN + LSTM on images)' -> 'CRNN'
    words = re.findall(r"[A-Za-z0-9]+", short) or re.findall(r"[A-Za-z0-9]+", name or "")
    out = "".join(w[0].upper() + w[1:] for w in words)
    if not out:
        return "Network"
    if out[0].isdigit():
        out = "Net" + out
    return out


def _ident(raw: str, taken: set[str], reserved: frozenset[str] = frozenset()) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", raw)
    if not name or name[0].isdigit():
        name = "b_" + name
    if keyword.iskeyword(name) or name in reserved or hasattr(builtins, name):
        name += "_"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _shape(spec: TensorSpec) -> str:
    return "[" + ", ".join(["B"] + ["T" if d is None else str(d) for d in spec.dims]) + "]"


def _size(value: Any, n: int) -> str:
    v = per_axis(value, n, "size")
    return str(v[0]) if len(set(v)) == 1 else "(" + ", ".join(map(str, v)) + ")"


def _is_one(value: Any, n: int) -> bool:
    return all(v == 1 for v in per_axis(value, n, "size"))


def _is_zero(value: Any, n: int) -> bool:
    return all(v == 0 for v in per_axis(value, n, "size"))


def _num(x: float) -> str:
    """A float written exactly (repr round-trips), without noise: 0.3, 1e-05."""
    return repr(float(x))


@dataclass
class _Layer:
    attr: str
    ctor: str
    note: str = ""


@dataclass
class _Line:
    code: str
    comment: str = ""


@dataclass
class _Plan:
    class_name: str
    title: str
    description: str
    input_spec: TensorSpec
    output_spec: TensorSpec
    task: str
    layers: list[_Layer] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    result: str = "x"
    key_map: list[tuple[str, str]] = field(default_factory=list)  # studio prefix -> generated prefix
    vocab: int | None = None
    per_frame: bool = False


def _layer_ctor(btype: str, p: dict, ins: list[TensorSpec]) -> str | None:
    """`nn.Conv2d(1, 32, kernel_size=3, padding='same')`: the layer as a person would write it."""
    x = ins[0] if ins else None
    if btype in ("Conv1d", "Conv2d"):
        n = 1 if btype == "Conv1d" else 2
        args = [str(x.features), str(p["out_channels"]), f"kernel_size={_size(p['kernel_size'], n)}"]
        if not _is_one(p["stride"], n):
            args.append(f"stride={_size(p['stride'], n)}")
        pad = p["padding"]
        if isinstance(pad, str):
            args.append(f"padding={pad!r}")
        elif not _is_zero(pad, n):
            args.append(f"padding={_size(pad, n)}")
        if not _is_one(p["dilation"], n):
            args.append(f"dilation={_size(p['dilation'], n)}")
        if p["groups"] != 1:
            args.append(f"groups={p['groups']}")
        if not p["bias"]:
            args.append("bias=False")
        return f"nn.{btype}({', '.join(args)})"
    m = re.fullmatch(r"(Max|Avg|Min)Pool([12])d", btype)
    if m:
        n = int(m.group(2))
        cls = f"nn.{'Avg' if m.group(1) == 'Avg' else 'Max'}Pool{n}d"
        args = [_size(p["kernel_size"], n)]
        if p["stride"] is not None:
            args.append(f"stride={_size(p['stride'], n)}")
        if not _is_zero(p["padding"], n):
            args.append(f"padding={_size(p['padding'], n)}")
        return f"{cls}({', '.join(args)})"
    if btype == "Dense":
        return f"nn.Linear({x.features}, {p['out_features']}{'' if p['bias'] else ', bias=False'})"
    if btype == "Dropout":
        return f"nn.Dropout({_num(p['p'])})"
    if btype == "BatchNorm":
        cls = "nn.BatchNorm1d" if x.kind in ("vector", "sequence") else "nn.BatchNorm2d"
        args = [str(x.features)]
        if p["eps"] != 1e-5:
            args.append(f"eps={_num(p['eps'])}")
        if p["momentum"] != 0.1:
            args.append(f"momentum={_num(p['momentum'])}")
        return f"{cls}({', '.join(args)})"
    if btype == "LayerNorm":
        shape = [x.features] if x.kind in ("vector", "sequence") else list(x.dims[-3:])
        arg = str(shape[0]) if len(shape) == 1 else "[" + ", ".join(map(str, shape)) + "]"
        eps = "" if p["eps"] == 1e-5 else f", eps={_num(p['eps'])}"
        return f"nn.LayerNorm({arg}{eps})"
    if btype in _RECURRENT:
        args = [str(x.features), str(p["hidden_size"])]
        if p["num_layers"] != 1:
            args.append(f"num_layers={p['num_layers']}")
        args.append("batch_first=True")
        if p["bidirectional"]:
            args.append("bidirectional=True")
        if p["num_layers"] > 1 and p["dropout"] > 0:
            args.append(f"dropout={_num(p['dropout'])}")
        return f"nn.{btype}({', '.join(args)})"
    if btype == "Embedding":
        return f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']}, padding_idx=0)"
    return None


_FUNCS = {"ReLU": "torch.relu({a})", "Tanh": "torch.tanh({a})", "Sigmoid": "torch.sigmoid({a})",
          "GELU": "F.gelu({a})"}


def _plan(graph: Graph, analysis: Analysis, name: str, description: str) -> _Plan:
    order = readable_order(graph, needed_blocks(graph, analysis))
    studio_names = studio_module_names(graph, analysis)
    plan = _Plan(class_name_for(name), name, description, analysis.input_spec,  # type: ignore[arg-type]
                 analysis.output_spec, analysis.task or "classification")  # type: ignore[arg-type]
    attrs: set[str] = set()
    var_names: set[str] = set()
    steps = [b for b in order if b not in (analysis.input_id, analysis.output_id)]
    position = {b: i for i, b in enumerate(steps)}
    position[analysis.output_id] = len(steps)  # type: ignore[index]

    def consumers(bid: str) -> list[str]:
        return [c for c in graph.outputs_of(bid) if c in position]

    def flows_on(bid: str, pos: int) -> bool:
        """True if the value is used once, by the very next line: it can stay in `x`."""
        cs = consumers(bid)
        return len(cs) == 1 and position[cs[0]] == pos + 1

    var: dict[str, str] = {}
    inp = analysis.input_id
    assert inp is not None
    if flows_on(inp, -1):
        var[inp] = "x"
    else:
        var[inp] = _ident(inp, var_names, _RESERVED_LOCALS)
        plan.lines.append(_Line(f"{var[inp]} = x", "the input, kept for the branches that read it"))
    if analysis.input_spec.kind == "image_sequence":  # type: ignore[union-attr]
        plan.per_frame = any(graph.block(b).type in ("Conv2d", "MaxPool2d", "AvgPool2d", "MinPool2d", "BatchNorm")
                             for b in steps)

    for pos, bid in enumerate(steps):
        block = graph.block(bid)
        btype, p = block.type, analysis.params[bid]
        ins = analysis.in_specs[bid]
        out_spec = analysis.specs[bid]
        args = [var[s] for s in graph.inputs_of(bid)]
        a = args[0]
        ctor = _layer_ctor(btype, p, ins)
        attr = None
        if ctor is not None:
            attr = _ident(bid, attrs, _MODULE_ATTRS | {"blocks"})
            plan.layers.append(_Layer(attr, ctor))
            if btype not in ("Dropout",) and not btype.endswith(("Pool1d", "Pool2d")):
                wrapper = studio_wrapper(btype, ins[0])
                plan.key_map.append((f"blocks.{studio_names[bid]}.{wrapper}", f"{attr}."))
        if btype == "Embedding":
            plan.vocab = p["num_embeddings"] if plan.vocab is None else min(plan.vocab, p["num_embeddings"])
        out = "x" if flows_on(bid, pos) else _ident(bid, var_names, _RESERVED_LOCALS)
        shape = _shape(out_spec)
        kind = ins[0].kind
        pre: list[_Line] = []
        note = ""
        per_frame = kind == "image_sequence" and btype in ("Conv2d", "MaxPool2d", "AvgPool2d", "MinPool2d", "BatchNorm")
        over_time = kind == "sequence" and btype in ("Conv1d", "MaxPool1d", "AvgPool1d", "MinPool1d", "BatchNorm")
        negate = btype.startswith("MinPool")
        if per_frame:
            inner = f"self.{attr}({'-' if negate else ''}{a}.flatten(0, 1))"
            expr = f"{'-' if negate else ''}{inner}.unflatten(0, (batch, steps))"
            note = "on every frame" + (" (min = -max of -x)" if negate else "")
        elif over_time:
            inner = f"self.{attr}({'-' if negate else ''}{a}.transpose(1, 2))"
            expr = f"{'-' if negate else ''}{inner}.transpose(1, 2)"
            note = "over time: torch wants [B, features, T]" + (", min = -max of -x" if negate else "")
        elif negate:
            expr = f"-self.{attr}(-{a})"
            note = "min pool = -(max pool of -x)"
        elif attr is not None and btype not in _RECURRENT:
            expr = f"self.{attr}({a})"
            if btype == "Dropout":
                note = "only active while training"
        elif btype in _FUNCS:
            expr = _FUNCS[btype].format(a=a)
        elif btype == "LeakyReLU":
            expr = f"F.leaky_relu({a}, negative_slope={_num(p['negative_slope'])})"
        elif btype == "Softmax":
            dim = {"vector": -1, "sequence": -1, "image": 1, "image_sequence": 2}[kind]
            expr = f"torch.softmax({a}, dim={dim})"
        elif btype in ("GlobalAvgPool", "GlobalMaxPool"):
            dims = {"image": "(2, 3)", "sequence": "1", "image_sequence": "(3, 4)"}[kind]
            expr = f"{a}.{'mean' if btype == 'GlobalAvgPool' else 'amax'}(dim={dims})"
            note = {"image": "over height and width", "sequence": "over time",
                    "image_sequence": "over each frame's height and width"}[kind]
        elif btype == "Flatten":
            if kind == "vector" and (a != "x" or flows_on(bid, pos)):
                var[bid] = a  # already flat: no line, the value flows on under its name
                continue
            expr = a if kind == "vector" else f"{a}.flatten({2 if kind == 'image_sequence' else 1})"
            note = "already flat" if kind == "vector" else ""
            note = "each frame flattened, time kept" if kind == "image_sequence" else note
        elif btype == "ToSequence":
            expr = f"{a}.permute(0, 3, 1, 2).flatten(2)"
            note = "columns become time steps"
        elif btype == "Add":
            expr = " + ".join(args)
        elif btype == "Concat":
            dim = {"vector": 1, "sequence": 2, "image": 1, "image_sequence": 2}[kind]
            expr = f"torch.cat(({', '.join(args)}), dim={dim})"
        elif btype in _RECURRENT:
            if p["return_sequences"]:
                expr = f"self.{attr}({a})[0]"
                note = "the output at every step"
            else:
                state = "(h, _)" if btype == "LSTM" else "h"
                dirs = 2 if p["bidirectional"] else 1
                pre.append(_Line(f"_, {state} = self.{attr}({a})",
                                 f"h: final state of every layer{' and direction' if dirs > 1 else ''} "
                                 f"[{p['num_layers'] * dirs}, B, {p['hidden_size']}]"))
                if p["bidirectional"]:
                    expr = "torch.cat((h[-2], h[-1]), dim=1)"
                    note = "last layer, both directions"
                else:
                    expr = "h[-1]"
                    note = "last layer's final state"
        else:  # a block type this generator does not know: fail loudly, never write wrong code
            raise ValueError(f"python_source: no code rule for block type {btype!r}")
        plan.lines.extend(pre)
        plan.lines.append(_Line(f"{out} = {expr}", f"{shape}  {note}".rstrip()))
        var[bid] = out
    plan.result = var[graph.inputs_of(analysis.output_id)[0]]  # type: ignore[arg-type]
    return plan


def _render(plan: _Plan, version: str) -> str:
    spec, out = plan.input_spec, plan.output_spec
    in_shape = _shape(spec)
    is_cls = plan.task == "classification"
    dtype = "int64 word ids" if spec.kind == "tokens" else "float32"
    out_words = (f"logits {_shape(out)}: one score per class (softmax turns them into probabilities)"
                 if is_cls else f"predictions {_shape(out)}")
    desc = " ".join(plan.description.split())
    desc_lines = _wrap(desc, 92) if desc else []
    head = [f'"""{plan.title}: a PyTorch model generated by CNN-RNN Studio {version}.', ""]
    if desc_lines:
        head += desc_lines + [""]
    head += [
        f"Input:  {spec.kind.replace('_', ' ')} {in_shape} ({dtype}; B = batch"
        + (", T = any number of time steps" if None in spec.dims else "") + ")",
        f"Output: {out_words}",
        "",
        "Use it:",
        f"    model = {plan.class_name}()",
        '    load_weights(model, "weights.safetensors")   # weights saved by the studio',
        "    model.eval()",
        "    with torch.no_grad():",
        "        y = model(x)",
        "",
        "Needs only torch and safetensors.",
        '"""',
        "",
        "import torch",
        *(["import torch.nn.functional as F"] if any("F." in l.code for l in plan.lines) else []),
        "from safetensors.torch import load_file",
        "from torch import nn",
        "",
        f"INPUT_KIND = {spec.kind!r}",
        f"INPUT_SHAPE = {list(spec.dims)!r}  # per sample, without the batch" + ("; None: any length" if None in spec.dims else ""),
        f"TASK = {plan.task!r}",
        "",
        "# Weight names in the studio's .safetensors files -> names in this module.",
        "STUDIO_NAMES = {",
    ]
    width = max((len(repr(s)) for s, _ in plan.key_map), default=0)
    for studio, mine in plan.key_map:
        head.append(f"    {repr(studio) + ':':<{width + 1}} {mine!r},")
    head += ["}", "", ""]
    body = [f"class {plan.class_name}(nn.Module):",
            f'    """{plan.title}: {spec.kind.replace("_", " ")} {in_shape} -> {_shape(out)}."""', "",
            "    def __init__(self) -> None:", "        super().__init__()"]
    if not plan.layers:
        body.append("        # no layers with weights")
    for layer in plan.layers:
        body.append(f"        self.{layer.attr} = {layer.ctor}")
    body += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    lines = list(plan.lines)
    if plan.per_frame:
        lines.insert(0, _Line("batch, steps = x.shape[0], x.shape[1]", "per-frame layers run on [B*T, C, H, W]"))
    lines.insert(0, _Line("", f"x: {in_shape}"))
    col = min(max((len(l.code) for l in lines), default=0), 64)
    for l in lines:
        if not l.code:
            body.append(f"        # {l.comment}")
        elif l.comment:
            body.append(f"        {l.code:<{col}}  # {l.comment}")
        else:
            body.append(f"        {l.code}")
    body.append(f"        return {plan.result}")
    body += ["", ""]
    tail = [
        "def load_weights(model: nn.Module, path: str) -> nn.Module:",
        '    """Load a .safetensors file saved by CNN-RNN Studio (or by this module) into `model`."""',
        "    state = {}",
        "    for key, value in load_file(path).items():",
        "        for studio, mine in STUDIO_NAMES.items():",
        "            if key.startswith(studio):",
        "                key = mine + key[len(studio):]",
        "                break",
        "        state[key] = value",
        "    model.load_state_dict(state)  # strict: every name and shape must match",
        "    return model",
        "",
        "",
        "def studio_state_dict(model: nn.Module) -> dict:",
        '    """The weights under the studio\'s names, ready for safetensors.torch.save_file."""',
        "    back = {mine: studio for studio, mine in STUDIO_NAMES.items()}",
        "    state = {}",
        "    for key, value in model.state_dict().items():",
        "        for mine, studio in back.items():",
        "            if key.startswith(mine):",
        "                key = studio + key[len(mine):]",
        "                break",
        "        state[key] = value.detach().contiguous()",
        "    return state",
        "",
        "",
        'if __name__ == "__main__":',
        "    import sys",
        "",
        f"    model = {plan.class_name}()",
        "    if len(sys.argv) > 1:  # python model.py weights.safetensors",
        "        load_weights(model, sys.argv[1])",
        "    model.eval()",
        f"    x = {_example(spec, plan.vocab)}  # two random samples",
        "    with torch.no_grad():",
        "        y = model(x)",
        '    print("input", tuple(x.shape), "->", "output", tuple(y.shape))',
    ]
    if is_cls:
        tail.append('    print("predicted classes:", y.argmax(dim=1).tolist())')
    return "\n".join(head + body + tail) + "\n"


def _example(spec: TensorSpec, vocab: int | None) -> str:
    dims = ", ".join(["2"] + [str(16 if d is None else d) for d in spec.dims])
    if spec.kind == "tokens":
        return f"torch.randint(1, {max(2, vocab or 2)}, ({dims},))"
    return f"torch.randn({dims})"


def _wrap(text: str, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


def python_source(project_or_graph: Any, *, name: str | None = None) -> str:
    """A standalone, readable PyTorch module for the network (a Project or a Graph; the
    interop package's `python_source` also takes a project file's path).

    Raises ValidationError (listing every problem) if the network is not valid.
    """
    from ..version import __version__

    description = ""
    if isinstance(project_or_graph, Graph):
        graph, analysis, title = project_or_graph, analyze(project_or_graph), name or "Network"
    else:  # a Project
        graph, analysis = project_or_graph.graph, project_or_graph.analyze()
        title = name or project_or_graph.name
        description = project_or_graph.description
    if not analysis.ok:
        raise ValidationError(analysis.errors)
    return _render(_plan(graph, analysis, title, description), __version__)
