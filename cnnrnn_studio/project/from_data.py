"""A network proposed for the person's own data: pick a template that suits the data, adapt it.

    from cnnrnn_studio.project.from_data import propose_project

    project, explanation = propose_project({"kind": "file", "train": "animals/"}, base_dir=".")

The data decides the family (images -> a CNN, sequences -> a 1-d CNN or an LSTM, clips of images
-> CNN + LSTM, texts -> Embedding + LSTM, a table -> a small Dense network), then the template is
ADAPTED: the Input takes the data's kind and per-sample shape (null for a time axis whose length
varies), the Output the data's task, the last Dense one output per class (or per target), an
Embedding room for every word. A proposal counts only when the network check and the dataset-fit
check both pass; otherwise the next candidate is tried, and if none fits the reason is said in
plain words (ProposalError).

Also here, for the "Start with my own data" wizard (no Qt): a look at a CSV file's columns
(`inspect_csv`), sensible image-folder settings (`image_folder_defaults`) and the dataset section
built from the person's choices (`csv_section`, `with_test_share`).
"""

from __future__ import annotations

import copy
import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StudioError
from ..graph import Graph
from ..kinds import format_shape, kind_phrase, kind_title, KINDS
from .file import Project
from .templates import load_template

DENSE = "dense"  # the one proposal built from blocks (no template fits a plain table)


IMAGE_SIZES = (16, 28, 32, 48, 64, 96, 128)  # square sizes the wizard offers, in pixels
CSV_MODES = ("table", "timeseries", "text")


class ProposalError(StudioError):
    """No network could be proposed for the data; the message says why and what to change."""


@dataclass(frozen=True)
class Choice:
    """One network the studio can propose: a template id (or DENSE) and why it suits the data."""

    id: str
    label: str
    why: str


@dataclass
class Proposal:
    """A choice tried on the data: the adapted project, or the problems that stop it."""

    choice: Choice
    project: Project | None
    problems: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)  # "Your data: ...", "Proposed: ...", "Adapted ..."

    @property
    def ok(self) -> bool:
        return self.project is not None and not self.problems


_CHOICES = {
    "lenet5": Choice("lenet5", "LeNet-5 (small CNN)",
                     "two convolution + pooling stages find strokes and shapes wherever they are in the "
                     "picture, then three Dense layers decide the class"),
    "digits_cnn": Choice("digits_cnn", "Small CNN with batch normalisation",
                         "two convolutions find edges and small shapes anywhere in the picture, one pooling "
                         "step shrinks them, and Dense layers decide the class; it suits small pictures"),
    "cnn1d_classifier": Choice("cnn1d_classifier", "1-d CNN (convolutions along time)",
                               "its filters slide along time and spot short patterns (a swing, a step, a "
                               "spike) wherever they happen; it trains fast"),
    "lstm_classifier": Choice("lstm_classifier", "LSTM (reads the sequence step by step)",
                              "an LSTM reads the values one time step at a time and remembers what came "
                              "before, so the order of events counts"),
    "gru_forecaster": Choice("gru_forecaster", "GRU forecaster",
                             "a GRU keeps a running summary of the recent past (trend, rhythm) and turns it "
                             "into the numbers to predict"),
    "cnn_lstm_video": Choice("cnn_lstm_video", "CNN + LSTM over the frames",
                             "the same small CNN looks at every frame (what is where) and an LSTM reads the "
                             "frames in order (how it moves)"),
    "text_lstm": Choice("text_lstm", "Embedding + LSTM for text",
                        "each word becomes a learned vector and an LSTM reads the words in order, so 'not "
                        "good' is read differently from 'good'"),
    "crnn_ctc": Choice("crnn_ctc", "CRNN + CTC (reads the row as a string)",
                       "convolutions find the strokes, a bidirectional LSTM reads the picture column by "
                       "column, and CTC learns where each symbol stands from the strings alone"),
    DENSE: Choice(DENSE, "Small Dense network",
                  "each row is a list of numbers with no order in time or space, so two Dense layers "
                  "(64 units, then one output per class or target) are enough to start"),
}

