"""The training engine: one plain loop that emits events and checks stop/pause before every batch.

Why it looks the way it does:
- Data already in memory is sliced by a shuffled index (no DataLoader: for in-memory tensors it
  is slower, and worker processes misbehave in frozen apps); data/batching.py cuts the batches and
  counts them by the same rule. On CUDA the whole dataset moves to the GPU once when it fits;
  otherwise each batch is copied from pinned memory.
- Series of different lengths train at the chosen batch size: batches of similar length, padded,
  run through the model's forward_padded (padding changes no output, loss or score); a network
  that padding would change gets exact-length batches, and the run's notes say so (_choose_batching).
- The host never waits for the device inside the loop: batch losses stay as device tensors and
  are converted together, at most ~20 times per second and at the epoch's end.
- Seeded: torch.manual_seed before the model is built, plus a dedicated torch.Generator for the
  shuffling, so the same project trains to the same weights on CPU every time.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import torch
from torch import nn

from ..data.batching import batch_indices, count_batches, count_padded_batches, iter_batches, iter_padded_batches
from ..data.streaming import is_streamed, prefetch_batches
from ..errors import StudioError, ValidationError
from ..graph import analyze
from . import events as ev
from . import threads, time_gradients
from ..project.training import TrainConfig
from .control import TrainControl
from .evaluate import EVAL_BATCH, evaluate, predict_split
from .events import Listener
from .ctc import exact_matches, greedy_decode
from .losses import blank_past_end, make_loss, step_errors, step_hits
from .observers import EarlyStopping, EpochObserver, EpochResult, RunFolderWriter, now_text
from .runs import Run, load_weights

if TYPE_CHECKING:
    from ..data import DataSplit, Dataset
    from ..project import Project

EMIT_INTERVAL = 0.05  # seconds between BatchProgress events (~20 per second)
_clock = time.perf_counter  # one name, so a test can drive the throttling with a fake clock
GPU_DATA_SHARE = 0.4  # move the data to the GPU when it takes at most this share of the free memory


class TrainingFailed(StudioError):
    """The run stopped because of a problem (diverged, out of memory, ...); its folder keeps the last good epoch."""

    def __init__(self, message: str, *, epoch: int | None = None, run_dir: Path | None = None) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.run_dir = run_dir


class _Diverged(Exception):
    """how: what the loss did ("became NaN or infinite", "grew from 2.3 to 8.4e+20")."""

    def __init__(self, epoch: int, what: str, how: str = "became NaN or infinite") -> None:
        self.epoch, self.what, self.how = epoch, what, how


#: Divergence: a loss that stops being finite, or that grows past this many times where training
#: started (the first batch's loss, counted as at least 1). Cross-entropy starts near ln(classes)
#: and MSE on standardised targets near 1, so a healthy run stays far below; Adam or SGD at a far
#: too large learning rate reaches 1e20 within an epoch.
DIVERGENCE_GROWTH = 1e4


def check_loss(values: list[float], start: float | None, epoch: int, what: str) -> None:
    """Raise _Diverged when a loss is NaN/infinite or past DIVERGENCE_GROWTH x max(start, 1)."""
    if not all(math.isfinite(v) for v in values):
        raise _Diverged(epoch, what)
    if start is not None and values:
        worst = max(values)
        if worst > DIVERGENCE_GROWTH * max(start, 1.0):
            raise _Diverged(epoch, what, f"grew from {start:.3g} to {worst:.3g}")


class _Stopped(Exception):
    pass


# --- devices --------------------------------------------------------------------------------------
def resolve_device(name: str = "auto") -> torch.device:
    """auto = CUDA, then Apple MPS, then CPU. A requested device that is missing is a clear StudioError."""
    name = (name or "auto").lower()
    mps = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps is not None and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("mps") if mps_ok else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            why = ("this PyTorch was built without CUDA (a CPU-only build)" if torch.version.cuda is None
                   else "no NVIDIA GPU or driver was found")
            raise StudioError(f"training.device is cuda, but CUDA cannot be used here: {why}. "
                              "Use device auto or cpu.")
        return torch.device("cuda", 0)
    if name == "mps":
        if not mps_ok:
            raise StudioError("training.device is mps, but Apple's Metal GPU (MPS) is not available here; it needs "
                              "a Mac with Apple silicon. Use device auto or cpu.")
        return torch.device("mps")
    raise StudioError(f"training.device must be auto, cpu, cuda or mps (got {name!r}).")


def device_name(device: torch.device) -> str:
    """What a person calls the device: 'NVIDIA H100 80GB HBM3', 'CPU: AMD EPYC 7B13 (2 threads)'."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU: {_cpu_model()} ({torch.get_num_threads()} threads)"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:  # Linux: platform.processor() says only 'x86_64'
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


