"""The old name of `cnnrnn_studio.interop` (the package was renamed when it took on import too).

Code written against the old names keeps working: `cnnrnn_studio.export.X` is the very module
`cnnrnn_studio.interop.X` (the weight files moved to `cnnrnn_studio.compile.weights`, the
atomic writer to `cnnrnn_studio.files`). New code imports `cnnrnn_studio.interop`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

from .. import interop as _interop

_MOVED = {"weights": "cnnrnn_studio.compile.weights", "_files": "cnnrnn_studio.files"}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `cnnrnn_studio.export.X` and hands back the module it is now, unchanged."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(__name__ + "."):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        short = spec.name[len(__name__) + 1:]
        return importlib.import_module(_MOVED.get(short, f"{_interop.__name__}.{short}"))

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the real module: give it its own back.
        module.__spec__ = importlib.util.find_spec(module.__name__)


sys.meta_path.insert(0, _Alias())


def __getattr__(name: str) -> Any:
    return getattr(_interop, name)