_TRAINING_DENSE = {"epochs": 40, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.003}


# --- which networks suit the data ----------------------------------------------------------------------
def network_choices(dataset: Any) -> list[Choice]:
    """The networks worth proposing for a loaded Dataset, the recommended one first."""
    kind, task = dataset.kind, dataset.task
    if kind == "image" and task == "ctc":  # a label string per picture: read it along the width
        order = ["crnn_ctc"]
    elif kind == "image":
        _, h, w = dataset.sample_shape
        order = ["lenet5", "digits_cnn"] if min(h, w) >= 28 else ["digits_cnn", "lenet5"]
    elif kind == "sequence":
        order = (["gru_forecaster", "cnn1d_classifier", "lstm_classifier"] if task == "regression"
                 else ["cnn1d_classifier", "lstm_classifier"])
    elif kind == "image_sequence":
        order = ["cnn_lstm_video"]
    elif kind == "tokens":
        order = ["text_lstm"]
    else:
        order = [DENSE]
    return [_CHOICES[c] for c in order]


def dense_network() -> Project:
    """Input vector -> Dense 64 -> ReLU -> Dense (n outputs, set by `adapt`) -> Output."""
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "input")
    g.add_block("Dense", {"out_features": 64}, "dense1")
    g.add_block("ReLU", {}, "relu1")
    g.add_block("Dense", {"out_features": 2}, "dense2")
    g.add_block("Output", {"task": "classification"}, "output")
    for a, b in (("input", "dense1"), ("dense1", "relu1"), ("relu1", "dense2"), ("dense2", "output")):
        g.add_link(a, b)
    return Project(g, name="Small Dense network", training=dict(_TRAINING_DENSE))


def _base_project(choice: Choice) -> Project:
    return dense_network() if choice.id == DENSE else load_template(choice.id)


# --- adapting a network to the data ----------------------------------------------------------------------
def outputs_wanted(dataset: Any) -> int:
    """How many numbers the network must give: one per class, or one per regression target."""
    if dataset.task == "classification" and dataset.class_names:
        return len(dataset.class_names)
    return int(dataset.n_outputs or 1)


def last_dense(graph: Graph, output_id: str) -> str | None:
    """The Dense that decides how many numbers reach the Output (looking past ReLU, Dropout ...):
    the block the data-fit check names, when it is a Dense."""
    from .fit import size_source

    src = size_source(graph, output_id)
    return src[0] if src is not None and src[1] == "Dense" else None


def adapt(project: Project, dataset: Any) -> list[str]:
    """Fit the network to the data in place; returns what was changed, in words."""
    g = project.graph
    changes: list[str] = []
    shape = [None if d is None else int(d) for d in dataset.sample_shape]
    for bid in g.of_type("Input"):
        g.set_params(bid, {**g.block(bid).params, "kind": dataset.kind, "shape": shape})
        open_axis = " (null: the sequences have different lengths)" if None in shape else ""
        changes.append(f"the Input '{bid}' takes {kind_title(dataset.kind)} "
                       f"{format_shape(shape, open_axis='null')}{open_axis}")
    want = outputs_wanted(dataset)
    for oid in g.of_type("Output"):
        g.set_param(oid, "task", dataset.task)
        dense = last_dense(g, oid)
        if dense is not None:
            g.set_param(dense, "out_features", want)
            what = (f"{want} outputs, one per class" if dataset.task == "classification"
                    else f"{want} number{'s' if want != 1 else ''} to predict")
            changes.append(f"the last Dense '{dense}' gives {what}")
    if dataset.kind == "tokens":
        from .fit import vocab_size

        vocab = vocab_size(dataset)
        for eid in g.of_type("Embedding"):
            g.set_param(eid, "num_embeddings", max(vocab, 2))
            changes.append(f"the Embedding '{eid}' has room for the {vocab:,} words of the vocabulary")
    return changes


