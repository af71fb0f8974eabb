"""Where the app's own files (templates, built-in data, icons) live.

Works from a source checkout, an installed package and a PyInstaller bundle alike; nothing
assumes a source checkout.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path


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
