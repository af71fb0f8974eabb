"""Undo commands (STYLE rule 3): each step calls exactly one model method; an edit of several
steps (delete a block with its links, paste, insert a fix) is one macro command.

Steps are plain Python objects held in a Python list by their command, not Qt child commands:
PySide does not keep child QUndoCommands alive, and a child deleted under its parent crashes.
The editor applies a command's steps itself *before* pushing it, so a step the model refuses
(GraphEditError) is rolled back and reported instead of leaving a half-made edit on the stack;
`redo` then skips that first, already-done application.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtGui import QUndoCommand

from ...graph import Graph

MOVE_ID = 1001


class Step:
    """One call of one Graph method, and how to take it back."""

    def do(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def undo(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class AddBlock(Step):
    def __init__(self, graph: Graph, type_id: str, block_id: str, params: dict | None = None,
                 position: tuple[float, float] | None = None, frozen: bool = False):
        self.graph, self.type_id, self.block_id = graph, type_id, block_id
        self.params, self.position, self.frozen = dict(params or {}), position, frozen

    def do(self) -> None:
        self.graph.add_block(self.type_id, self.params, self.block_id, self.position, self.frozen)

    def undo(self) -> None:
        self.graph.remove_block(self.block_id)


class RemoveBlock(Step):
    """Removes a block whose links were removed by earlier steps of the same command."""

    def __init__(self, graph: Graph, block_id: str):
        self.graph, self.block_id = graph, block_id
        self.saved = None

    def do(self) -> None:
        self.saved, _ = self.graph.remove_block(self.block_id)

    def undo(self) -> None:
        b = self.saved
        self.graph.add_block(b.type, b.params, b.id, b.position, b.frozen)


class AddLink(Step):
    def __init__(self, graph: Graph, src: str, dst: str, port: int | None = None):
        self.graph, self.src, self.dst, self.port = graph, src, dst, port

    def do(self) -> None:
        self.port = self.graph.add_link(self.src, self.dst, self.port).port  # redo uses the same port

    def undo(self) -> None:
        self.graph.remove_link(self.src, self.dst)


class RemoveLink(Step):
    def __init__(self, graph: Graph, src: str, dst: str):
        self.graph, self.src, self.dst = graph, src, dst
        self.port = 0

    def do(self) -> None:
        self.port = self.graph.remove_link(self.src, self.dst).port

    def undo(self) -> None:
        self.graph.add_link(self.src, self.dst, self.port)


class SetParams(Step):
    def __init__(self, graph: Graph, block_id: str, params: dict):
        self.graph, self.block_id, self.new = graph, block_id, dict(params)
        self.old: dict = {}

    def do(self) -> None:
        self.old = self.graph.set_params(self.block_id, self.new)

    def undo(self) -> None:
        self.graph.set_params(self.block_id, self.old)


class SetFrozen(Step):
    """Switch a block's "Train this block" off (frozen) or on."""

    def __init__(self, graph: Graph, block_id: str, frozen: bool):
        self.graph, self.block_id, self.new = graph, block_id, bool(frozen)
        self.old = False

    def do(self) -> None:
        self.old = self.graph.set_frozen(self.block_id, self.new)

    def undo(self) -> None:
        self.graph.set_frozen(self.block_id, self.old)


class RenameBlock(Step):
    def __init__(self, graph: Graph, old_id: str, new_id: str):
        self.graph, self.old_id, self.new_id = graph, old_id, new_id

    def do(self) -> None:
        self.graph.rename_block(self.old_id, self.new_id)

    def undo(self) -> None:
        self.graph.rename_block(self.new_id, self.old_id)


class MoveBlock(Step):
    def __init__(self, graph: Graph, block_id: str, position: tuple[float, float] | None):
        self.graph, self.block_id, self.new = graph, block_id, position
        self.old: tuple | None = None

    def do(self) -> None:
        self.old = self.graph.move_block(self.block_id, self.new)

    def undo(self) -> None:
        self.graph.move_block(self.block_id, self.old)


class Edit(QUndoCommand):
    """One undo step made of one or more model steps, run in order (undone in reverse)."""

    def __init__(self, text: str, *steps: Step):
        super().__init__(text)
        self.steps: list[Step] = list(steps)
        self.applied = False  # set by the editor after it applied the steps itself

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    def redo(self) -> None:
        if self.applied:
            self.applied = False
            return
        for s in self.steps:
            s.do()

    def undo(self) -> None:
        for s in reversed(self.steps):
            s.undo()


class MoveBlocks(Edit):
    """A drag of one or more blocks; successive steps of one drag (same `serial`) merge."""

    def __init__(self, text: str, serial: int, *steps: Step):
        super().__init__(text, *steps)
        self.serial = serial

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveBlocks) or other.serial != self.serial:
            return False
        mine = {s.block_id: s for s in self.steps}
        if set(mine) != {s.block_id for s in other.steps}:
            return False
        for s in other.steps:  # keep my 'old', take their 'new'
            mine[s.block_id].new = s.new
        return True


class SetProjectFields(QUndoCommand):
    """Project name, description, dataset or training settings (not part of the graph)."""

    def __init__(self, project: Any, changes: dict, notify: Callable[[], None], text: str = "Change project"):
        super().__init__(text)
        self.project, self.new, self.notify = project, dict(changes), notify
        self.old = {k: getattr(project, k) for k in changes}

    def redo(self) -> None:
        for k, v in self.new.items():
            setattr(self.project, k, v)
        self.notify()

    def undo(self) -> None:
        for k, v in self.old.items():
            setattr(self.project, k, v)
        self.notify()
