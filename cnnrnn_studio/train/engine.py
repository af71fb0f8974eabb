"""The training engine: one plain loop that emits events and checks stop/pause before every batch.

Why it looks the way it does:
- Data already in memory is sliced by a shuffled index (no DataLoader: for in-memory tensors it
  is slower, and worker processes misbehave in frozen apps). On CUDA the whole dataset moves to
  the GPU once when it fits; otherwise each batch is copied from pinned memory.
- The host never waits for the device inside the loop: batch losses stay as device tensors and
  are converted together, at most ~20 times per second and at the epoch's end.
- Seeded: torch.manual_seed before the model is built, plus a dedicated torch.Generator for the
  shuffling, so the same project trains to the same weights on CPU every time.
"""

from __future__ import annotations

import gc
import math
import platform
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import torch
from torch import nn

from ..errors import StudioError
from . import events as ev
from . import threads, time_gradients
from ..project.training import TrainConfig
from .control import TrainControl
from .evaluate import EVAL_BATCH, evaluate, predict_split
from .runs import (RUN_FORMAT, RUN_VERSION, Run, make_run_dir, save_weights, write_json, write_metrics,
                   load_weights)

EMIT_INTERVAL = 0.05  # seconds between BatchProgress events (~20 per second)
_clock = time.perf_counter  # one name, so a test can drive the throttling with a fake clock
GPU_DATA_SHARE = 0.4  # move the data to the GPU when it takes at most this share of the free memory


class TrainingFailed(StudioError):
    """The run stopped because of a problem (diverged, out of memory, ...); its folder keeps the last good epoch."""

    def __init__(self, message: str, *, epoch: int | None = None, run_dir: Path | None = None):
        super().__init__(message)
        self.epoch = epoch
        self.run_dir = run_dir


class _Diverged(Exception):
    def __init__(self, epoch: int, what: str):
        self.epoch, self.what = epoch, what


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
def _split_bytes(split) -> int:
    xs = split.x if isinstance(split.x, list) else [split.x]
    return sum(t.numel() * t.element_size() for t in xs) + split.y.numel() * split.y.element_size()


def _to_device(split, device: torch.device, regression: bool):
    from ..data import DataSplit

    y = split.y.float().reshape(len(split.y), -1) if regression else split.y
    if isinstance(split.x, list):
        return DataSplit([t.to(device) for t in split.x], y.to(device))
    return DataSplit(split.x.to(device), y.to(device))


def _pinned(split, regression: bool):
    from ..data import DataSplit

    y = split.y.float().reshape(len(split.y), -1) if regression else split.y
    x = split.x if isinstance(split.x, list) else split.x.pin_memory()
    return DataSplit(x, y.pin_memory())


