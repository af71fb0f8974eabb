"""Run folders: where a training run keeps what it made, and reading them back.

A run folder holds:
  project.json         the project as it was trained (network, dataset spec, settings)
  metrics.csv          one row per finished epoch (see METRIC_COLUMNS)
  weights.safetensors  the StudioModel's state_dict, rewritten atomically after every finished
                       epoch with THAT epoch's weights (the last finished epoch). At the end of a
                       run with early stopping on, the best epoch's weights (lowest validation
                       loss) replace them; summary.json's "weights" says which epoch and which rule.
                       A stopped or failed run keeps the last finished epoch's weights.
  evaluation.json      test-split scores (evaluate.py)
  summary.json         final metrics, timings, device, sizes, stop flags, the dataset spec ...
JSON, CSV and safetensors only: nothing is ever pickled.

summary.json always says which state the run is in ("status"): running (with the process id
and host that write it, "pid" and "host"), finished, stopped (by the person, or by SIGTERM /
SIGHUP: "stop_signal"), diverged, failed or interrupted. Its "epochs_run" and "weights" are
rewritten after every finished epoch, so they match metrics.csv and weights.safetensors. A run
whose summary says running but whose process is gone (killed, power cut) is read back as
interrupted (`effective_status`).

A run folder is claimed atomically: summary.json is created exclusively (O_EXCL) before anything
else is written, so two runs never share a folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StudioError
from ..project import Project, atomic_write_text

RUN_FORMAT = "cnnrnn-studio-run"
RUN_VERSION = 1
METRIC_COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "val_mae", "val_rmse",
                  "lr", "samples_per_s", "seconds")
FILES = ("project.json", "metrics.csv", "weights.safetensors", "evaluation.json", "summary.json")
STATUSES = ("running", "finished", "stopped", "diverged", "failed", "interrupted")


class RunError(StudioError):
    """A run folder that cannot be made, read or used."""


@dataclass
class Run:
    """A training run: the folder and what is in it, with the trained model (in eval mode)."""

    folder: Path
    summary: dict
    metrics: list[dict]
    evaluation: dict | None
    project: Project | None
    model: Any  # StudioModel
    dataset: Any = None  # the Dataset it was trained on (None for a run read back from disk until loaded)

    def load_dataset(self) -> Any:  # a Dataset
        """The run's dataset, split exactly as in training (same spec, seed and validation share)."""
        if self.dataset is None:
            from ..project.fit import load_project_dataset

            if self.project is None:
                raise RunError("This run has no project.json, so its dataset is unknown.", where=str(self.folder))
            base = self.summary.get("base_dir")
            cfg = self.summary.get("config") or {}
            self.dataset = load_project_dataset(self.project, base_dir=Path(base) if base else None,
                                                seed=cfg.get("seed", 0),
                                                validation_split=cfg.get("validation_split", 0.2))
        return self.dataset


@dataclass
class RunInfo:
    """One line of a run list (read from summary.json alone; no torch needed)."""

    folder: Path
    name: str
    project_name: str
    created: str            # ISO 8601 local time
    status: str             # running | finished | stopped | diverged | failed | interrupted (effective_status)
    task: str | None
    epochs_run: int
    epochs: int | None
    test: dict = field(default_factory=dict)   # {"accuracy": ...} or {"mae": ..., "rmse": ...}
    device: str | None = None
    stopped_early: bool = False
    stopped_by_user: bool = False
    failed: str | None = None
    total_params: int | None = None


