"""The scene mirrors the graph: it listens to graph events and keeps block id -> item.

It never changes an item's model state on its own (STYLE rule 2): a card moves because the
graph said `block_moved`, and a drag becomes `editor.move(...)` commands that merge into one
undo step. Linking is handled here too: drag from a port, drop on a port or a card.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from ....blocks import REGISTRY
from ....graph import Analysis, Graph
from ...shell import theme
from ..editor import Editor, sentence
from ..geometry import CARD_H, CARD_W, GRID, PORT_R
from ..linking import link_refusal
from .items import BlockItem, PortItem, compact_count
from .links import LinkItem, PendingLink


class GraphScene(QGraphicsScene):
    hint_changed = Signal(str)   # what the link being dragged would do (or why not)

    def __init__(self, editor: Editor):
        super().__init__()
        self.editor = editor
        self.graph: Graph | None = None
        self.blocks: dict[str, BlockItem] = {}
        self.links: dict[tuple[str, str], LinkItem] = {}
        self.show_grid = True
        self._pending: PendingLink | None = None
        self._link_from: PortItem | None = None
        self._drag: dict | None = None
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        editor.project_replaced.connect(self._project_replaced)
        editor.analysis_changed.connect(self.apply_analysis)
        editor.select_requested.connect(self.select_blocks)
        self.attach(editor.graph)

    # --- following the graph -------------------------------------------------------------
    def _project_replaced(self, project) -> None:
        self.attach(project.graph)

    def attach(self, graph: Graph) -> None:
        if self.graph is not None:
            self.graph.unsubscribe(self._on_event)
        self.graph = graph
        graph.subscribe(self._on_event)
        self._rebuild()

    def _rebuild(self) -> None:
        self._cancel_link_drag()
        self._drag = None
        self.blocks, self.links = {}, {}  # first: clear() announces the lost selection, and slots may read these
        self.clear()
        g = self.graph
        for b in g.blocks:
            self._add_block_item(b)
        for l in g.links:
            self._add_link_item(l.src, l.dst, l.port)
        self.apply_analysis(self.editor.analysis)

    def _add_block_item(self, block) -> BlockItem:
        item = BlockItem(block)
        if block.position is None:  # not placed yet: show it somewhere free (the model is not touched)
            item.setPos(QPointF(*self.editor.free_position((0.0, 0.0))))
        self.addItem(item)
        self.blocks[block.id] = item
        return item

    def _add_link_item(self, src: str, dst: str, port: int) -> None:
        a, b = self.blocks.get(src), self.blocks.get(dst)
        if a is None or b is None:
            return
        spec = REGISTRY.get(b.type_id)
        item = LinkItem(a, b, port, show_port=spec is not None and spec.max_inputs is None)
        self.addItem(item)
        self.links[(src, dst)] = item
        a.links.add(item)
        b.links.add(item)

    def _remove_link_item(self, key: tuple[str, str]) -> None:
        item = self.links.pop(key, None)
        if item is not None:
            item.src_item.links.discard(item)
            item.dst_item.links.discard(item)
            self.removeItem(item)

    def _on_event(self, event: str, payload: dict) -> None:
        if event == "block_added":
            self._add_block_item(payload["block"])
        elif event == "block_removed":
            item = self.blocks.pop(payload["block"].id, None)
            if item is not None:
                for link in list(item.links):
                    self._remove_link_item(link.key)
                self.removeItem(item)
        elif event == "link_added":
            l = payload["link"]
            self._add_link_item(l.src, l.dst, l.port)
        elif event == "link_removed":
            l = payload["link"]
            self._remove_link_item((l.src, l.dst))
        elif event in ("params_changed", "frozen_changed"):
            b = payload["block"]
            if b.id in self.blocks:
                self.blocks[b.id].set_block(b)
        elif event == "block_moved":
            b = payload["block"]
            item = self.blocks.get(b.id)
            if item is not None:
                if b.position is not None:
                    item.setPos(QPointF(*b.position))
                for link in item.links:
                    link.update_path()
        elif event == "block_renamed":
            b, old = payload["block"], payload["old_id"]
            item = self.blocks.pop(old, None)
            if item is not None:
                self.blocks[b.id] = item
                item.set_block(b)
                for key in [k for k in self.links if old in k]:
                    link = self.links.pop(key)
                    self.links[link.key] = link
        elif event == "cleared":
            self._rebuild()

    def apply_analysis(self, a: Analysis) -> None:
        """Shapes, counts and problems onto the cards; only cards whose text changed repaint."""
        by_block: dict[str, list] = {}
        for pr in a.problems:
            if pr.block_id is not None:
                by_block.setdefault(pr.block_id, []).append(pr)
        for bid, item in self.blocks.items():
            spec = a.specs.get(bid)
            probs = by_block.get(bid, [])
            sev = "error" if any(p.severity == "error" for p in probs) else ("warning" if probs else "")
            n = a.param_counts.get(bid, 0)
            item.set_analysis(spec.show() if spec is not None else "",
                              (f"{n:,} parameters" if n < 10_000_000 else f"{compact_count(n)} parameters") if n else "",
                              sev, [sentence(p) for p in probs])
        for (src, _), link in self.links.items():
            spec = a.specs.get(src)
            link.set_shape_text(spec.show() if spec is not None else "")

    # --- selection ----------------------------------------------------------------------------
    def selected_block_ids(self) -> list[str]:
        return [i.block_id for i in self.selectedItems() if isinstance(i, BlockItem)]

    def selected_links(self) -> list[tuple[str, str]]:
        return [i.key for i in self.selectedItems() if isinstance(i, LinkItem)]

    def select_blocks(self, ids: list[str]) -> None:
        self.blockSignals(True)
        self.clearSelection()
        for bid in ids:
            if bid in self.blocks:
                self.blocks[bid].setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    # --- moving cards ---------------------------------------------------------------------------
    def begin_block_drag(self, pos: QPointF) -> None:
        ids = self.selected_block_ids()
        self._drag = {
            "start": QPointF(pos), "serial": self.editor.begin_drag(),
            "from": {b: self.blocks[b].pos() for b in ids},
        }

    def drag_blocks(self, pos: QPointF) -> None:
        if not self._drag:
            return
        d = pos - self._drag["start"]
        self.editor.move({b: (p.x() + d.x(), p.y() + d.y()) for b, p in self._drag["from"].items()},
                         self._drag["serial"])

    def end_block_drag(self) -> None:
        self._drag = None

    # --- linking --------------------------------------------------------------------------------
    def start_link_drag(self, port: PortItem, pos: QPointF) -> None:
        self._cancel_link_drag()
        self._link_from = port
        self._pending = PendingLink()
        self.addItem(self._pending)
        self._pending.set_ends(port.scenePos(), pos, port.is_output)

    def _target_at(self, pos: QPointF) -> BlockItem | None:
        for it in self.items(QRectF(pos.x() - PORT_R, pos.y() - PORT_R, 2 * PORT_R, 2 * PORT_R)):
            if isinstance(it, PortItem) and it.block_item is not self._link_from.block_item:
                return it.block_item
            if isinstance(it, BlockItem) and it is not self._link_from.block_item:
                return it
        return None

    def _ends(self, target: BlockItem) -> tuple[str, str]:
        me = self._link_from.block_item.block_id
        return (me, target.block_id) if self._link_from.is_output else (target.block_id, me)

    def update_link_drag(self, pos: QPointF) -> None:
        if self._pending is None:
            return
        target = self._target_at(pos)
        end = pos
        if target is None:
            self._pending.set_state(None, "")
            self.hint_changed.emit("Drop on another block to link them.")
        else:
            src, dst = self._ends(target)
            why = link_refusal(self.graph, src, dst)
            port = target.in_port if self._link_from.is_output else target.out_port
            if port is not None:
                end = port.scenePos()
            self._pending.set_state(why is None, why or "")
            self.hint_changed.emit(why or f"Release to link {src} → {dst}.")
        self._pending.set_ends(self._link_from.scenePos(), end, self._link_from.is_output)

    def finish_link_drag(self, pos: QPointF) -> bool:
        if self._pending is None:
            return False
        target = self._target_at(pos)
        ends = self._ends(target) if target is not None else None
        self._cancel_link_drag()
        self.hint_changed.emit("")
        if ends is None:
            return False
        return self.editor.link(*ends)  # a refused link is reported through editor.edit_refused

    def _cancel_link_drag(self) -> None:
        if self._pending is not None:
            if self._pending.scene() is self:
                self.removeItem(self._pending)
            self._pending = None
        self._link_from = None

    # --- background ------------------------------------------------------------------------------
    def drawBackground(self, p: QPainter, rect: QRectF) -> None:
        t = theme.current()
        p.fillRect(rect, QColor(t.canvas))
        if not self.show_grid:
            return
        scale = p.worldTransform().m11()
        step = GRID if scale >= 0.6 else GRID * 5
        left = int(rect.left()) - int(rect.left()) % step
        top = int(rect.top()) - int(rect.top()) % step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if x % (GRID * 5) == 0 else minor).append((x, True))
            x += step
        y = top
        while y < rect.bottom():
            (major if y % (GRID * 5) == 0 else minor).append((y, False))
            y += step
        for lines, color in ((minor, t.grid_minor), (major, t.grid_major)):
            p.setPen(QPen(QColor(color), 0))
            for v, vertical in lines:
                if vertical:
                    p.drawLine(QPointF(v, rect.top()), QPointF(v, rect.bottom()))
                else:
                    p.drawLine(QPointF(rect.left(), v), QPointF(rect.right(), v))

    def content_rect(self) -> QRectF:
        r = QRectF()
        for item in self.blocks.values():
            r = r.united(item.sceneBoundingRect())
        return r.adjusted(-30, -30, 30, 30) if not r.isNull() else QRectF(0, 0, CARD_W, CARD_H)
