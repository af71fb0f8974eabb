"""The FCN time-series template on BasicMotions, with series of the archive's length and with series
cut to lengths of their own: test accuracy, batches per epoch, and how the engine batched them.

BasicMotions (UEA archive, built in) has 40 training and 40 test recordings of 100 steps. The
variable-length version cuts every recording to a window of its own length (from --min-length to
100 steps, at a random start; seeded), saved as .npz files with a ``lengths`` array, the way a
person brings series of different lengths. Before padded batching, such a set was bucketed by exact
length: with every series its own length, a "batch" held one series whatever the batch size.

    python benchmarks/variable_length_fcn.py                    # both versions, 1 seed, template epochs
    python benchmarks/variable_length_fcn.py --seeds 0 1 2 --epochs 50 --only variable
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnrnn_studio.data import resources_dir  # noqa: E402
from cnnrnn_studio.project import load_template  # noqa: E402
from cnnrnn_studio.train import train  # noqa: E402


def write_variable_length(folder: Path, min_length: int, seed: int) -> dict:
    """BasicMotions cut to lengths of their own, as train.npz / test.npz; the dataset spec."""
    arrays = np.load(Path(resources_dir()) / "basic_motions.npz", allow_pickle=False)
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):
        x = arrays[f"X_{split}"].astype(np.float32)
        n, t, f = x.shape
        lengths = rng.integers(min_length, t + 1, size=n)
        out = np.zeros_like(x)
        for i, length in enumerate(lengths):
            start = int(rng.integers(0, t - length + 1))
            out[i, :length] = x[i, start:start + length]
        np.savez(folder / f"{split}.npz", X=out, y=arrays[f"y_{split}"].astype(np.int64), lengths=lengths,
                 class_names=arrays["class_names"])
    return {"kind": "file", "format": "npz", "train": str(folder / "train.npz"), "test": str(folder / "test.npz")}


def run(version: str, seed: int, epochs: int | None, min_length: int) -> dict:
    project = load_template("fcn_timeseries")
    with tempfile.TemporaryDirectory() as tmp:
        if version == "variable":
            project.dataset = write_variable_length(Path(tmp), min_length, seed)
        t0 = time.perf_counter()
        r = train(project, out=Path(tmp) / "run", device="cpu", seed=seed, epochs=epochs)
        return {"accuracy": r.summary["test"]["accuracy"], "batches": r.summary["batches_per_epoch"],
                "batching": r.summary.get("batching", "exact_length" if version == "variable" else "plain"),
                "last_lr": r.metrics[-1].get("lr") if r.metrics else None, "seconds": time.perf_counter() - t0,
                "n_train": r.summary["n_train"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--epochs", type=int, default=None, help="default: the template's")
    ap.add_argument("--min-length", type=int, default=30)
    ap.add_argument("--only", choices=("fixed", "variable"), default=None)
    args = ap.parse_args()
    project = load_template("fcn_timeseries")
    print(f"fcn_timeseries on BasicMotions; training section {project.training}; epochs "
          f"{args.epochs or project.training.get('epochs')}", flush=True)
    for version in ("fixed", "variable"):
        if args.only not in (None, version):
            continue
        accs = []
        for seed in args.seeds:
            r = run(version, seed, args.epochs, args.min_length)
            accs.append(r["accuracy"])
            print(f"  {version:8s} seed {seed}: test accuracy {100 * r['accuracy']:.1f}%  {r['batches']} batches/epoch "
                  f"for {r['n_train']} training series ({r['batching']})  last lr {r['last_lr']:.3g}  "
                  f"{r['seconds']:.0f} s", flush=True)
        print(f"{version}: mean test accuracy {100 * statistics.mean(accs):.1f}% over {len(accs)} seed(s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