# --- data on the device ---------------------------------------------------------------------------
def _split_bytes(split: DataSplit) -> int:
    xs = split.x if isinstance(split.x, list) else [split.x]
    return sum(t.numel() * t.element_size() for t in xs) + split.y.numel() * split.y.element_size()


def _targets(split: DataSplit, regression: bool) -> torch.Tensor:
    if not regression:
        return split.y
    if split.per_step:  # [N, T, k]: the time axis stays
        return split.y.float()
    return split.y.float().reshape(len(split.y), -1)


def _to_device(split: DataSplit, device: torch.device, regression: bool) -> DataSplit:
    from ..data import DataSplit

    y = _targets(split, regression)
    if isinstance(split.x, list):
        return DataSplit([t.to(device) for t in split.x], y.to(device), per_step=split.per_step)
    if is_streamed(split):  # read from disk batch by batch (data.streaming); only the targets move
        return DataSplit(split.x, y.to(device), per_step=split.per_step)
    return DataSplit(split.x.to(device), y.to(device), per_step=split.per_step)


def _pinned(split: DataSplit, regression: bool) -> DataSplit:
    from ..data import DataSplit

    y = _targets(split, regression)
    x = split.x if isinstance(split.x, list) or is_streamed(split) else split.x.pin_memory()
    return DataSplit(x, y.pin_memory(), per_step=split.per_step)


# --- the pieces the loop uses ---------------------------------------------------------------------
def make_optimizer(cfg: TrainConfig, params: Iterable[nn.Parameter],
                   device: torch.device | None = None) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD. On CPU and CUDA the fused kernels are used: one kernel for every
    parameter instead of a handful of small ops per parameter (the digits_cnn benchmark ran 3-25 %
    faster on CPU); where they are not supported the ordinary implementation is used."""
    params = list(params)
    if cfg.optimizer == "adam":
        cls, kw = torch.optim.Adam, {"weight_decay": cfg.weight_decay}
    elif cfg.optimizer == "adamw":
        cls, kw = torch.optim.AdamW, {"weight_decay": cfg.weight_decay}
    else:
        cls, kw = torch.optim.SGD, {"momentum": cfg.momentum, "weight_decay": cfg.weight_decay}
    if device is not None and device.type in ("cpu", "cuda") and all(p.is_floating_point() for p in params):
        try:
            return cls(params, lr=cfg.learning_rate, fused=True, **kw)
        except (RuntimeError, ValueError, TypeError):
            pass
    return cls(params, lr=cfg.learning_rate, **kw)


def make_scheduler(cfg: TrainConfig, opt: torch.optim.Optimizer
                   ) -> torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """The learning-rate schedule the settings ask for (a torch scheduler), or None."""
    if cfg.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=0.1)
    if cfg.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    if cfg.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=5)
    return None


@contextmanager
def _threads(n: int | None) -> Iterator[None]:
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


class _Emitter:
    """Calls the listener(s); a listener's own exception ends the run as a failure (never silently)."""

    def __init__(self, listener: Listener | Iterable[Listener] | None) -> None:
        if listener is None:
            self.listeners: list[Callable] = []
        elif callable(listener):
            self.listeners = [listener]
        else:
            self.listeners = list(listener)

    def __call__(self, event: ev.Event) -> None:
        for fn in self.listeners:
            fn(event)

    def wants(self, what: str) -> bool:
        """Does a listener ask for an extra (costly) figure? It says so with an attribute."""
        return any(getattr(fn, what, False) for fn in self.listeners)

    def quietly(self, event: ev.Event) -> None:
        for fn in self.listeners:
            try:
                fn(event)
            except Exception:  # the run is already failing: report what we can
                pass


