"""Export a network to ONE verified .onnx file.

Exporter choice (see the shared PITFALLS notes, checked again here with torch 2.13): the legacy
TorchScript exporter (`dynamo=False`, opset 17, `dynamic_axes`) for every network. It writes
RNN, LSTM and GRU as native ONNX ops with a free time axis (uni- and bidirectional, stacked),
keeps the whole model in one file, and showed no state carried from one export to the next in
the same process (48 recurrent exports in a row verified at two lengths each), so no subprocess
is needed. The dynamo exporter unrolls nn.RNN over time and froze the length after an LSTM
export, so it is not used.

`training=PRESERVE` on a model in eval mode keeps BatchNorm as its own node (the EVAL default
folds it into the convolution before it), so the studio's weights can be read back exactly by
`onnx_import`; constant folding still turns the recurrent weights into plain initializers.

Every export is verified before success is reported: `onnx.checker.check_model(full_check=True)`,
the batch (and free time) axes really symbolic, then onnxruntime against eager torch at two batch
sizes (and two lengths when the time axis is free). The file is written to a temporary name in
the target folder and renamed at the end, so a failure leaves nothing at the destination.
"""

from __future__ import annotations

import copy
import io
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import check_target, refuse_replacing, replace, temp_beside
from .errors import ExportError
from .tolerance import TOLERANCE, allowed_difference

if TYPE_CHECKING:
    import onnxruntime as ort
    import torch
    from torch import nn

    from ..blocks import TensorSpec
    from ..graph import Analysis, Graph
    from ..project import Project

OPSET = 17
PRODUCER = "CNN-RNN Studio"
# Input names by data kind (the input's kind is also in the metadata).
INPUT_NAMES = {"image": "image", "sequence": "sequence", "vector": "vector",
               "image_sequence": "image_sequence", "tokens": "tokens"}
# Lengths tried for a free time axis: the first valid one is used to trace, the next two to check.
_LENGTH_CANDIDATES = (7, 12, 19, 31, 50, 80, 128, 200, 320, 512, 1024, 2048)
_MAX_BYTES = 2 * 1024 ** 3 - 64 * 1024 ** 2  # protobuf's 2 GB limit, less room for the graph
_UNTRAINED = ("No weights were given, so the freshly initialised (untrained) network was exported: its "
              "predictions are random. Train it first and export with --weights RUN_FOLDER.")


@dataclass
class ExportReport:
    """What an export produced and how it was checked."""

    path: Path
    max_abs_diff: float
    checked_shapes: list[tuple[int, ...]]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    input_name: str = ""
    output_names: list[str] = field(default_factory=list)
    opset: int = OPSET
    size_bytes: int = 0

    def summary(self) -> str:
        shapes = ", ".join("[" + ", ".join(map(str, s)) + "]" for s in self.checked_shapes)
        size = self.size_bytes / 1024 ** 2
        return (f"Exported {self.path} ({size:.2f} MB, ONNX opset {self.opset}; input '{self.input_name}', "
                f"output{'s' if len(self.output_names) > 1 else ''} {', '.join(repr(o) for o in self.output_names)}). "
                f"Verified against PyTorch on inputs {shapes}: largest difference {self.max_abs_diff:.1e}. "
                f"({self.seconds:.1f} s)")


def as_project(project: Any) -> Project:
    """A Project from a Project, a path to a project file, or a built-in template's id."""
    from ..project import Project, load_project_or_template

    if isinstance(project, Project):
        return project
    return load_project_or_template(project)


def is_studio_onnx(path: Path) -> bool:
    """Did the studio write this file? An ONNX model whose metadata says format cnnrnn-studio-onnx
    (what every export writes). Anything else is the person's, replaced only when they say so."""
    import os
    import stat

    import onnx

    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES + 64 * 1024 ** 2:
        return False
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - not ONNX at all
        return False
    meta = {p.key: p.value for p in proto.metadata_props}
    return meta.get("format") == json.dumps("cnnrnn-studio-onnx")