def _problems(project: Project, dataset: Any) -> list[str]:
    """Network check and dataset-fit check, as plain sentences (empty = ready to train)."""
    from .fit import fit_problems

    a = project.analyze()
    if not a.ok:
        return [str(p) for p in a.errors]
    return fit_problems(project, dataset)


# --- the dataset section ---------------------------------------------------------------------------------
def absolute_section(section: dict, base_dir: str | os.PathLike | None) -> dict:
    """The section with its paths made absolute: a new project has no folder to be relative to."""
    from ..data.files import resolve

    out = copy.deepcopy(dict(section))
    out.setdefault("kind", "file")
    for key in ("train", "test"):
        if out.get(key) is not None and out.get("kind") == "file":
            out[key] = str(resolve(out[key], base_dir, "training file" if key == "train" else "test file"))
    if out.get("kind") == "file" and out.get("format") is None and out.get("train"):
        from ..data import guess_format

        fmt = guess_format(out["train"])
        if fmt is not None:
            out["format"] = fmt
    return out


# --- proposing -------------------------------------------------------------------------------------------
def propose_all(dataset_section: dict, base_dir: str | os.PathLike | None = None, *, dataset: Any = None,
                validation_split: float = 0.2, seed: int = 0) -> list[Proposal]:
    """Every suitable network tried on the data, the recommended one first (see `Proposal`)."""
    section = absolute_section(dataset_section, base_dir)
    if dataset is None:
        from ..data import load_dataset

        dataset = load_dataset(section, None, seed=seed, validation_split=validation_split)
    out = []
    for choice in network_choices(dataset):
        project = _base_project(choice)
        changes = adapt(project, dataset)
        project.dataset = copy.deepcopy(section)
        project.training = {**(project.training or {}), "validation_split": float(validation_split)}
        project.name = f"{dataset.name} — {choice.label}"
        problems = _problems(project, dataset)
        if problems and dataset.kind in ("image", "image_sequence") and not project.analyze().ok:
            h, w = dataset.sample_shape[-2:]
            problems.append(f"(The pictures are {h}x{w} pixels, too small for its pooling steps: choose a "
                            f"bigger image size.)")
        if problems:
            out.append(Proposal(choice, None, problems))
            continue
        explanation = _describe(dataset, choice, changes)
        project.description = " ".join(explanation)
        out.append(Proposal(choice, project, explanation=explanation))
    return out


def propose_project(dataset_section: dict, base_dir: str | os.PathLike | None = None, *,
                    network: str | None = None, dataset: Any = None, validation_split: float = 0.2,
                    seed: int = 0) -> tuple[Project, str]:
    """A new, unsaved project whose network fits the data, and why it was chosen (plain words).

    ``network``: a template id from `network_choices` (or DENSE) to insist on; by default the
    first that passes both checks. ``dataset``: the already loaded Dataset of this section (saves
    loading it again). Raises DataError when the data cannot be read, ProposalError when no
    network fits (the message says what stops each one).
    """
    proposals = propose_all(dataset_section, base_dir, dataset=dataset, validation_split=validation_split,
                            seed=seed)
    if network is not None:
        wanted = [p for p in proposals if p.choice.id == network]
        if not wanted:
            listed = ", ".join(p.choice.id for p in proposals)
            raise ProposalError(f"'{network}' is not a network for this kind of data; the choices are: {listed}.")
        proposals = wanted
    ok = [p for p in proposals if p.ok]
    if not ok:
        raise ProposalError(_why_none(proposals))
    chosen = ok[0]
    explanation = chosen.project.description
    skipped = [p for p in proposals if not p.ok and proposals.index(p) < proposals.index(chosen)]
    for p in skipped:
        explanation += f" ({p.choice.label} was not used: {p.problems[0]})"
    return chosen.project, explanation


def _why_none(proposals: list[Proposal]) -> str:
    if len(proposals) == 1:
        p = proposals[0]
        return f"{p.choice.label} does not fit this data: {' '.join(p.problems)}"
    lines = [f"{p.choice.label}: {' '.join(p.problems)}" for p in proposals]
    return "None of the proposed networks fits this data.\n  - " + "\n  - ".join(lines)


