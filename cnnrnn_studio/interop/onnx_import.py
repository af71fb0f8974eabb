"""Bring an ONNX model into the studio as editable blocks, with its weights.

Two ways in:

* A file the studio exported carries its project (graph, ids, positions, settings) in the
  metadata, so it comes back exactly; the weights are read from the ONNX nodes of each block
  (node names carry the block's module name) and converted back to torch's layout (LSTM/GRU
  gate order, transposed MatMul weights).
* Any other model built from supported operators is translated node by node. Each ONNX value
  is tracked as a studio tensor plus the order its axes are stored in ("roles": N batch,
  T time, F features, C/H/W image axes), so the transposes torch and other exporters insert
  around Conv1d and LSTM disappear into the blocks. Shape arithmetic (Shape, Gather, Concat,
  ConstantOfShape for zero initial states) is followed symbolically; nodes on constants only
  are folded with onnx's reference evaluator.

Either way the result is verified: the rebuilt network must compute what onnxruntime computes
on the original file (random inputs), else nothing comes in. Unsupported operators are listed
by name in one message. Nothing is written here: the caller (CLI, GUI) saves the project.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OnnxImportError

# Operators with a block (or a pattern the blocks cover), and the shape plumbing around them.
BLOCK_OPS = ("Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "Add",
             "Relu", "Tanh", "Sigmoid", "LeakyRelu", "BatchNormalization", "LayerNormalization", "LSTM", "GRU",
             "RNN", "Flatten", "Concat", "Softmax", "Dropout", "Identity", "ReduceMean", "ReduceMax")
PLUMBING_OPS = ("Neg", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Gather", "Shape", "Slice", "ConstantOfShape",
                "Constant", "Cast", "Expand")
SUPPORTED_OPS = frozenset(BLOCK_OPS + PLUMBING_OPS)
_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
# ONNX gate order -> torch gate order: LSTM iofc -> ifgo, GRU zrh -> rzn.
_TORCH_FROM_ONNX = {"LSTM": (0, 2, 3, 1), "GRU": (1, 0, 2), "RNN": (0,)}
_DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}
VERIFY_TOLERANCE = 1e-4


# ----------------------------------------------------------------------------------------------
# reading the file
def read_model(path: str | os.PathLike):
    """The ModelProto, or an OnnxImportError saying plainly why the file is not a usable ONNX model."""
    import onnx
    from google.protobuf.message import DecodeError

    p = Path(path).expanduser()
    if not p.exists():
        raise OnnxImportError("the file does not exist.", where=str(p))
    if p.is_dir():
        raise OnnxImportError("this is a folder, not an .onnx file.", where=str(p))
    try:
        size = p.stat().st_size
    except OSError as e:
        raise OnnxImportError(f"cannot be read ({e.strerror}).", where=str(p)) from None
    if size == 0:
        raise OnnxImportError("the file is empty.", where=str(p))
    try:
        proto = onnx.load(str(p))
    except (DecodeError, ValueError, RuntimeError, UnicodeDecodeError) as e:
        raise OnnxImportError("this is not an ONNX model (the file could not be decoded: it is damaged, cut off, "
                              f"or another kind of file). Detail: {_first_line(e)}", where=str(p)) from None
    except OSError as e:
        raise OnnxImportError(f"cannot be read ({e.strerror or _first_line(e)}); if the model keeps its weights in a "
                              "separate .data file, put that file next to it.", where=str(p)) from None
    if proto.ir_version <= 0 or not proto.graph.node or not proto.graph.output:
        raise OnnxImportError("this is not an ONNX model (it has no graph of operators).", where=str(p))
    try:
        onnx.checker.check_model(proto)
    except Exception as e:  # onnx.checker.ValidationError and friends
        raise OnnxImportError(f"this ONNX file is damaged or invalid: {_first_line(e)}", where=str(p)) from None
    return proto


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _attrs(node) -> dict[str, Any]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _to_str(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [_to_str(x) for x in v]
    return v


def _constant_value(node):
    import numpy as np
    from onnx import numpy_helper

    a = _attrs(node)
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                       ("value_ints", np.int64)):
        if key in a:
            return np.asarray(a[key], dtype=dtype)
    raise KeyError("unsupported Constant")


# ----------------------------------------------------------------------------------------------
# weight conversion (shared by both ways in)
# rnn_weights_to_torch and _gemm_weights live with the blocks (blocks/onnx_weights.py), whose
# declarations read their weights back from studio files with them.
from ..blocks.onnx_weights import gemm_weights as _gemm_weights  # noqa: E402
from ..blocks.onnx_weights import rnn_weights_to_torch  # noqa: E402,F401


# ----------------------------------------------------------------------------------------------
# public entry point
def import_onnx(path: str | os.PathLike, *, warnings: list[str] | None = None,
                verify: bool = True) -> tuple[Any, dict | None]:
    """(Project, state_dict) from an ONNX file (the state dict is empty for a network without weights).

    Studio exports come back as the same graph (ids, parameters, positions); other models built
    from supported operators come in block by block. Notes for the person (layout changes,
    guessed task) are appended to `warnings` if a list is given. Raises OnnxImportError.
    """
    p = Path(path).expanduser()
    proto = read_model(p)
    notes: list[str] = [] if warnings is None else warnings
    meta = {m.key: m.value for m in proto.metadata_props}
    if meta.get("format") == json.dumps("cnnrnn-studio-onnx") and "project" in meta:
        try:
            project, state, layout = _import_studio(proto, meta, p)
            if verify:
                _verify(p, proto, project, state, layout)
            return project, state
        except OnnxImportError as studio_error:
            # Changed by another tool since the studio wrote it (renamed or fused nodes)? Then the
            # operators themselves are the truth; if they cannot come in either, say what went wrong first.
            try:
                project, state, layout = _Converter(proto, p, notes).run()
            except OnnxImportError:
                raise studio_error from None
            notes.append("The network stored in the file did not match its operators (was the file changed by "
                         "another tool?); it was rebuilt from the operators instead.")
    else:
        project, state, layout = _Converter(proto, p, notes).run()
    if verify:
        _verify(p, proto, project, state, layout)
    return project, state


# ----------------------------------------------------------------------------------------------
# studio files
def _import_studio(proto, meta: dict[str, str], path: Path):
    import torch

    from ..blocks import REGISTRY
    from ..compile.codegen import studio_module_names, studio_wrapper
    from ..errors import StudioError
    from ..project import Project

    try:
        d = json.loads(meta["project"])
        project = Project.from_dict(d, source=f"{path.name} (stored project)")
        analysis = project.check()
    except (ValueError, StudioError) as e:
        raise OnnxImportError(f"the project stored in this studio file cannot be read back: {e}", where=str(path)) from None
    project.path = None
    wrapped = json.loads(meta.get("probabilities", "false"))
    names = studio_module_names(project.graph, analysis)
    by_module: dict[str, list] = {}
    for node in proto.graph.node:
        parts = node.name.lstrip("/").split("/")
        if wrapped:
            parts = parts[1:]
        if len(parts) >= 2 and node.name.startswith("/"):
            by_module.setdefault(parts[0], []).append(node)
    consts = _consts(proto)
    state: dict[str, Any] = {}
    for bid, mod in names.items():
        btype = project.graph.block(bid).type
        prefix = f"blocks.{mod}.{studio_wrapper(btype, analysis.in_specs[bid][0])}"
        nodes = by_module.get(mod, [])
        read = REGISTRY[btype].onnx_weights
        try:
            found = read(nodes, consts) if read is not None else {}
        except (KeyError, IndexError, ValueError) as e:
            raise OnnxImportError(f"the weights of block '{bid}' could not be read back from the file ({e}).",
                                  where=str(path)) from None
        for k, v in found.items():
            state[prefix + k] = torch.from_numpy(v.copy())
    for key, value in json.loads(meta.get("buffers", "{}")).items():
        state[key] = torch.tensor(value)
    model = project.build_model()
    for key, value in model.state_dict().items():  # BatchNorm's step counter is not in ONNX
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    _check_state(model, state, path)
    layout = _Layout(roles=_logical_roles(analysis.input_spec.kind), input_name=proto.graph.input[0].name,
                     output_name=proto.graph.output[0].name, out_roles=("N", "F"))
    return project, state, layout


def _consts(proto) -> dict[str, Any]:
    """Initializers, Constant nodes and Identity copies of them (the exporter dedups equal tensors)."""
    from onnx import numpy_helper

    consts = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    for n in proto.graph.node:
        if n.op_type == "Constant":
            try:
                consts[n.output[0]] = _constant_value(n)
            except KeyError:
                pass
        elif n.op_type == "Identity" and n.input[0] in consts:
            consts[n.output[0]] = consts[n.input[0]]
    return consts


def _check_state(model, state: dict, path: Path) -> None:
    from ..compile.weights import weight_mismatches

    problems = weight_mismatches(model.state_dict(), state)
    if problems:
        raise OnnxImportError("the weights in the file do not match the network it describes:\n  - "
                              + "\n  - ".join(problems), where=str(path))


# ----------------------------------------------------------------------------------------------
# verification
@dataclass
class _Layout:
    roles: tuple             # physical roles of the ONNX input, e.g. ("N", "F", "T")
    input_name: str
    output_name: str
    out_roles: tuple = ("N", "F")
    batch: int | None = None  # a fixed batch size in the original file


def _logical_roles(kind: str) -> tuple:
    return {"vector": ("N", "F"), "image": ("N", "C", "H", "W"), "sequence": ("N", "T", "F"),
            "tokens": ("N", "T"), "image_sequence": ("N", "T", "C", "H", "W")}[kind]


def _verify(path: Path, proto, project, state: dict, layout: _Layout) -> None:
    """The rebuilt network must compute what onnxruntime computes on the original file."""
    import warnings as _warnings

    import numpy as np
    import onnxruntime as ort
    import torch

    from .onnx import random_inputs, valid_lengths

    analysis = project.check()
    model = project.build_model()
    model.load_state_dict(state, strict=True)
    model.eval()
    spec = analysis.input_spec
    lengths = valid_lengths(project.graph, analysis, 2) if None in spec.dims else [None, None]
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    try:
        session = ort.InferenceSession(proto.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise OnnxImportError(f"onnxruntime cannot run this model, so the import cannot be checked: {_first_line(e)}",
                              where=str(path)) from None
    in_type = session.get_inputs()[0].type
    logical = _logical_roles(spec.kind)
    perm = [logical.index(r) for r in layout.roles]
    gen = torch.Generator().manual_seed(3)
    for batch, length in zip((layout.batch or 2, layout.batch or 3), lengths):
        x = random_inputs(model, spec, batch, length, gen)
        with torch.no_grad(), _warnings.catch_warnings():
            _warnings.simplefilter("ignore")  # torch's note on even 'same' kernels: not for the person
            ref = model(x).numpy().astype(np.float64)
        feed = x.permute(*perm).numpy()
        if "int32" in in_type:
            feed = feed.astype(np.int32)
        elif "double" in in_type:
            feed = feed.astype(np.float64)
        elif "float16" in in_type:
            feed = feed.astype(np.float16)
        try:
            got = session.run([layout.output_name], {layout.input_name: feed})[0]
        except Exception as e:
            raise OnnxImportError(f"onnxruntime failed on a test input: {_first_line(e)}", where=str(path)) from None
        got = np.asarray(got, dtype=np.float64).reshape(ref.shape)
        diff = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        scale = 1.0 + float(np.max(np.abs(ref))) if ref.size else 1.0
        if not diff <= VERIFY_TOLERANCE * scale:
            raise OnnxImportError(
                f"the imported network does not compute what the ONNX model computes (largest difference "
                f"{diff:.3g} on an input of shape {list(x.shape)}), so it was not imported.", where=str(path))


# ----------------------------------------------------------------------------------------------
# foreign files
@dataclass
class _V:
    """A tracked ONNX value: the studio block that makes it and how its axes are stored."""

    block: str
    kind: str                 # vector | image | seq | tokens | rnn_y | rnn_h | rnn_dir
    roles: tuple = ()         # physical axis roles: N T F C H W D(irections) 1(singleton)
    entries: tuple = ()       # rnn_h: ((block, direction), ...) in stacking order; rnn_dir: one entry
    neg: bool = False         # negated (the -x of a min pool written as -maxpool(-x))


@dataclass
class _Sym:
    """A shape computed from tensor sizes: ints and ("dim", value name, axis) items."""

    items: list
    scalar: bool = False


@dataclass
class _Block:
    id: str
    type: str
    params: dict
    inputs: list[str] = field(default_factory=list)
    weights: dict = field(default_factory=dict)
    open_bias: bool = False  # a Dense made from MatMul whose bias may follow as an Add


_STEMS = {"Conv1d": "conv", "Conv2d": "conv", "Input": "input", "Output": "output", "BatchNorm": "bn",
          "LayerNorm": "ln", "Embedding": "embed"}


class _Converter:
    def __init__(self, proto, path: Path, notes: list[str]):
        self.proto = proto
        self.path = path
        self.notes = notes
        self.opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 13)
        self.consts: dict[str, Any] = {}
        self.vals: dict[str, _V] = {}
        self.syms: dict[str, _Sym] = {}
        self.zeros: set[str] = set()
        self.blocks: dict[str, _Block] = {}
        self.uses: dict[str, int] = {}
        self.rnn_use: dict[str, str] = {}  # rnn block -> "sequence" | "final"

    # --- helpers ---------------------------------------------------------------------------
    def fail(self, node, why: str):
        label = f"node '{node.name}' ({node.op_type})" if node.name else f"a {node.op_type} node"
        raise OnnxImportError(f"{label} {why}", where=str(self.path))

    def new_block(self, btype: str, params: dict, inputs: list[str], weights: dict | None = None) -> str:
        stem = _STEMS.get(btype, btype.lower())
        i = 1
        while f"{stem}{i}" in self.blocks:
            i += 1
        bid = f"{stem}{i}"
        self.blocks[bid] = _Block(bid, btype, params, list(inputs), dict(weights or {}))
        return bid

    def const(self, name: str, node=None, what: str = "a weight"):
        if name not in self.consts:
            self.fail(node, f"needs {what} stored in the file, but it is computed; the studio cannot import that.")
        return self.consts[name]

    def val(self, name: str) -> _V | None:
        return self.vals.get(name)

    def axes_arg(self, node, a: dict) -> list[int] | None:
        if "axes" in a:
            return [int(x) for x in a["axes"]]
        if len(node.input) > 1 and node.input[1]:
            return [int(x) for x in self.const(node.input[1], node, "its axes").reshape(-1)]
        return None

    # --- main ------------------------------------------------------------------------------
    def run(self):
        from onnx import numpy_helper

        g = self.proto.graph
        for init in g.initializer:
            self.consts[init.name] = numpy_helper.to_array(init)
        for n in g.node:
            for i in n.input:
                self.uses[i] = self.uses.get(i, 0) + 1
        inputs = [i for i in g.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise OnnxImportError(f"the model has {len(inputs)} inputs; a studio network has exactly one.",
                                  where=str(self.path))
        self._check_ops()
        layout = self._input(inputs[0])
        for node in g.node:
            self._node(node)
        if len(g.output) > 1:
            self.notes.append(f"The model has {len(g.output)} outputs; only the first, '{g.output[0].name}', came in.")
        out = self.vals.get(g.output[0].name)
        if out is None or out.kind != "vector":
            raise OnnxImportError("the model's output is not one vector per sample (such as class scores), "
                                  "which is what a studio network predicts.", where=str(self.path))
        layout.output_name = g.output[0].name
        layout.out_roles = out.roles
        return self._finish(out, layout)

    def _check_ops(self) -> None:
        """List every operator without a block, all at once, before anything is built."""
        g = self.proto.graph
        const_names = set(self.consts)
        bad: dict[str, int] = {}
        for n in g.node:
            if all((not i) or i in const_names for i in n.input):
                const_names.update(n.output)  # folded on constants: any operator will do
                continue
            if n.op_type not in SUPPORTED_OPS or (n.domain not in ("", "ai.onnx")):
                label = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}"
                bad[label] = bad.get(label, 0) + 1
        if bad:
            listed = ", ".join(f"{op} ({k} node{'s' if k > 1 else ''})" for op, k in sorted(bad.items()))
            raise OnnxImportError(
                f"this model uses operators the studio has no blocks for: {listed}. Nothing was imported. "
                f"Supported: {', '.join(BLOCK_OPS)} (and the reshaping around them).",
                where=str(self.path), unsupported=sorted(bad))

    def _input(self, vi) -> _Layout:
        t = vi.type.tensor_type
        elem = t.elem_type
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in t.shape.dim]
        rank = len(dims)
        floats, ints = (1, 11, 10), (6, 7)  # float, double, float16 / int32, int64
        consumers = [n for n in self.proto.graph.node if vi.name in n.input]
        if elem in ints and rank == 2:
            kind, roles, shape = "tokens", ("N", "T"), [dims[1]]
        elif elem in floats and rank == 2:
            kind, roles, shape = "vector", ("N", "F"), [dims[1]]
        elif elem in floats and rank == 4:
            kind, roles, shape = "image", ("N", "C", "H", "W"), dims[1:]
        elif elem in floats and rank == 3:
            ops = {n.op_type for n in consumers}
            if ops & {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization"}:
                roles = ("N", "F", "T")
                self.notes.append("The original model reads [batch, features, time] (channels first); the imported "
                                  "network reads [batch, time, features], the studio's layout: transpose your data.")
            elif ops & {"LSTM", "GRU", "RNN"}:
                roles = ("T", "N", "F")
                self.notes.append("The original model reads [time, batch, features]; the imported network reads "
                                  "[batch, time, features], the studio's layout: transpose your data.")
            else:
                roles = ("N", "T", "F")
            kind = "sequence"
            shape = [dims[roles.index("T")], dims[roles.index("F")]]
        else:
            import onnx

            tname = onnx.TensorProto.DataType.Name(elem).lower() if elem else "unknown"
            raise OnnxImportError(f"the model's input '{vi.name}' has {rank} axes of {tname} values; from other tools "
                                  "the studio reads vectors [batch, features], images [batch, channels, height, "
                                  "width], sequences [batch, time, features] and word ids [batch, time].",
                                  where=str(self.path))
        fixed = shape[1:] if kind in ("sequence", "tokens") else shape
        if kind == "tokens":
            fixed = []
        if any(d is None for d in fixed):
            raise OnnxImportError(f"the model's input '{vi.name}' has open sizes other than batch and time "
                                  f"({dims}); the studio needs them fixed.", where=str(self.path))
        self.blocks["input"] = _Block("input", "Input", {"kind": kind, "shape": shape})
        vkind = "seq" if kind == "sequence" else kind
        self.vals[vi.name] = _V("input", vkind, roles)
        batch = dims[roles.index("N")]
        return _Layout(roles=roles, input_name=vi.name, output_name="", batch=batch)

    # --- one node --------------------------------------------------------------------------
    def _node(self, node) -> None:
        op = node.op_type
        ins = [i for i in node.input]
        if op == "Constant":
            try:
                self.consts[node.output[0]] = _constant_value(node)
            except KeyError:
                self.fail(node, "holds a kind of constant the studio cannot read.")
            return
        data = [i for i in ins if i]
        if all(i in self.consts for i in data):
            self._fold(node)
            return
        if any(i in self.vals for i in data) or op == "Shape":
            if op not in ("Neg", "MaxPool", "Shape") and any(self.vals[i].neg for i in data if i in self.vals):
                self.fail(node, "works on negated values; the studio only knows -maxpool(-x) (a min pool).")
            handler = getattr(self, f"_op_{op}", None)
            if handler is None:
                self.fail(node, "has no block in the studio.")
            handler(node, _attrs(node))
            return
        # shape arithmetic or zero states (no tracked tensor among the inputs)
        if any(i in self.zeros for i in data):
            if op in ("Slice", "Gather", "Squeeze", "Unsqueeze", "Reshape", "Expand", "Concat", "Identity", "Cast"):
                self.zeros.update(node.output)
                return
            self.fail(node, "computes with a zero state in a way the studio cannot follow.")
        self._shape_op(node, _attrs(node))

    def _fold(self, node) -> None:
        from onnx.reference import ReferenceEvaluator

        try:
            outs = ReferenceEvaluator(node).run(None, {i: self.consts[i] for i in node.input if i})
        except Exception as e:
            self.fail(node, f"could not be computed on its constants ({_first_line(e)}).")
        for name, v in zip(node.output, outs):
            if name:
                self.consts[name] = v

    def _shape_op(self, node, a: dict) -> None:
        import numpy as np

        op = node.op_type

        def sym_of(name: str) -> _Sym:
            if name in self.syms:
                return self.syms[name]
            if name in self.consts:
                c = np.asarray(self.consts[name]).reshape(-1)
                return _Sym([int(x) for x in c], scalar=np.asarray(self.consts[name]).ndim == 0)
            self.fail(node, "works on sizes the studio cannot follow.")

        if op == "Gather" and node.input[0] in self.syms and a.get("axis", 0) == 0:
            s = self.syms[node.input[0]]
            idx = np.asarray(self.const(node.input[1], node, "a fixed index"))
            items = [s.items[int(i)] for i in idx.reshape(-1)]
            self.syms[node.output[0]] = _Sym(items, scalar=idx.ndim == 0)
        elif op == "Unsqueeze" and node.input[0] in self.syms:
            self.syms[node.output[0]] = _Sym(list(self.syms[node.input[0]].items))
        elif op == "Concat":
            items = []
            for i in node.input:
                items += sym_of(i).items
            self.syms[node.output[0]] = _Sym(items)
        elif op == "Slice" and node.input[0] in self.syms:
            s = self.syms[node.input[0]].items
            starts, ends = (int(self.const(node.input[k], node, "fixed bounds").reshape(-1)[0]) for k in (1, 2))
            steps = int(self.const(node.input[4], node).reshape(-1)[0]) if len(node.input) > 4 and node.input[4] else 1
            self.syms[node.output[0]] = _Sym(s[starts:ends:steps])
        elif op in ("Cast", "Identity", "Squeeze") and node.input[0] in self.syms:
            self.syms[node.output[0]] = self.syms[node.input[0]]
        elif op == "ConstantOfShape":
            value = a.get("value")
            from onnx import numpy_helper

            if value is not None and np.any(numpy_helper.to_array(value) != 0):
                self.fail(node, "fills a tensor with a non-zero value; the studio's layers start from zero states only.")
            self.zeros.add(node.output[0])
        else:
            self.fail(node, "computes sizes in a way the studio cannot follow.")

    # --- tracked-tensor operators ----------------------------------------------------------
    def _set(self, node, v: _V, k: int = 0) -> None:
        self.vals[node.output[k]] = v

    def _unary(self, node, btype: str, params: dict | None = None) -> None:
        x = self.vals[node.input[0]]
        if x.kind not in ("vector", "image", "seq"):
            self.fail(node, "is applied to something that is not a layer's output.")
        bid = self.new_block(btype, params or {}, [x.block])
        self._set(node, _V(bid, x.kind, x.roles))

    def _op_Relu(self, node, a):
        self._unary(node, "ReLU")

    def _op_Tanh(self, node, a):
        self._unary(node, "Tanh")

    def _op_Sigmoid(self, node, a):
        self._unary(node, "Sigmoid")

    def _op_LeakyRelu(self, node, a):
        self._unary(node, "LeakyReLU", {"negative_slope": float(a.get("alpha", 0.01))})

    def _op_Dropout(self, node, a):
        ratio = float(a.get("ratio", 0.5))
        if len(node.input) > 1 and node.input[1]:
            ratio = float(self.const(node.input[1], node, "a fixed ratio"))
        if len(node.output) > 1 and node.output[1] and self.uses.get(node.output[1]):
            self.fail(node, "has its dropout mask used; the studio cannot do that.")
        self._unary(node, "Dropout", {"p": min(max(ratio, 0.0), 0.99)})

    def _op_Neg(self, node, a):
        x = self.vals[node.input[0]]
        if x.kind not in ("vector", "image", "seq"):
            self.fail(node, "negates something that is not a layer's output.")
        self._set(node, _V(x.block, x.kind, x.roles, x.entries, not x.neg))

    def _op_Identity(self, node, a):
        self._set(node, self.vals[node.input[0]])

    def _op_Cast(self, node, a):
        x = self.vals[node.input[0]]
        if a.get("to") not in (1, 10, 11) or x.kind == "tokens":
            self.fail(node, "changes the number type; the studio works in float32 only.")
        self._set(node, x)

    def _op_Shape(self, node, a):
        x = self.vals.get(node.input[0])
        if x is None:
            self.fail(node, "reads the size of something the studio does not track.")
        items = [("dim", node.input[0], i) for i in range(len(x.roles))]
        start, end = a.get("start", 0), a.get("end", len(items))
        self.syms[node.output[0]] = _Sym(items[start:end])

    def _feature_axis(self, x: _V) -> int | None:
        for r in ("F", "C"):
            if r in x.roles:
                return x.roles.index(r)
        return None

    def _op_Softmax(self, node, a):
        x = self.vals[node.input[0]]
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        axis = axis % len(x.roles)
        if x.kind not in ("vector", "seq", "image") or axis != self._feature_axis(x) \
                or (x.kind == "vector" and len(x.roles) != 2):
            self.fail(node, "is not over the features or channels; the studio's Softmax is.")
        self._unary(node, "Softmax")

    def _op_Transpose(self, node, a):
        x = self.vals[node.input[0]]
        perm = a.get("perm") or list(range(len(x.roles)))[::-1]
        roles = tuple(x.roles[p] for p in perm)
        ok = {"seq": lambda r: set(r) == {"N", "T", "F"},
              "image": lambda r: r in (("N", "C", "H", "W"), ("N", "W", "C", "H")),
              "rnn_y": lambda r: r in (("T", "D", "N", "H"), ("T", "N", "D", "H")),
              "rnn_h": lambda r: r in (("D", "N", "H"), ("N", "D", "H")),
              "vector": lambda r: [q for q in r if q != 1] == ["N", "F"]}
        if x.kind not in ok or not ok[x.kind](roles):
            self.fail(node, f"reorders the axes ({list(perm)}) in a way no block does.")
        self._set(node, _V(x.block, x.kind, roles, x.entries))

    def _is_copy(self, item, x: _V, name: str, pos: int) -> bool:
        if isinstance(item, tuple):
            _, src, ax = item
            if src == name and ax == pos:
                return True
            other = self.vals.get(src)
            return other is not None and ax < len(other.roles) and other.roles[ax] == "N" and x.roles[pos] == "N"
        return False

    def _target(self, node, x: _V, a: dict) -> list:
        """Reshape's target as 'copy' / -1 / ints."""
        name = node.input[1]
        if name in self.consts:
            items = [int(v) for v in self.consts[name].reshape(-1)]
        elif name in self.syms:
            items = list(self.syms[name].items)
        else:
            self.fail(node, "reshapes to a size the studio cannot follow.")
        out = []
        for pos, it in enumerate(items):
            if it == 0 and not a.get("allowzero", 0):
                out.append("copy")
            elif self._is_copy(it, x, node.input[0], pos):
                out.append("copy")
            elif isinstance(it, tuple):
                self.fail(node, "reshapes to a size the studio cannot follow.")
            else:
                out.append(it)
        return out

    def _mark_rnn(self, node, bid: str, use: str) -> None:
        prev = self.rnn_use.get(bid)
        if prev is not None and prev != use:
            self.fail(node, "uses both the every-step output and the final state of one recurrent layer; a studio "
                            "recurrent block gives one or the other.")
        self.rnn_use[bid] = use
        self.blocks[bid].params["return_sequences"] = use == "sequence"

    def _final(self, node, entries: tuple) -> _V:
        """A vector from final states: one direction of a one-way layer, or both of a two-way one."""
        bids = {b for b, _ in entries}
        if len(bids) != 1:
            self.fail(node, "joins the final states of different layers; the studio gives one layer's.")
        bid = bids.pop()
        dirs = 2 if self.blocks[bid].params["bidirectional"] else 1
        if [d for _, d in entries] != list(range(dirs)):
            self.fail(node, "uses the final states of a recurrent layer in an order or part the studio does not.")
        self._mark_rnn(node, bid, "final")
        return _V(bid, "vector", ("N", "F"))

    def _op_Reshape(self, node, a):
        x = self.vals[node.input[0]]
        t = self._target(node, x, a)
        r = x.roles
        if x.kind == "image" and r == ("N", "C", "H", "W") and (t == ["copy", -1] or (len(t) == 2 and t[0] in ("copy", -1))):
            return self._flatten_block(node, x)
        if x.kind == "image" and r == ("N", "W", "C", "H") and len(t) == 3 and t[:2] == ["copy", "copy"]:
            bid = self.new_block("ToSequence", {}, [x.block])
            return self._set(node, _V(bid, "seq", ("N", "T", "F")))
        if x.kind == "vector" and len(t) == 2 and t[0] in ("copy", -1):
            return self._set(node, _V(x.block, "vector", ("N", "F")))
        if x.kind == "seq" and r == ("N", "T", "F") and len(t) == 2 and t[0] == "copy":
            return self._flatten_block(node, x)
        if x.kind == "rnn_y" and r == ("T", "N", "D", "H") and len(t) == 3 and t[:2] == ["copy", "copy"]:
            self._mark_rnn(node, x.block, "sequence")
            return self._set(node, _V(x.block, "seq", ("T", "N", "F")))
        if x.kind == "rnn_h" and r == ("N", "D", "H") and len(t) == 2 and t[0] == "copy":
            return self._set(node, self._final(node, x.entries))
        self.fail(node, f"reshapes to {t} in a way no block does.")

    def _flatten_block(self, node, x: _V):
        bid = self.new_block("Flatten", {}, [x.block])
        self._set(node, _V(bid, "vector", ("N", "F")))

    def _op_Flatten(self, node, a):
        x = self.vals[node.input[0]]
        if a.get("axis", 1) != 1:
            self.fail(node, "flattens from an axis other than 1; the studio keeps the batch axis.")
        if x.kind == "vector":
            return self._set(node, _V(x.block, "vector", ("N", "F")))
        if (x.kind == "image" and x.roles == ("N", "C", "H", "W")) or (x.kind == "seq" and x.roles == ("N", "T", "F")):
            return self._flatten_block(node, x)
        self.fail(node, "flattens data whose axes are stored in an order the studio's Flatten does not use.")

    def _op_Squeeze(self, node, a):
        x = self.vals[node.input[0]]
        axes = self.axes_arg(node, a)
        if x.kind == "vector":
            axes = [i for i, q in enumerate(x.roles) if q == 1] if axes is None else [q % len(x.roles) for q in axes]
            if any(x.roles[i] != 1 for i in axes):
                self.fail(node, "removes an axis that is not of size 1.")
            return self._set(node, _V(x.block, "vector", tuple(q for i, q in enumerate(x.roles) if i not in axes)))
        if x.kind == "rnn_y" and x.roles == ("T", "D", "N", "H") and axes == [1] \
                and not self.blocks[x.block].params["bidirectional"]:
            self._mark_rnn(node, x.block, "sequence")
            return self._set(node, _V(x.block, "seq", ("T", "N", "F")))
        if x.kind == "rnn_h" and x.roles == ("D", "N", "H") and axes == [0] and len(x.entries) == 1:
            return self._set(node, self._final(node, x.entries))
        self.fail(node, "removes an axis in a way no block does.")

    def _op_Unsqueeze(self, node, a):
        self.fail(node, "adds an axis; no block does that.")

    def _op_Gather(self, node, a):
        import numpy as np

        data, idx = node.input[0], node.input[1]
        if data in self.consts and idx in self.vals and self.vals[idx].kind == "tokens":
            w = np.asarray(self.consts[data], dtype=np.float32)
            if w.ndim != 2 or a.get("axis", 0) != 0:
                self.fail(node, "looks up rows of a table that is not 2-D; an Embedding's table is.")
            x = self.vals[idx]
            bid = self.new_block("Embedding", {"num_embeddings": int(w.shape[0]), "embedding_dim": int(w.shape[1])},
                                 [x.block], {"weight": w})
            return self._set(node, _V(bid, "seq", x.roles + ("F",)))
        x = self.vals.get(data)
        if x is not None and x.kind == "rnn_h" and x.roles == ("D", "N", "H") and a.get("axis", 0) == 0:
            i = np.asarray(self.const(idx, node, "a fixed index"))
            if i.ndim != 0:
                self.fail(node, "picks several final states at once; the studio picks the last layer's.")
            entry = x.entries[int(i)]
            bid, d = entry
            if not self.blocks[bid].params["bidirectional"]:
                return self._set(node, self._final(node, (entry,)))
            return self._set(node, _V(bid, "rnn_dir", ("N", "H"), (entry,)))
        self.fail(node, "picks values in a way no block does.")

    def _op_Concat(self, node, a):
        xs = [self.vals.get(i) for i in node.input]
        if any(x is None for x in xs):
            self.fail(node, "joins a layer's output with a constant; the studio joins layers' outputs only.")
        axis = a.get("axis", 0)
        if all(x.kind == "rnn_h" for x in xs) and axis == 0:
            entries = tuple(e for x in xs for e in x.entries)
            return self._set(node, _V(xs[-1].block, "rnn_h", ("D", "N", "H"), entries))
        if any(x.kind == "rnn_dir" for x in xs):
            # torch's cat(h[-2], h[-1]) for a two-way layer, possibly merged with a following Concat
            merged: list[_V] = []
            k = 0
            while k < len(xs):
                x = xs[k]
                if x.kind == "rnn_dir":
                    run = [x]
                    while k + len(run) < len(xs) and xs[k + len(run)].kind == "rnn_dir" and len(run) < 2:
                        run.append(xs[k + len(run)])
                    merged.append(self._final(node, tuple(r.entries[0] for r in run)))
                    k += len(run)
                else:
                    merged.append(x)
                    k += 1
            if axis % 2 != 1:
                self.fail(node, "joins final states along an axis other than the features.")
            xs = merged
            if len(xs) == 1:
                return self._set(node, xs[0])
        first = xs[0]
        if any(x.kind != first.kind or x.roles != first.roles for x in xs) or first.kind not in ("vector", "image", "seq"):
            self.fail(node, "joins tensors of different kinds or layouts.")
        if axis % len(first.roles) != self._feature_axis(first):
            self.fail(node, "joins along an axis other than features/channels; the studio's Concat joins there.")
        bid = self.new_block("Concat", {}, [x.block for x in xs])
        self._set(node, _V(bid, first.kind, first.roles))

    def _op_Add(self, node, a):
        import numpy as np

        xs = [self.vals.get(i) for i in node.input]
        if all(x is not None for x in xs):
            first = xs[0]
            if any(x.kind != first.kind or x.roles != first.roles for x in xs) or first.kind not in ("vector", "image", "seq"):
                self.fail(node, "adds tensors of different kinds or layouts.")
            bid = self.new_block("Add", {}, [x.block for x in xs])
            return self._set(node, _V(bid, first.kind, first.roles))
        tracked = [i for i in node.input if i in self.vals]
        const = [i for i in node.input if i in self.consts]
        if len(tracked) == 1 and len(const) == 1:
            x = self.vals[tracked[0]]
            b = self.blocks[x.block]
            c = np.asarray(self.consts[const[0]], dtype=np.float32)
            if b.open_bias and self.uses.get(tracked[0], 0) == 1 and c.size == b.params["out_features"] \
                    and c.shape[-1] == c.size:
                b.params["bias"] = True
                b.weights["bias"] = c.reshape(-1)
                b.open_bias = False
                return self._set(node, x)
        self.fail(node, "adds a constant to a value; only a Dense layer's bias (MatMul + Add) has a block.")

    def _op_Gemm(self, node, a):
        x = self.vals[node.input[0]]
        if x.kind != "vector" or x.roles != ("N", "F") or a.get("transA", 0):
            self.fail(node, "multiplies something that is not a batch of vectors.")
        w = _gemm_weights(node, {n: self.const(n, node) for n in node.input[1:] if n})
        bid = self.new_block("Dense", {"out_features": int(w["weight"].shape[0]), "bias": "bias" in w}, [x.block], w)
        self._set(node, _V(bid, "vector", ("N", "F")))

    def _op_MatMul(self, node, a):
        import numpy as np

        x = self.vals.get(node.input[0])
        if x is None or node.input[1] not in self.consts:
            self.fail(node, "multiplies two computed values; the studio's Dense multiplies by stored weights.")
        w = np.asarray(self.consts[node.input[1]], dtype=np.float32)
        if w.ndim != 2 or x.kind not in ("vector", "seq") or x.roles[-1] != "F" or (x.kind == "vector" and len(x.roles) != 2):
            self.fail(node, "is not a layer over the features (weights [in, out] after the features axis).")
        bid = self.new_block("Dense", {"out_features": int(w.shape[1]), "bias": False}, [x.block], {"weight": w.T.copy()})
        self.blocks[bid].open_bias = True
        self._set(node, _V(bid, x.kind, x.roles))

    def _spatial(self, node, x: _V, n_kernel: int) -> int:
        """1 for a channels-first sequence, 2 for an image; anything else cannot be done."""
        if x.kind == "image" and x.roles == ("N", "C", "H", "W") and n_kernel == 2:
            return 2
        if x.kind == "seq" and x.roles == ("N", "F", "T") and n_kernel == 1:
            return 1
        self.fail(node, "slides over data laid out in a way the studio's 1-D/2-D layers do not read "
                        "(they need [batch, channels, time] or [batch, channels, height, width]).")

    @staticmethod
    def _pads(node, a, n: int, fail) -> list[int]:
        pads = list(a.get("pads", [0] * (2 * n)))
        if pads[:n] != pads[n:]:
            fail(node, f"pads the borders unevenly ({pads}); the studio pads both sides alike.")
        return pads[:n]

    @staticmethod
    def _one(v: list[int]):
        return v[0] if len(set(v)) == 1 else list(v)

    def _op_Conv(self, node, a):
        import numpy as np

        x = self.vals[node.input[0]]
        w = np.asarray(self.const(node.input[1], node), dtype=np.float32)
        n = w.ndim - 2
        dims = self._spatial(node, x, n)
        k = list(a.get("kernel_shape", w.shape[2:]))
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        auto = _to_str(a.get("auto_pad", "NOTSET"))
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            if any(s != 1 for s in strides) or (auto == "SAME_LOWER" and any((d * (q - 1)) % 2 for d, q in zip(dil, k))):
                self.fail(node, f"uses auto_pad={auto} with a stride or kernel the studio's 'same' padding differs from.")
            padding: Any = "same"
        elif auto == "VALID":
            padding = 0
        else:
            padding = self._one(self._pads(node, a, n, self.fail))
        params = {"out_channels": int(w.shape[0]), "kernel_size": self._one(k), "stride": self._one(strides),
                  "padding": padding, "dilation": self._one(dil), "groups": int(a.get("group", 1)),
                  "bias": len(node.input) > 2 and bool(node.input[2])}
        weights = {"weight": w}
        if params["bias"]:
            weights["bias"] = np.asarray(self.const(node.input[2], node), dtype=np.float32)
        bid = self.new_block("Conv1d" if dims == 1 else "Conv2d", params, [x.block], weights)
        self._set(node, _V(bid, x.kind, x.roles))

    def _pool(self, node, a, op: str):
        x = self.vals[node.input[0]]
        k = list(a["kernel_shape"])
        n = len(k)
        dims = self._spatial(node, x, n)
        if a.get("ceil_mode", 0):
            self.fail(node, "rounds the output size up (ceil_mode); the studio's pools round down.")
        if any(d != 1 for d in a.get("dilations", [1] * n)):
            self.fail(node, "uses dilation; the studio's pools do not.")
        if _to_str(a.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID"):
            self.fail(node, "uses automatic 'same' padding; the studio's pools pad by a number.")
        pads = self._pads(node, a, n, self.fail)
        if op == "Avg" and any(pads) and not a.get("count_include_pad", 0):
            self.fail(node, "leaves the padding out of its averages; the studio's average pool counts it.")
        if any(2 * p > q for p, q in zip(pads, k)):
            self.fail(node, "pads by more than half its window.")
        if len(node.output) > 1 and node.output[1] and self.uses.get(node.output[1]):
            self.fail(node, "returns the positions of its maxima; the studio's pool does not.")
        params = {"kernel_size": self._one(k), "stride": self._one(list(a.get("strides", [1] * n))),
                  "padding": self._one(pads)}
        if x.neg and any(pads):
            self.fail(node, "pads a negated input; a min pool's padding would differ.")
        if x.neg and op != "Max":
            self.fail(node, "averages negated values; only -maxpool(-x) has a block (min pool).")
        bid = self.new_block(f"{'Min' if x.neg else op}Pool{dims}d", params, [x.block])
        self._set(node, _V(bid, x.kind, x.roles, neg=x.neg))

    def _op_MaxPool(self, node, a):
        self._pool(node, a, "Max")

    def _op_AveragePool(self, node, a):
        self._pool(node, a, "Avg")

    def _global(self, node, x: _V, mode: str, axes: list[int], keep: bool):
        if x.kind == "image" and x.roles == ("N", "C", "H", "W") and sorted(axes) == [2, 3]:
            roles = ("N", "F", 1, 1) if keep else ("N", "F")
        elif x.kind == "seq" and axes == [x.roles.index("T")]:
            roles = tuple((1 if q == "T" else q) for q in x.roles) if keep else tuple(q for q in x.roles if q != "T")
        else:
            self.fail(node, "pools over axes other than the image's height and width or the sequence's time.")
        bid = self.new_block("GlobalAvgPool" if mode == "avg" else "GlobalMaxPool", {}, [x.block])
        self._set(node, _V(bid, "vector", roles))

    def _op_GlobalAveragePool(self, node, a):
        x = self.vals[node.input[0]]
        self._global(node, x, "avg", list(range(2, len(x.roles))), True)

    def _op_GlobalMaxPool(self, node, a):
        x = self.vals[node.input[0]]
        self._global(node, x, "max", list(range(2, len(x.roles))), True)

    def _reduce(self, node, a, mode: str):
        x = self.vals[node.input[0]]
        axes = self.axes_arg(node, a)
        if axes is None:
            self.fail(node, "reduces over every axis, batch included.")
        self._global(node, x, mode, sorted(q % len(x.roles) for q in axes), bool(a.get("keepdims", 1)))

    def _op_ReduceMean(self, node, a):
        self._reduce(node, a, "avg")

    def _op_ReduceMax(self, node, a):
        self._reduce(node, a, "max")

    def _op_BatchNormalization(self, node, a):
        import numpy as np

        x = self.vals[node.input[0]]
        ok = (x.kind == "vector" and x.roles == ("N", "F")) or (x.kind == "image" and x.roles == ("N", "C", "H", "W")) \
            or (x.kind == "seq" and x.roles == ("N", "F", "T"))
        if not ok:
            self.fail(node, "normalises an axis other than the channels/features.")
        if a.get("training_mode", 0) or (len(node.output) > 1 and any(self.uses.get(o) for o in node.output[1:] if o)):
            self.fail(node, "is in training mode; export the model for inference.")
        w = {k: np.asarray(self.const(node.input[i], node), dtype=np.float32)
             for i, k in enumerate(("weight", "bias", "running_mean", "running_var"), 1)}
        params = {"eps": float(a.get("epsilon", 1e-5)), "momentum": round(1.0 - float(a.get("momentum", 0.9)), 6)}
        bid = self.new_block("BatchNorm", params, [x.block], w)
        self._set(node, _V(bid, x.kind, x.roles))

    def _op_LayerNormalization(self, node, a):
        import numpy as np

        x = self.vals[node.input[0]]
        axis = a.get("axis", -1) % len(x.roles)
        ok = (x.kind in ("vector", "seq") and x.roles[-1] == "F" and axis == len(x.roles) - 1 and
              (x.kind == "seq" or len(x.roles) == 2)) or (x.kind == "image" and x.roles == ("N", "C", "H", "W") and axis == 1)
        if not ok or len(node.input) < 3 or not node.input[2]:
            self.fail(node, "normalises other axes than the studio's LayerNorm (features, or a whole image), "
                            "or has no bias.")
        w = {"weight": np.asarray(self.const(node.input[1], node), dtype=np.float32),
             "bias": np.asarray(self.const(node.input[2], node), dtype=np.float32)}
        bid = self.new_block("LayerNorm", {"eps": float(a.get("epsilon", 1e-5))}, [x.block], w)
        self._set(node, _V(bid, x.kind, x.roles))

    def _recurrent(self, node, a, cell: str):
        import numpy as np

        x = self.vals[node.input[0]]
        if x.kind != "seq" or x.roles != ("T", "N", "F") or a.get("layout", 0) != 0:
            self.fail(node, "reads a sequence stored in an order the studio does not follow.")
        direction = _to_str(a.get("direction", "forward"))
        if direction == "reverse":
            self.fail(node, "reads the sequence backwards only; the studio reads forwards or both ways.")
        dirs = 2 if direction == "bidirectional" else 1
        acts = _to_str(a.get("activations")) or _DEFAULT_ACTS[cell] * dirs
        if [s.lower() for s in acts] != [s.lower() for s in _DEFAULT_ACTS[cell] * dirs]:
            self.fail(node, f"uses activations {acts}; the studio's {cell} uses {_DEFAULT_ACTS[cell]}.")
        if "clip" in a or a.get("input_forget", 0):
            self.fail(node, "clips or couples its gates; the studio's recurrent layers do not.")
        if cell == "GRU" and not a.get("linear_before_reset", 0):
            self.fail(node, "uses linear_before_reset=0; the studio's (torch's) GRU applies the reset after the "
                            "linear map (linear_before_reset=1).")
        extra = list(node.input[4:])
        if extra and extra[0]:
            self.fail(node, "takes per-sample sequence lengths; the studio's batches have equal lengths.")
        for name in extra[1:3]:
            if name and not (name in self.zeros or (name in self.consts and not np.any(self.consts[name]))):
                self.fail(node, "starts from a given state; the studio's recurrent layers start from zeros.")
        if len(extra) > 3 and extra[3] and np.any(self.const(extra[3], node)):
            self.fail(node, "has peephole connections; the studio's LSTM does not.")
        W = np.asarray(self.const(node.input[1], node), dtype=np.float32)
        R = np.asarray(self.const(node.input[2], node), dtype=np.float32)
        B = np.asarray(self.const(node.input[3], node), dtype=np.float32) if len(node.input) > 3 and node.input[3] else None
        hidden = int(a.get("hidden_size", R.shape[-1]))
        params = {"hidden_size": hidden, "num_layers": 1, "bidirectional": dirs == 2, "dropout": 0.0,
                  "return_sequences": False}
        bid = self.new_block(cell, params, [x.block], rnn_weights_to_torch(cell, W, R, B, 0))
        self._set(node, _V(bid, "rnn_y", ("T", "D", "N", "H")), 0)
        if len(node.output) > 1 and node.output[1]:
            self._set(node, _V(bid, "rnn_h", ("D", "N", "H"), tuple((bid, d) for d in range(dirs))), 1)
        if len(node.output) > 2 and node.output[2] and self.uses.get(node.output[2]):
            self.fail(node, "has its cell state used; the studio's LSTM gives its hidden state.")

    def _op_LSTM(self, node, a):
        self._recurrent(node, a, "LSTM")

    def _op_GRU(self, node, a):
        self._recurrent(node, a, "GRU")

    def _op_RNN(self, node, a):
        self._recurrent(node, a, "RNN")

    # --- the project -----------------------------------------------------------------------
    def _finish(self, out: _V, layout: _Layout):
        import networkx as nx
        import torch

        from ..compile.codegen import studio_module_names, studio_wrapper
        from ..graph import Graph
        from ..project import Project

        g = self.proto.graph
        n_out = None
        last = self.blocks[out.block]
        probe = nx.DiGraph()
        for b in self.blocks.values():
            probe.add_node(b.id)
            for src in b.inputs:
                probe.add_edge(src, b.id)
        keep = nx.ancestors(probe, out.block) | {out.block}
        is_softmax = last.type == "Softmax"
        graph = Graph()
        depth: dict[str, int] = {}
        column: dict[int, int] = {}
        for bid in nx.topological_sort(probe.subgraph(keep)):
            b = self.blocks[bid]
            d = max((depth[s] + 1 for s in b.inputs), default=0)
            depth[bid] = d
            col = column.get(d, 0)
            column[d] = col + 1
            graph.add_block(b.type, b.params, bid, (float(col * 240), float(d * 110)))
        for bid in keep:
            for port, src in enumerate(self.blocks[bid].inputs):
                graph.add_link(src, bid, port)
        from ..graph import analyze

        probe_a = analyze(graph)
        spec = probe_a.specs.get(out.block)
        if spec is not None and spec.kind == "vector":
            n_out = spec.dims[0]
        task = "classification" if (is_softmax or (n_out or 0) >= 2) else "regression"
        if not is_softmax:
            self.notes.append(f"The task was guessed from the {n_out} output{'s' if n_out != 1 else ''}: {task}. "
                              "Change it on the Output block if that is wrong.")
        depth_out = depth[out.block] + 1
        graph.add_block("Output", {"task": task}, "output", (0.0, float(depth_out * 110)))
        graph.add_link(out.block, "output")
        name = g.name if g.name and g.name not in ("main_graph", "torch_jit", "graph") else self.path.stem
        desc = f"Imported from {self.path.name}" + (f" (made by {self.proto.producer_name})" if self.proto.producer_name else "") + "."
        project = Project(graph, name=name, description=desc)
        analysis = project.analyze()
        if not analysis.ok:
            raise OnnxImportError("the translated network is not valid in the studio:\n  - "
                                  + "\n  - ".join(str(p) for p in analysis.errors), where=str(self.path))
        names = studio_module_names(graph, analysis)
        state: dict[str, Any] = {}
        for bid, mod in names.items():
            b = self.blocks.get(bid)
            if b is None:
                continue
            prefix = f"blocks.{mod}.{studio_wrapper(b.type, analysis.in_specs[bid][0])}"
            for k, v in b.weights.items():
                state[prefix + k] = torch.from_numpy(v.astype("float32").copy())
            if b.type == "BatchNorm":
                state[prefix + "num_batches_tracked"] = torch.tensor(0)
        model = project.build_model()
        _check_state(model, state, self.path)
        return project, (state or {}), layout
