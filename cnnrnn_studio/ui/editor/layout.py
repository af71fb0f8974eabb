"""Automatic tidy layout: layered, left to right (a small Sugiyama).

Pure Python over networkx (no Qt), so it is cheap to test. Layers are networkx topological
generations; links that skip layers get invisible placeholders so that parallel branches get
their own rows; a few barycentre sweeps reduce crossings. A long chain can be wrapped into
bands of columns, read like text, so a whole network fits a window at a readable size.
"""

from __future__ import annotations

import networkx as nx

from ...graph import Graph
from .geometry import BAND_GAP, CARD_H, CARD_W, COL_STEP, GRID, ROW_STEP

Position = tuple[float, float]


class _Layers:
    """Ordered layers of real block ids and placeholder tuples, computed once per layout."""

    def __init__(self, g: nx.DiGraph):
        self.layer_of: dict = {}
        if nx.is_directed_acyclic_graph(g):
            for i, gen in enumerate(nx.topological_generations(g)):
                for n in gen:
                    self.layer_of[n] = i
        else:  # loops are errors the person is fixing: lay each loop out in one column
            cond = nx.condensation(g)
            for i, gen in enumerate(nx.topological_generations(cond)):
                for c in gen:
                    for n in cond.nodes[c]["members"]:
                        self.layer_of[n] = i
        n_layers = max(self.layer_of.values(), default=-1) + 1
        self.layers: list[list] = [[] for _ in range(n_layers)]
        insertion = {n: k for k, n in enumerate(g.nodes)}
        for n in sorted(self.layer_of, key=lambda n: insertion[n]):
            self.layers[self.layer_of[n]].append(n)
        # placeholders along links that skip layers
        self.up: dict = {n: [] for n in self.layer_of}
        for u, v in g.edges:
            lu, lv = self.layer_of[u], self.layer_of[v]
            prev = u
            for k in range(lu + 1, lv):
                d = ("~", u, v, k)
                self.layers[k].append(d)
                self.up[d] = [prev]
                prev = d
            if lv > lu:
                self.up[v].append(prev)
        self.down: dict = {n: [] for n in self.up}
        for n, ups in self.up.items():
            for u in ups:
                self.down[u].append(n)
        self._order()

    def _order(self, sweeps: int = 4) -> None:
        for s in range(sweeps):
            rng = range(1, len(self.layers)) if s % 2 == 0 else range(len(self.layers) - 2, -1, -1)
            for i in rng:
                ref = self.layers[i - 1] if s % 2 == 0 else self.layers[i + 1]
                pos = {n: k for k, n in enumerate(ref)}
                nbrs = self.up if s % 2 == 0 else self.down

                def bary(n, k):
                    ks = [pos[m] for m in nbrs[n] if m in pos]
                    return (sum(ks) / len(ks), k) if ks else (k, k)

                self.layers[i] = [n for _, n in sorted(((bary(n, k), n) for k, n in enumerate(self.layers[i])),
                                                     key=lambda t: t[0])]

    def offsets(self) -> dict:
        """Row offset of every node (real and placeholder), centred on 0 per layer."""
        out = {}
        for layer in self.layers:
            n = len(layer)
            for k, node in enumerate(layer):
                out[node] = k - (n - 1) / 2
        return out


def _snap(v: float) -> float:
    return float(round(v / GRID) * GRID)


def _bands(layers: _Layers, columns: int) -> list[tuple[int, int]]:
    """Split the layers into bands of at most `columns` where possible, cutting only where a
    single link crosses (never through parallel branches, which would be hard to follow)."""
    n = len(layers.layers)
    crossing = [sum(len(layers.down[m]) for m in layer) for layer in layers.layers]
    ok = [c <= 1 for c in crossing]  # a cut after layer i is readable
    out, start = [], 0
    while start < n:
        end = next((e for e in range(min(n, start + columns), start, -1) if e == n or ok[e - 1]), None)
        if end is None:
            end = next((e for e in range(start + columns + 1, n + 1) if e == n or ok[e - 1]), n)
        out.append((start, end))
        start = end
    return out


def _place(layers: _Layers, columns: int) -> dict[str, Position]:
    offs = layers.offsets()
    n_layers = len(layers.layers)
    columns = max(1, min(columns, n_layers or 1))
    out: dict[str, Position] = {}
    band_top = 0.0
    for start, end in _bands(layers, columns):
        band = layers.layers[start:end]
        band_offs = [offs[n] for layer in band for n in layer]
        lo, hi = min(band_offs, default=0.0), max(band_offs, default=0.0)
        for k, layer in enumerate(band):
            for n in layer:
                if isinstance(n, tuple):
                    continue
                out[n] = (_snap(k * COL_STEP), _snap(band_top + (offs[n] - lo) * ROW_STEP))
        band_top += (hi - lo) * ROW_STEP + CARD_H + BAND_GAP
    return out


def tidy_positions(graph: Graph, columns: int | None = None) -> dict[str, Position]:
    """A position (card top-left) for every block; `columns` wraps long networks into bands."""
    layers = _Layers(graph.nx)
    return _place(layers, columns or max(1, len(layers.layers)))


def bounding_size(positions: dict[str, Position]) -> tuple[float, float]:
    if not positions:
        return 0.0, 0.0
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    return max(xs) - min(xs) + CARD_W, max(ys) - min(ys) + CARD_H


def fitted_positions(graph: Graph, width: float, height: float, max_scale: float = 1.0) -> dict[str, Position]:
    """The tidy layout whose wrapping lets the network fill a width x height view at the
    largest zoom (capped at `max_scale`: beyond it, fewer bands read better). Each extra band
    must earn its place: it costs a little zoom in the comparison, so a network that nearly
    fits on one row is not broken for a few percent."""
    layers = _Layers(graph.nx)
    n = len(layers.layers)
    best, best_key = None, None
    for cols in range(n, 0, -1):
        pos = _place(layers, cols)
        w, h = bounding_size(pos)
        w, h = w + 80, h + 80  # margins
        scale = min(max_scale, width / max(w, 1), height / max(h, 1))
        bands = len(_bands(layers, max(1, min(cols, n or 1))))
        key = (round(scale * (1 - 0.08 * (bands - 1)), 3), cols)
        if best_key is None or key > best_key:
            best, best_key = pos, key
        if cols < 3:
            break
    return best or {}


def overlapping(positions: dict[str, Position]) -> list[tuple[str, str]]:
    """Pairs of cards that overlap (a test and self-test helper)."""
    items = sorted(positions.items(), key=lambda kv: kv[1][0])
    out = []
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1:]:
            if bx >= ax + CARD_W:
                break
            if abs(by - ay) < CARD_H:
                out.append((a, b))
    return out