def _describe(dataset: Any, choice: Choice, changes: list[str]) -> list[str]:
    shape = format_shape(dataset.sample_shape, sep="x", brackets=False)
    total = sum(dataset.counts().values())
    what = (f"{len(dataset.class_names)} classes" if dataset.task == "classification" and dataset.class_names
            else f"strings of {len(dataset.class_names)} different symbols to read" if dataset.task == "ctc"
            and dataset.class_names
            else f"{outputs_wanted(dataset)} number{'s' if outputs_wanted(dataset) != 1 else ''} to predict")
    return [f"Your data: {total:,} samples, each {kind_phrase(dataset.kind)} of shape {shape}, {what}.",
            f"Proposed: {choice.label}, because {choice.why}.",
            f"Adapted to your data: {'; '.join(changes)}."]


KIND_WORDS = {name: k.phrase for name, k in KINDS.items()}  # what one sample is (cnnrnn_studio.kinds)


# --- helpers for the wizard ------------------------------------------------------------------------------
@dataclass
class CsvInfo:
    """What the first rows of a CSV file show: its columns and sensible defaults."""

    columns: list[str]          # header names, or "column 1", "column 2" ... without a header
    has_header: bool
    numeric: list[bool]         # every looked-at cell of the column is a number
    mode: str                   # suggested: table / timeseries / text
    label_index: int            # suggested column to predict
    text_index: int | None = None


_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ T]\d{1,2}:\d{2}(:\d{2})?)?\s*$")


def inspect_csv(path: str | os.PathLike, max_rows: int = 200) -> CsvInfo:
    """Read the first rows of a CSV file; DataError (plain words) if it is not a readable CSV."""
    from ..data import DataError
    from ..data.csv_format import _guess_delimiter, _looks_like_header
    from ..data.files import read_text, require_file

    p = require_file(Path(path), "data file")
    text = read_text(p)
    lines = [ln for ln in text.splitlines() if ln.strip()][: max_rows + 1]
    if not lines:
        raise DataError(f"{p.name}: the file is empty", path=p)
    delim = _guess_delimiter(lines[0])
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]
    except csv.Error as exc:
        raise DataError(f"{p.name} is not valid CSV ({exc})", path=p) from None
    rows = [r for r in rows if r and any(c for c in r)]
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{p.name} has a single column; a CSV needs at least a column of data and a column "
                        "to predict", path=p)
    rows = [r for r in rows if len(r) == width]
    has_header = _looks_like_header(rows[0], rows[1:], -1)
    header, data = (rows[0], rows[1:]) if has_header else (None, rows)
    if not data:
        raise DataError(f"{p.name}: the file has a header but no data rows", path=p)
    columns = header if header is not None else [f"column {j + 1}" for j in range(width)]
    from ..data.csv_format import _is_number

    numeric = [all(_is_number(r[j]) for r in data) for j in range(width)]

    def avg_words(j: int) -> float:
        return sum(len(r[j].split()) for r in data) / len(data)

    text_cols = [j for j in range(width) if not numeric[j] and avg_words(j) >= 3]
    if text_cols:
        text_index = max(text_cols, key=avg_words)
        others = [j for j in range(width) if j != text_index]
        # the label: the other column with the fewest different values (the last one on a tie)
        label = min(reversed(others), key=lambda j: len({r[j] for r in data}))
        return CsvInfo(columns, has_header, numeric, "text", label, text_index)
    if not numeric[0] and all(_DATE.match(r[0]) for r in data):
        numbers = [j for j in range(width) if numeric[j]]
        return CsvInfo(columns, has_header, numeric, "timeseries", numbers[-1] if numbers else width - 1)
    return CsvInfo(columns, has_header, numeric, "table", width - 1)


