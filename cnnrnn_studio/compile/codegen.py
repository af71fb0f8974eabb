"""Readable PyTorch source for a network: the "export as Python" file (STYLE rule 9).

`python_source(project_or_graph)` writes one standalone module a programmer is glad to read:
an `nn.Module` whose layers carry the block names (`self.conv1 = nn.Conv2d(1, 32, ...)`), a
`forward` with one line per block and the output shape of each line in a comment, the studio's
per-kind wrappers spelled out in plain torch (transposes around Conv1d on sequences, flatten /
unflatten around per-frame layers, the recurrent final-state selection), `load_weights` for the
studio's `.safetensors` files and a small demo under `if __name__ == "__main__":`.

The generated module imports only torch and safetensors. Its outputs equal the studio model's
(tests/interop/test_codegen.py checks every template and every block type). Generating the text
needs no torch: the GUI shows it read-only as the person edits.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from ..blocks import REGISTRY, TensorSpec
from ..blocks.base import Code, CodeIn, call_layer
from ..errors import ValidationError
from ..graph import Analysis, Graph, analyze
from ..kinds import format_shape, kind_title
from .names import module_name

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

def studio_wrapper(block_type: str, in_spec: TensorSpec) -> str:
    """The part between `blocks.<name>.` and the torch parameter name in a studio state dict.

    Declared by each block (`BlockSpec.weight_prefix`): layers the studio wraps in OverTime or
    PerFrame sit in `inner.`, recurrent layers in Recurrent's `rnn.`.
    """
    spec = REGISTRY.get(block_type)
    return spec.weight_prefix(in_spec) if spec is not None else ""


def studio_module_names(graph: Graph, analysis: Analysis) -> dict[str, str]:
    """block id -> the submodule name StudioModel gives it (same rule, same order)."""
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
    return format_shape(spec.dims, batch="B")


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
    frozen: list[str] = field(default_factory=list)  # layers whose "Train this block" is off


# How the studio's wrappers are spelled out around a block's own code, per input kind:
# (adapt the input, restore the result, what the comment says).
_WRAPS = {
    "image_sequence": ("frames", "{a}.flatten(0, 1)", "{e}.unflatten(0, (batch, steps))", "on every frame", " ({n})"),
    "sequence": ("time", "{a}.transpose(1, 2)", "{e}.transpose(1, 2)", "over time: torch wants [B, features, T]", ", {n}"),
}


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
        plan.per_frame = any("image_sequence" in REGISTRY[graph.block(b).type].wrap_kinds for b in steps)

    for pos, bid in enumerate(steps):
        block = graph.block(bid)
        btype, p = block.type, analysis.params[bid]
        spec = REGISTRY[btype]
        if not spec.has_code:  # fail loudly, never write wrong code
            raise ValueError(f"python_source: no code rule for block type {btype!r}")
        ins = analysis.in_specs[bid]
        out_spec = analysis.specs[bid]
        args = [var[s] for s in graph.inputs_of(bid)]
        a = args[0]
        ctor = spec.code_layer(p, ins) if spec.code_layer is not None else None
        attr = None
        if ctor is not None:
            attr = _ident(bid, attrs, _MODULE_ATTRS | {"blocks"})
            plan.layers.append(_Layer(attr, ctor))
            if block.frozen:
                plan.frozen.append(attr)
            if spec.has_weights:
                wrapper = studio_wrapper(btype, ins[0])
                plan.key_map.append((f"blocks.{studio_names[bid]}.{wrapper}", f"{attr}."))
        out = "x" if flows_on(bid, pos) else _ident(bid, var_names, _RESERVED_LOCALS)
        shape = _shape(out_spec)
        wrap = _WRAPS.get(ins[0].kind) if ins[0].kind in spec.wrap_kinds else None
        if wrap is not None:
            args[0] = wrap[1].format(a=a)
        code: Code = (spec.code or call_layer)(CodeIn(p, tuple(ins), out_spec, tuple(args),
                                                      f"self.{attr}" if attr else None, wrap[0] if wrap else ""))
        if code.vocab is not None:
            plan.vocab = code.vocab if plan.vocab is None else min(plan.vocab, code.vocab)
        expr, note = code.expr, code.note
        if wrap is not None:
            expr = wrap[2].format(e=expr)
            note = wrap[3] + (wrap[4].format(n=note) if note else "")
        elif expr == a and (a != "x" or flows_on(bid, pos)):
            var[bid] = a  # the block passes its input on unchanged: no line, the value keeps its name
            continue
        plan.lines.extend(_Line(c, comment) for c, comment in code.pre)
        plan.lines.append(_Line(f"{out} = {expr}", f"{shape}  {note}".rstrip()))
        var[bid] = out
    plan.result = var[graph.inputs_of(analysis.output_id)[0]]  # type: ignore[arg-type]
    return plan


def _render(plan: _Plan, version: str) -> str:
    spec, out = plan.input_spec, plan.output_spec
    in_shape = _shape(spec)
    is_cls = plan.task == "classification"
    dtype = "int64 word ids" if spec.kind == "tokens" else "float32"
    if plan.task == "ctc":
        out_words = (f"scores {_shape(out)} at every step for CTC reading: score 0 is the blank, score i+1 "
                     "symbol i; read a sequence by taking the best score at each step, merging repeats and "
                     "dropping blanks")
    elif is_cls:
        out_words = f"logits {_shape(out)}: one score per class (softmax turns them into probabilities)"
    else:
        out_words = f"predictions {_shape(out)}"
    desc = " ".join(plan.description.split())
    desc_lines = _wrap(desc, 92) if desc else []
    head = [f'"""{plan.title}: a PyTorch model generated by CNN-RNN Studio {version}.', ""]
    if desc_lines:
        head += desc_lines + [""]
    head += [
        f"Input:  {kind_title(spec.kind)} {in_shape} ({dtype}; B = batch"
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
            f'    """{plan.title}: {kind_title(spec.kind)} {in_shape} -> {_shape(out)}."""', "",
            "    def __init__(self) -> None:", "        super().__init__()"]
    if not plan.layers:
        body.append("        # no layers with weights")
    for layer in plan.layers:
        body.append(f"        self.{layer.attr} = {layer.ctor}")
    if plan.frozen:
        body.append("        # Frozen in the studio: training leaves these layers' weights as they are.")
        for attr in plan.frozen:
            body.append(f"        self.{attr}.requires_grad_(False)")
        body += ["", "    def train(self, mode: bool = True) -> \"" + plan.class_name + "\":",
                 "        super().train(mode)",
                 "        for layer in (" + "".join(f"self.{a}, " for a in plan.frozen).rstrip(", ")
                 + ("," if len(plan.frozen) == 1 else "") + "):",
                 "            layer.eval()  # frozen: BatchNorm keeps its statistics, Dropout stays off",
                 "        return self"]
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
        tail.append('    print("predicted classes:", y.argmax(dim=-1).tolist())')
    elif plan.task == "ctc":
        tail += ['    best = y.argmax(dim=-1)  # the best score at every step, then: merge repeats, drop blanks (0)',
                 '    read = [[int(s) - 1 for i, s in enumerate(row) if s != 0 and (i == 0 or s != row[i - 1])]',
                 '            for row in best.tolist()]',
                 '    print("symbols read:", read)']
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