def command_inputs(project: Project, weights: Any = None) -> list[Path]:
    """The files an export reads (the project file, the weights, the dataset's files): never an
    export's target."""
    from ..data.files import data_paths

    out = [Path(project.path)] if getattr(project, "path", None) else []
    if weights is not None:
        w = Path(weights).expanduser()
        out += [w, w / "weights.safetensors"] if w.is_dir() else [w]
    if getattr(project, "dataset", None) is not None:
        out += [p for _, p in data_paths(project.dataset, project.base_dir)]
    return out


def valid_lengths(graph: Graph, analysis: Analysis, count: int = 3) -> list[int]:
    """Time lengths the network accepts (convolutions and pools need a minimum length)."""
    from ..graph import analyze

    inp = analysis.input_id
    shape = list(analysis.params[inp]["shape"])
    found: list[int] = []
    for t in _LENGTH_CANDIDATES:
        g = graph.copy()
        g.set_param(inp, "shape", [t] + shape[1:])
        if analyze(g).ok:
            found.append(t)
            if len(found) == count:
                return found
    raise ExportError(
        "no sequence length up to 2048 steps fits this network's convolutions and pools, so it cannot be "
        "checked; reduce the kernel sizes or the pooling.")


def random_inputs(model: nn.Module, spec: TensorSpec, batch: int, length: int | None,
                  generator: torch.Generator) -> torch.Tensor:
    """A random input batch for the network: floats, or word ids below every Embedding's vocabulary."""
    import torch

    dims = [length if d is None else d for d in spec.dims]
    if spec.kind == "tokens":
        vocab = min((m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding)), default=2)
        return torch.randint(0, vocab, (batch, *dims), generator=generator, dtype=torch.int64)
    return torch.randn((batch, *dims), generator=generator)


def cpu_session(model: str | bytes) -> ort.InferenceSession:
    """An onnxruntime session on the CPU for a file path or a serialized model, logging errors only."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def eager_output(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What the model computes on x, without gradients or torch's warnings."""
    import torch

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on even 'same' kernels is not for the person
        return model(x)


# How to read a CTC network's output, for users of the file (metadata key "ctc").
CTC_NOTE = {
    "blank_index": 0,
    "scores": "logits [batch, T, C]: C = symbols + 1; score 0 is the blank, score i + 1 is class_names[i]",
    "decoding": "greedy: the best score at every step, repeated neighbours collapsed into one, blanks dropped",
}


def _class_names(project: Project, weights: Any, given: list[str] | None, n_out: int,
                 warns: list[str]) -> list[str] | None:
    """Class names from the caller, the training run's summary, or the project's dataset."""
    names = given
    if names is None and weights is not None:
        run = Path(weights)
        summary = (run if run.is_dir() else run.parent) / "summary.json"
        try:
            names = json.loads(summary.read_text(encoding="utf-8")).get("class_names")
        except (OSError, ValueError, AttributeError):
            names = None
    if names is None and project.dataset is not None:
        try:
            from ..data import load_dataset

            names = load_dataset(project.dataset, project.base_dir).class_names
        except Exception as e:  # optional information only: the export goes on without it
            warns.append(f"The class names are not in the file: the dataset could not be loaded ({e}).")
            return None
    if names is None:
        return None
    names = [str(n) for n in names]
    if len(names) != n_out:
        warns.append(f"The dataset has {len(names)} classes but the network has {n_out} outputs; "
                     "the class names were left out of the file.")
        return None
    return names


def _portable_project(project: Project) -> dict:
    """The project as stored in the file: the graph and settings, not local data paths."""
    d = project.to_dict()
    if isinstance(d.get("dataset"), dict) and d["dataset"].get("kind") != "builtin":
        d.pop("dataset")
    return d


def _wrapped(model: nn.Module, probabilities: bool) -> nn.Module:
    import torch
    from torch import nn

    class Exported(nn.Module):
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
            y = self.inner(x)
            if probabilities:
                return y, torch.softmax(y, dim=-1)  # the class axis, also per step
            return y

    return Exported(model)