def csv_section(path: str | os.PathLike, info: CsvInfo, mode: str, label_index: int) -> dict:
    """The dataset section for a CSV file, from the mode and the column to predict the person chose."""
    if mode not in CSV_MODES:
        raise ValueError(f"unknown CSV mode {mode!r}")
    column: str | int = info.columns[label_index] if info.has_header else label_index
    section: dict[str, Any] = {"kind": "file", "format": "csv", "train": str(path), "mode": mode,
                               "header": info.has_header}
    if mode == "timeseries" and info.numeric[label_index]:
        section["target_column"] = column   # forecast this number
    else:
        section["label_column"] = column    # the class (or, in a table, the number) of each sample
    others = [j for j in range(len(info.columns)) if j != label_index]
    if mode == "table" and not all(info.numeric[j] for j in others):
        # Columns of words cannot be features of a table: use the number columns only.
        numbers = [j for j in others if info.numeric[j]]
        if numbers:
            section["feature_columns"] = [info.columns[j] if info.has_header else j for j in numbers]
    if mode == "text" and info.text_index is not None and info.text_index != label_index:
        section["text_column"] = info.columns[info.text_index] if info.has_header else info.text_index
    return section


def image_folder_defaults(folder: str | os.PathLike, look_at: int = 12) -> dict:
    """{'size': [h, w], 'color': ...} from the first pictures: their own size (square, from the
    wizard's sizes) and colour only when a picture really has colour."""
    import numpy as np
    from PIL import Image

    from ..data.errors import DataError
    from ..data.image_folder import IMAGE_OPTIONS, class_folders, image_files

    files: list[Path] = []
    try:  # the loader's own listing: the same folders and pictures it will read
        for sub in class_folders(Path(folder)):
            files += image_files(sub)[:3]
            if len(files) >= look_at:
                break
    except (OSError, DataError):
        return copy.deepcopy(IMAGE_OPTIONS)
    sides, colour = [], False
    for f in files[:look_at]:
        try:
            with Image.open(f) as im:
                sides.append(max(im.size))
                if im.mode not in ("1", "L", "LA", "I", "I;16", "F"):
                    rgb = im.convert("RGB").resize((16, 16))
                    px = np.asarray(rgb, dtype=np.int16)
                    colour = colour or bool((px.max(axis=2) - px.min(axis=2) > 8).any())
        except OSError:
            continue
    if not sides:
        return copy.deepcopy(IMAGE_OPTIONS)
    side = sorted(sides)[len(sides) // 2]
    size = min(IMAGE_SIZES, key=lambda s: (abs(s - side), s)) if side > IMAGE_SIZES[0] else side
    size = min(size, 64)  # bigger pictures train slowly on a laptop; 64 keeps shapes visible
    return {"size": [size, size], "color": "rgb" if colour else "grayscale"}


def describe_source(path: str | os.PathLike) -> tuple[str, Any]:
    """The format of a picked folder or file, and what the wizard offers for it: a CsvInfo for a
    CSV, image settings for a folder, None otherwise. DataError when it cannot be read."""
    from ..data import DataError, guess_format

    p = Path(path)
    if not p.exists():
        raise DataError(f"{p} was not found", path=p)
    fmt = guess_format(p)
    if fmt is None:
        raise DataError(f"{p.name}: the studio cannot read this kind of file; choose a folder of images (one "
                        "sub-folder per class) or a .csv, .ts, .tsv or .npz file", path=p)
    if fmt == "csv":
        return fmt, inspect_csv(p)
    if fmt == "image_folder":
        return fmt, image_folder_defaults(p)
    return fmt, None


def supports_test_share(section: dict) -> bool:
    """Can the test share be chosen? (CSV time series: 'test_windows'; elsewhere the data layer
    keeps a fixed 20 % of the samples for testing, or uses a test file.)"""
    return (section.get("format") == "csv" and section.get("mode") == "timeseries"
            and section.get("test") is None)


def with_test_share(section: dict, n_samples: int, share: float) -> dict:
    """The section with the test share applied where the format allows it (see supports_test_share)."""
    out = dict(section)
    if supports_test_share(out) and n_samples > 1:
        out["test_windows"] = max(1, min(n_samples - 1, int(round(n_samples * float(share)))))
    return out
