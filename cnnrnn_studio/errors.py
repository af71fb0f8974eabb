"""The errors a person can meet, each carrying a plain-language sentence and where it happened.

Every layer raises one of these (or a subclass) for bad input; the CLI prints `str(error)`,
the GUI shows it in a dialog or the message panel. Nobody sees a traceback.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class: `message` is a sentence for a person; `where` names the place (file, block)."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class GraphEditError(StudioError):
    """An edit that cannot be made (link to a block that does not exist, duplicate id...)."""

    def __init__(self, message: str, *, block_id: str | None = None):
        super().__init__(message)
        self.block_id = block_id


class ProjectError(StudioError):
    """A project file that cannot be read or written: names the file (and line, when known)."""


class ValidationError(StudioError):
    """The network is not valid; `problems` lists every issue (each names its block)."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        super().__init__("The network has problems:\n  - " + "\n  - ".join(lines) if len(lines) > 1
                         else (lines[0] if lines else "The network is not valid."))


class WeightsError(StudioError):
    """A weights file that cannot be read, or does not fit the network (every mismatch listed)."""

    def __init__(self, message: str, *, where: str | None = None, mismatches: list[str] | None = None):
        super().__init__(message, where=where)
        self.mismatches = list(mismatches or [])
