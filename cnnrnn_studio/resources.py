"""Where the app's own files (templates, built-in data, icons) live, and where it keeps the
person's (autosaves, runs of unsaved projects, settings).

Works from a source checkout, an installed package and a PyInstaller bundle alike; nothing
assumes a source checkout.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path


APP_NAME = "CNN-RNN Studio"
USER_GUIDE = "user-guide.md"   # in docs_dir()


def data_dir() -> Path:
    """The app's folder in the person's data folder (CNNRNN_STUDIO_DATA_DIR overrides it)."""
    override = os.environ.get("CNNRNN_STUDIO_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    candidates = []
    if os.environ.get("CNNRNN_STUDIO_RESOURCES"):
        candidates.append(Path(os.environ["CNNRNN_STUDIO_RESOURCES"]))
    if getattr(sys, "frozen", False):  # PyInstaller: data files sit beside the bundled code
        candidates.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here / "_resources", here.parent / "resources"]
    for c in candidates:
        if (c / "templates").is_dir():
            return c
    raise FileNotFoundError("The app's resources folder is missing; reinstall CNN-RNN Studio.")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def docs_dir() -> Path | None:
    """The folder of the user guide (docs/user-guide.md and its pictures): sys._MEIPASS/docs in the
    PyInstaller app, <checkout>/docs in a source checkout. None where it is absent (an installed
    wheel carries no docs): Help → User guide then says so."""
    candidates = []
    if getattr(sys, "frozen", False):
        candidates.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "docs")
    candidates.append(Path(__file__).resolve().parent.parent / "docs")
    for c in candidates:
        if (c / USER_GUIDE).is_file():
            return c
    return None
