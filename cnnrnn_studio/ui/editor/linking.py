"""Which links the canvas refuses while the person drags, and why (pure Python, no Qt).

The graph itself accepts any structurally possible link and lets `analyze` report what is
wrong; the canvas is stricter, so that an obviously wrong link is never made by accident.
"""

from __future__ import annotations

import networkx as nx

from ...blocks import REGISTRY
from ...graph import Graph


def link_refusal(graph: Graph, src: str, dst: str) -> str | None:
    """None if `src -> dst` may be linked, else a sentence saying why not."""
    if src not in graph or dst not in graph:
        return "Drop the link on another block's port."
    if src == dst:
        return "A block cannot feed itself."
    s_spec, d_spec = REGISTRY.get(graph.block(src).type), REGISTRY.get(graph.block(dst).type)
    if s_spec is not None and not s_spec.has_output:
        return f"'{src}' is the Output: nothing can follow it."
    if d_spec is not None and d_spec.max_inputs == 0:
        return f"'{dst}' is the Input: data enters there, nothing can be linked into it."
    if graph.has_link(src, dst):
        return f"'{src}' is already linked to '{dst}'."
    if d_spec is not None and d_spec.max_inputs is not None and len(graph.inputs_of(dst)) >= d_spec.max_inputs:
        has = graph.inputs_of(dst)
        return (f"'{dst}' already has its one input ('{has[0]}'). Delete that link first, "
                "or use Add / Concat to merge two branches.")
    if nx.has_path(graph.nx, dst, src):
        return f"This link would make a loop ('{dst}' already feeds '{src}'). Data must flow one way."
    return None
