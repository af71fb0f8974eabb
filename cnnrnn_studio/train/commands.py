"""`cnnrnn-studio train` and `cnnrnn-studio evaluate`: the engine in the foreground.

For people: a progress bar per epoch (on stderr) and one line per epoch. With --json: one JSON
object per line on stdout and nothing else (per epoch, then a last one with "final": true).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..project import Project
    from .control import TrainControl
    from .events import Event


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    t = subparsers.add_parser(
        "train", help="train a project and save the run (weights, metrics, evaluation)",
        description="Train a project on its dataset. The run is saved in a new folder in <project folder>/runs/ "
                    "(or --out). Ctrl+C, SIGTERM and SIGHUP stop after the current batch and keep the last "
                    "finished epoch (a stop by signal exits with 128 + the signal's number); summary.json "
                    "always says the run's state: running, finished, stopped, diverged, failed or interrupted.")
    t.add_argument("project", help="a project file (or the id of a template, such as digits_cnn)")
    t.add_argument("--epochs", type=int, metavar="N", help="how many passes over the training data")
    t.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="where to train (default: auto)")
    t.add_argument("--out", metavar="DIR",
                   help="the run folder: a new folder, or an empty one (a folder that holds a run, or any of a "
                        "run's file names, is refused: nothing there is replaced, and two runs never share one)")
    t.add_argument("--json", action="store_true", help="print one JSON object per line instead of progress bars")
    t.add_argument("--batch-size", type=int, metavar="N", dest="batch_size", help="samples per batch")
    t.add_argument("--lr", type=float, metavar="X", help="learning rate")
    t.add_argument("--seed", type=int, metavar="N", help="random seed (same seed, same result on CPU)")
    t.add_argument("--weights", metavar="FILE_OR_RUN_DIR",
                   help="start from these weights instead of fresh ones: a .safetensors file (such as the one "
                        "import-onnx writes beside the project) or a run folder; checked against the network")
    t.set_defaults(func=cmd_train)

    e = subparsers.add_parser("evaluate", help="score a saved run on its dataset's test split")
    e.add_argument("run_dir", metavar="RUN_DIR", help="a run folder made by train")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu", help="where to run the model")
    e.set_defaults(func=cmd_evaluate)

    g = subparsers.add_parser(
        "generate", help="let a next-step run write text or forecast a series in a closed loop",
        description="Feed each prediction of a run back as its next input. A next-character model (trained on "
                    "a text, data format \"text\") writes text after --start, sampling each character at "
                    "--temperature; a next-value model on a series forecasts --length steps after --start (comma-"
                    "separated values in the data's own units; default: the end of the run's data).")
    g.add_argument("run_dir", metavar="RUN_DIR", help="a run folder made by train")
    g.add_argument("--length", type=int, default=200, metavar="N", help="how many characters or values (default 200)")
    g.add_argument("--start", metavar="TEXT_OR_VALUES",
                   help="the text to continue, or comma-separated values (default: a sampled character, or the "
                        "end of the series)")
    g.add_argument("--temperature", type=float, default=1.0, metavar="T",
                   help="sampling temperature for characters: 0 = always the most likely, 1 = as the model "
                        "predicts, more = more surprising (default 1)")
    g.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (same seed, same result)")
    g.add_argument("--json", action="store_true", help="print one JSON object (key 'generated')")
    g.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu", help="where to run the model")
    g.set_defaults(func=cmd_generate)


def _load(project_arg: str) -> Project:
    from ..project import load_project_or_template

    return load_project_or_template(project_arg)


def _clean(v: Any) -> Any:
    """JSON has no NaN: None instead."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}%"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


