"""Validation, shape inference and cost counts over the whole graph.

Like torch.fx's ShapeProp, blocks are visited in topological order and each block's output
spec is stored. Every problem is a `Problem` naming the block, in words a non-programmer
understands, with a machine-usable fix where one is known. Pure Python: it runs after every
edit in the editor, so it must stay fast (a 300-block graph in a few milliseconds) and linear in
the number of blocks (no per-block scans of all blocks or all problems).

It also estimates the memory training needs (graph/memory.py) and reports a network that
cannot fit in this machine's memory as a problem, so `train`, `export` and the ONNX import's
verification refuse before torch allocates anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..blocks import REGISTRY, ParamError, ShapeError, TensorSpec
from .memory import MemoryEstimate, estimate, machine_memory, numel
from .model import Graph

_MACHINE_MEMORY: int | None = None


def _machine_memory() -> int:
    global _MACHINE_MEMORY
    if _MACHINE_MEMORY is None:
        _MACHINE_MEMORY = machine_memory()
    return _MACHINE_MEMORY


@dataclass(frozen=True)
class Problem:
    block_id: str | None
    message: str
    code: str  # cycle, unknown_type, bad_param, shape, no_input, no_output, unconnected, ...
    field: str | None = None
    fix: dict | None = None
    severity: str = "error"  # or "warning": reported, but the network can still be built

    def __str__(self) -> str:
        return f"{self.block_id}: {self.message}" if self.block_id else self.message

    def to_dict(self) -> dict:
        return {"block": self.block_id, "message": self.message, "code": self.code,
                "field": self.field, "fix": self.fix, "severity": self.severity}


@dataclass
class Analysis:
    order: list[str] = field(default_factory=list)             # topological, valid blocks only
    specs: dict[str, TensorSpec] = field(default_factory=dict)  # output spec per block
    in_specs: dict[str, list[TensorSpec]] = field(default_factory=dict)
    params: dict[str, dict] = field(default_factory=dict)       # resolved (defaults filled)
    param_counts: dict[str, int] = field(default_factory=dict)
    macs: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    input_id: str | None = None
    output_id: str | None = None
    memory: MemoryEstimate | None = None  # training memory of the valid blocks (graph/memory.py)
    frozen: set[str] = field(default_factory=set)  # blocks whose "Train this block" is off

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.values())

    @property
    def frozen_params(self) -> int:
        """Parameters of frozen blocks: kept as they are while training."""
        return sum(n for bid, n in self.param_counts.items() if bid in self.frozen)

    @property
    def trainable_params(self) -> int:
        return self.total_params - self.frozen_params

    @property
    def total_macs(self) -> int:
        return sum(self.macs.values())

    @property
    def macs_per(self) -> str:
        """What the multiply-add count is per: a sample, or one time step where the length is open
        (a variable time axis is counted once)."""
        spec = self.input_spec
        if spec is not None and None in tuple(spec.dims):
            return "per time step of the input (its length is open)"
        return "per sample"

    def problems_for(self, block_id: str) -> list[Problem]:
        return [p for p in self.problems if p.block_id == block_id]

    @property
    def input_spec(self) -> TensorSpec | None:
        return self.specs.get(self.input_id) if self.input_id else None

    @property
    def output_spec(self) -> TensorSpec | None:
        return self.specs.get(self.output_id) if self.output_id else None

    @property
    def task(self) -> str | None:
        return self.params.get(self.output_id, {}).get("task") if self.output_id else None


def analyze(graph: Graph, batch_size: int | None = None, memory_limit: int | None = None,
            gpu_memory: int | None = None) -> Analysis:
    """Check the network. `batch_size`: the samples per training step the memory estimate is for
    (None: one sample); `memory_limit`: bytes it must fit in (None: this machine's memory);
    `gpu_memory`: the chosen GPU's memory in bytes when training runs on one (None: no GPU)."""
    a = Analysis()
    g = graph.nx
    add = a.problems.append
    broken: set[str] = set()  # blocks whose output cannot be known

    # 1. Types and parameters
    a.frozen = graph.frozen_ids()
    for b in graph.blocks:
        spec = REGISTRY.get(b.type)
        if spec is None:
            add(Problem(b.id, f"'{b.type}' is not a known block type. Replace it with a block from the palette.",
                        "unknown_type"))
            broken.add(b.id)
            continue
        try:
            a.params[b.id] = spec.resolve_params(b.params)
        except ParamError as e:
            add(Problem(b.id, e.message, "bad_param", field=e.field))
            broken.add(b.id)

    # 2. Loops
    in_loops: set[str] = set()
    try:
        flow: list[str] | None = list(nx.topological_sort(g))  # one sort serves the loop test and step 5
    except nx.NetworkXUnfeasible:
        flow = None
    if flow is None:
        for comp in nx.strongly_connected_components(g):
            if len(comp) > 1:
                cyc = sorted(comp)
                for bid in cyc:
                    add(Problem(bid, f"is part of a loop ({' -> '.join(cyc)}). Data must flow one way from Input to "
                                     "Output; remove one of the links in the loop. (Recurrent blocks loop inside themselves.)",
                                "cycle"))
                in_loops.update(comp)
        broken.update(in_loops)

    # 3. Input and Output blocks
    inputs = graph.of_type("Input")
    outputs = graph.of_type("Output")
    if not inputs:
        add(Problem(None, "The network has no Input block. Drag one from 'Input/Output' and link it to the first layer.",
                    "no_input"))
    for extra in inputs[1:]:
        add(Problem(extra, f"There can be only one Input block; '{inputs[0]}' is already the input. Remove this one.",
                    "two_inputs"))
        broken.add(extra)
    if not outputs:
        add(Problem(None, "The network has no Output block. Drag one from 'Input/Output' and link the last layer to it.",
                    "no_output"))
    for extra in outputs[1:]:
        add(Problem(extra, f"There can be only one Output block; '{outputs[0]}' is already the output. Remove this one.",
                    "two_outputs"))
        broken.add(extra)
    a.input_id = inputs[0] if inputs else None
    a.output_id = outputs[0] if outputs else None

    # 4. How many links come in and go out
    for b in graph.blocks:
        spec = REGISTRY.get(b.type)
        if spec is None:
            continue
        n_in = g.in_degree(b.id)
        if n_in < spec.min_inputs:
            if spec.min_inputs == 1:
                msg = "has no input. Link the block before it into this one."
            else:
                msg = f"needs at least {spec.min_inputs} inputs but has {n_in}. Link more branches into it."
            add(Problem(b.id, msg, "unconnected"))
            broken.add(b.id)
        elif spec.max_inputs is not None and n_in > spec.max_inputs:
            if spec.max_inputs == 0:
                msg = "is where data enters, so nothing can be linked into it. Remove the links into it."
            else:
                msg = (f"takes one input but {n_in} are linked ({', '.join(graph.inputs_of(b.id))}). "
                       "Merge them first with Add or Concat.")
            add(Problem(b.id, msg, "too_many_inputs"))
            broken.add(b.id)
        if not spec.has_output and g.out_degree(b.id):
            add(Problem(b.id, "is the end of the network; nothing can follow it. Remove the links out of it.",
                        "link_after_output"))
        elif spec.has_output and g.out_degree(b.id) == 0 and b.type != "Output":
            add(Problem(b.id, "leads nowhere: its output is not used. Link it to the next block, or delete it.",
                        "dead_end", severity="warning"))

    # 5. Shapes, in topological order over what is not broken
    if flow is None:
        flow = list(nx.topological_sort(g.subgraph(n for n in g.nodes if n not in in_loops)))
    for bid in flow:
        if bid in broken:
            continue
        preds = graph.inputs_of(bid)
        if any(p not in a.specs for p in preds):
            broken.add(bid)  # an earlier block is wrong: its own message says so
            continue
        b = graph.block(bid)
        spec = REGISTRY[b.type]
        ins = [a.specs[p] for p in preds]
        try:
            out = spec.infer(a.params[bid], ins)
        except ShapeError as e:
            fix = dict(e.fix, block=bid) if e.fix else None
            add(Problem(bid, e.message, "shape", field=e.field, fix=fix))
            broken.add(bid)
            continue
        a.specs[bid] = out
        a.in_specs[bid] = ins
        n_params, n_macs = spec.count(a.params[bid], ins, out)
        a.param_counts[bid] = n_params
        a.macs[bid] = n_macs
        a.order.append(bid)

    # 6. Does the output depend on the input at all?
    if a.input_id and a.output_id and a.output_id in a.specs and not nx.has_path(g, a.input_id, a.output_id):
        add(Problem(a.output_id, "is not connected to the Input. Link the blocks so data can flow from Input to Output.",
                    "unconnected"))

    # 7. Does training fit in memory?
    batch = batch_size if isinstance(batch_size, int) and batch_size >= 1 else 1
    a.memory = estimate(a.order, a.param_counts, {bid: numel(a.specs[bid].dims) for bid in a.order if bid != a.output_id}, batch)
    limit = memory_limit if memory_limit is not None else _machine_memory()
    if a.memory.total > limit:
        add(Problem(None, a.memory.sentence(limit), "memory"))
    elif gpu_memory is not None and gpu_memory > 0 and a.memory.total > gpu_memory:
        add(Problem(None, a.memory.sentence(gpu_memory, "the chosen GPU's"), "memory"))
    return a


def summary_rows(graph: Graph, a: Analysis) -> list[dict[str, Any]]:
    """One row per block (in flow order, then the broken ones): the table `check` prints."""
    in_order = set(a.order)
    seen = list(a.order) + [b for b in graph.block_ids() if b not in in_order]
    wrong = {p.block_id for p in a.problems if p.severity == "error"}
    rows = []
    for bid in seen:
        spec = a.specs.get(bid)
        rows.append({
            "id": bid, "type": graph.block(bid).type,
            "output_shape": spec.to_json() if spec is not None else None,
            "params": a.param_counts.get(bid, 0), "macs": a.macs.get(bid, 0),
            "ok": bid not in wrong, "frozen": bid in a.frozen,
        })
    return rows