def _batch_indices(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    parts = list(torch.split(order, batch_size))
    # A last batch of one sample breaks BatchNorm in training mode; fold it into the previous one.
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts[-2:] = [torch.cat(parts[-2:])]
    return parts


def count_batches(split, batch_size: int) -> int:
    n = len(split)
    if isinstance(split.x, list):
        sizes: dict[int, int] = {}
        for length in split.lengths():
            sizes[length] = sizes.get(length, 0) + 1
        return sum(-(-c // batch_size) for c in sizes.values())
    k = -(-n // batch_size)
    return k - 1 if k > 1 and n % batch_size == 1 else k


# --- the pieces the loop uses ---------------------------------------------------------------------
def make_optimizer(cfg: TrainConfig, params, device: torch.device | None = None) -> torch.optim.Optimizer:
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


def make_scheduler(cfg: TrainConfig, opt: torch.optim.Optimizer):
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


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None else float(f"{v:.{digits}g}")


class _Emitter:
    """Calls the listener(s); a listener's own exception ends the run as a failure (never silently)."""

    def __init__(self, listener):
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
    """One training run. ``run()`` returns a Run or raises a StudioError after emitting Failed."""

    def __init__(self, project, config: TrainConfig, *, dataset=None, out=None, listener=None,
                 control: TrainControl | None = None):
        self.project = project
        self.cfg = config
        self.dataset = dataset
        self.out = out
        self.emit = _Emitter(listener)
        self.control = control or TrainControl()
        self.run_dir: Path | None = None
        self.epoch = 0                 # the epoch in progress (0 before the first)
        self.rows: list[dict] = []     # metrics.csv rows of finished epochs
        self.saved_epoch = 0           # the epoch whose weights are on disk
        self.weights_which = "last"
        self.summary: dict[str, Any] = {}

    # The outer shell: every way out emits exactly one Finished or Failed.
    def run(self) -> Run:
        out_of_memory = False
        try:
            with _threads(threads.for_training(self.cfg.num_threads)):
                return self._run()
        except _Diverged as d:
            msg = (f"Training stopped in epoch {d.epoch}: the {d.what} became NaN or infinite (training "
                   f"diverged). {self._kept()} Try a smaller learning rate (now {self.cfg.learning_rate:g}) "
                   "or set grad_clip.")
            self._fail(msg, d.epoch)
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
        if self.saved_epoch:
            return f"The weights of epoch {self.saved_epoch} are kept in the run folder."
        return "No epoch finished; the run folder keeps the starting weights."

    def _free_memory(self) -> None:
        for name in ("model", "opt", "train_split", "val_split", "test_split"):
            if hasattr(self, name):
                setattr(self, name, None)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _fail(self, message: str, epoch: int | None, cause: BaseException | None = None,
              original: StudioError | None = None, reraise: bool = True):
        if self.run_dir is not None:
            try:
                self.summary.update(status="failed", failed=message, failed_epoch=epoch, finished=_now(),
                                    epochs_run=len(self.rows),
                                    weights={"epoch": self.saved_epoch, "which": self.weights_which})
                write_json(self.run_dir / "summary.json", self.summary)
            except Exception:
                pass
        self.emit.quietly(ev.Failed(message=message, epoch=epoch, run_dir=self.run_dir))
        if not reraise:
            return
        if original is not None:
            raise original
        err = TrainingFailed(message, epoch=epoch, run_dir=self.run_dir)
        if cause is not None:
            raise err from cause
        raise err

    # --- setting up -----------------------------------------------------------------------------
    def _run(self) -> Run:
        cfg, project = self.cfg, self.project
        analysis = project.check()
        from ..project.fit import check_fit, load_project_dataset

        if self.dataset is None:
            self.dataset = load_project_dataset(project, seed=cfg.seed, validation_split=cfg.validation_split)
        ds = self.dataset
        check_fit(project, ds)
        if len(ds.train) == 0:
            raise StudioError("The training split is empty: the dataset has no samples to learn from.")
        device = resolve_device(cfg.device)
        if device.type == "cuda":
            torch.cuda.set_device(device)  # the current device is per thread: set it in the one that trains
        self.device = device
        task = analysis.task or ds.task
        regression = task == "regression"

        self.run_dir = make_run_dir(project, self.out)
        # From here on a failure is written into summary.json, so the folder always says what happened.
        self.summary = {"format": RUN_FORMAT, "version": RUN_VERSION, "status": "running",
                        "project_name": project.name, "created": _now()}
        write_json(self.run_dir / "project.json", project.to_dict())

        torch.manual_seed(cfg.seed)
        model = project.build_model().to(device)
        self.model = model
        gen = torch.Generator().manual_seed(cfg.seed)

        # Data: whole splits on the device when they fit, else pinned host memory and per-batch copies.
        self.data_on_device = True
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            need = sum(_split_bytes(s) for s in (ds.train, ds.val, ds.test))
            self.data_on_device = need <= GPU_DATA_SHARE * free
        splits = {}
        for name in ("train", "val", "test"):
            s = ds.split(name)
            splits[name] = (_to_device(s, device, regression) if self.data_on_device
                            else _pinned(s, regression))
        self.train_split, self.val_split, self.test_split = splits["train"], splits["val"], splits["test"]
        # A few samples whose per-time-step input gradients are measured each epoch, for a
        # listener that asks (the Gradient flow view); picked and moved to the device once.
        self._time_probe = None
        spec = analysis.input_spec
        if self.emit.wants("wants_time_grads") and spec is not None and spec.kind in time_gradients.TIME_KINDS:
            batch = time_gradients.first_samples(self.val_split if len(self.val_split) else self.train_split)
            if batch is not None:
                self._time_probe = (batch[0].to(device), batch[1].to(device))

        # Mixed precision: CUDA only; bf16 where the GPU has it (no scaler needed), else fp16 + GradScaler.
        self.autocast = None
        self.scaler = None
        amp_dtype = None
        if cfg.mixed_precision and device.type == "cuda":
            amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self.autocast = lambda: torch.autocast("cuda", dtype=amp_dtype)
            if amp_dtype == torch.float16:
                self.scaler = torch.amp.GradScaler("cuda")
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = not ds.is_variable_length

        opt = make_optimizer(cfg, model.parameters(), device)
        self.opt = opt
        sched = make_scheduler(cfg, opt)
        loss_fn: nn.Module = nn.MSELoss() if regression else nn.CrossEntropyLoss()
        n_train, n_val, n_test = len(ds.train), len(ds.val), len(ds.test)
        batches = count_batches(ds.train, cfg.batch_size)
        # Per-block parameter lists for the once-per-epoch gradient norms.
        block_params = {bid: [p for p in model.blocks[name].parameters() if p.requires_grad]
                        for bid, name in model.block_names.items()}
        block_params = {bid: ps for bid, ps in block_params.items() if ps}
        meta = ds.meta or {}
        t_std = meta.get("target_std")
        target_std = (torch.as_tensor(t_std, dtype=torch.float32, device=device).reshape(1, -1)
                      if regression and t_std is not None else None)

        self.summary.update({
            "project_path": str(project.path) if project.path else None,
            "base_dir": str(Path(project.base_dir).resolve()),
            "finished": None,
            "task": task, "class_names": ds.class_names, "n_outputs": ds.n_outputs,
            "dataset": project.dataset, "dataset_info": ds.to_info(),
            "target_scaling": ({"mean": _floats(meta.get("target_mean")), "std": _floats(t_std)}
                               if regression and t_std is not None else None),
            "device": str(device), "device_name": device_name(device),
            "mixed_precision": str(amp_dtype).replace("torch.", "") if amp_dtype else None,
            "data_on_device": self.data_on_device,
            "total_params": sum(p.numel() for p in model.parameters()),
            "config": cfg.to_dict(), "epochs": cfg.epochs, "epochs_run": 0,
            "batches_per_epoch": batches, "n_train": n_train, "n_val": n_val, "n_test": n_test,
            "stopped_early": False, "stopped_by_user": False, "failed": None,
            "torch": torch.__version__, "python": sys.version.split()[0],
        })
        write_json(self.run_dir / "summary.json", self.summary)
        # Epoch 0 = the starting weights, so the folder always holds loadable weights.
        save_weights(self.run_dir / "weights.safetensors", model, {"epoch": "0", "which": "last"})
        write_metrics(self.run_dir / "metrics.csv", [])

        self.emit(ev.RunStarted(run_dir=self.run_dir, epochs=cfg.epochs, batches_per_epoch=batches,
                                device=str(device), device_name=self.summary["device_name"], n_train=n_train,
                                n_val=n_val, n_test=n_test, total_params=self.summary["total_params"],
                                task=task, class_names=ds.class_names))

        # --- the epochs ---------------------------------------------------------------------------
        best_loss, best_epoch, best_state, bad_epochs = math.inf, 0, None, 0
        patience = cfg.early_stopping_patience
        stopped_early = stopped_by_user = False
        t_start = _clock()
        train_seconds = 0.0
        for epoch in range(1, cfg.epochs + 1):
            self.epoch = epoch
            lr = float(opt.param_groups[0]["lr"])
            self.emit(ev.EpochStarted(epoch=epoch, epochs=cfg.epochs))
            try:
                tr = self._train_epoch(epoch, batches, gen, loss_fn, regression, block_params, lr)
                va = self._validate(epoch, loss_fn, regression, target_std)
            except _Stopped:
                stopped_by_user = True
                break
            train_seconds += tr["train_seconds"]
            row = {"epoch": epoch, "train_loss": _round(tr["loss"]), "train_accuracy": _round(tr["accuracy"]),
                   "val_loss": _round(va.get("loss")), "val_accuracy": _round(va.get("accuracy")),
                   "val_mae": _round(va.get("mae")), "val_rmse": _round(va.get("rmse")),
                   "lr": _round(lr), "samples_per_s": round(tr["samples_per_s"], 1),
                   "seconds": round(tr["train_seconds"] + va["seconds"], 4)}
            self.rows.append(row)
            save_weights(self.run_dir / "weights.safetensors", model, {"epoch": str(epoch), "which": "last"})
            self.saved_epoch = epoch
            write_metrics(self.run_dir / "metrics.csv", self.rows)
            self.emit(ev.EpochDone(epoch=epoch, epochs=cfg.epochs, train_loss=tr["loss"],
                                   train_accuracy=tr["accuracy"], val_loss=va.get("loss"),
                                   val_accuracy=va.get("accuracy"), val_mae=va.get("mae"), val_rmse=va.get("rmse"),
                                   samples_per_s=tr["samples_per_s"], seconds=tr["train_seconds"] + va["seconds"],
                                   lr=lr, grad_norms=tr["grad_norms"], time_grads=self._time_grads(loss_fn)))

            monitor = va["loss"] if va.get("loss") is not None else tr["loss"]
            if sched is not None:
                if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    sched.step(monitor)
                else:
                    sched.step()
            if patience is not None:
                if monitor < best_loss:
                    best_loss, best_epoch, bad_epochs = monitor, epoch, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    bad_epochs += 1
                    if bad_epochs >= patience:
                        stopped_early = True
                        break
            if self.control.stop_requested:
                stopped_by_user = True
                break

        # --- the end: the weights to keep, the test scores, the summary ---------------------------
        if stopped_by_user:
            # A half-done epoch changed the weights: go back to the last finished epoch's.
            load_weights(model, self.run_dir / "weights.safetensors", device=device)
        elif patience is not None and best_state is not None:
            model.load_state_dict(best_state)
            save_weights(self.run_dir / "weights.safetensors", model, {"epoch": str(best_epoch), "which": "best"})
            self.saved_epoch, self.weights_which = best_epoch, "best"
        model.eval()
        evaluation = evaluate(model, self.test_split, task, ds.class_names, meta)
        evaluation = {"split": "test", **evaluation}
        write_json(self.run_dir / "evaluation.json", evaluation)

        last = self.rows[-1] if self.rows else {}
        test = ({"accuracy": evaluation.get("accuracy"), "macro_f1": evaluation.get("macro_f1")}
                if task == "classification" else {"mae": evaluation.get("mae"), "rmse": evaluation.get("rmse")})
        test["loss"] = evaluation.get("loss")
        total = _clock() - t_start
        self.summary.update(
            status="stopped" if stopped_by_user else "finished", finished=_now(), epochs_run=len(self.rows),
            stopped_early=stopped_early, stopped_by_user=stopped_by_user,
            best_epoch=best_epoch if patience is not None else None,
            weights={"epoch": self.saved_epoch, "which": self.weights_which},
            final={k: v for k, v in last.items() if k != "epoch"}, test=test,
            timings={"total_seconds": round(total, 3), "train_seconds": round(train_seconds, 3),
                     "samples_per_s": round(n_train * len(self.rows) / train_seconds, 1) if train_seconds else None},
        )
        write_json(self.run_dir / "summary.json", self.summary)
        run = Run(folder=self.run_dir, summary=self.summary, metrics=list(self.rows), evaluation=evaluation,
                  project=project, model=model, dataset=ds)
        self.emit(ev.Finished(summary=self.summary, run_dir=self.run_dir, stopped_early=stopped_early,
                              stopped_by_user=stopped_by_user))
        return run

    def _time_grads(self, loss_fn) -> list[float] | None:
        """Per-time-step input gradients on the probe samples (None when nobody asked)."""
        if self._time_probe is None:
            return None
        return time_gradients.time_gradients(self.model, *self._time_probe, loss_fn)

    # --- one pass over the training data --------------------------------------------------------
    def _batches(self, gen: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        split, device = self.train_split, self.device
        if isinstance(split.x, list):
            from ..data import iter_batches

            for xb, yb, _ in iter_batches(split, self.cfg.batch_size, shuffle=True, generator=gen):
                yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            return
        x, y = split.x, split.y
        idx_device = x.device
        for idx in _batch_indices(len(split), self.cfg.batch_size, gen):
            if self.data_on_device:
                idx = idx.to(idx_device, non_blocking=True)
                yield x[idx], y[idx]
            else:
                yield (x[idx].pin_memory().to(device, non_blocking=True),
                       y[idx].pin_memory().to(device, non_blocking=True))

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

    def _train_epoch(self, epoch, batches, gen, loss_fn, regression, block_params, lr) -> dict:
        model, opt, scaler, autocast = self.model, self.opt, self.scaler, self.autocast
        clip = self.cfg.grad_clip
        model.train()
        pending: list[torch.Tensor] = []   # batch losses not yet sent (device tensors)
        sizes: list[int] = []              # batch sizes (host ints: known without asking the device)
        losses: list[float] = []
        correct = torch.zeros((), dtype=torch.int64, device=self.device) if not regression else None
        norms: torch.Tensor | None = None
        paused_for = [0.0]
        t0 = _clock()
        last_emit = t0
        done = 0
        b = 0
        for b, (xb, yb) in enumerate(self._batches(gen), start=1):
            self._check_control(epoch, b - 1, paused_for)
            if autocast is not None:
                with autocast():
                    out = model(xb)
                loss = loss_fn(out.float(), yb)
            else:
                out = model(xb)
                loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                if clip is not None or b == batches:
                    scaler.unscale_(opt)
            else:
                loss.backward()
            if b == batches:  # gradient norm per block, once per epoch, still on the device
                norms = torch.stack([torch.linalg.vector_norm(torch.stack(
                    [torch.linalg.vector_norm(p.grad.float()) for p in ps if p.grad is not None]
                    or [torch.zeros((), device=self.device)])) for ps in block_params.values()]) \
                    if block_params else None
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            pending.append(loss.detach())
            n_b = int(yb.shape[0])
            sizes.append(n_b)
            done += n_b
            if correct is not None:
                correct += (out.argmax(1) == yb).sum()
            now = _clock()
            if now - last_emit >= EMIT_INTERVAL or b == batches:
                vals = torch.stack(pending).float().tolist()  # the one host-device sync per emission
                pending.clear()
                if not all(math.isfinite(v) for v in vals):
                    raise _Diverged(epoch, "training loss")
                losses.extend(vals)
                last_emit = now
                rate = done / max(now - t0 - paused_for[0], 1e-9)
                self.emit(ev.BatchProgress(epoch=epoch, batch=b, batches=batches, losses=vals,
                                           samples_per_s=rate, lr=lr))
        if pending:  # the batch count was off (should not happen): still account for every batch
            vals = torch.stack(pending).float().tolist()
            if not all(math.isfinite(v) for v in vals):
                raise _Diverged(epoch, "training loss")
            losses.extend(vals)
        self._check_control(epoch, b, paused_for)
        seconds = _clock() - t0 - paused_for[0]
        n = sum(sizes)
        grad_norms = {}
        if norms is not None:
            grad_norms = {bid: float(v) for bid, v in zip(block_params, norms.tolist())}
        return {
            "loss": sum(l * s for l, s in zip(losses, sizes)) / n if n else float("nan"),
            "accuracy": int(correct) / n if correct is not None and n else None,
            "samples_per_s": n / seconds if seconds > 0 else 0.0,
            "train_seconds": seconds,
            "grad_norms": grad_norms,
        }

    def _validate(self, epoch, loss_fn, regression, target_std) -> dict:
        t0 = _clock()
        split = self.val_split
        if len(split) == 0:
            return {"seconds": _clock() - t0}
        bs = max(self.cfg.batch_size, EVAL_BATCH)
        outs = predict_split(self.model, split, bs, self.device, self.autocast, self.control)
        if outs is None:
            raise _Stopped()
        y = split.y.to(self.device, non_blocking=True)
        loss = loss_fn(outs, y)
        if regression:
            err = outs - y
            if target_std is not None:
                err = err * target_std  # back to the targets' own units
            vals = torch.stack([loss, err.abs().mean(), err.pow(2).mean().sqrt()]).tolist()
            result = {"loss": vals[0], "mae": vals[1], "rmse": vals[2]}
        else:
            acc = (outs.argmax(1) == y).float().mean()
            vals = torch.stack([loss, acc]).tolist()
            result = {"loss": vals[0], "accuracy": vals[1]}
        if not math.isfinite(result["loss"]):
            raise _Diverged(epoch, "validation loss")
        result["seconds"] = _clock() - t0
        return result


def _floats(v) -> list[float] | None:
    if v is None:
        return None
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (int, float)):
        return [float(v)]
    return [float(x) for x in v]


def run_training(project, config: TrainConfig, *, dataset=None, out=None, listener=None,
                 control: TrainControl | None = None) -> Run:
    return Trainer(project, config, dataset=dataset, out=out, listener=listener, control=control).run()


__all__ = ["Trainer", "TrainingFailed", "resolve_device", "device_name", "run_training", "count_batches",
           "make_optimizer", "make_scheduler"]
