"""The one error type of the data layer.

Every problem with the user's data becomes a ``DataError`` whose message is a plain sentence that
names the place (file and line, column, folder, sample), so the GUI and the CLI can show it as is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

from ..errors import StudioError


class DataError(StudioError):
    """Bad input data, explained in plain words that name the place.

    ``path``, ``line`` (1-based) and ``column`` (1-based) are kept as attributes too, so a
    front end can highlight the spot; the message already contains them.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column


def where(path: str | os.PathLike[str], line: int | None = None, column: int | None = None) -> str:
    """'digits.csv line 14, column 3': the file's name (not its folder) reads best in a sentence."""
    text = Path(path).name or str(path)
    if line is not None:
        text += f" line {line}"
    if column is not None:
        text += f", column {column}" if line is not None else f" column {column}"
    return text


def fail(
    message: str,
    path: str | os.PathLike[str] | None = None,
    line: int | None = None,
    column: int | None = None,
) -> NoReturn:
    """Raise a DataError whose message starts with the place ('x.csv line 3, column 2: ...')."""
    text = f"{where(path, line, column)}: {message}" if path is not None else message
    raise DataError(text, path=path, line=line, column=column)
