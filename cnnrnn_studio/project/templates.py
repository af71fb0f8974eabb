"""The template gallery: valid example projects shipped in resources/templates."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..resources import resource
from .file import Project, load_project


IO_SHAPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many")
IO_WORDS = {
    "one-to-one": "one input, one answer (a picture -> its class)",
    "one-to-many": "one input, a sequence out (a picture -> a string of symbols)",
    "many-to-one": "a sequence in, one answer (a series -> its class or next value)",
    "many-to-many": "a sequence in, a sequence out (a label or value at every step, or a string read)",
}


@dataclass(frozen=True)
class TemplateInfo:
    id: str          # the file name without .json, e.g. "digits_cnn"
    name: str
    description: str
    path: Path
    io: str = ""     # one of IO_SHAPES: what goes in and what comes out, in sequences ("" if not given)


def template_path(template_id: str) -> Path:
    p = resource("templates", f"{template_id}.json")
    if not p.is_file():
        known = ", ".join(t.id for t in list_templates())
        raise KeyError(f"There is no template '{template_id}'. Templates: {known}.")
    return p


def list_templates() -> list[TemplateInfo]:
    out = []
    for p in sorted(resource("templates").glob("*.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        io = d.get("io", "")
        out.append(TemplateInfo(p.stem, d.get("name", p.stem), d.get("description", ""), p,
                                io if io in IO_SHAPES else ""))
    order = {t: i for i, t in enumerate(ORDER)}
    return sorted(out, key=lambda t: (order.get(t.id, len(order)), t.id))


def load_template(template_id: str) -> Project:
    """A new, unsaved project made from a template (its path is not the shipped file)."""
    p = load_project(template_path(template_id))
    p.path = None
    return p


ORDER = ("digits_cnn", "lenet5", "resnet_block", "lstm_classifier", "cnn1d_classifier", "fcn_timeseries",
         "gru_forecaster", "crnn", "cnn_lstm_video", "text_lstm", "image_to_sequence", "crnn_ctc",
         "bilstm_tagger", "char_lstm", "seq2seq_forecaster")


def load_project_or_template(arg: str | os.PathLike) -> Project:
    """A project file, or a built-in template named by its id (`digits_cnn`) when no such file
    exists: what the command line's PROJECT argument takes."""
    p = Path(arg)
    if not p.exists() and str(arg) in {t.id for t in list_templates()}:
        return load_template(str(arg))
    return load_project(p)
