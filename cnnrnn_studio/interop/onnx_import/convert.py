"""Any other model: translated node by node into studio blocks (see the package docstring), then
laid out as a project with its weights under the studio's names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import OnnxImportError
from . import ops_conv, ops_layers, ops_recurrent, ops_shape
from .read import BLOCK_OPS, PLUMBING_OPS, SIZE_OPS, SUPPORTED_OPS, _attrs, _constant_value, _first_line
from .tracked import _Block, _Sym, _V
from .verify import _Layout, _check_state

if TYPE_CHECKING:
    from onnx import NodeProto, ValueInfoProto

    from ...project import Project

_OPS = {**ops_shape.OPS, **ops_layers.OPS, **ops_conv.OPS, **ops_recurrent.OPS}


class _Converter(ops_shape._ShapeOps, ops_layers._LayerOps, ops_conv._ConvOps, ops_recurrent._RecurrentOps):
    """Translates a foreign model: run() gives (Project, state dict, _Layout) or raises OnnxImportError."""

    # --- main ------------------------------------------------------------------------------
    def run(self) -> tuple[Project, dict[str, Any], _Layout]:
        from onnx import numpy_helper

        g = self.proto.graph
        for init in g.initializer:
            self.consts[init.name] = numpy_helper.to_array(init)
        for n in g.node:
            if n.op_type == "Shape":
                continue  # reads sizes only: not a use of the values
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
        return self._finish(out, layout)

    def _check_ops(self) -> None:
        """List every operator without a block, all at once, before anything is built: each with
        the nodes that use it, then what the studio does read."""
        g = self.proto.graph
        const_names = set(self.consts)
        sizes: set[str] = set()  # values computed from tensor sizes only (Shape and arithmetic on it)
        bad: dict[str, list[str]] = {}
        for n in g.node:
            data = [i for i in n.input if i]
            if all(i in const_names for i in data):
                const_names.update(n.output)  # folded on constants: any operator will do
                continue
            if n.domain in ("", "ai.onnx") and (n.op_type == "Shape" or all(i in const_names or i in sizes for i in data)):
                if n.op_type == "Shape" or n.op_type in SIZE_OPS:
                    sizes.update(n.output)
                    continue
            if n.op_type not in SUPPORTED_OPS or (n.domain not in ("", "ai.onnx")):
                label = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}"
                bad.setdefault(label, []).append(n.name)
        if bad:
            def listed(op: str, names: list[str]) -> str:
                named = [x for x in names if x]
                shown = ", ".join(f"'{x}'" for x in named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
                return f"{op} ({len(names)} node{'s' if len(names) > 1 else ''}{': ' + shown if shown else ''})"
            ops = ", ".join(listed(op, names) for op, names in sorted(bad.items()))
            raise OnnxImportError(
                f"this model uses operators the studio has no blocks for: {ops}. Nothing was imported. "
                f"The studio reads {', '.join(BLOCK_OPS)}, the reshaping around them ({', '.join(PLUMBING_OPS)}) "
                "and arithmetic on tensor sizes.", where=str(self.path), unsupported=sorted(bad))

    def _input(self, vi: ValueInfoProto) -> _Layout:
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
            elif ops & {"LSTM", "GRU", "RNN"} and all(_attrs(n).get("layout", 0) == 1 for n in consumers
                                                       if n.op_type in ("LSTM", "GRU", "RNN")):
                roles = ("N", "T", "F")  # layout=1: batch first, the studio's own order
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
    def _node(self, node: NodeProto) -> None:
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
            handler = _OPS.get(op)
            if handler is None:
                self.fail(node, "has no block in the studio.")
            handler(self, node, _attrs(node))
            return
        # shape arithmetic or zero states (no tracked tensor among the inputs)
        if any(i in self.zeros for i in data):
            if op in ("Slice", "Gather", "Squeeze", "Unsqueeze", "Reshape", "Expand", "Concat", "Identity", "Cast", "Mul"):
                self.zeros.update(node.output)
                return
            self.fail(node, "computes with a zero state in a way the studio cannot follow.")
        self._shape_op(node, _attrs(node))

    def _fold(self, node: NodeProto) -> None:
        from onnx.reference import ReferenceEvaluator

        try:
            outs = ReferenceEvaluator(node).run(None, {i: self.consts[i] for i in node.input if i})
        except Exception as e:
            self.fail(node, f"could not be computed on its constants ({_first_line(e)}).")
        for name, v in zip(node.output, outs):
            if name:
                self.consts[name] = v

    def _shape_op(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        op = node.op_type

        def sym_of(name: str) -> _Sym:
            if name in self.syms:
                return self.syms[name]
            if name in self.consts:
                c = np.asarray(self.consts[name]).reshape(-1)
                return _Sym([int(x) for x in c])
            self.fail(node, "works on sizes the studio cannot follow.")

        if op == "Gather" and node.input[0] in self.syms and a.get("axis", 0) == 0:
            s = self.syms[node.input[0]]
            idx = np.asarray(self.const(node.input[1], node, "a fixed index"))
            items = [s.items[int(i)] for i in idx.reshape(-1)]
            self.syms[node.output[0]] = _Sym(items)
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
        elif op in ("Cast", "Identity", "Squeeze", "Reshape") and node.input[0] in self.syms:
            self.syms[node.output[0]] = self.syms[node.input[0]]
        elif op in ("Mul", "Add", "Sub", "Div"):
            # arithmetic on sizes (the dynamo exporter's flatten multiplies the kept sizes): a number when
            # both sides are known, else one opaque size that a Reshape can take as its free (-1) axis
            xs = [sym_of(i).items for i in node.input[:2]]
            if any(len(x) != 1 for x in xs):
                self.fail(node, "computes several sizes at once in a way the studio cannot follow.")
            p, q = xs[0][0], xs[1][0]
            if isinstance(p, int) and isinstance(q, int) and not (op == "Div" and q == 0):
                value = {"Mul": p * q, "Add": p + q, "Sub": p - q, "Div": p // q if q else 0}[op]
                self.syms[node.output[0]] = _Sym([value])
            else:
                self.syms[node.output[0]] = _Sym([("expr", node.output[0], 0)])
        elif op == "Expand" and node.input[0] in self.consts and not np.any(self.consts[node.input[0]]):
            self.zeros.add(node.output[0])  # the dynamo exporter's zero initial state: zeros expanded to [1, N, H]
        elif op == "ConstantOfShape":
            value = a.get("value")
            from onnx import numpy_helper

            if value is not None and np.any(numpy_helper.to_array(value) != 0):
                self.fail(node, "fills a tensor with a non-zero value; the studio's layers start from zero states only.")
            self.zeros.add(node.output[0])
        else:
            self.fail(node, "computes sizes in a way the studio cannot follow.")

    # --- the project -----------------------------------------------------------------------
    def _finish(self, out: _V, layout: _Layout) -> tuple[Project, dict[str, Any], _Layout]:
        import networkx as nx
        import torch

        from ...compile.codegen import studio_module_names, studio_wrapper
        from ...graph import Graph
        from ...project import Project

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
        from ...graph import analyze

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
        return project, state, layout