class _HumanPrinter:
    """A tqdm bar per epoch on stderr, one summary line per epoch on stdout."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, e: Event) -> None:
        from tqdm import tqdm

        from . import events as ev

        if isinstance(e, ev.RunStarted):
            what = f"{len(e.class_names)} classes" if e.class_names else e.task
            print(f"Training on {e.device_name} ({e.device}): {e.n_train:,} training, {e.n_val:,} validation, "
                  f"{e.n_test:,} test samples; {e.total_params:,} parameters; {what}.", flush=True)
            print(f"Run folder: {e.run_dir}", flush=True)
            for note in e.notes:
                print(note, flush=True)
        elif isinstance(e, ev.EpochStarted):
            self.bar = tqdm(total=None, desc=f"Epoch {e.epoch}/{e.epochs}", unit="batch", leave=False,
                            file=sys.stderr, dynamic_ncols=True)
        elif isinstance(e, ev.BatchProgress) and self.bar is not None:
            if self.bar.total is None:
                self.bar.total = e.batches
            self.bar.update(e.batch - self.bar.n)
            self.bar.set_postfix(loss=f"{e.losses[-1]:.4f}", refresh=False)
        elif isinstance(e, ev.EpochDone):
            self._close()
            parts = [f"Epoch {e.epoch}/{e.epochs}", f"loss {_num(e.train_loss)}"]
            if e.train_accuracy is not None:
                parts.append(f"acc {_pct(e.train_accuracy)}")
            if e.val_loss is not None:
                parts.append(f"val loss {_num(e.val_loss)}")
            if e.val_accuracy is not None:
                parts.append(f"val acc {_pct(e.val_accuracy)}")
            if e.val_mae is not None:
                parts.append(f"val MAE {_num(e.val_mae)}")
            parts.append(f"{e.samples_per_s:,.0f} samples/s")
            parts.append(f"{e.seconds:.1f} s")
            print(" | ".join(parts), flush=True)
        elif isinstance(e, ev.Paused):
            self._close()
        elif isinstance(e, (ev.Finished, ev.Failed)):
            self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _JsonPrinter:
    def __call__(self, e: Event) -> None:
        from . import events as ev

        if isinstance(e, ev.EpochDone):
            row = {"epoch": e.epoch, "epochs": e.epochs, "train_loss": e.train_loss,
                   "train_accuracy": e.train_accuracy, "val_loss": e.val_loss, "val_accuracy": e.val_accuracy,
                   "val_mae": e.val_mae, "val_rmse": e.val_rmse, "samples_per_s": e.samples_per_s,
                   "seconds": e.seconds, "lr": e.lr}
            if e.train_accuracy is None:  # regression: keep the lines short and relevant
                for k in ("train_accuracy", "val_accuracy"):
                    row.pop(k)
            else:
                for k in ("val_mae", "val_rmse"):
                    row.pop(k)
            print(json.dumps({k: _clean(v) for k, v in row.items()}), flush=True)


_STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _install_stop_handlers(control: TrainControl, caught: list[int]) -> dict[int, Any]:
    """Ctrl+C, SIGTERM and SIGHUP stop like Stop: after the current batch, keeping the last finished
    epoch and writing the run's state. A second one interrupts at once (recorded as interrupted).
    The signals received go into `caught`. Returns the previous handlers, to put back."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: FrameType | None) -> None:
        if control.stop_requested:
            raise KeyboardInterrupt
        caught.append(signum)
        control.stop()
        again = "Ctrl+C" if signum == signal.SIGINT else "the signal"
        try:
            print(f"Stopping after this batch ({again} again to quit at once)...", file=sys.stderr, flush=True)
        except (OSError, ValueError):  # SIGHUP: the terminal may be gone
            pass

    old: dict[int, Any] = {}
    for name in _STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:  # SIGHUP does not exist on Windows
            continue
        try:
            old[signum] = signal.signal(signum, handler)
        except (ValueError, OSError):
            pass
    return old