def export_onnx(project: Any, path: Any, model: Any = None, weights: Any = None, *,
                probabilities: bool = False, class_names: list[str] | None = None,
                tolerance: float = TOLERANCE, force: bool = True) -> ExportReport:
    """Export the network to one verified .onnx file at `path`.

    project: a Project or a project file path. model: an already-built (e.g. trained) module for
    it; by default a fresh one is built. weights: a .safetensors file or a run folder to load into
    the model. Without weights or a model, the untrained network is exported with a warning.
    probabilities: also output softmax probabilities (classifiers). force: replace an existing
    file the studio did not write (the app asks first; the CLI passes False unless --force); an
    ONNX file the studio wrote is replaced either way, the project or weights read never. Raises
    ExportError (nothing is left at `path`), ValidationError, WeightsError.
    """
    t0 = time.perf_counter()
    import onnx
    import torch

    from ..version import __version__
    from ..compile.weights import load_weights

    project = as_project(project)
    target = check_target(path, ExportError)
    refuse_replacing(target, ExportError, inputs=command_inputs(project, weights), own=is_studio_onnx, force=force)
    analysis = project.check()
    warns: list[str] = []
    if target.suffix.lower() != ".onnx":
        warns.append(f"The file name {target.name} does not end in .onnx; other tools may not recognise it.")
    spec = analysis.input_spec
    task = analysis.task or "classification"
    if probabilities and task != "classification":
        raise ExportError("probabilities are only for classifiers; this network predicts numbers (regression).")

    trained = model is not None or weights is not None
    if model is None:
        model = project.build_model()
        if weights is None:
            warns.append(_UNTRAINED)
    n_bytes = sum(t.numel() * 4 for t in model.state_dict().values())
    if n_bytes > _MAX_BYTES:  # protobuf cannot hold it; say so before minutes of tracing
        raise ExportError(f"the network is too large for one ONNX file ({n_bytes / 1024 ** 3:.1f} GB of weights; "
                          "the limit is 2 GB).", where=str(target))
    model = copy.deepcopy(model).to("cpu").float()  # never touch the caller's (maybe training) model
    if weights is not None:
        load_weights(model, weights)
    model.eval()
    n_out = analysis.output_spec.dims[-1]  # classes (or targets); per step for a sequence [T, K]
    names = _class_names(project, weights, class_names, n_out, warns) if task == "classification" else None
    if task == "ctc":  # the symbols: every score but the blank (score 0)
        names = _class_names(project, weights, class_names, n_out - 1, warns)

    input_name = INPUT_NAMES[spec.kind]
    out_main = "logits" if task in ("classification", "ctc") else "prediction"
    output_names = [out_main] + (["probabilities"] if probabilities else [])
    free_time = None in spec.dims
    lengths = valid_lengths(project.graph, analysis) if free_time else [None, None, None]
    gen = torch.Generator().manual_seed(0)
    sample = random_inputs(model, spec, 2, lengths[0], gen)
    axes_in = {0: "batch", 1: "time"} if free_time else {0: "batch"}
    # Per-step outputs [batch, T, K] keep a free time axis too when the input's is free.
    axes_out = ({0: "batch", 1: "time"} if free_time and analysis.output_spec.kind == "sequence"
                and analysis.output_spec.dims[0] is None else {0: "batch"})
    dynamic_axes = {input_name: axes_in, **{o: dict(axes_out) for o in output_names}}
    # The wrapper (and its extra name level in node names) only when a second output is wanted.
    wrapped = _wrapped(model, probabilities).eval() if probabilities else model

    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # deprecation and tracer notes; the verification below is the judge
            torch.onnx.export(wrapped, (sample,), buf, dynamo=False, opset_version=OPSET,
                              input_names=[input_name], output_names=output_names, dynamic_axes=dynamic_axes,
                              training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    except Exception as e:  # the exporter's own failure, said plainly
        raise ExportError(f"the ONNX exporter could not convert this network: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
                          where=str(target)) from e
    proto = onnx.load_from_string(buf.getvalue())
    proto.producer_name = PRODUCER
    proto.producer_version = __version__
    proto.doc_string = f"{project.name}: exported by {PRODUCER} {__version__}"
    proto.graph.name = project.name or "network"
    meta = {
        "format": "cnnrnn-studio-onnx",
        "studio_version": __version__,
        "name": project.name,
        "task": task,
        "input_name": input_name,
        "input_kind": spec.kind,
        "input_shape": list(spec.dims),
        "output_names": output_names,
        "class_names": names,
        **({"ctc": CTC_NOTE} if task == "ctc" else {}),
        "probabilities": probabilities,
        "trained": trained,
        "project": _portable_project(project),
        # integer buffers ONNX has no use for (BatchNorm's step counter), for an exact way back
        "buffers": {k: int(v.item()) for k, v in model.state_dict().items()
                    if not v.is_floating_point() and v.numel() == 1},
    }
    del proto.metadata_props[:]
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, json.dumps(v)
    data = proto.SerializeToString()
    if len(data) > _MAX_BYTES:
        raise ExportError(f"the network is too large for one ONNX file ({len(data) / 1024 ** 3:.1f} GB; the limit is 2 GB).",
                          where=str(target))

    with temp_beside(target, ExportError, suffix=".onnx") as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as e:
            raise ExportError(f"could not be written ({e.strerror}).", where=str(target)) from None
        diff, shapes = verify_onnx(tmp, model, spec, input_name, output_names, lengths[1:], tolerance,
                                   probabilities=probabilities)
        replace(tmp, target, ExportError)
    return ExportReport(path=target, max_abs_diff=diff, checked_shapes=shapes, warnings=warns,
                        seconds=time.perf_counter() - t0, input_name=input_name, output_names=output_names,
                        opset=OPSET, size_bytes=len(data))


def verify_onnx(path: Path, model: nn.Module, spec: TensorSpec, input_name: str, output_names: list[str],
                lengths: list[int | None], tolerance: float = TOLERANCE, *,
                probabilities: bool = False) -> tuple[float, list[tuple[int, ...]]]:
    """Check the file and compare onnxruntime with eager torch; ExportError with the numbers if they differ."""
    import numpy as np
    import onnx
    import torch

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as e:  # ValidationError / InferenceError: the file would not load elsewhere
        raise ExportError(f"the exported file failed the ONNX checker: {str(e).splitlines()[0]}") from e
    proto = onnx.load(str(path), load_external_data=False)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    if not dims[0].dim_param:
        raise ExportError("the exported file has a fixed batch size; it should accept any batch size.")
    if None in spec.dims and not dims[1].dim_param:
        raise ExportError("the exported file froze the sequence length; it should accept any length.")

    try:
        session = cpu_session(str(path))
    except Exception as e:
        raise ExportError(f"onnxruntime cannot load the exported file: {str(e).splitlines()[0]}") from e
    gen = torch.Generator().manual_seed(1)
    worst, shapes = 0.0, []
    outside: tuple[float, float] | None = None  # (difference, allowed) of the first output outside the rule
    for batch, length in zip((2, 3), lengths):
        x = random_inputs(model, spec, batch, length, gen)
        ref = eager_output(model, x)
        refs = [ref.numpy()] + ([torch.softmax(ref, dim=-1).numpy()] if probabilities else [])
        try:
            got = session.run(output_names, {input_name: x.numpy()})
        except Exception as e:
            raise ExportError(f"onnxruntime failed on an input of shape {list(x.shape)}: {str(e).splitlines()[0]}") from e
        for name, r, g in zip(output_names, refs, got):
            if r.shape != g.shape:
                raise ExportError(f"for an input of shape {list(x.shape)} the ONNX output '{name}' has shape "
                                  f"{list(g.shape)} but PyTorch gives {list(r.shape)}.")
            d = float(np.max(np.abs(r.astype(np.float64) - g.astype(np.float64)))) if r.size else 0.0
            if not np.isfinite(d):
                d = float("inf")
            worst = max(worst, d)
            allowed = allowed_difference(r, tolerance)
            if not d <= allowed and outside is None:
                outside = (d, allowed)
        shapes.append(tuple(int(s) for s in x.shape))
        if outside is not None:
            raise ExportError(
                f"the exported file does not compute what the network computes: for an input of shape "
                f"{list(x.shape)} the largest difference from PyTorch is {outside[0]:.3g} (allowed: {outside[1]:.3g}, "
                f"that is {tolerance:g} times the larger of 1 and the largest output). Nothing was saved.")
    return worst, shapes
