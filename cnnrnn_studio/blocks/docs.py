"""The block reference (docs/blocks.md), written from the declarations so it never drifts."""

from __future__ import annotations

from . import CATEGORIES, by_category
from .base import Param

_TYPE_WORDS = {"int": "whole number", "float": "number", "bool": "on/off", "choice": "one of",
               "size": "size (one number, or one per axis)", "padding": "size, 'same' or 'valid'",
               "shape": "list of sizes (null = open time axis)"}


def _param_line(p: Param) -> str:
    kind = _TYPE_WORDS[p.type]
    if p.type == "choice":
        kind += " " + ", ".join(f"`{c}`" for c in p.choices)
    rng = ""
    if p.min is not None or p.max is not None:
        lo = "" if p.min is None else f"{p.min:g}"
        hi = "" if p.max is None else f"{p.max:g}"
        rng = f", {lo}..{hi}"
    default = "none (= kernel size)" if p.default is None and p.optional else f"`{p.default!r}`".replace("'", '"')
    return f"| `{p.name}` | {p.title} | {kind}{rng} | {default} | {p.help} |"


def blocks_markdown() -> str:
    out = ["# Block reference", "",
           "Written from the block declarations (`cnnrnn-studio blocks --markdown`); do not edit by hand.", "",
           "Shapes are per sample, batch excluded: vector `[F]`, image `[C,H,W]`, sequence `[T,F]`, "
           "image sequence `[T,C,H,W]`, tokens `[T]`.", ""]
    groups = by_category()
    for cat in CATEGORIES:
        if not groups[cat]:
            continue
        out += [f"## {cat}", ""]
        for b in groups[cat]:
            out += [f"### {b.label} (`{b.type}`)", "", b.help, ""]
            if b.when_to_use:
                out += [f"*When to use:* {b.when_to_use}", ""]
            if b.max_inputs is None:
                out += [f"Takes {b.min_inputs} or more inputs (ordered by the link's `port`).", ""]
            if b.params:
                out += ["| parameter | label | value | default | meaning |", "|---|---|---|---|---|"]
                out += [_param_line(p) for p in b.params]
                out.append("")
    return "\n".join(out).rstrip() + "\n"
