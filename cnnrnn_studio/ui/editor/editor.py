"""The editor: the one place that turns a person's actions into undo commands.

It owns the project and its QUndoStack; canvas, palette, inspector and message panel call its
methods and observe its signals. Shapes and problems are recomputed once per edit (not per
item, not per mouse move) and announced with `analysis_changed`.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import networkx as nx
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ...blocks import REGISTRY
from ...errors import StudioError
from ...graph import Analysis, Graph
from ...project import Project
from . import commands as C
from .data_check import ACTIONS as DATA_ACTIONS, DataCheck
from .geometry import CARD_H, CARD_W, GRID
from .layout import fitted_positions, tidy_positions
from .linking import link_refusal

STEP = 220  # how far right a block added "after" another goes


def snap(x: float, y: float) -> tuple[float, float]:
    return float(round(x / GRID) * GRID), float(round(y / GRID) * GRID)


def fix_label(fix: dict | None) -> str:
    """The words on a one-click fix button: "Insert Flatten", "Replace with Global average pool"."""
    if not fix:
        return ""
    if fix.get("label"):  # settings and data fixes say what they do ("Set the last Dense to 4 outputs")
        return str(fix["label"])
    spec = REGISTRY.get(fix.get("type", ""))
    name = spec.label if spec else str(fix.get("type"))
    if fix.get("action") == "replace":
        return f"Replace with {name}"
    return f"Insert {name}"


def sentence(problem) -> str:
    """A problem as a full sentence: the core writes "has no input..." to follow the block's name."""
    msg = problem.message
    if problem.block_id and msg[:1].islower():
        return f"{problem.block_id} {msg}"
    return msg