# --- where runs go ------------------------------------------------------------------------------
def safe_name(name: str) -> str:
    """A project name usable as a folder name on every OS: 'Digits CNN!' -> 'Digits-CNN'."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", name or "").strip("-._")
    return text[:60] or "project"


def user_runs_dir() -> Path:
    """Runs of projects not saved yet: the per-user data folder (CNNRNN_STUDIO_DATA_DIR overrides it,
    as it does for the app's autosaves)."""
    from ..resources import data_dir

    return data_dir() / "runs"


def project_runs_dir(project: Project) -> Path:
    """<project folder>/runs for a saved project; the per-user data folder otherwise."""
    return project.path.parent.absolute() / "runs" if project.path else user_runs_dir()


def make_run_dir(project: Project, out: str | os.PathLike | None = None, now: datetime | None = None) -> Path:
    """Create and claim the run folder: ``out`` if given, else <runs dir>/<safe name>-<YYYYmmdd-HHMMSS>.

    ``out`` may be a new folder or an existing one that holds none of a run's files (the studio
    never replaces a file it did not write, nor another run's). The claim is atomic: summary.json
    is created exclusively, so of two runs given the same folder at once, the second gets a
    RunError. If the project's folder is not writable, the per-user data folder is used instead.
    """
    if out is not None:
        folder = Path(out).expanduser()
        if folder.exists() and not folder.is_dir():
            raise RunError("this is a file, not a folder; give a new folder for the run.", where=str(folder))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"cannot write the run here ({e.strerror or e}). Choose another folder.",
                           where=str(folder)) from None
        if (folder / "summary.json").exists() or (folder / "weights.safetensors").exists():
            raise RunError("this folder already holds a training run (or one is being written there); choose "
                           "a new or empty folder so it is not overwritten.", where=str(folder))
        taken = [f for f in FILES if os.path.lexists(folder / f)]
        if taken:
            raise RunError(f"this folder holds files a run would replace ({', '.join(taken)}); choose a new or "
                           "empty folder.", where=str(folder))
        try:
            _probe(folder)
        except OSError as e:
            raise RunError(f"cannot write the run here ({e.strerror or e}). Choose another folder.",
                           where=str(folder)) from None
        if not claim_run_dir(folder):
            raise RunError("another run has just claimed this folder; choose a new or empty folder.",
                           where=str(folder))
        return folder
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{safe_name(project.name)}-{stamp}"
    candidates = [project_runs_dir(project)]
    if project.path:
        candidates.append(user_runs_dir())
    last_error: OSError | None = None
    for runs in candidates:
        try:
            runs.mkdir(parents=True, exist_ok=True)
            for k in range(1, 1000):
                folder = runs / (base if k == 1 else f"{base}-{k}")
                try:
                    folder.mkdir()
                except FileExistsError:
                    continue
                _probe(folder)
                if claim_run_dir(folder):
                    return folder
        except OSError as e:
            last_error = e
    raise RunError(f"cannot create a run folder ({getattr(last_error, 'strerror', None) or last_error}).",
                   where=str(candidates[-1]))


def process_mark() -> dict[str, Any]:
    """Who writes a running run: this process's id and host (and its start time where the OS
    tells it, so a process id reused after a restart is not taken for the run)."""
    mark: dict[str, Any] = {"pid": os.getpid(), "host": socket.gethostname()}
    started = _process_start(os.getpid())
    if started is not None:
        mark["pid_started"] = started
    return mark


