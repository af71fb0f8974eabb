"""The errors export and import can raise; each is a StudioError with a plain sentence."""

from __future__ import annotations

from ..errors import StudioError, WeightsError  # WeightsError lives with the weight files (compile)


class ExportError(StudioError):
    """An export that could not be made or did not verify; nothing is left at the destination."""


class OnnxImportError(StudioError):
    """An ONNX file that cannot come in as blocks (corrupt, not ONNX, unsupported operators)."""

    def __init__(self, message: str, *, where: str | None = None, unsupported: list[str] | None = None) -> None:
        super().__init__(message, where=where)
        self.unsupported = list(unsupported or [])


__all__ = ["ExportError", "OnnxImportError", "WeightsError"]