class Editor(QObject):
    analysis_changed = Signal(object)      # Analysis, after every edit that can change it
    graph_changed = Signal(str, object)    # every graph event, for widgets that follow one block
    project_replaced = Signal(object)      # a new/opened project
    project_fields_changed = Signal()      # name, description, dataset or training
    edit_refused = Signal(str)             # a sentence: why an edit was not made
    select_requested = Signal(list)        # block ids to select after an edit (add, paste, fix)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.stack.indexChanged.connect(self._after_change)
        self.project = Project()
        self._analysis: Analysis | None = None
        self._stale = True
        self._drag_serial = 0
        self._paste_count = 0
        self.project.graph.subscribe(self._on_graph)
        self.data_check = DataCheck(self)  # the chosen dataset, loaded in the background, checked on every edit

    # --- the project -------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self.project.graph

    def set_project(self, project: Project) -> None:
        """Show another project; the undo history starts afresh."""
        self.graph.unsubscribe(self._on_graph)
        self.stack.clear()
        self.project = project
        project.graph.subscribe(self._on_graph)
        self._stale = True
        self._paste_count = 0
        self.project_replaced.emit(project)
        self.refresh()

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None or self._stale:
            self.refresh()
        return self._analysis  # type: ignore[return-value]

    def refresh(self) -> Analysis:
        self._stale = False
        a = self.project.analyze()
        data = self.data_check.problems(a)
        if data:  # the data-fit problems join the graph's (a copy: the project's cached Analysis stays pure)
            a = dataclasses.replace(a, problems=a.problems + data)
        self._analysis = a
        self.analysis_changed.emit(a)
        return self._analysis

    def _on_graph(self, event: str, payload: dict) -> None:
        if event != "block_moved":  # positions do not change shapes
            self._stale = True
        self.graph_changed.emit(event, payload)

    def _after_change(self, *_: Any) -> None:
        if self._stale:
            self.refresh()

    # --- running commands ----------------------------------------------------------------
    def execute(self, cmd: C.Edit) -> bool:
        """Apply a command's steps; push it if every step worked, else roll back and say why."""
        done: list[C.Step] = []
        try:
            for s in cmd.steps:
                s.do()
                done.append(s)
        except StudioError as e:
            for s in reversed(done):
                s.undo()
            self._after_change()
            self.edit_refused.emit(str(e))
            return False
        cmd.applied = True
        self.stack.push(cmd)
        self._after_change()
        return True

    def _fresh_id(self, type_id: str, taken: set[str]) -> str:
        first = self.graph.new_id(type_id)
        if first not in taken:
            return first
        stem = re.sub(r"\d+$", "", first)
        i = 1
        while f"{stem}{i}" in self.graph or f"{stem}{i}" in taken:
            i += 1
        return f"{stem}{i}"

    # --- blocks --------------------------------------------------------------------------
    def add_block(self, type_id: str, position: tuple[float, float] | None = None,
                  params: dict | None = None, block_id: str | None = None) -> str | None:
        if type_id not in REGISTRY:
            self.edit_refused.emit(f"'{type_id}' is not a block type this version knows.")
            return None
        bid = block_id or self.graph.new_id(type_id)
        pos = snap(*position) if position is not None else None
        if self.execute(C.Edit(f"Add {bid}", C.AddBlock(self.graph, type_id, bid, params, pos))):
            self.select_requested.emit([bid])
            return bid
        return None

    def free_position(self, near: tuple[float, float]) -> tuple[float, float]:
        """`near` snapped, moved down until it overlaps no card."""
        x, y = snap(*near)
        boxes = [b.position for b in self.graph.blocks if b.position is not None]
        while any(abs(px - x) < CARD_W and abs(py - y) < CARD_H + GRID for px, py in boxes):
            y += CARD_H + 2 * GRID
        return x, y

    def add_after(self, anchor: str | None, type_id: str,
                  fallback: tuple[float, float] = (0.0, 0.0)) -> str | None:
        """Palette double-click: add `type_id` after the selected block and wire it in."""
        spec = REGISTRY.get(type_id)
        if spec is None:
            return None
        if anchor is None or anchor not in self.graph:
            return self.add_block(type_id, self.free_position(fallback))
        a_block, a_spec = self.graph.block(anchor), REGISTRY.get(self.graph.block(anchor).type)
        if a_spec is not None and not a_spec.has_output:  # after the Output: put it before instead
            preds = self.graph.inputs_of(anchor)
            if not preds or spec.max_inputs == 0 or not spec.has_output:
                return self.add_block(type_id, self.free_position(fallback))
            return self.insert_between(preds[0], anchor, type_id, f"Add {spec.label} before {anchor}")
        if spec.max_inputs == 0:  # an Input cannot follow anything
            return self.add_block(type_id, self.free_position(fallback))
        succ = self.graph.outputs_of(anchor)
        if len(succ) == 1 and spec.has_output:
            return self.insert_between(anchor, succ[0], type_id, f"Add {spec.label} after {anchor}")
        ax, ay = a_block.position or (0.0, 0.0)
        new_id = self.graph.new_id(type_id)
        macro = C.Edit(f"Add {spec.label} after {anchor}")
        macro.add(C.AddBlock(self.graph, type_id, new_id, {}, self.free_position((ax + STEP, ay))))
        macro.add(C.AddLink(self.graph, anchor, new_id, None))
        if self.execute(macro):
            self.select_requested.emit([new_id])
            return new_id
        return None

    def insert_between(self, src: str, dst: str, type_id: str, text: str) -> str | None:
        """One macro: src -> NEW -> dst replaces src -> dst; dst and what follows move right if needed."""
        new_id = self.graph.new_id(type_id)
        port = next((l.port for l in self.graph.links if l.src == src and l.dst == dst), None)
        sx, sy = self.graph.block(src).position or (0.0, 0.0)
        dx, dy = self.graph.block(dst).position or (sx + STEP, sy)
        macro = C.Edit(text)
        if dx - sx >= 2 * STEP - GRID or (dx < sx):  # room in between, or a wrapped layout
            pos = snap((sx + dx) / 2, (sy + dy) / 2) if dx > sx else snap(sx + STEP, sy)
            if dx < sx:
                pos = self.free_position(pos)
        else:
            pos = snap(dx, dy)
            moved = {dst} | nx.descendants(self.graph.nx, dst) if dst in self.graph else set()
            for bid in moved:
                p = self.graph.block(bid).position
                if p is not None:
                    macro.add(C.MoveBlock(self.graph, bid, (p[0] + STEP, p[1])))
        macro.add(C.AddBlock(self.graph, type_id, new_id, {}, pos))
        if port is not None:
            macro.add(C.RemoveLink(self.graph, src, dst))
        macro.add(C.AddLink(self.graph, src, new_id, None))
        macro.add(C.AddLink(self.graph, new_id, dst, port))
        if self.execute(macro):
            self.select_requested.emit([new_id])
            return new_id
        return None

    def delete(self, block_ids: list[str], links: list[tuple[str, str]] = ()) -> bool:
        ids = [b for b in block_ids if b in self.graph]
        gone = set(ids)
        lks = [(l.src, l.dst) for l in self.graph.links if l.src in gone or l.dst in gone]
        lks += [l for l in links if l not in lks and self.graph.has_link(*l)]
        if not ids and not lks:
            return False
        what = (f"Delete {ids[0]}" if len(ids) == 1 else f"Delete {len(ids)} blocks") if ids else \
            ("Delete link" if len(lks) == 1 else f"Delete {len(lks)} links")
        macro = C.Edit(what)
        for src, dst in lks:
            macro.add(C.RemoveLink(self.graph, src, dst))
        for bid in ids:
            macro.add(C.RemoveBlock(self.graph, bid))
        return self.execute(macro)

    def set_params(self, block_id: str, params: dict, text: str = "") -> bool:
        if block_id not in self.graph or self.graph.block(block_id).params == params:
            return False
        return self.execute(C.Edit(text or f"Change {block_id}", C.SetParams(self.graph, block_id, params)))

    def set_param(self, block_id: str, name: str, value: Any) -> bool:
        if block_id not in self.graph:
            return False
        new = dict(self.graph.block(block_id).params)
        new[name] = value
        return self.set_params(block_id, new, self.param_change_text(block_id, name))

    def param_change_text(self, block_id: str, name: str) -> str:
        """The undo entry for a field: named as the field is labelled ("Change dense2 outputs")."""
        title = name.replace("_", " ")
        spec = REGISTRY.get(self.graph.block(block_id).type) if block_id in self.graph else None
        if spec is not None:
            try:
                title = field_words(spec.param(name).title)
            except (KeyError, AttributeError, StopIteration):
                pass
        return f"Change {block_id} {title}"

    def set_frozen(self, block_id: str, frozen: bool) -> bool:
        """'Train this block' off (frozen) or on: one undo step."""
        if block_id not in self.graph or self.graph.block(block_id).frozen == bool(frozen):
            return False
        text = f"{'Freeze' if frozen else 'Unfreeze'} {block_id}"
        return self.execute(C.Edit(text, C.SetFrozen(self.graph, block_id, frozen)))

    def replace_head(self, outputs: int, task: str = "classification") -> str | None:
        """'Replace the head for my data': cut at the last Dense, a new Dense of `outputs`, the
        Output's task, the rest frozen; one undo step. Returns the new head's id (None: refused, and
        edit_refused says why)."""
        from ...project.head import HeadError, head_edits

        try:
            edits = head_edits(self.graph, outputs, task)
        except HeadError as e:
            self.edit_refused.emit(str(e))
            return None
        macro = C.Edit(f"Replace the head ({outputs} {'classes' if task == 'classification' else 'outputs'})")
        new_id = None
        for e in edits:
            match e.op:
                case "remove_link":
                    macro.add(C.RemoveLink(self.graph, *e.args))
                case "remove_block":
                    macro.add(C.RemoveBlock(self.graph, *e.args))
                case "add_block":
                    type_id, new_id, params, position = e.args
                    macro.add(C.AddBlock(self.graph, type_id, new_id, params, position))
                case "add_link":
                    macro.add(C.AddLink(self.graph, *e.args))
                case "set_params":
                    macro.add(C.SetParams(self.graph, *e.args))
                case "set_frozen":
                    macro.add(C.SetFrozen(self.graph, *e.args))
        if not self.execute(macro):
            return None
        self.select_requested.emit([new_id])
        return new_id

    def rename(self, old_id: str, new_id: str) -> bool:
        new_id = new_id.strip()
        if new_id == old_id or old_id not in self.graph:
            return False
        return self.execute(C.Edit(f"Rename {old_id} to {new_id}", C.RenameBlock(self.graph, old_id, new_id)))

    def begin_drag(self) -> int:
        self._drag_serial += 1
        return self._drag_serial

    def move(self, positions: dict[str, tuple[float, float]], serial: int | None = None) -> bool:
        """Move blocks; moves with the same `serial` (one drag) merge into one undo step."""
        changes = {b: snap(*p) for b, p in positions.items() if b in self.graph}
        changes = {b: p for b, p in changes.items() if self.graph.block(b).position != p}
        if not changes:
            return False
        macro = C.MoveBlocks(f"Move {next(iter(changes))}" if len(changes) == 1 else f"Move {len(changes)} blocks",
                             serial if serial is not None else self.begin_drag())
        for bid, pos in changes.items():
            macro.add(C.MoveBlock(self.graph, bid, pos))
        return self.execute(macro)

    # --- links -----------------------------------------------------------------------------
    def link(self, src: str, dst: str) -> bool:
        why = link_refusal(self.graph, src, dst)
        if why:
            self.edit_refused.emit(why)
            return False
        return self.execute(C.Edit(f"Link {src} to {dst}", C.AddLink(self.graph, src, dst)))

    # --- clipboard ---------------------------------------------------------------------------
    def paste(self, payload: dict, at: tuple[float, float] | None = None) -> list[str]:
        """Add copies of the payload's blocks (new ids where taken) and their inner links."""
        blocks = payload.get("blocks", [])
        taken: set[str] = set()
        rename: dict[str, str] = {}
        for b in blocks:
            old = str(b.get("id") or "")
            if old and old not in self.graph and old not in taken and re.match(r"^[A-Za-z_][\w\-]*$", old):
                new = old
            else:
                new = self._fresh_id(str(b["type"]), taken)
            taken.add(new)
            rename[old] = new
        placed = [b.get("position") for b in blocks if b.get("position")]
        if placed:
            x0, y0 = min(p[0] for p in placed), min(p[1] for p in placed)
        else:
            x0 = y0 = 0.0
        if at is None:
            self._paste_count += 1
            dx = dy = 40.0 * self._paste_count
            at = (x0 + dx, y0 + dy)
        macro = C.Edit(f"Paste {len(blocks)} block{'s' if len(blocks) != 1 else ''}")
        for i, b in enumerate(blocks):
            pos = b.get("position")
            pos = snap(at[0] + pos[0] - x0, at[1] + pos[1] - y0) if pos else snap(at[0] + i * STEP, at[1])
            macro.add(C.AddBlock(self.graph, str(b["type"]), rename[str(b.get("id") or "")],
                                 copy.deepcopy(b.get("params") or {}), pos, b.get("frozen") is True))
        for l in payload.get("links", []):
            s, d = rename.get(str(l["from"])), rename.get(str(l["to"]))
            if s and d:
                macro.add(C.AddLink(self.graph, s, d, l.get("port")))
        if blocks and self.execute(macro):
            ids = [rename[str(b.get("id") or "")] for b in blocks]
            self.select_requested.emit(ids)
            return ids
        return []

    # --- fixes and layout ---------------------------------------------------------------------
    def apply_fix(self, fix: dict | None) -> bool:
        """The one-click fix a Problem suggests, as one undoable macro."""
        if fix and fix.get("action") in DATA_ACTIONS:
            return self.data_check.apply(fix)
        if fix and fix.get("action") == "set_params" and fix.get("block") in self.graph:
            bid = fix["block"]
            new = {**self.graph.block(bid).params, **dict(fix.get("params") or {})}
            if self.set_params(bid, new, fix_label(fix)):
                self.select_requested.emit([bid])
                return True
            return False
        if not fix or fix.get("type") not in REGISTRY or fix.get("block") not in self.graph:
            return False
        target, type_id = fix["block"], fix["type"]
        if fix.get("action") == "insert_before":
            preds = self.graph.inputs_of(target)
            if not preds:
                return False
            return self.insert_between(preds[0], target, type_id, f"{fix_label(fix)} before {target}") is not None
        if fix.get("action") == "replace":
            old = self.graph.block(target)
            new_id = self.graph.new_id(type_id)
            ins = [l for l in self.graph.links if l.dst == target]
            outs = [l for l in self.graph.links if l.src == target]
            macro = C.Edit(f"{fix_label(fix)} ({target})")
            for l in ins + outs:
                macro.add(C.RemoveLink(self.graph, l.src, l.dst))
            macro.add(C.RemoveBlock(self.graph, target))
            macro.add(C.AddBlock(self.graph, type_id, new_id, {}, old.position))
            for l in ins:
                macro.add(C.AddLink(self.graph, l.src, new_id, l.port))
            for l in outs:
                macro.add(C.AddLink(self.graph, new_id, l.dst, l.port))
            if self.execute(macro):
                self.select_requested.emit([new_id])
                return True
        return False

    def tidy(self, view_size: tuple[float, float] | None = None) -> bool:
        """Automatic layout as one undoable step (wrapped to fit `view_size` if given)."""
        pos = fitted_positions(self.graph, *view_size) if view_size else tidy_positions(self.graph)
        serial = self.begin_drag()
        changes = {b: p for b, p in pos.items() if self.graph.block(b).position != p}
        if not changes:
            return False
        macro = C.MoveBlocks("Tidy layout", serial)
        for bid, p in changes.items():
            macro.add(C.MoveBlock(self.graph, bid, p))
        return self.execute(macro)

    # --- the project's own fields -------------------------------------------------------------
    def set_project_fields(self, text: str = "Change project settings", **changes: Any) -> bool:
        changes = {k: v for k, v in changes.items() if getattr(self.project, k) != v}
        if not changes:
            return False
        self.stack.push(C.SetProjectFields(self.project, changes, self.project_fields_changed.emit, text))
        return True


def field_words(title: str) -> str:
    """A field's label inside a sentence: "Outputs" -> "outputs", but "LSTM units" stays."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def lay_out_unplaced(project: Project, view_size: tuple[float, float] | None = None) -> bool:
    """Give every block a position when some have none (imported or hand-written files).

    Done before the project is shown, so it is part of opening, not an undoable edit. With no
    positions at all the whole network is laid out; otherwise only the unplaced blocks are,
    below the placed ones.
    """
    g = project.graph
    missing = [b.id for b in g.blocks if b.position is None]
    if not missing:
        return False
    pos = fitted_positions(g, *view_size) if view_size else tidy_positions(g)
    placed = [b.position for b in g.blocks if b.position is not None]
    dy = (max(p[1] for p in placed) + CARD_H + 4 * GRID) if placed else 0.0
    x0 = min(p[0] for p in placed) if placed else 0.0
    for bid in missing:
        x, y = pos[bid]
        g.move_block(bid, (x0 + x, dy + y))
    return True