def _process_start(pid: int) -> int | None:
    try:  # Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot
        text = Path(f"/proc/{pid}/stat").read_text()
        return int(text[text.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def claim_run_dir(folder: Path) -> bool:
    """Create summary.json exclusively (status running, this process); False if it exists already."""
    first = {"format": RUN_FORMAT, "version": RUN_VERSION, "status": "running", **process_mark(),
             "created": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        fd = os.open(folder / "summary.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(first, indent=2) + "\n")
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or an id we cannot ask about): assume it runs
    except OSError:
        return True
    return True


def effective_status(summary: dict) -> str:
    """The run's state as recorded, except that "running" whose writing process is gone is
    "interrupted" (the process was killed or the machine stopped). A run written on another
    host that says running is taken at its word."""
    status = summary.get("status")
    status = status if isinstance(status, str) and status else "unknown"
    if status != "running":
        return status
    pid, host = summary.get("pid"), summary.get("host")
    if isinstance(host, str) and host != socket.gethostname():
        return status
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return "interrupted"   # every running run records its process; without one nobody writes it
    if not _alive(pid):
        return "interrupted"
    started = summary.get("pid_started")
    if isinstance(started, int) and _process_start(pid) not in (None, started):
        return "interrupted"   # the id now belongs to another process
    return status


def _probe(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=folder)
    os.close(fd)
    os.unlink(tmp)


# --- writing --------------------------------------------------------------------------------------
def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def write_metrics(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=METRIC_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r[k]) for k in METRIC_COLUMNS})
    atomic_write_text(path, buf.getvalue())


def save_weights(path: Path, model: Any, metadata: dict[str, str] | None = None) -> None:
    """The model's weights as safetensors, written atomically (one implementation: compile.weights)."""
    from ..compile.weights import save_weights as _save

    _save(model, path, metadata)


def load_weights(model: Any, path: Path, device: Any = None) -> dict[str, str]:
    """Load safetensors weights into `model`, every name and shape checked (compile.weights does
    it); returns the file's metadata (which epoch, best or last)."""
    from safetensors import safe_open

    from ..compile.weights import load_weights as _load
    from ..files import special_file_kind

    kind = special_file_kind(path)
    if kind is not None:  # a FIFO would block the reader
        raise RunError(f"this is {kind}, not a weights file; it was not read.", where=str(path))
    _load(model, path)
    if device is not None:
        model.to(device)
    with safe_open(str(path), framework="pt", device="cpu") as f:
        return dict(f.metadata() or {})


# --- reading --------------------------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    from ..files import special_file_kind

    kind = special_file_kind(path)
    if kind is not None:
        raise RunError(f"this is {kind}, not a file; it was not read.", where=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError("the file is missing.", where=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunError(f"the file cannot be read ({e}).", where=str(path)) from None
    except RecursionError:
        raise RunError("the file cannot be read (its JSON is nested too deeply); it is damaged.",
                       where=str(path)) from None


def read_metrics(path: Path) -> list[dict]:
    from .run_files import read_metrics as read_checked  # a damaged file is a RunError naming the line

    return read_checked(path)


def is_run_dir(folder: Path) -> bool:
    return (folder / "summary.json").is_file()


def load_run(run_dir: str | os.PathLike, *, device: str | None = None, with_model: bool = True) -> Run:
    """Read a run folder back: summary, metrics, evaluation, project and the trained model (eval mode)."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise RunError("there is no run folder here.", where=str(folder))
    if not is_run_dir(folder):
        raise RunError("this folder is not a training run (it has no summary.json).", where=str(folder))
    summary = _read_json(folder / "summary.json")
    if not isinstance(summary, dict) or summary.get("format") != RUN_FORMAT:
        raise RunError("summary.json is not a CNN-RNN Studio run summary.", where=str(folder))
    from .run_files import check_summary

    check_summary(summary, folder / "summary.json", RUN_VERSION)
    if effective_status(summary) == "interrupted" and summary.get("status") == "running":
        summary = {**summary, "status": "interrupted"}
    project = None
    if (folder / "project.json").is_file():
        project = Project.from_dict(_read_json(folder / "project.json"), source=str(folder / "project.json"))
    evaluation = _read_json(folder / "evaluation.json") if (folder / "evaluation.json").is_file() else None
    model = None
    if with_model:
        if project is None:
            raise RunError("project.json is missing, so the network cannot be rebuilt.", where=str(folder))
        model = project.build_model()
        load_weights(model, folder / "weights.safetensors", device=device)
        model.eval()
    return Run(folder=folder, summary=summary, metrics=read_metrics(folder / "metrics.csv"),
               evaluation=evaluation, project=project, model=model)


def _runs_dir_for(project_or_runs_dir: Project | str | os.PathLike) -> tuple[Path, str | None]:
    if isinstance(project_or_runs_dir, Project):
        return project_runs_dir(project_or_runs_dir), project_or_runs_dir.name
    p = Path(project_or_runs_dir)
    if p.is_file():  # a project file: its runs live beside it
        try:
            name = json.loads(p.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            name = None
        return p.parent / "runs", name
    if p.is_dir() and not any(is_run_dir(c) for c in p.iterdir() if c.is_dir()) and (p / "runs").is_dir():
        return p / "runs", None
    return p, None


def info_from_summary(folder: Path, s: dict) -> RunInfo:
    test = s.get("test") or {}
    return RunInfo(
        folder=folder, name=folder.name, project_name=str(s.get("project_name", "")),
        created=str(s.get("created", "")), status=effective_status(s), task=s.get("task"),
        epochs_run=int(s.get("epochs_run") or 0), epochs=s.get("epochs"),
        test={k: v for k, v in test.items() if k in ("accuracy", "mae", "rmse", "loss")},
        device=s.get("device"), stopped_early=bool(s.get("stopped_early")),
        stopped_by_user=bool(s.get("stopped_by_user")), failed=s.get("failed"),
        total_params=s.get("total_params") if isinstance(s.get("total_params"), int) else None,
    )


def dataset_key(dataset: Any, base_dir: str | os.PathLike | None) -> str:
    """The same data gives the same key: a built-in's name, or the file spec with its paths made
    absolute (a project in another folder may name the same file differently)."""
    if not isinstance(dataset, dict):
        return json.dumps(dataset)
    d = dict(dataset)
    for key in ("train", "test"):
        if isinstance(d.get(key), str) and base_dir is not None:
            d[key] = str((Path(base_dir) / d[key]).resolve())
    return json.dumps(d, sort_keys=True)


def list_runs(project_or_runs_dir: Project | str | os.PathLike, *, same_data: bool = False) -> list[RunInfo]:
    """The runs of a project (or in a runs folder), newest first. Unreadable folders are skipped.

    same_data (with a Project): instead, every run on the project's dataset, whatever network it
    trained, from the project's runs folder and the per-user one: the runs a person compares to
    answer "CNN or LSTM for my data?".
    """
    if same_data and isinstance(project_or_runs_dir, Project):
        project = project_or_runs_dir
        folders = list(dict.fromkeys([project_runs_dir(project), user_runs_dir()]))
        want = dataset_key(project.dataset, project.base_dir)
        keep = lambda s: dataset_key(s.get("dataset"), s.get("base_dir")) == want  # noqa: E731
    else:
        runs_dir, project_name = _runs_dir_for(project_or_runs_dir)
        folders = [runs_dir]
        keep = lambda s: project_name is None or s.get("project_name") == project_name  # noqa: E731
    out: list[tuple[str, float, RunInfo]] = []
    for runs_dir in folders:
        if not runs_dir.is_dir():
            continue
        for child in runs_dir.iterdir():
            if not child.is_dir() or not is_run_dir(child):
                continue
            try:
                s = json.loads((child / "summary.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(s, dict) or s.get("format") != RUN_FORMAT or not keep(s):
                continue
            info = info_from_summary(child, s)
            out.append((info.created, child.stat().st_mtime, info))
    out.sort(key=lambda t: (t[0], t[1], t[2].name), reverse=True)
    return [t[2] for t in out]


def delete_run(run_dir: str | os.PathLike) -> None:
    """Delete a run folder (only something that really is a run folder)."""
    folder = Path(run_dir)
    if not folder.is_dir() or not is_run_dir(folder):
        raise RunError("this is not a training run folder, so it was not deleted.", where=str(folder))
    unexpected = [c.name for c in folder.iterdir() if c.name not in FILES and not c.name.startswith(".")]
    if unexpected:
        raise RunError(f"the folder also holds other files ({', '.join(sorted(unexpected)[:5])}), so it was not "
                       "deleted; remove it by hand if you are sure.", where=str(folder))
    try:
        shutil.rmtree(folder)
    except OSError as e:
        raise RunError(f"could not delete the run ({e.strerror or e}).", where=str(folder)) from None