# --- the run --------------------------------------------------------------------------------------
class Trainer:
    """One training run. ``run()`` returns a Run or raises a StudioError after emitting Failed.

    ``_run`` names the steps in order: load and check, choose the device, open the run folder,
    place the model and the data on the device, mixed precision, optimizer and scheduler, the
    epoch loop, the end. The loop reports each finished epoch to its observers (the run folder
    writer; early stopping when it is on), and any of them can end the run.
    """

    def __init__(self, project: Project, config: TrainConfig, *, dataset: Dataset | None = None,
                 out: str | os.PathLike | None = None, listener: Listener | Iterable[Listener] | None = None,
                 control: TrainControl | None = None, init_weights: str | os.PathLike | None = None) -> None:
        self.project = project
        self.init_weights = init_weights  # start from these weights (.safetensors or a run folder), not fresh ones
        self.cfg = config
        self.dataset = dataset
        self.out = out
        self.emit = _Emitter(listener)
        self.control = control or TrainControl()
        self.folder: RunFolderWriter | None = None   # set once the run folder exists
        self.epoch = 0                 # the epoch in progress (0 before the first)

    @property
    def run_dir(self) -> Path | None:
        return self.folder.run_dir if self.folder is not None else None

    # The outer shell: every way out emits exactly one Finished or Failed.
    def run(self) -> Run:
        out_of_memory = False
        try:
            with _threads(threads.for_training(self.cfg.num_threads)):
                return self._run()
        except _Diverged as d:
            msg = (f"Training stopped in epoch {d.epoch}: the {d.what} {d.how} (training "
                   f"diverged). {self._kept()} Try a smaller learning rate (now {self.cfg.learning_rate:g}) "
                   "or set grad_clip.")
            self._fail(msg, d.epoch, status="diverged")
        except torch.OutOfMemoryError:
            # Handled below, once this except block has dropped the traceback: its frames hold the
            # batch's tensors, and the memory can only be given back after they are gone.
            out_of_memory = True
        except TrainingFailed:
            raise
        except StudioError as e:  # bad settings, data that does not fit...: the same error, after Failed
            self._fail(str(e), self.epoch or None, original=e)
        except KeyboardInterrupt:  # a second Ctrl+C in the CLI: record it, then let it through
            self._fail("Training was interrupted.", self.epoch or None, reraise=False)
            raise
        except Exception as e:  # a bug or an unexpected library error: report it, never hang
            msg = f"Training failed in epoch {self.epoch}: {type(e).__name__}: {e}" if self.epoch else \
                f"Training could not start: {type(e).__name__}: {e}"
            self._fail(msg, self.epoch or None, cause=e)
        assert out_of_memory
        self._free_memory()
        bs = self.cfg.batch_size
        msg = (f"The GPU ran out of memory with batch size {bs}; try {max(1, bs // 2)}. "
               f"{self._kept() if self.run_dir else ''}").strip()
        self._fail(msg, self.epoch or None)
        raise AssertionError("unreachable")

    def _kept(self) -> str:
        if self.folder is not None and self.folder.saved_epoch:
            return f"The weights of epoch {self.folder.saved_epoch} are kept in the run folder."
        return "No epoch finished; the run folder keeps the starting weights."

    def _free_memory(self) -> None:
        for name in ("model", "opt", "train_split", "val_split", "test_split"):
            if hasattr(self, name):
                setattr(self, name, None)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _fail(self, message: str, epoch: int | None, cause: BaseException | None = None,
              original: StudioError | None = None, reraise: bool = True, status: str | None = None) -> None:
        if self.folder is not None:
            self.folder.failed(message, epoch, status)
        self.emit.quietly(ev.Failed(message=message, epoch=epoch, run_dir=self.run_dir))
        if not reraise:
            return
        if original is not None:
            raise original
        err = TrainingFailed(message, epoch=epoch, run_dir=self.run_dir)
        if cause is not None:
            raise err from cause
        raise err

    # --- the steps, in order --------------------------------------------------------------------
    def _run(self) -> Run:
        cfg = self.cfg
        analysis, ds = self._load_and_check()
        self.task = analysis.task or ds.task
        self.regression = self.task == "regression"
        self.ctc = self.task == "ctc"  # label sequences: CTC loss, accuracy = sequences read exactly
        self.start_loss: float | None = None  # the first batch's loss: where divergence is measured from
        self.per_step = ds.per_step  # a target at every time step: losses and scores count steps
        self._choose_device()
        self.folder = RunFolderWriter(self.project, self.out)
        self._place_model_and_data(ds)
        self._set_up_augment(ds)
        self._pick_time_probe(analysis.input_spec)
        amp_dtype = self._set_up_precision(ds.is_variable_length)
        self.opt = make_optimizer(cfg, self._trainable(), self.device)
        self.sched = make_scheduler(cfg, self.opt)
        self.loss_fn: nn.Module = make_loss(self.task, self.per_step)
        self._choose_batching()
        self._prepare_epoch_figures(ds)

        self.folder.run_started(self._describe(ds, amp_dtype), self.model)
        summary = self.folder.summary
        self.emit(ev.RunStarted(run_dir=self.folder.run_dir, epochs=cfg.epochs, batches_per_epoch=self.batches,
                                device=str(self.device), device_name=summary["device_name"],
                                n_train=summary["n_train"], n_val=summary["n_val"], n_test=summary["n_test"],
                                total_params=summary["total_params"], task=self.task,
                                class_names=ds.class_names, notes=list(self.notes)))

        early = EarlyStopping(cfg.early_stopping_patience) if cfg.early_stopping_patience is not None else None
        observers: list[EpochObserver] = [self.folder] + ([early] if early is not None else [])
        t_start = _clock()
        stopped_early, stopped_by_user, train_seconds = self._epoch_loop(observers)
        return self._finish(ds, early, stopped_early, stopped_by_user, train_seconds, _clock() - t_start)

    def _load_and_check(self) -> tuple[Any, Dataset]:
        """The project's analysis and its dataset (loaded unless given), checked to fit each other."""
        from ..project.fit import check_fit, load_project_dataset

        cfg, project = self.cfg, self.project
        analysis = project.check()
        if cfg.batch_size != project.batch_size:  # a batch size given for this run: check memory at it
            analysis = analyze(project.graph, batch_size=cfg.batch_size)
            if not analysis.ok:
                raise ValidationError(analysis.errors)
        if self.dataset is None:
            # On the CPU an image folder not decoded yet is decoded while the first epoch reads it
            # (cache_fill). A GPU trains fastest from data held on it: there the folder is decoded first.
            self.dataset = load_project_dataset(project, seed=cfg.seed, validation_split=cfg.validation_split,
                                                decode_alongside=resolve_device(cfg.device).type == "cpu")
        ds = self.dataset
        check_fit(project, ds)
        if len(ds.train) == 0:
            raise StudioError("The training split is empty: the dataset has no samples to learn from.")
        return analysis, ds

    def _choose_device(self) -> None:
        self.device = resolve_device(self.cfg.device)
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)  # the current device is per thread: set it in the one that trains
            # the estimate against this GPU's memory too (graph/memory.py), before anything is allocated there
            gpu = int(torch.cuda.get_device_properties(self.device).total_memory)
            fit = analyze(self.project.graph, batch_size=self.cfg.batch_size, gpu_memory=gpu)
            if not fit.ok:
                raise ValidationError(fit.errors)

    def _place_model_and_data(self, ds: Dataset) -> None:
        """The seeded model on the device; the data too when it fits, else in pinned host memory
        (each batch is copied over then)."""
        cfg, device = self.cfg, self.device
        torch.manual_seed(cfg.seed)
        model = self.project.build_model()
        self.start_weights = None
        if self.init_weights is not None:  # names and shapes checked: every mismatch named, nothing loaded
            from ..compile.weights import load_start_weights

            self.start_weights = load_start_weights(model, self.init_weights)
        self.model = model.to(device)
        self.gen = torch.Generator().manual_seed(cfg.seed)   # the shuffling's own random numbers
        self.data_on_device = True
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            need = sum(_split_bytes(s) for s in (ds.train, ds.val, ds.test))
            self.data_on_device = need <= GPU_DATA_SHARE * free
        splits = {}
        for name in ("train", "val", "test"):
            s = ds.split(name)
            splits[name] = (_to_device(s, device, self.regression) if self.data_on_device
                            else _pinned(s, self.regression))
        self.train_split, self.val_split, self.test_split = splits["train"], splits["val"], splits["test"]

    def _trainable(self) -> list[nn.Parameter]:
        """The weights the optimizer updates: every block's but the frozen ones'."""
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            frozen = ", ".join(self.project.graph.frozen_ids() & set(self.model.block_names)) or "none"
            raise StudioError("Every block with weights is frozen, so training has nothing to change (frozen: "
                              f"{frozen}). Switch 'Train this block' on for at least one of them.")
        return params

    def _augmented(self, xb: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """The augmented training batch. In a padded batch each series is augmented over its own
        real steps only (series of one length together), so shifts and window slices never pull
        padding into a series and the padding stays zero."""
        if lengths is None:
            return self.augment(xb)
        out = xb.clone()
        for length in torch.unique(lengths).tolist():
            rows = torch.nonzero(lengths == length).squeeze(1).to(xb.device)
            out[rows, :length] = self.augment(xb[rows, :length])
        return out

    def _pick_time_probe(self, spec: Any) -> None:
        """A few samples whose per-time-step input gradients are measured each epoch, for a
        listener that asks (the Gradient flow view); picked and moved to the device once."""
        self._time_probe = None
        if self.emit.wants("wants_time_grads") and spec is not None and spec.kind in time_gradients.TIME_KINDS:
            batch = time_gradients.first_samples(self.val_split if len(self.val_split) else self.train_split)
            if batch is not None:
                self._time_probe = (batch[0].to(self.device), batch[1].to(self.device))

    def _set_up_augment(self, ds: Dataset) -> None:
        """The dataset section's augmentation for this data, applied to training batches only, on
        the device, seeded from the training seed; None when nothing is on."""
        from ..data.augment import AUGMENT_KEY, Augmenter, augment_settings

        spec = self.project.dataset if isinstance(self.project.dataset, dict) else {}
        settings = augment_settings(spec.get(AUGMENT_KEY), ds.kind, per_step=ds.per_step, task=ds.task)
        self.augment = Augmenter(settings, ds.kind, self.cfg.seed, self.device) if settings else None

    def _set_up_precision(self, variable_length: bool) -> torch.dtype | None:
        """Mixed precision: CUDA only; bf16 where the GPU has it (no scaler needed), else fp16 +
        GradScaler. Returns the autocast dtype, None without mixed precision."""
        device = self.device
        self.autocast: Callable[[], Any] | None = None
        self.scaler: torch.amp.GradScaler | None = None
        amp_dtype = None
        if self.cfg.mixed_precision and device.type == "cuda":
            amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self.autocast = lambda: torch.autocast("cuda", dtype=amp_dtype)
            if amp_dtype == torch.float16:
                self.scaler = torch.amp.GradScaler("cuda")
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = not variable_length
        return amp_dtype

    def _choose_batching(self) -> None:
        """Series of different lengths: batches of the chosen size padded to their longest, when the
        network gives every sample the same outputs that way (compile/padding.py); otherwise
        batches of one exact length, which the training log says with the reason."""
        split, bs = self.train_split, self.cfg.batch_size
        self.notes: list[str] = []
        self.padded = False
        if isinstance(split.x, list):
            problem = self.model.padding_problem
            self.padded = problem is None
            if self.padded:
                self.notes.append(f"Series of different lengths: batches of {bs} series of similar length, padded "
                                  "to the longest in the batch; padding never counts in a loss, a state or a score.")
            else:
                self.notes.append(f"Series of different lengths are batched by exact length (batches may hold fewer "
                                  f"than {bs} series), because padding would change this network: {problem}.")
        counter = count_padded_batches if self.padded else count_batches
        self.batches = counter(split, bs, merge_single_last=True)

    def _prepare_epoch_figures(self, ds: Dataset) -> None:
        """What the per-epoch figures need: per-block parameter lists for the gradient norms, and
        the targets' scale to report regression errors in their own units."""
        model = self.model
        block_params = {bid: [p for p in model.blocks[name].parameters() if p.requires_grad]
                        for bid, name in model.block_names.items()}
        self.block_params = {bid: ps for bid, ps in block_params.items() if ps}
        t_std = (ds.meta or {}).get("target_std")
        self.target_std = (torch.as_tensor(t_std, dtype=torch.float32, device=self.device).reshape(1, -1)
                           if self.regression and t_std is not None else None)

    def _describe(self, ds: Dataset, amp_dtype: torch.dtype | None) -> dict[str, Any]:
        """summary.json's fields known before the first epoch."""
        cfg, project, device = self.cfg, self.project, self.device
        meta = ds.meta or {}
        t_std = meta.get("target_std")
        return {
            "project_path": str(project.path) if project.path else None,
            "base_dir": str(Path(project.base_dir).resolve()),
            "finished": None,
            "task": self.task, "class_names": ds.class_names, "n_outputs": ds.n_outputs,
            "dataset": project.dataset, "dataset_info": ds.to_info(),
            "target_scaling": ({"mean": _floats(meta.get("target_mean")), "std": _floats(t_std)}
                               if self.regression and t_std is not None else None),
            "device": str(device), "device_name": device_name(device),
            "mixed_precision": str(amp_dtype).replace("torch.", "") if amp_dtype else None,
            "data_on_device": self.data_on_device,
            "total_params": sum(p.numel() for p in self.model.parameters()),
            "trainable_params": sum(p.numel() for p in self.model.parameters() if p.requires_grad),
            "frozen_blocks": sorted(self.project.graph.frozen_ids() & set(self.model.block_names)),
            "start_weights": self.start_weights.to_dict() if self.start_weights is not None else None,
            "config": cfg.to_dict(), "epochs": cfg.epochs, "epochs_run": 0,
            "batches_per_epoch": self.batches, "n_train": len(ds.train), "n_val": len(ds.val),
            "batching": "padded" if self.padded else ("exact_length" if ds.is_variable_length else "plain"),
            "notes": list(self.notes),
            "n_test": len(ds.test),
            "stopped_early": False, "stopped_by_user": False, "failed": None,
            "torch": torch.__version__, "python": sys.version.split()[0],
        }

    # --- the epochs -----------------------------------------------------------------------------
    def _epoch_loop(self, observers: list[EpochObserver]) -> tuple[bool, bool, float]:
        """Run the epochs until the last, an observer's stop (early stopping) or the user's.
        Returns (stopped early, stopped by the user, seconds spent in training passes)."""
        cfg, sched = self.cfg, self.sched
        train_seconds = 0.0
        for epoch in range(1, cfg.epochs + 1):
            self.epoch = epoch
            lr = float(self.opt.param_groups[0]["lr"])
            self.emit(ev.EpochStarted(epoch=epoch, epochs=cfg.epochs))
            try:
                result = self._run_epoch(epoch, lr)
            except _Stopped:
                return False, True, train_seconds
            train_seconds += result.train_seconds
            # Every observer hears of the epoch (the list, not a generator: no short cut) before the
            # listeners do, so the epoch's weights and metrics row are on disk by then.
            stop = any([o.epoch_done(result, self.model) for o in observers])
            va = result.val
            self.emit(ev.EpochDone(epoch=epoch, epochs=cfg.epochs, train_loss=result.train_loss,
                                   train_accuracy=result.train_accuracy, val_loss=va.get("loss"),
                                   val_accuracy=va.get("accuracy"), val_mae=va.get("mae"),
                                   val_rmse=va.get("rmse"), samples_per_s=result.samples_per_s,
                                   seconds=result.seconds, lr=lr, grad_norms=result.grad_norms,
                                   time_grads=self._time_grads()))
            if sched is not None:
                if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    sched.step(result.monitor)
                else:
                    sched.step()
            if stop:  # only early stopping says stop
                return True, False, train_seconds
            if self.control.stop_requested:
                return False, True, train_seconds
        return False, False, train_seconds

    def _run_epoch(self, epoch: int, lr: float) -> EpochResult:
        tr = self._train_epoch(epoch, lr)
        va = self._validate(epoch)
        val_seconds = va.pop("seconds")
        return EpochResult(epoch=epoch, lr=lr, train_loss=tr["loss"], train_accuracy=tr["accuracy"],
                           samples_per_s=tr["samples_per_s"], train_seconds=tr["train_seconds"],
                           val_seconds=val_seconds, val=va, grad_norms=tr["grad_norms"])

    # --- the end: the weights to keep, the test scores, the summary -----------------------------
    def _finish(self, ds: Dataset, early: EarlyStopping | None, stopped_early: bool, stopped_by_user: bool,
                train_seconds: float, total_seconds: float) -> Run:
        model, folder, task = self.model, self.folder, self.task
        if stopped_by_user:
            # A half-done epoch changed the weights: go back to the last finished epoch's.
            load_weights(model, folder.weights_path, device=self.device)
        elif early is not None and early.best_state is not None:
            model.load_state_dict(early.best_state)
            folder.keep_best(model, early.best_epoch)
        model.eval()
        evaluation = evaluate(model, self.test_split, task, ds.class_names, ds.meta or {})
        evaluation = {"split": "test", **evaluation}
        folder.write_evaluation(evaluation)

        rows = folder.rows
        last = rows[-1] if rows else {}
        test = ({"accuracy": evaluation.get("accuracy"), "macro_f1": evaluation.get("macro_f1")}
                if task == "classification" else
                {"accuracy": evaluation.get("accuracy"), "cer": evaluation.get("cer")} if task == "ctc" else
                {"mae": evaluation.get("mae"), "rmse": evaluation.get("rmse")})
        test["loss"] = evaluation.get("loss")
        n_train = len(ds.train)
        folder.write_summary(
            status="stopped" if stopped_by_user else "finished", finished=now_text(), epochs_run=len(rows),
            stopped_early=stopped_early, stopped_by_user=stopped_by_user,
            best_epoch=early.best_epoch if early is not None else None,
            weights=folder.weights_info(),
            final={k: v for k, v in last.items() if k != "epoch"}, test=test,
            timings={"total_seconds": round(total_seconds, 3), "train_seconds": round(train_seconds, 3),
                     "samples_per_s": round(n_train * len(rows) / train_seconds, 1) if train_seconds else None},
        )
        run = Run(folder=folder.run_dir, summary=folder.summary, metrics=list(rows), evaluation=evaluation,
                  project=self.project, model=model, dataset=ds)
        self.emit(ev.Finished(summary=folder.summary, run_dir=folder.run_dir, stopped_early=stopped_early,
                              stopped_by_user=stopped_by_user))
        return run

    def _time_grads(self) -> list[float] | None:
        """Per-time-step input gradients on the probe samples (None when nobody asked)."""
        if self._time_probe is None:
            return None
        return time_gradients.time_gradients(self.model, *self._time_probe, self.loss_fn)

    # --- one pass over the training data --------------------------------------------------------
    def _batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]:
        """(x, y, real lengths of padded series or None) of every batch of one shuffled pass."""
        split, device, bs = self.train_split, self.device, self.cfg.batch_size
        if is_streamed(split):  # gathered from the disk cache on a background thread, ahead of use
            for xb, yb, _ in prefetch_batches(split, bs, shuffle=True, generator=self.gen, merge_single_last=True,
                                              pin_memory=device.type == "cuda"):
                yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True), None
            return
        if self.padded:
            for xb, yb, _, lengths in iter_padded_batches(split, bs, shuffle=True, generator=self.gen,
                                                          merge_single_last=True):
                yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True), lengths
            return
        if isinstance(split.x, list):
            for xb, yb, _ in iter_batches(split, bs, shuffle=True, generator=self.gen, merge_single_last=True):
                yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True), None
            return
        x, y = split.x, split.y
        idx_device = x.device
        for idx in batch_indices(split, bs, shuffle=True, generator=self.gen, merge_single_last=True):
            if self.data_on_device:
                idx = idx.to(idx_device, non_blocking=True)
                yield x[idx], y[idx], None
            else:
                yield (x[idx].pin_memory().to(device, non_blocking=True),
                       y[idx].pin_memory().to(device, non_blocking=True), None)

    def _check_control(self, epoch: int, batch: int, paused_for: list[float]) -> None:
        control = self.control
        if control.paused and not control.stop_requested:
            t = _clock()
            self.emit(ev.Paused(epoch=epoch, batch=batch))
            while not control.wait_while_paused(0.5):
                pass
            paused_for[0] += _clock() - t
            if not control.stop_requested:
                self.emit(ev.Resumed(epoch=epoch, batch=batch))
        if control.stop_requested:
            raise _Stopped()

    def _forward(self, xb: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """The model's outputs; padded series go through forward_padded. CTC scores past a series'
        end become sure blanks, which change neither the CTC loss nor the greedy reading."""
        if lengths is None:
            return self.model(xb)
        out, out_lengths = self.model.forward_padded(xb, lengths)
        if self.ctc and out_lengths is not None:
            out = blank_past_end(out, out_lengths)
        return out

    def _step(self, xb: torch.Tensor, yb: torch.Tensor, last: bool, lengths: torch.Tensor | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One optimizer step on one batch: (loss, outputs, per-block gradient norms on the epoch's
        last batch, else None). Everything stays on the device. ``lengths``: the real lengths of a
        batch of padded series."""
        opt, scaler, autocast, loss_fn = self.opt, self.scaler, self.autocast, self.loss_fn
        clip = self.cfg.grad_clip
        if autocast is not None:
            with autocast():
                out = self._forward(xb, lengths)
            loss = loss_fn(out.float(), yb)
        else:
            out = self._forward(xb, lengths)
            loss = loss_fn(out, yb)
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            if clip is not None or last:
                scaler.unscale_(opt)
        else:
            loss.backward()
        norms = self._grad_norms() if last else None
        if clip is not None:
            nn.utils.clip_grad_norm_(self.opt.param_groups[0]["params"], clip)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()
        return loss, out, norms

    def _grad_norms(self) -> torch.Tensor | None:
        """The gradient's L2 norm per block (before clipping), still on the device."""
        if not self.block_params:
            return None
        zero = [torch.zeros((), device=self.device)]
        return torch.stack([torch.linalg.vector_norm(torch.stack(
            [torch.linalg.vector_norm(p.grad.float()) for p in ps if p.grad is not None] or zero))
            for ps in self.block_params.values()])

    def _train_epoch(self, epoch: int, lr: float) -> dict[str, Any]:
        batches = self.batches
        self.model.train()
        pending: list[torch.Tensor] = []   # batch losses not yet sent (device tensors)
        sizes: list[int] = []              # batch sizes (host ints: known without asking the device)
        losses: list[float] = []
        # Per-step data: each batch's loss is a mean over its counted steps, so the epoch's is
        # weighted by those counts (device tensors, read with the losses) instead of batch sizes.
        pending_steps: list[torch.Tensor] = []
        steps: list[float] = []
        correct = torch.zeros((), dtype=torch.int64, device=self.device) if not self.regression else None
        counted = torch.zeros((), dtype=torch.int64, device=self.device) if self.per_step else None
        norms: torch.Tensor | None = None
        paused_for = [0.0]
        t0 = _clock()
        last_emit = t0
        done = 0
        b = 0
        for b, (xb, yb, lengths) in enumerate(self._batches(), start=1):
            self._check_control(epoch, b - 1, paused_for)
            if self.augment is not None:  # training batches only: validation and test stay as they are
                xb = self._augmented(xb, lengths)
            loss, out, step_norms = self._step(xb, yb, last=b == batches, lengths=lengths)
            if step_norms is not None:
                norms = step_norms
            pending.append(loss.detach())
            n_b = int(yb.shape[0])
            sizes.append(n_b)
            done += n_b
            if self.per_step:
                known = (yb != -1) if not self.regression else ~torch.isnan(yb)
                pending_steps.append(known.sum())
                if correct is not None:
                    hits, n_known = step_hits(out.detach(), yb)
                    correct += hits
                    counted += n_known
            elif self.ctc:
                correct += exact_matches(greedy_decode(out.detach()), yb).sum()
            elif correct is not None:
                correct += (out.argmax(1) == yb).sum()
            now = _clock()
            if now - last_emit >= EMIT_INTERVAL or b == batches:
                # the one host-device sync per emission
                both = torch.stack(pending + pending_steps).float().tolist()
                vals = both[:len(pending)]
                steps.extend(both[len(pending):])
                pending.clear()
                pending_steps.clear()
                if self.start_loss is None and vals and math.isfinite(vals[0]):
                    self.start_loss = vals[0]
                check_loss(vals, self.start_loss, epoch, "training loss")
                losses.extend(vals)
                last_emit = now
                rate = done / max(now - t0 - paused_for[0], 1e-9)
                self.emit(ev.BatchProgress(epoch=epoch, batch=b, batches=batches, losses=vals,
                                           samples_per_s=rate, lr=lr))
        self._check_control(epoch, b, paused_for)
        seconds = _clock() - t0 - paused_for[0]
        n = sum(sizes)
        grad_norms = {}
        if norms is not None:
            grad_norms = {bid: float(v) for bid, v in zip(self.block_params, norms.tolist())}
        weights = steps if self.per_step else sizes
        total = sum(weights)
        if counted is not None:
            n_acc = int(counted)
        else:
            n_acc = n
        return {
            "loss": sum(l * s for l, s in zip(losses, weights)) / total if total else float("nan"),
            "accuracy": int(correct) / n_acc if correct is not None and n_acc else None,
            "samples_per_s": n / seconds if seconds > 0 else 0.0,
            "train_seconds": seconds,
            "grad_norms": grad_norms,
        }

    def _validate(self, epoch: int) -> dict[str, float]:
        """Validation loss and scores, and "seconds"; only "seconds" without validation data."""
        t0 = _clock()
        split = self.val_split
        if len(split) == 0:
            return {"seconds": _clock() - t0}
        bs = max(self.cfg.batch_size, EVAL_BATCH)
        outs = predict_split(self.model, split, bs, self.device, self.autocast, self.control)
        if outs is None:
            raise _Stopped()
        y = split.y.to(self.device, non_blocking=True)
        loss = self.loss_fn(outs, y)
        if self.per_step and self.regression:
            mae, rmse = step_errors(outs, y, self.target_std)
            vals = torch.stack([loss, mae, rmse]).tolist()
            result = {"loss": vals[0], "mae": vals[1], "rmse": vals[2]}
        elif self.ctc:
            acc = exact_matches(greedy_decode(outs), y).float().mean()
            vals = torch.stack([loss, acc]).tolist()
            result = {"loss": vals[0], "accuracy": vals[1]}
        elif self.per_step:
            hits, n_known = step_hits(outs, y)
            vals = torch.stack([loss, hits.float() / n_known.clamp(min=1).float()]).tolist()
            result = {"loss": vals[0], "accuracy": vals[1]}
        elif self.regression:
            err = outs - y
            if self.target_std is not None:
                err = err * self.target_std  # back to the targets' own units
            vals = torch.stack([loss, err.abs().mean(), err.pow(2).mean().sqrt()]).tolist()
            result = {"loss": vals[0], "mae": vals[1], "rmse": vals[2]}
        else:
            acc = (outs.argmax(1) == y).float().mean()
            vals = torch.stack([loss, acc]).tolist()
            result = {"loss": vals[0], "accuracy": vals[1]}
        check_loss([result["loss"]], self.start_loss, epoch, "validation loss")
        result["seconds"] = _clock() - t0
        return result


def _floats(v: Any) -> list[float] | None:
    if v is None:
        return None
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (int, float)):
        return [float(v)]
    return [float(x) for x in v]


def run_training(project: Project, config: TrainConfig, *, dataset: Dataset | None = None,
                 out: str | os.PathLike | None = None, listener: Listener | Iterable[Listener] | None = None,
                 control: TrainControl | None = None, init_weights: str | os.PathLike | None = None) -> Run:
    """Train ``project`` with ``config``, as ``Trainer(...).run()``."""
    return Trainer(project, config, dataset=dataset, out=out, listener=listener, control=control,
                   init_weights=init_weights).run()


__all__ = ["Trainer", "TrainingFailed", "resolve_device", "device_name", "run_training", "count_batches",
           "make_optimizer", "make_scheduler"]
