"""`--torchrun-script OUT_DIR`: a folder that trains the network past one machine with plain DDP.

The folder holds model.py (the readable generated module), data.npz (the project's dataset
splits, numpy arrays only: no pickle; an image folder too big for memory is copied from its disk
cache a chunk of rows at a time, its pixels kept as uint8 bytes that train.py divides by 255),
train.py (a plain DistributedDataParallel script for torchrun), project.json (to open the
network in the studio) and README.md with the exact commands. train.py's process 0 writes
weights.safetensors under the studio's weight names plus summary.json, so the result loads back
into the studio as a run.

Variable-length data: the sequences are stored end to end in x_<split> with their lengths in
x_<split>_lengths, and train.py groups each process's samples by exact length into batches
(the studio's own approach: no padding ever changes a prediction). Processes may then get
different numbers of batches; DDP's join() keeps them in step.

The folder also gets a marker, `.cnnrnn-studio-torchrun`, naming the files the studio wrote: an
export into an existing folder replaces those, and refuses to replace a file of the same name
the studio did not write (a person's own README.md or train.py) unless forced. The data copied
into data.npz must come from inside the project's folder unless allowed (`allow_outside_data`):
a project someone sends must not take other files with it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ExportError
from ..kinds import kind_title

if TYPE_CHECKING:
    from ..data import Dataset
    from ..graph import Analysis
    from ..project import Project

MARKER = ".cnnrnn-studio-torchrun"
MARKER_FORMAT = "cnnrnn-studio-torchrun"
DATA_FILE = "data.npz"
OUTPUT_FILES = ("model.py", "train.py", "data.npz", "project.json", "README.md", "init.safetensors")

README_SECTION = """\
## Training on a cluster

One machine's CPU or GPU is enough for the examples; for bigger data, the studio writes a
plain PyTorch DistributedDataParallel (DDP) script that runs on several GPUs or machines.

1. Export the project: `cnnrnn-studio export my_project.json --torchrun-script ddp_job/`
   (add `--weights RUN_FOLDER` to start from trained weights). The folder holds `model.py`
   (the network as readable PyTorch), `data.npz` (the dataset's splits; an image folder too big
   for memory keeps its pixels as bytes 0..255, which `train.py` divides by 255 as the studio
   does), `train.py`, `project.json` and a README with these commands.
2. Copy the folder to the machine(s). They need Python with `torch`, `numpy` and
   `safetensors` (`pip install torch numpy safetensors`), not the studio.
3. One machine, N GPUs (or N CPU processes):

       torchrun --standalone --nproc-per-node=N train.py --epochs 20

4. Several machines (run on each; `--node-rank` is 0 on the first, 1 on the next ...;
   HOST:PORT is an address of the first machine that the others can reach):

       torchrun --nnodes=2 --nproc-per-node=N --node-rank=0 \\
                --rdzv-backend c10d --rdzv-endpoint HOST:29500 train.py

5. The result is a run folder, `run/` (`--out` to change), laid out like the studio's own:
   `weights.safetensors`, `metrics.csv`, `summary.json`, `project.json`. Open it in the
   studio as a run, or export it: `cnnrnn-studio export my_project.json --onnx model.onnx
   --weights ddp_job/run`.