def cmd_train(args: argparse.Namespace) -> int:
    from . import train
    from .control import TrainControl
    from .engine import TrainingFailed

    project = _load(args.project)
    if args.weights:  # a missing, unreadable or unfitting file is reported before any run folder is made
        from ..compile.weights import load_start_weights

        start = load_start_weights(project.build_model(), args.weights)
        for note in start.notes():
            print(f"Note: {note}", file=sys.stderr if args.json else sys.stdout, flush=True)
    control = TrainControl()
    listener = _JsonPrinter() if args.json else _HumanPrinter()
    caught: list[int] = []
    old = _install_stop_handlers(control, caught)
    try:
        run = train(project, epochs=args.epochs, device=args.device, out=args.out, listener=listener,
                    control=control, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed,
                    init_weights=args.weights)
    except TrainingFailed as e:
        if e.run_dir is not None:
            print(f"The run folder keeps what was done: {e.run_dir}", file=sys.stderr)
        raise
    finally:
        for signum, previous in old.items():
            signal.signal(signum, previous)
    stop_signal = next((sig for sig in caught if sig != signal.SIGINT), None)
    if stop_signal is not None and run.summary.get("status") == "stopped":
        from .runs import write_json

        run.summary["stop_signal"] = signal.Signals(stop_signal).name
        write_json(run.folder / "summary.json", run.summary)
    s, ev_ = run.summary, run.evaluation or {}
    if args.json:
        final = {"final": True, "run_dir": str(run.folder), "task": s["task"], "epochs_run": s["epochs_run"],
                 "stopped_early": s["stopped_early"], "stopped_by_user": s["stopped_by_user"],
                 "weights_epoch": s["weights"]["epoch"], "device": s["device"],
                 "samples_per_s": (s.get("timings") or {}).get("samples_per_s"),
                 "seconds": (s.get("timings") or {}).get("total_seconds"), "test_loss": ev_.get("loss")}
        if s["task"] == "classification":
            final["test_accuracy"] = ev_.get("accuracy")
            final["test_macro_f1"] = ev_.get("macro_f1")
        elif s["task"] == "ctc":
            final["test_accuracy"] = ev_.get("accuracy")
            final["test_cer"] = ev_.get("cer")
        else:
            final["test_mae"] = ev_.get("mae")
            final["test_rmse"] = ev_.get("rmse")
        print(json.dumps({k: _clean(v) for k, v in final.items()}), flush=True)
    else:
        how = ("stopped by you" if s["stopped_by_user"] else
               f"stopped early (best epoch {s.get('best_epoch')})" if s["stopped_early"] else "finished")
        test = (f"test accuracy {_pct(ev_.get('accuracy'))}" if s["task"] == "classification"
                else f"test sequences read exactly {_pct(ev_.get('accuracy'))}, CER {_num(ev_.get('cer'))}"
                if s["task"] == "ctc" else f"test MAE {_num(ev_.get('mae'))}, RMSE {_num(ev_.get('rmse'))}")
        print(f"Training {how} after {s['epochs_run']} epoch(s): {test}. "
              f"Weights of epoch {s['weights']['epoch']} saved in {run.folder}")
    if stop_signal is not None:
        print(f"{signal.Signals(stop_signal).name} received; the run folder says what was kept "
              f"(status: {s.get('status')}, {s['epochs_run']} epoch(s)).", file=sys.stderr)
        return 128 + int(stop_signal)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .engine import resolve_device
    from .evaluate import evaluate
    from .runs import load_run

    device = resolve_device(args.device)
    run = load_run(args.run_dir, device=str(device))
    ds = run.load_dataset()
    s = run.summary
    task = s.get("task") or ds.task
    result = evaluate(run.model, ds.test, task, ds.class_names, ds.meta)
    status = s.get("status") or "finished"   # load_run reads a dead process's "running" as interrupted
    if args.json:
        out = {"run_dir": str(run.folder), "split": "test", "status": status, **{k: v for k, v in result.items()}}
        print(json.dumps(out, default=_clean))
        return 0
    print(f"Run {run.folder.name}: {result['n']:,} test samples")
    if status != "finished":
        print(_state_note(s, status))
    if task == "classification":
        print(f"Accuracy {_pct(result['accuracy'])}, macro F1 {_num(result['macro_f1'])}")
        width = max([len(c["class"]) for c in result["per_class"]] + [5])
        print(f"{'class'.ljust(width)}  precision  recall     F1  support")
        for c in result["per_class"]:
            print(f"{c['class'].ljust(width)}  {c['precision']:9.3f}  {c['recall']:6.3f}  {c['f1']:5.3f}  "
                  f"{c['support']:7d}")
    elif task == "ctc":
        print(f"Sequences read exactly {_pct(result['accuracy'])}, character error rate {_num(result['cer'])}")
    else:
        print(f"MAE {_num(result['mae'])}, RMSE {_num(result['rmse'])} (in the targets' own units)")
    return 0


def _state_note(summary: dict, status: str) -> str:
    """A line saying that the run did not finish, and which epoch's weights are scored."""
    why = {"interrupted": "was interrupted (its process ended without writing its state)",
           "running": "is still training", "stopped": "was stopped", "diverged": "diverged",
           "failed": "failed"}.get(status, f"is {status}")
    done = int(summary.get("epochs_run") or 0)
    return (f"Note: this run {why} after {done} of {summary.get('epochs') or '?'} epochs; these are the scores of "
            "the weights it kept.")


def cmd_generate(args: argparse.Namespace) -> int:
    from .engine import resolve_device
    from .generate import check_settings, format_values, generate
    from .runs import load_run

    check_settings(args.length, args.temperature)  # before the run is read: a bad setting says so at once
    run = load_run(args.run_dir, device=str(resolve_device(args.device)))
    result = generate(run, length=args.length, start=args.start, temperature=args.temperature, seed=args.seed)
    if args.json:
        print(json.dumps({"run_dir": str(run.folder), **result}, default=_clean))
    elif result["kind"] == "text":
        print(result["generated"])
    else:
        print(format_values(result["generated"]))
    return 0


__all__ = ["add_commands", "cmd_train", "cmd_evaluate", "cmd_generate"]
