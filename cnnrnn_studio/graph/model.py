"""The network as data: blocks and links in a networkx DiGraph, with change events.

The graph owns the truth; the canvas observes it (STYLE rule 2): every change goes through one
method here, and each method announces itself to subscribers as (event, payload). Structure
edits that would be impossible (a link to a block that is not there, a link into the Input)
raise `GraphEditError`; everything that is merely *invalid as a network* (cycles, wrong
shapes, unknown types, bad parameters) is allowed here and reported by `analyze`, so the
person can build step by step and see what is wrong.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx

from ..errors import GraphEditError

Listener = Callable[[str, dict], None]

_ID_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass
class Block:
    id: str
    type: str
    params: dict = field(default_factory=dict)  # as the person set them; defaults fill the rest
    position: tuple[float, float] | None = None
    frozen: bool = False  # "Train this block" off: its weights (and BatchNorm statistics) stay as they are

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "type": self.type, "params": copy.deepcopy(self.params)}
        if self.frozen:  # written only when set: a trainable block's entry stays as it always was
            d["frozen"] = True
        if self.position is not None:
            d["position"] = [round(float(self.position[0]), 2), round(float(self.position[1]), 2)]
        return d


@dataclass(frozen=True)
class Link:
    src: str
    dst: str
    port: int = 0

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"from": self.src, "to": self.dst}
        if self.port:
            d["port"] = self.port
        return d


class Graph:
    """Blocks and links. Events: block_added, block_removed, link_added, link_removed,
    params_changed, block_moved, block_renamed, frozen_changed, cleared."""

    def __init__(self) -> None:
        self._g = nx.DiGraph()
        self._listeners: list[Listener] = []
        self.revision = 0  # bumped on every change; caches (analysis) key on it

    # --- observation -----------------------------------------------------------------
    def subscribe(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _emit(self, event: str, **payload: Any) -> None:
        self.revision += 1
        for fn in list(self._listeners):
            fn(event, payload)

    # --- reading ---------------------------------------------------------------------
    @property
    def nx(self) -> nx.DiGraph:
        """The underlying DiGraph (read it; change it only through this class)."""
        return self._g

    def __contains__(self, block_id: str) -> bool:
        return block_id in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def block(self, block_id: str) -> Block:
        try:
            return self._g.nodes[block_id]["block"]
        except KeyError:
            raise GraphEditError(f"There is no block '{block_id}'.", block_id=block_id) from None

    @property
    def blocks(self) -> list[Block]:
        return [d["block"] for _, d in self._g.nodes(data=True)]

    def block_ids(self) -> list[str]:
        return list(self._g.nodes)

    @property
    def links(self) -> list[Link]:
        return [Link(u, v, d.get("port", 0)) for u, v, d in self._g.edges(data=True)]

    def has_link(self, src: str, dst: str) -> bool:
        return self._g.has_edge(src, dst)

    def inputs_of(self, block_id: str) -> list[str]:
        """The blocks feeding `block_id`, ordered by port (then by when they were linked)."""
        preds = self._g.pred[block_id]  # the adjacency itself: much cheaper than an edge view per call
        if len(preds) == 1:
            return list(preds)
        ins = [(d.get("port", 0), i, u) for i, (u, d) in enumerate(preds.items())]
        return [u for _, _, u in sorted(ins)]

    def outputs_of(self, block_id: str) -> list[str]:
        return list(self._g.successors(block_id))

    def of_type(self, type_id: str) -> list[str]:
        return [b.id for b in self.blocks if b.type == type_id]

    def new_id(self, type_id: str) -> str:
        """A short readable id like conv1, lstm2 that is not taken yet."""
        from ..blocks import REGISTRY

        spec = REGISTRY.get(type_id)  # the declaration's id stem; an unknown type: its name
        stem = spec.stem if spec is not None else type_id.lower()
        stem = re.sub(r"[^a-z0-9_]", "", stem) or "block"
        i = 1
        while f"{stem}{i}" in self._g:
            i += 1
        return f"{stem}{i}"

    # --- editing (one method per change; the undo commands call these) ----------------
    def add_block(self, type_id: str, params: dict | None = None, block_id: str | None = None,
                  position: tuple[float, float] | None = None, frozen: bool = False) -> Block:
        block_id = block_id or self.new_id(type_id)
        if block_id in self._g:
            raise GraphEditError(f"There is already a block called '{block_id}'.", block_id=block_id)
        if not _ID_OK.match(block_id):
            raise GraphEditError(
                f"'{block_id}' cannot be a block name: use letters, digits, '_' or '-', starting with a letter.",
                block_id=block_id,
            )
        b = Block(block_id, type_id, dict(params or {}), tuple(position) if position is not None else None,
                  bool(frozen))
        self._g.add_node(block_id, block=b)
        self._emit("block_added", block=b)
        return b

    def remove_block(self, block_id: str) -> tuple[Block, list[Link]]:
        b = self.block(block_id)
        gone = [Link(u, v, d.get("port", 0)) for u, v, d in
                list(self._g.in_edges(block_id, data=True)) + list(self._g.out_edges(block_id, data=True))]
        for link in gone:
            self.remove_link(link.src, link.dst)
        self._g.remove_node(block_id)
        self._emit("block_removed", block=b)
        return b, gone

    def add_link(self, src: str, dst: str, port: int | None = None) -> Link:
        for end in (src, dst):
            if end not in self._g:
                raise GraphEditError(f"A link refers to '{end}', which is not a block here.", block_id=end)
        if src == dst:
            raise GraphEditError(f"A block cannot feed itself ('{src}').", block_id=src)
        if self._g.has_edge(src, dst):
            raise GraphEditError(f"'{src}' is already linked to '{dst}'.", block_id=dst)
        if port is None:
            used = {d.get("port", 0) for _, _, d in self._g.in_edges(dst, data=True)}
            port = 0
            while port in used:
                port += 1
        self._g.add_edge(src, dst, port=int(port))
        link = Link(src, dst, int(port))
        self._emit("link_added", link=link)
        return link

    def remove_link(self, src: str, dst: str) -> Link:
        if not self._g.has_edge(src, dst):
            raise GraphEditError(f"There is no link from '{src}' to '{dst}'.", block_id=dst)
        port = self._g.edges[src, dst].get("port", 0)
        self._g.remove_edge(src, dst)
        link = Link(src, dst, port)
        self._emit("link_removed", link=link)
        return link

    def set_params(self, block_id: str, params: dict) -> dict:
        """Replace a block's parameters; returns the old ones (for undo)."""
        b = self.block(block_id)
        old = b.params
        b.params = dict(params)
        self._emit("params_changed", block=b, old=old)
        return old

    def set_param(self, block_id: str, name: str, value: Any) -> dict:
        b = self.block(block_id)
        new = dict(b.params)
        new[name] = value
        return self.set_params(block_id, new)

    def move_block(self, block_id: str, position: tuple[float, float] | None) -> tuple | None:
        b = self.block(block_id)
        old = b.position
        b.position = tuple(position) if position is not None else None
        self._emit("block_moved", block=b, old=old)
        return old

    def set_frozen(self, block_id: str, frozen: bool) -> bool:
        """Switch a block's training off (frozen) or on; returns the old state (for undo)."""
        b = self.block(block_id)
        old = b.frozen
        b.frozen = bool(frozen)
        self._emit("frozen_changed", block=b, old=old)
        return old

    def frozen_ids(self) -> set[str]:
        return {b.id for b in self.blocks if b.frozen}

    def rename_block(self, old_id: str, new_id: str) -> None:
        if new_id == old_id:
            return
        if new_id in self._g:
            raise GraphEditError(f"There is already a block called '{new_id}'.", block_id=new_id)
        if not _ID_OK.match(new_id):
            raise GraphEditError(f"'{new_id}' cannot be a block name: use letters, digits, '_' or '-'.", block_id=old_id)
        b = self.block(old_id)
        nx.relabel_nodes(self._g, {old_id: new_id}, copy=False)
        b.id = new_id
        self._emit("block_renamed", block=b, old_id=old_id)

    def clear(self) -> None:
        self._g.clear()
        self._emit("cleared")

    # --- conversion --------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"blocks": [b.to_dict() for b in self.blocks], "links": [l.to_dict() for l in self.links]}

    def copy(self) -> "Graph":
        g = Graph()
        for b in self.blocks:
            g._g.add_node(b.id, block=Block(b.id, b.type, copy.deepcopy(b.params), b.position, b.frozen))
        for l in self.links:
            g._g.add_edge(l.src, l.dst, port=l.port)
        return g