GPUs are used with the NCCL backend when present, otherwise CPU processes with gloo
(`--cpu` forces that). `--batch-size` is per process, so the effective batch is N times
larger; raise `--lr` if training gets slower. Sequences of different lengths are batched by
exact length, never padded.
"""


@dataclass
class TorchrunReport:
    folder: Path
    files: list[str] = field(default_factory=list)
    samples: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v:,}" for k, v in self.samples.items())
        return (f"Wrote {self.folder} ({', '.join(self.files)}; samples: {counts}). "
                f"Run it with: cd {self.folder} && torchrun --standalone --nproc-per-node=2 train.py")


def _settings(project: Project, analysis: Analysis) -> dict[str, Any]:
    t = project.training or {}

    def pick(names: tuple[str, ...], default: Any, kind: tuple[type, ...]) -> Any:
        for n in names:
            v = t.get(n)
            if isinstance(v, kind) and not isinstance(v, bool):
                return v
        return default

    opt = str(t.get("optimizer", "adam")).lower()
    return {
        "EPOCHS": int(pick(("epochs",), 10, (int,))),
        "BATCH_SIZE": int(pick(("batch_size",), 32, (int,))),
        "LEARNING_RATE": float(pick(("learning_rate", "lr"), 1e-3, (int, float))),
        "OPTIMIZER": opt if opt in ("adam", "adamw", "sgd") else "adam",
        "WEIGHT_DECAY": float(pick(("weight_decay",), 0.0, (int, float))),
        "SEED": int(pick(("seed",), 0, (int,))),
        "TASK": analysis.task or "classification",
        # A target at every time step (the Output gets a sequence [T, K]); CTC is TASK "ctc".
        "PER_STEP": analysis.task != "ctc" and analysis.output_spec is not None
        and analysis.output_spec.kind == "sequence",
        "PROJECT_NAME": project.name,
    }


def _augment_settings(project: Project, dataset: Dataset) -> dict[str, Any]:
    """AUGMENT (the dataset section's augmentation for this data, {} when none) and DATA_KIND."""
    from ..data import DataError
    from ..data.augment import AUGMENT_KEY, augment_settings

    spec = project.dataset if isinstance(project.dataset, dict) else {}
    try:
        augment = augment_settings(spec.get(AUGMENT_KEY), dataset.kind, per_step=dataset.per_step, task=dataset.task)
    except DataError as e:
        raise ExportError(str(e)) from None
    return {"AUGMENT": augment, "DATA_KIND": dataset.kind}


def _load_dataset(project: Project) -> Dataset:
    if project.dataset is None:
        raise ExportError("the project has no dataset to train on; choose one in the project first.")
    from ..data import DataError, load_dataset

    t = project.training or {}
    try:
        return load_dataset(project.dataset, project.base_dir, seed=int(t.get("seed", 0) or 0),
                            validation_split=float(t.get("validation_split", 0.2) or 0.2))
    except DataError as e:
        raise ExportError(f"the dataset could not be loaded: {e}") from None


def _check_fit(dataset: Dataset, analysis: Analysis) -> None:
    spec = analysis.input_spec
    if dataset.kind != spec.kind:
        raise ExportError(f"the dataset holds {kind_title(dataset.kind)} samples but the network's Input reads "
                          f"{kind_title(spec.kind)}.")
    shape = tuple(dataset.sample_shape)
    if len(shape) != len(spec.dims) or any(s is not None and d != s for d, s in zip(shape, spec.dims)) \
            or any(s is not None and d is None for d, s in zip(shape, spec.dims)):
        raise ExportError(f"the dataset's samples are {list(shape)} but the network's Input is {list(spec.dims)}.")
    per_step = analysis.output_spec.kind == "sequence"
    n_out = analysis.output_spec.dims[-1] if per_step else analysis.output_spec.dims[0]
    if analysis.task == "ctc" and dataset.task != "ctc":
        raise ExportError("the network's Output reads label sequences (task 'ctc') but the dataset's task is "
                          f"'{dataset.task}'; load label sequences (the dataset option \"task\": \"ctc\").")
    if analysis.task != "ctc" and per_step != bool(dataset.per_step):
        have = "a target at every time step" if dataset.per_step else "one target per sample"
        want_net = "at every time step" if per_step else "once per sample"
        raise ExportError(f"the dataset has {have} but the network's Output predicts {want_net}.")
    want = len(dataset.class_names or []) if analysis.task == "classification" else dataset.n_outputs
    if want and want != n_out:
        raise ExportError(f"the dataset has {want} {'classes' if analysis.task == 'classification' else 'targets'} "
                          f"but the network has {n_out} outputs.")


def dataset_arrays(dataset: Dataset) -> dict[str, Any]:
    """The splits as plain numpy arrays (variable lengths stored end to end plus lengths).

    A split read from disk batch by batch (an image folder too big for memory) stays on disk: its
    x is the split's MappedRows, which write_npz copies a chunk of rows at a time."""
    import numpy as np

    from ..data.streaming import is_streamed

    out: dict[str, Any] = {}
    for name in ("train", "val", "test"):
        split = dataset.split(name)
        if isinstance(split.x, list):
            xs = [t.numpy() for t in split.x]
            tail = tuple(dataset.sample_shape[1:])
            out[f"x_{name}"] = np.concatenate(xs, axis=0) if xs else np.zeros((0, *tail), dtype=np.float32)
            out[f"x_{name}_lengths"] = np.asarray([len(a) for a in xs], dtype=np.int64)
        elif is_streamed(split):
            out[f"x_{name}"] = split.x
        else:
            out[f"x_{name}"] = split.x.numpy()
        out[f"y_{name}"] = split.y.numpy()
    if dataset.class_names:
        out["class_names"] = np.asarray([str(c) for c in dataset.class_names])
    for key in ("target_mean", "target_std"):
        if key in (dataset.meta or {}):
            out[key] = np.asarray(dataset.meta[key], dtype=np.float64)
    return out


#: Bytes of rows copied from disk into data.npz at a time (the export's memory does not grow with the set).
CHUNK_BYTES = 4 * 2**20


def stored_dtype(x: Any) -> Any:
    """The dtype x_<split> gets in data.npz: uint8 for pixels kept on disk as bytes (4 times smaller
    than float32; train.py divides them by 255 per batch, as the studio does), else float32 as read."""
    import numpy as np

    from ..data.streaming import MappedRows

    if isinstance(x, MappedRows):
        return np.dtype(np.uint8) if x.source.dtype == np.uint8 else np.dtype(np.float32)
    return x.dtype


def _write_rows(fid: Any, rows: Any) -> None:
    """One .npy member holding MappedRows ``rows`` as stored_dtype: the header, then the rows a
    chunk at a time (never the whole set in memory)."""
    import numpy as np
    from numpy.lib import format as npy

    dtype = stored_dtype(rows)
    header = {"descr": npy.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(rows.shape)}
    try:
        npy.write_array_header_1_0(fid, header)
    except ValueError:  # a header too long for format 1.0 (as np.save does)
        npy.write_array_header_2_0(fid, header)
    row_bytes = max(1, int(np.prod(rows.shape[1:], dtype=np.int64)) * dtype.itemsize)
    step = max(1, CHUNK_BYTES // row_bytes)
    for start in range(0, len(rows), step):
        positions = np.arange(start, min(start + step, len(rows)))
        block = rows.raw(positions) if dtype == np.uint8 else rows.read(positions).numpy()
        fid.write(memoryview(np.ascontiguousarray(block, dtype=dtype)).cast("B"))  # no copy of the chunk


def write_npz(path: Path, arrays: dict[str, Any]) -> None:
    """What np.savez_compressed(path, **arrays) writes, straight into the file (never pickled):
    in-memory arrays as it writes them, and MappedRows (splits on disk) a chunk of rows at a time."""
    import zipfile

    from numpy.lib import format as npy

    from ..data.streaming import MappedRows

    with zipfile.ZipFile(path, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for key, value in arrays.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as fid:  # sizes are not known ahead
                if isinstance(value, MappedRows):
                    _write_rows(fid, value)
                else:
                    npy.write_array(fid, value, allow_pickle=False)


def _targets_line(settings: dict) -> str:
    """What the README says about the targets: per sample, at every step, or CTC label sequences."""
    if settings["TASK"] == "ctc":
        return ("The network reads label sequences with CTC: `y_<split>` holds each sample's symbol ids padded with "
                "-1; score 0 of the network is the blank, score i + 1 symbol i (`class_names[i]`). Reading is "
                "greedy (best score per step, repeats merged, blanks dropped); the scores are the share of "
                "sequences read exactly (`accuracy`) and the character error rate (`cer`).")
    if settings["PER_STEP"]:
        return ("The network predicts at every time step: `y_<split>` holds a target per step, -1 (classes) or "
                "NaN (numbers) where a step does not count, padded to the longest sequence; the loss and the "
                "scores count the real steps only.")
    return "The network makes one prediction per sample."


def _readme(project: Project, settings: dict, class_name: str, variable: bool, pixel_bytes: bool = False) -> str:
    from ..version import __version__

    return f"""# {project.name}: distributed training

Written by CNN-RNN Studio {__version__}. Everything needed to train this network with PyTorch
DistributedDataParallel (DDP) on several processes, GPUs or machines:

| file | what it is |
|------|------------|
| `model.py` | the network as a readable PyTorch module (`{class_name}`) |
| `data.npz` | the dataset: `x_train`, `y_train`, `x_val`, `y_val`, `x_test`, `y_test` (numpy, no pickle) |
| `train.py` | the DDP training script |
| `project.json` | the project, to open the network in CNN-RNN Studio |

Needs Python 3 with `torch`, `numpy` and `safetensors` (`pip install torch numpy safetensors`).

## One machine

    torchrun --standalone --nproc-per-node=N train.py

N processes: one per GPU, or N CPU processes when there is no GPU. Options: `--epochs`
(default {settings['EPOCHS']}), `--batch-size` (per process, default {settings['BATCH_SIZE']}), `--lr` (default
{settings['LEARNING_RATE']:g}), `--optimizer`, `--seed`, `--out` (default `run`), `--cpu`, `--init WEIGHTS`.

## Several machines

Run this on every machine, with `--node-rank` 0 on the first machine, 1 on the second, and so
on; HOST:PORT is an address and free port of the first machine that all of them can reach:

    torchrun --nnodes=2 --nproc-per-node=N --node-rank=0 \\
             --rdzv-backend c10d --rdzv-endpoint HOST:29500 train.py

## What it does

* GPUs use the NCCL backend, CPUs gloo (chosen automatically; `--cpu` forces CPU).
* Each epoch a `DistributedSampler` (with `set_epoch`) gives every process its own share of
  the shuffled training set; DDP averages the gradients, so all processes keep equal weights.
  `--batch-size` is per process: the effective batch is N times larger.
* {"Samples have different lengths: they are stored end to end in `x_<split>` with their lengths in `x_<split>_lengths`, and every batch holds samples of one exact length (never padded). Processes may then get different numbers of batches; `DDP.join()` handles that." if variable else "All samples have the same shape."}
* {_targets_line(settings)}
* {"Image pixels are stored in `data.npz` as bytes 0..255 (`uint8`, a quarter of the size of float32); `train.py` divides them by 255 when it reads each batch, so the network sees numbers from 0 to 1 exactly as in the studio." if pixel_bytes else "The inputs are stored in `data.npz` as float32, as the network reads them."}
* Process 0 writes a run folder `run/` (`--out`) as the studio does: `weights.safetensors`
  (the studio's weight names), `metrics.csv` (one row per epoch), `summary.json` (test
  results, settings) and `project.json`. Open it in CNN-RNN Studio as a run, or export it:

      cnnrnn-studio export project.json --onnx model.onnx --weights run

* {"Augmentation (from the project): " + ", ".join(f"{k} {v}" for k, v in settings["AUGMENT"].items()) + " on every training batch, drawn on the device, seeded by `--seed`; `--no-augment` turns it off. Validation and test data are never augmented." if settings.get("AUGMENT") else "No augmentation (the project sets none)."}
* `--checksums` makes every process write `run/checksums-rank<N>.json` so you can check that
  all processes ended with identical weights.
"""


def studio_files(folder: Path) -> set[str]:
    """The file names the studio's marker in `folder` says it wrote (empty when there is no marker)."""
    import json
    import stat

    marker = folder / MARKER
    try:
        if not stat.S_ISREG(os.stat(marker).st_mode) or os.stat(marker).st_size > 65536:
            return set()
        d = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(d, dict) or d.get("format") != MARKER_FORMAT or not isinstance(d.get("files"), list):
        return set()
    return {f for f in d["files"] if isinstance(f, str)}




def export_torchrun_script(project: Any, out_dir: Any, *, weights: Any = None, dataset: Any = None,
                           force: bool = True, allow_outside_data: bool = True) -> TorchrunReport:
    """Write the DDP training folder for a project (a Project or a path). Raises ExportError.

    force: replace files in the folder that the studio did not write (the app asks first; the
    CLI passes False unless --force). Files the studio wrote there (its marker lists them) are
    replaced either way; the command's own inputs (project, weights, data) never.
    allow_outside_data: copy data from outside the project's folder into data.npz (the CLI
    passes False unless --allow-outside-data).
    """
    import json

    import numpy as np

    from ..compile.codegen import class_name_for, python_source
    from .ddp_script import TRAIN_PY, augment_code
    from .onnx import _portable_project, as_project
    from ..compile.weights import load_weights, state_bytes

    project = as_project(project)
    analysis = project.check()
    target = Path(out_dir).expanduser()
    parent = target.parent if str(target.parent) else Path(".")
    if target.exists() and not target.is_dir():
        raise ExportError("this is a file; give a folder name for the training script.", where=str(target))
    if not parent.is_dir():
        raise ExportError(f"the folder {parent} does not exist.", where=str(target))
    if not os.access(target if target.exists() else parent, os.W_OK | os.X_OK):
        raise ExportError("cannot write here (permission denied). Choose another folder.", where=str(target))
    from ..project.fit import outside_data, refused_data_problem

    if dataset is None and refused_data_problem(project) is not None:  # the app's "do not read them"
        raise ExportError(refused_data_problem(project))
    if dataset is None and not allow_outside_data:
        for role, path in outside_data(project):
            raise ExportError(f"the dataset's {role} {path} is outside the project's folder "
                              f"({Path(project.base_dir).absolute()}), so it is not copied into data.npz. Move it "
                              "into the project's folder, or add --allow-outside-data if you mean to share it.")
    from ..data.files import data_paths
    from ..files import refuse_replacing
    from .onnx import command_inputs

    inputs = command_inputs(project, weights) + [p for _, p in data_paths(project.dataset, project.base_dir)]
    if target.is_dir():
        ours = studio_files(target)
        theirs = []
        for name in (*OUTPUT_FILES, MARKER):
            refuse_replacing(target / name, ExportError, inputs=inputs, force=True)  # never an input
            if os.path.lexists(target / name) and name not in ours and not (name == MARKER and ours):
                theirs.append(name)
        if theirs and not force:
            raise ExportError(f"this folder holds files the studio did not write ({', '.join(theirs)}); they are "
                              "not replaced. Choose a new or empty folder, or add --force to replace them.",
                              where=str(target))
    ds = dataset if dataset is not None else _load_dataset(project)
    _check_fit(ds, analysis)
    settings = _settings(project, analysis)
    settings.update(_augment_settings(project, ds))
    class_name = class_name_for(project.name)
    init = None
    if weights is not None:
        model = project.build_model()
        load_weights(model, weights)  # checks names and shapes first
        init = state_bytes(model.state_dict(), {"source": "cnnrnn-studio export"})

    from ..version import __version__

    settings_text = "\n".join(f"{k} = {v!r}" for k, v in settings.items())
    train_py = (TRAIN_PY.replace("@SETTINGS@", settings_text).replace("@AUGMENT_CODE@", augment_code()).replace("@CLASS@", class_name)
                .replace("@NAME@", project.name.replace('"', "'")).replace("@VERSION@", __version__))
    arrays = dataset_arrays(ds)
    variable = any(k.endswith("_lengths") for k in arrays)
    pixel_bytes = any(k.startswith("x_") and stored_dtype(v) == np.uint8 for k, v in arrays.items())
    files: dict[str, bytes] = {
        "model.py": python_source(project).encode(),
        "train.py": train_py.encode(),
        "project.json": (json.dumps(_portable_project(project), indent=2) + "\n").encode(),
        "README.md": _readme(project, settings, class_name, variable, pixel_bytes).encode(),
    }
    if init is not None:
        files["init.safetensors"] = init
    written = ["model.py", "train.py", DATA_FILE, *(f for f in files if f not in ("model.py", "train.py"))]
    files[MARKER] = (json.dumps({"format": MARKER_FORMAT, "files": sorted(written)}, indent=2) + "\n").encode()
    # Everything is written into a fresh folder beside the target first: a failure leaves nothing half done.
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    except OSError as e:
        raise ExportError(f"cannot write in {parent} ({e.strerror}).", where=str(target)) from None
    try:
        os.chmod(stage, 0o755)  # mkdtemp makes it private; this is a folder to copy to other machines
        write_npz(stage / DATA_FILE, arrays)  # streamed splits go from their disk cache a chunk at a time
        for name, data in files.items():
            (stage / name).write_bytes(data)
        if not target.exists():
            os.replace(stage, target)
        else:
            for name in (DATA_FILE, *files):
                os.replace(stage / name, target / name)
    except OSError as e:
        raise ExportError(f"could not be written ({e.strerror}).", where=str(target)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return TorchrunReport(folder=target, files=written,
                          samples={k: len(ds.split(k)) for k in ("train", "val", "test")})
