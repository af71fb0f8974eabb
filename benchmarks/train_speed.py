"""Training speed: the studio engine against the same network written by hand in plain PyTorch.

Both train the digits_cnn template (Conv-BN-ReLU x2, MaxPool, Dropout, Dense 128, Dense 10) on the
same split of the built-in digits data with the same optimizer, learning rate, scheduler, batch
size, epochs and seed. The hand-written side is what a programmer would write: an nn.Module, a
TensorDataset + DataLoader(shuffle=True), loss.item() for a running loss, a validation pass per
epoch. Runs alternate (studio, hand, hand, studio, ...) so machine load hits both alike.

samples/s counts the TRAINING pass only (validation and saving excluded) on both sides; the wall
time of each whole run is printed too.

    python benchmarks/train_speed.py                      # CPU, 30 epochs, 3 repetitions
    python benchmarks/train_speed.py --epochs 10 --reps 2
    python benchmarks/train_speed.py --device cuda --amp  # on a machine with an NVIDIA GPU
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from cnnrnn_studio.data import load_dataset  # noqa: E402
from cnnrnn_studio.project import load_template  # noqa: E402
from cnnrnn_studio.train import TrainConfig, train  # noqa: E402


class DigitsCNN(nn.Module):
    """digits_cnn, by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding="same"), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding="same"), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 4 * 4, 128), nn.ReLU(), nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def hand_written(ds, cfg: TrainConfig, device: torch.device, amp: bool) -> dict:
    t_start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    model = DigitsCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs) if cfg.scheduler == "cosine" else None
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(cfg.seed)
    pin = device.type == "cuda"
    train_loader = DataLoader(TensorDataset(ds.train.x, ds.train.y), batch_size=cfg.batch_size, shuffle=True,
                              generator=g, pin_memory=pin)
    val_loader = DataLoader(TensorDataset(ds.val.x, ds.val.y), batch_size=256, pin_memory=pin)
    test_loader = DataLoader(TensorDataset(ds.test.x, ds.test.y), batch_size=256, pin_memory=pin)
    # Same choice as the studio: bf16 where the GPU has it (no scaler), else fp16 with a GradScaler.
    amp_dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if amp else None
    scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None
    train_seconds = 0.0
    n_seen = 0
    for epoch in range(cfg.epochs):
        model.train()
        running = 0.0
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for xb, yb in train_loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            opt.zero_grad()
            if amp:
                with torch.autocast("cuda", dtype=amp_dtype):
                    loss = loss_fn(model(xb).float(), yb)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
                else:
                    loss.backward()
                    opt.step()
            else:
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            running += loss.item() * len(yb)
            n_seen += len(yb)
        if device.type == "cuda":
            torch.cuda.synchronize()
        train_seconds += time.perf_counter() - t0
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                correct += (model(xb.to(device)).argmax(1) == yb.to(device)).sum().item()
        if sched is not None:
            sched.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (model(xb.to(device)).argmax(1) == yb.to(device)).sum().item()
    return {"samples_per_s": n_seen / train_seconds, "accuracy": correct / len(ds.test),
            "wall": time.perf_counter() - t_start}


def studio(project, ds, cfg: TrainConfig, device: str, amp: bool) -> dict:
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = train(project, dataset=ds, out=Path(tmp) / "run", epochs=cfg.epochs, seed=cfg.seed, device=device,
                    mixed_precision=amp)
    t = run.summary["timings"]
    return {"samples_per_s": t["samples_per_s"], "accuracy": run.evaluation["accuracy"],
            "wall": time.perf_counter() - t_start}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=None, help="default: the template's (30)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each side")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--amp", action="store_true", help="mixed precision (CUDA only; bf16 if the GPU has it, else fp16, on both sides)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for both sides")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("No CUDA GPU here.", file=sys.stderr)
        return 1
    project = load_template("digits_cnn")
    cfg = TrainConfig.from_dict(project.training, epochs=args.epochs)
    ds = load_dataset(project.dataset, seed=cfg.seed, validation_split=cfg.validation_split)
    device = torch.device(args.device)
    print(f"digits_cnn, {len(ds.train)} training samples, {cfg.epochs} epochs, batch {cfg.batch_size}, "
          f"{cfg.optimizer} lr {cfg.learning_rate}, {cfg.scheduler} schedule; device {device}"
          f"{' (AMP)' if args.amp else ''}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    results: dict[str, list[dict]] = {"studio": [], "hand": []}
    for rep in range(args.reps):
        order = ("studio", "hand") if rep % 2 == 0 else ("hand", "studio")
        for side in order:
            if side == "studio":
                r = studio(project, ds, cfg, args.device, args.amp)
            else:
                r = hand_written(ds, cfg, device, args.amp)
            results[side].append(r)
            print(f"  rep {rep + 1} {side:6s}: {r['samples_per_s']:8.0f} samples/s  test accuracy "
                  f"{100 * r['accuracy']:.2f}%  wall {r['wall']:.1f} s", flush=True)
    s = statistics.median(r["samples_per_s"] for r in results["studio"])
    h = statistics.median(r["samples_per_s"] for r in results["hand"])
    sa = statistics.mean(r["accuracy"] for r in results["studio"])
    ha = statistics.mean(r["accuracy"] for r in results["hand"])
    print(f"studio      : {s:8.0f} samples/s (median), test accuracy {100 * sa:.2f}% (mean)")
    print(f"hand-written: {h:8.0f} samples/s (median), test accuracy {100 * ha:.2f}% (mean)")
    print(f"ratio studio/hand-written: {s / h:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
