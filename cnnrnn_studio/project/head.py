"""Fine-tuning: "Replace the head for my data" after an import.

The network is cut at its last Dense (the one nearest the Output): that Dense and whatever follows
it up to the Output go, a new Dense sized to the data takes their place, the Output's task is set,
and every other block with weights is frozen, so training changes only the new head.

`head_edits` only plans: a list of `HeadEdit`, each one call of one Graph method (STYLE rule 3),
so the editor turns the list into one undo step and the core applies it with `apply_edits`. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..blocks import REGISTRY
from ..errors import StudioError
from ..graph import Graph, analyze

HEAD_ID = "head"
TASKS = ("classification", "regression")


class HeadError(StudioError):
    """The head cannot be replaced (no Output, no Dense before it, a bad size)."""


@dataclass(frozen=True)
class HeadEdit:
    """One change: op is remove_link (src, dst), remove_block (id), add_block (type, id, params,
    position), add_link (src, dst), set_params (id, params) or set_frozen (id, frozen)."""

    op: str
    args: tuple[Any, ...]


def last_dense(graph: Graph) -> str:
    """The Dense nearest the Output on the way from the Input (HeadError when there is none)."""
    a = analyze(graph)
    if a.output_id is None:
        raise HeadError("The network has no Output block, so it has no head to replace.")
    before_output = nx.ancestors(graph.nx, a.output_id)
    order = list(nx.topological_sort(graph.nx)) if nx.is_directed_acyclic_graph(graph.nx) else a.order
    dense = [b for b in order if b in before_output and graph.block(b).type == "Dense"]
    if not dense:
        raise HeadError("There is no Dense block before the Output to cut at: the head is the last Dense "
                        "(fully connected) layer, which an imported classifier ends with.")
    return dense[-1]


def head_edits(graph: Graph, outputs: int, task: str = "classification") -> list[HeadEdit]:
    """The edits that replace the head with a Dense of `outputs` units (classes, or numbers to
    predict) and freeze the rest. Raises HeadError naming what is missing."""
    if isinstance(outputs, bool) or not isinstance(outputs, int) or outputs < 1:
        raise HeadError(f"The new head needs a whole number of outputs of at least 1 (got {outputs!r}).")
    if task not in TASKS:
        raise HeadError(f"The new head's task must be {' or '.join(TASKS)} (got {task!r}).")
    if task == "classification" and outputs < 2:
        raise HeadError("A classifier needs at least 2 classes; the chosen data has "
                        f"{outputs}. Add a folder (class) to the data, or choose regression.")
    cut = last_dense(graph)
    output_id = analyze(graph).output_id
    assert output_id is not None
    g = graph.nx
    gone = ({cut} | nx.descendants(g, cut)) & nx.ancestors(g, output_id)
    feeds = graph.inputs_of(cut)
    if len(feeds) != 1:
        raise HeadError(f"'{cut}' (the last Dense) has no input to attach the new head to.")
    edits: list[HeadEdit] = []
    for link in graph.links:
        if link.src in gone or link.dst in gone:
            edits.append(HeadEdit("remove_link", (link.src, link.dst)))
    for bid in sorted(gone):
        edits.append(HeadEdit("remove_block", (bid,)))
    new_id = HEAD_ID
    i = 1
    while new_id in graph and new_id not in gone:
        i += 1
        new_id = f"{HEAD_ID}{i}"
    old = graph.block(cut)
    edits.append(HeadEdit("add_block", ("Dense", new_id, {"out_features": outputs}, old.position)))
    edits.append(HeadEdit("add_link", (feeds[0], new_id)))
    edits.append(HeadEdit("add_link", (new_id, output_id)))
    out_params = dict(graph.block(output_id).params)
    if out_params.get("task", "classification") != task:
        out_params["task"] = task
        edits.append(HeadEdit("set_params", (output_id, out_params)))
    for b in graph.blocks:
        spec = REGISTRY.get(b.type)
        if b.id not in gone and not b.frozen and spec is not None and spec.has_weights:
            edits.append(HeadEdit("set_frozen", (b.id, True)))
    return edits


def apply_edits(graph: Graph, edits: list[HeadEdit]) -> None:
    """Make the planned changes on `graph`, in order."""
    for e in edits:
        match e.op:
            case "remove_link":
                graph.remove_link(*e.args)
            case "remove_block":
                graph.remove_block(*e.args)
            case "add_block":
                type_id, bid, params, position = e.args
                graph.add_block(type_id, params, bid, position)
            case "add_link":
                graph.add_link(*e.args)
            case "set_params":
                graph.set_params(*e.args)
            case "set_frozen":
                graph.set_frozen(*e.args)
            case _:
                raise ValueError(f"unknown head edit {e.op!r}")


def replace_head(graph: Graph, outputs: int, task: str = "classification") -> str:
    """Replace the head in place; returns the new head's block id."""
    edits = head_edits(graph, outputs, task)
    apply_edits(graph, edits)
    return next(e.args[1] for e in edits if e.op == "add_block")


def head_size(dataset: Any) -> tuple[int, str]:
    """(outputs, task) for a loaded Dataset: its classes, or the numbers it predicts."""
    task = getattr(dataset, "task", "classification")
    if task not in TASKS:
        raise HeadError(f"A new head can be sized for classification or regression data; this data is for {task}.")
    if getattr(dataset, "per_step", False):
        raise HeadError("This data has a target at every time step; a new head is sized for one target per sample.")
    return int(dataset.n_outputs), task
