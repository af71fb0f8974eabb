"""Image folders larger than memory: the studio's cached, streamed training against a plain PyTorch
``Dataset`` that reads the files with PIL through ``DataLoader(num_workers=2)``.

The script GENERATES folders of small PNG images (32x32 colour by default, 10 classes: a coloured
square at a class-dependent place on noise) for each size asked (5k / 20k / 60k), once, and reuses
them on later runs. Then, for each size, side by side:

  studio      load_dataset + the training engine, as `cnnrnn-studio train` runs them: the first
              epoch includes listing the folder and decoding it into its cache (a fresh, empty cache
              folder each run); a set too big for memory is decoded in the background while the
              first epoch reads it (data/cache_fill.py), then read from the cache batch by batch
              with a background prefetch.
  dataloader  a torch Dataset opening each PNG with PIL per sample, DataLoader(num_workers=2,
              shuffle=True), the same split, the SAME network (built from the same project), the
              same optimizer, learning rate, batch size, epochs, seed and torch threads. Its first
              epoch includes listing the files (os.walk, as torchvision's ImageFolder does).

Each side runs in its own subprocess, so each peak resident memory (getrusage ru_maxrss) is its
own; the DataLoader side's workers are measured apart (their largest peak). Both sides validate
once per epoch; the times are wall-clock seconds per epoch (training pass + validation).

    python benchmarks/image_folder_stream.py                        # 5k, 20k, 60k; 3 epochs
    python benchmarks/image_folder_stream.py --sizes 2000 --epochs 2 # a quick look
    python benchmarks/image_folder_stream.py --folder /some/disk/images  # where to generate/reuse
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLASSES = 10


# --- the images -------------------------------------------------------------------------------
def generate(folder: Path, count: int, size: int) -> Path:
    """``count`` PNGs in 10 class folders (reused when a complete set is already there)."""
    import numpy as np
    from PIL import Image

    target = folder / f"images_{count}_{size}px"
    done = target / ".complete"
    if done.exists():
        return target
    rng = np.random.default_rng(count)
    t0 = time.perf_counter()
    for c in range(CLASSES):
        (target / f"c{c}").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        c = i % CLASSES
        img = rng.integers(0, 90, (size, size, 3), dtype=np.uint8)
        r, q = divmod(c, 4)
        y0, x0 = 2 + r * (size // 4), 2 + q * (size // 5)
        img[y0:y0 + size // 4, x0:x0 + size // 4, c % 3] = 230
        dest = target / f"c{c}" / f"{i:06d}.png"
        if not dest.exists():  # an interrupted run's pictures are kept
            Image.fromarray(img).save(dest, compress_level=1)
    done.write_text("ok")
    print(f"  generated {count:,} images in {time.perf_counter() - t0:.1f} s: {target}", flush=True)
    return target


def subset(full: Path, count: int) -> Path:
    """The first ``count`` images of a bigger generated set, as hard links (no new pictures)."""
    target = full.parent / f"images_{count}_{full.name.rsplit('_', 1)[1]}"
    done = target / ".complete"
    if done.exists():
        return target
    for i in range(count):
        c = i % CLASSES
        (target / f"c{c}").mkdir(parents=True, exist_ok=True)
        dest = target / f"c{c}" / f"{i:06d}.png"
        if not dest.exists():
            os.link(full / f"c{c}" / f"{i:06d}.png", dest)
    done.write_text("ok")
    return target


# --- shared by both sides -------------------------------------------------------------------------
SMALL_CNN = [  # the network both sides train (built from the same project on both)
    ("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": "same"}),
    ("relu1", "ReLU", {}),
    ("pool1", "MaxPool2d", {"kernel_size": 2}),
    ("conv2", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": "same"}),
    ("relu2", "ReLU", {}),
    ("pool2", "MaxPool2d", {"kernel_size": 2}),
    ("flatten", "Flatten", {}),
    ("dense1", "Dense", {"out_features": 64}),
    ("relu3", "ReLU", {}),
    ("dense2", "Dense", {"out_features": CLASSES}),
    ("output", "Output", {"task": "classification"}),
]


def project_for(folder: Path, size: int, epochs: int, batch_size: int):
    from cnnrnn_studio.project import Project
    from cnnrnn_studio.project.training import TrainConfig

    blocks = [("input", "Input", {"kind": "image", "shape": [3, size, size]}), *SMALL_CNN]
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "stream benchmark",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "dataset": {"kind": "file", "format": "image_folder", "train": str(folder), "size": [size, size],
                    "color": "rgb"},
        "training": {"optimizer": "adam", "learning_rate": 0.002},
    })
    cfg = TrainConfig.from_dict(project.training, epochs=epochs, batch_size=batch_size, device="cpu", seed=0)
    return project, cfg


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kilobytes


# --- the studio side ------------------------------------------------------------------------------
def run_studio(folder: Path, size: int, epochs: int, batch_size: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from cnnrnn_studio.data import load_dataset
    from cnnrnn_studio.data.streaming import MappedRows
    from cnnrnn_studio.train import events as ev
    from cnnrnn_studio.train.engine import run_training

    project, cfg = project_for(folder, size, epochs, batch_size)
    cfg = cfg.with_overrides(num_threads=threads)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        os.environ["CNNRNN_STUDIO_CACHE_DIR"] = cache  # empty: the first epoch pays for decoding
        t0 = time.perf_counter()
        # as the training engine loads it: a set too big for memory is decoded while the first epoch reads it
        ds = load_dataset(project.dataset, folder.parent, seed=cfg.seed, validation_split=cfg.validation_split,
                          decode_alongside=True)
        load_s = time.perf_counter() - t0
        marks: list[float] = []

        def listen(event) -> None:
            if isinstance(event, ev.RunStarted):
                marks.append(time.perf_counter())
            elif isinstance(event, ev.EpochDone):
                marks.append(time.perf_counter())

        run = run_training(project, cfg, dataset=ds, out=out, listener=listen)
        epochs_s = [b - a for a, b in zip(marks, marks[1:])]
        return {"side": "studio", "n_train": len(ds.train), "streamed": isinstance(ds.train.x, MappedRows),
                "load_s": load_s, "epoch_s": epochs_s, "first_epoch_s": load_s + epochs_s[0],
                "test_accuracy": run.evaluation.get("accuracy"), "peak_rss_mb": peak_mb()}


# --- the plain PyTorch side -----------------------------------------------------------------------
class PngFolder:
    """A torch Dataset: one PNG opened with PIL per sample, as tutorials write it."""

    def __init__(self, paths: list[str], labels: list[int]) -> None:
        self.paths, self.labels = paths, labels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        import numpy as np
        import torch
        from PIL import Image

        with Image.open(self.paths[i]) as im:
            x = torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)
        return x, self.labels[i]


def run_dataloader(folder: Path, size: int, epochs: int, batch_size: int, threads: int) -> dict:
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    torch.set_num_threads(threads)
    from cnnrnn_studio.data.image_cache import list_folder
    from cnnrnn_studio.data.splits import TEST_FRACTION, split_indices
    from cnnrnn_studio.train.engine import make_optimizer

    project, cfg = project_for(folder, size, epochs, batch_size)
    t0 = time.perf_counter()  # listing the files, as torchvision's ImageFolder does (counted in epoch 1)
    walked = sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if f.endswith(".png"))
    load_s = time.perf_counter() - t0
    listing = list_folder(folder)  # the studio's split of the same files (a listing: no image is opened)
    assert len(walked) == len(listing)
    names = sorted(set(listing.labels))
    y = np.array([names.index(label) for label in listing.labels])
    tr, va, te = split_indices(len(y), y, test_fraction=TEST_FRACTION, val_fraction=cfg.validation_split,
                               seed=cfg.seed)
    paths = [str(folder / f) for f in listing.files]

    def loader(idx, shuffle):
        return DataLoader(PngFolder([paths[i] for i in idx], [int(y[i]) for i in idx]), batch_size=batch_size,
                          shuffle=shuffle, num_workers=2)

    torch.manual_seed(cfg.seed)
    model = project.build_model()
    opt = make_optimizer(cfg, model.parameters(), torch.device("cpu"))
    loss_fn = torch.nn.CrossEntropyLoss()
    train_dl, val_dl, test_dl = loader(tr, True), loader(va, False), loader(te, False)
    epochs_s = []
    t_start = time.perf_counter()
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        for xb, yb in train_dl:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for xb, yb in val_dl:
                model(xb)
        epochs_s.append(time.perf_counter() - t0)
    correct = 0
    with torch.no_grad():
        for xb, yb in test_dl:
            correct += int((model(xb).argmax(1) == yb).sum())
    return {"side": "dataloader", "n_train": len(tr), "streamed": False, "load_s": load_s, "epoch_s": epochs_s,
            "first_epoch_s": load_s + epochs_s[0], "test_accuracy": correct / len(te), "total_s": time.perf_counter() - t_start,
            "peak_rss_mb": peak_mb(), "workers_peak_rss_mb": peak_mb(resource.RUSAGE_CHILDREN)}


# --- the driver ---------------------------------------------------------------------------------------
def side_in_subprocess(side: str, folder: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--side", side, "--run-folder", str(folder), "--image-size", str(args.image_size),
           "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--threads", str(args.threads)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the {side} side failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="5000,20000,60000", help="image counts, comma-separated")
    p.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "cnnrnn-studio-bench-images",
                   help="where the generated images are kept (and reused)")
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=1, help="torch threads on both sides")
    p.add_argument("--reps", type=int, default=1,
                   help="runs of each side per size, alternating which goes first; the summary line gives medians")
    p.add_argument("--side", choices=("studio", "dataloader"), help=argparse.SUPPRESS)
    p.add_argument("--run-folder", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.side:
        fn = run_studio if args.side == "studio" else run_dataloader
        print(json.dumps(fn(args.run_folder, args.image_size, args.epochs, args.batch_size, args.threads)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"image folders of {args.image_size}x{args.image_size} colour PNGs, {CLASSES} classes; {args.epochs} epochs, "
          f"batch {args.batch_size}, {args.threads} torch thread(s); each side in its own process", flush=True)
    rows = []
    full = generate(args.folder, max(sizes), args.image_size)  # generated once; smaller sets link into it
    for n in sizes:
        folder = full if n == max(sizes) else subset(full, n)
        for rep in range(args.reps):
            for side in ("studio", "dataloader") if rep % 2 == 0 else ("dataloader", "studio"):
                r = side_in_subprocess(side, folder, args)
                r["n"], r["rep"] = n, rep
                rows.append(r)
                later = r["epoch_s"][1:]
                later_txt = f"{sum(later) / len(later):7.1f}" if later else "      -"
                extra = (f"  (+ workers' peak {r['workers_peak_rss_mb']:,.0f} MB; listing {r['load_s']:.1f} s)"
                         if "workers_peak_rss_mb" in r else
                         f"  (load {r['load_s']:.1f} s, {'streamed from disk' if r['streamed'] else 'in memory'})")
                print(f"{n:>7,} {side:<11} peak RSS {r['peak_rss_mb']:7,.0f} MB   first epoch {r['first_epoch_s']:7.1f} s"
                      f"   later epochs {later_txt} s   test acc {r['test_accuracy']:.3f}{extra}", flush=True)
        if args.reps > 1:
            for side in ("studio", "dataloader"):
                mine = [r for r in rows if r["n"] == n and r["side"] == side]
                later = [sum(r["epoch_s"][1:]) / len(r["epoch_s"][1:]) for r in mine if len(r["epoch_s"]) > 1]
                print(f"{n:>7,} {side:<11} median of {len(mine)}: first epoch "
                      f"{statistics.median(r['first_epoch_s'] for r in mine):.1f} s, later epochs "
                      f"{statistics.median(later) if later else float('nan'):.1f} s, highest peak RSS "
                      f"{max(r['peak_rss_mb'] for r in mine):,.0f} MB", flush=True)
    print("\n" + json.dumps(rows))


if __name__ == "__main__":
    main()
