"""Copy and paste of blocks: the selection as JSON (the project file's own block/link format)."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from ...graph import Graph

BLOCKS_MIME = "application/x-cnnrnn-studio-blocks"


def selection_payload(graph: Graph, block_ids: list[str]) -> dict:
    """The chosen blocks and the links among them."""
    ids = [b for b in block_ids if b in graph]
    chosen = set(ids)
    return {
        "blocks": [graph.block(b).to_dict() for b in ids],
        "links": [l.to_dict() for l in graph.links if l.src in chosen and l.dst in chosen],
    }


def to_mime(payload: dict) -> QMimeData:
    mime = QMimeData()
    text = json.dumps(payload)
    mime.setData(BLOCKS_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData | None) -> dict | None:
    """The payload in a clipboard/drop, or None if it holds no blocks (or is malformed)."""
    if mime is None:
        return None
    if mime.hasFormat(BLOCKS_MIME):
        raw = bytes(mime.data(BLOCKS_MIME)).decode("utf-8", "replace")
    elif mime.hasText():
        raw = mime.text()
    else:
        return None
    try:
        d = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(d, dict) or not isinstance(d.get("blocks"), list) or not isinstance(d.get("links", []), list):
        return None
    blocks = [b for b in d["blocks"] if isinstance(b, dict) and isinstance(b.get("type"), str)]
    if not blocks:
        return None
    links = [l for l in d.get("links", []) if isinstance(l, dict) and "from" in l and "to" in l]
    return {"blocks": blocks, "links": links}
