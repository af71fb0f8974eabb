"""Training speed on sequence outputs: the studio engine against the same networks written by hand.

Two lines, each run side by side in this one process (alternating studio / hand-written, so machine
load hits both alike), on the same data made here, with the same batch size, epochs, optimizer
(Adam), learning rate and seed:

- CTC: a small CRNN reading rows of 2 to 5 digit glyphs (Conv2d 3x3 + ReLU + MaxPool 2 ->
  ToSequence -> LSTM every step -> Dense 11 -> Output ctc). Hand-written: an nn.Module, a
  TensorDataset + DataLoader(shuffle=True), torch's CTCLoss on log_softmax, loss.item() per step.
- Per step: a BiLSTM tagger (LSTM 32 both directions, every step -> Dense 3 -> Output per step) on
  series whose every one has its own length (20 to 80 steps), labelled at every step.
  Hand-written: a DataLoader(shuffle=True) whose collate pads the batch, pack_padded_sequence ->
  LSTM -> pad_packed_sequence -> Linear, cross-entropy ignoring the padding.

samples/s counts the training pass only (validation and saving excluded on both sides); the wall
time of each whole run and the test score of each side are printed too (exact-string accuracy for
CTC, per-step accuracy for the tagger).

    python benchmarks/sequence_train_speed.py                     # CPU, 3 epochs, 2 repetitions
    python benchmarks/sequence_train_speed.py --epochs 5 --reps 3 --threads 1
    python benchmarks/sequence_train_speed.py --device cuda
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
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from cnnrnn_studio.data import DataSplit, Dataset  # noqa: E402
from cnnrnn_studio.project import Project  # noqa: E402
from cnnrnn_studio.train import train  # noqa: E402

SEED = 0
LR = 0.003

# --- the data ---------------------------------------------------------------------------------------
# One 7x5 pattern per digit (a seven-segment style drawing), placed side by side with random gaps.
_SEGMENTS = {0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc", 5: "afgcd", 6: "afgedc", 7: "abc",
             8: "abcdefg", 9: "abcdfg"}
H, W, GLYPH_W = 9, 48, 5


def _glyph(d: int) -> torch.Tensor:
    g = torch.zeros(7, GLYPH_W)
    seg = _SEGMENTS[d]
    if "a" in seg: g[0, :] = 1          # noqa: E701
    if "g" in seg: g[3, :] = 1          # noqa: E701
    if "d" in seg: g[6, :] = 1          # noqa: E701
    if "f" in seg: g[0:4, 0] = 1        # noqa: E701
    if "b" in seg: g[0:4, -1] = 1       # noqa: E701
    if "e" in seg: g[3:7, 0] = 1        # noqa: E701
    if "c" in seg: g[3:7, -1] = 1       # noqa: E701
    return g


def digit_strings(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Images [n, 1, H, W] of 2 to 5 digits in a row, labels [n, 5] padded with -1."""
    glyphs = [_glyph(d) for d in range(10)]
    x = torch.rand(n, 1, H, W, generator=g) * 0.15
    y = torch.full((n, 5), -1, dtype=torch.int64)
    for i in range(n):
        count = int(torch.randint(2, 6, (), generator=g))
        col = int(torch.randint(0, 3, (), generator=g))
        for j in range(count):
            d = int(torch.randint(0, 10, (), generator=g))
            row = int(torch.randint(0, H - 6, (), generator=g))
            x[i, 0, row:row + 7, col:col + GLYPH_W] = torch.maximum(x[i, 0, row:row + 7, col:col + GLYPH_W],
                                                                    glyphs[d])
            y[i, j] = d
            col += GLYPH_W + int(torch.randint(1, 4, (), generator=g))
    return x, y


def ctc_dataset(n_train: int) -> Dataset:
    g = torch.Generator().manual_seed(SEED)
    parts = [digit_strings(n, g) for n in (n_train, n_train // 8, n_train // 4)]
    return Dataset(name="digit strings", kind="image", task="ctc", sample_shape=(1, H, W),
                   train=DataSplit(*parts[0]), val=DataSplit(*parts[1]), test=DataSplit(*parts[2]),
                   class_names=[str(d) for d in range(10)], n_outputs=11)


def tagged_series(n: int, g: torch.Generator) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Noisy waves of their own length; the label at every step: rising (0), falling (1), top (2)."""
    lengths = torch.randint(20, 81, (n,), generator=g)
    xs, ys = [], torch.full((n, 80), -1, dtype=torch.int64)
    for i, t in enumerate(lengths.tolist()):
        steps = torch.arange(t, dtype=torch.float32)
        freq, phase = 0.1 + 0.3 * float(torch.rand((), generator=g)), 6.3 * float(torch.rand((), generator=g))
        v = torch.sin(freq * steps + phase)
        xs.append(torch.stack([v + 0.1 * torch.randn(t, generator=g), torch.randn(t, generator=g)], 1))
        rising = torch.cos(freq * steps + phase) >= 0
        ys[i, :t] = torch.where(v > 0.85, 2, torch.where(rising, 0, 1))
    return xs, ys


def tagger_dataset(n_train: int) -> Dataset:
    g = torch.Generator().manual_seed(SEED)
    parts = [tagged_series(n, g) for n in (n_train, n_train // 8, n_train // 4)]
    return Dataset(name="tagged waves", kind="sequence", task="classification", sample_shape=(None, 2),
                   train=DataSplit(*parts[0], per_step=True), val=DataSplit(*parts[1], per_step=True),
                   test=DataSplit(*parts[2], per_step=True), class_names=["rising", "falling", "top"],
                   n_outputs=3, per_step=True)


# --- the studio's networks ----------------------------------------------------------------------
def _project(blocks: list[tuple[str, str, dict]], batch_size: int, epochs: int) -> Project:
    return Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "bench",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "training": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "learning_rate": LR,
                     "seed": SEED},
    })


CRNN_BLOCKS = [("input", "Input", {"kind": "image", "shape": [1, H, W]}),
               ("conv", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}), ("relu", "ReLU", {}),
               ("pool", "MaxPool2d", {"kernel_size": 2}), ("seq", "ToSequence", {}),
               ("lstm", "LSTM", {"hidden_size": 48, "return_sequences": True}),
               ("dense", "Dense", {"out_features": 11}), ("output", "Output", {"task": "ctc"})]
TAGGER_BLOCKS = [("input", "Input", {"kind": "sequence", "shape": [None, 2]}),
                 ("lstm", "LSTM", {"hidden_size": 32, "bidirectional": True, "return_sequences": True}),
                 ("dense", "Dense", {"out_features": 3}), ("output", "Output", {"task": "classification"})]


# --- the same networks by hand ------------------------------------------------------------------
class CRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.lstm = nn.LSTM(16 * (H // 2), 48, batch_first=True)
        self.dense = nn.Linear(48, 11)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.conv(x)                           # [B, 16, H/2, W/2]
        seq = f.permute(0, 3, 1, 2).flatten(2)     # the columns as time steps: [B, W/2, 16*H/2]
        out, _ = self.lstm(seq)
        return self.dense(out)                     # [B, T, 11]; index 0 is the blank


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, 32, batch_first=True, bidirectional=True)
        self.dense = nn.Linear(64, 3)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.dense(out)


def _greedy(scores: torch.Tensor) -> list[list[int]]:
    reads = []
    for row in scores.argmax(-1).tolist():
        read, prev = [], 0
        for s in row:
            if s != 0 and s != prev:
                read.append(s - 1)
            prev = s
        reads.append(read)
    return reads


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def hand_ctc(ds: Dataset, batch_size: int, epochs: int, device: torch.device) -> dict:
    t_start = time.perf_counter()
    torch.manual_seed(SEED)
    model = CRNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    loader = DataLoader(TensorDataset(ds.train.x, ds.train.y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(SEED))
    seconds, seen = 0.0, 0
    for _ in range(epochs):
        model.train()
        _sync(device)
        t0 = time.perf_counter()
        running = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logp = model(xb).log_softmax(-1).transpose(0, 1)    # [T, B, C]
            known = yb != -1
            targets = torch.where(known, yb + 1, torch.zeros_like(yb))
            in_len = torch.full((len(yb),), logp.shape[0], dtype=torch.long, device=device)
            loss = ctc(logp, targets, in_len, known.sum(1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * len(yb)
            seen += len(yb)
        _sync(device)
        seconds += time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            model(ds.val.x.to(device))
    model.eval()
    with torch.no_grad():
        reads = _greedy(model(ds.test.x.to(device)).cpu())
    truth = [[v for v in row if v != -1] for row in ds.test.y.tolist()]
    acc = sum(r == t for r, t in zip(reads, truth)) / len(truth)
    return {"samples_per_s": seen / seconds, "score": acc, "wall": time.perf_counter() - t_start}


def _pad_collate(batch):
    xs, ys = zip(*batch)
    lengths = torch.tensor([len(x) for x in xs])
    x = pad_sequence(list(xs), batch_first=True)
    y = torch.stack(ys)[:, : x.shape[1]]
    return x, y, lengths


def hand_tagger(ds: Dataset, batch_size: int, epochs: int, device: torch.device) -> dict:
    t_start = time.perf_counter()
    torch.manual_seed(SEED)
    model = Tagger().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    ce = nn.CrossEntropyLoss(ignore_index=-1)
    train_pairs = list(zip(ds.train.x, ds.train.y))
    loader = DataLoader(train_pairs, batch_size=batch_size, shuffle=True, collate_fn=_pad_collate,
                        generator=torch.Generator().manual_seed(SEED))
    seconds, seen = 0.0, 0

    def score(split: DataSplit) -> float:
        hits = counted = 0
        model.eval()
        with torch.no_grad():
            for xb, yb, n in DataLoader(list(zip(split.x, split.y)), batch_size=256, collate_fn=_pad_collate):
                pred = model(xb.to(device), n).argmax(-1).cpu()
                known = yb != -1
                hits += int(((pred == yb) & known).sum())
                counted += int(known.sum())
        return hits / counted

    for _ in range(epochs):
        model.train()
        _sync(device)
        t0 = time.perf_counter()
        running = 0.0
        for xb, yb, n in loader:
            xb, yb = xb.to(device), yb.to(device)
            out = model(xb, n)
            loss = ce(out.reshape(-1, 3), yb.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * len(yb)
            seen += len(yb)
        _sync(device)
        seconds += time.perf_counter() - t0
        score(ds.val)
    return {"samples_per_s": seen / seconds, "score": score(ds.test), "wall": time.perf_counter() - t_start}


def studio(blocks, ds: Dataset, batch_size: int, epochs: int, device: str) -> dict:
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = train(_project(blocks, batch_size, epochs), dataset=ds, out=Path(tmp) / "run", device=device)
    return {"samples_per_s": run.summary["timings"]["samples_per_s"], "score": run.evaluation["accuracy"],
            "wall": time.perf_counter() - t_start, "batching": run.summary.get("batching"),
            "batches": run.summary["batches_per_epoch"]}


def line(name: str, what: str, blocks, ds: Dataset, hand, batch_size: int, epochs: int, reps: int,
         device: torch.device) -> None:
    print(f"{name}: {len(ds.train)} training samples, {epochs} epochs, batch {batch_size}, Adam lr {LR}; "
          f"device {device}; torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    results: dict[str, list[dict]] = {"studio": [], "hand": []}
    for rep in range(reps):
        for side in (("studio", "hand") if rep % 2 == 0 else ("hand", "studio")):
            r = (studio(blocks, ds, batch_size, epochs, device.type) if side == "studio"
                 else hand(ds, batch_size, epochs, device))
            results[side].append(r)
            extra = f"  ({r['batches']} batches/epoch, {r['batching']})" if side == "studio" else ""
            print(f"  rep {rep + 1} {side:6s}: {r['samples_per_s']:8.0f} samples/s  test {what} "
                  f"{100 * r['score']:.2f}%  wall {r['wall']:.1f} s{extra}", flush=True)
    s = statistics.median(r["samples_per_s"] for r in results["studio"])
    h = statistics.median(r["samples_per_s"] for r in results["hand"])
    print(f"{name} studio      : {s:8.0f} samples/s (median), test {what} "
          f"{100 * statistics.mean(r['score'] for r in results['studio']):.2f}% (mean)")
    print(f"{name} hand-written: {h:8.0f} samples/s (median), test {what} "
          f"{100 * statistics.mean(r['score'] for r in results['hand']):.2f}% (mean)")
    print(f"{name} ratio studio/hand-written: {s / h:.2f}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2, help="repetitions of each side")
    ap.add_argument("--n", type=int, default=1024, help="training samples of each line")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for both sides")
    ap.add_argument("--only", choices=("ctc", "per_step"), default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("No CUDA GPU here.", file=sys.stderr)
        return 1
    device = torch.device(args.device)
    if args.only in (None, "ctc"):
        line("CTC (CRNN, digit strings)", "exact-string accuracy", CRNN_BLOCKS, ctc_dataset(args.n), hand_ctc,
             args.batch_size, args.epochs, args.reps, device)
    if args.only in (None, "per_step"):
        line("Per step (BiLSTM tagger, lengths 20-80)", "per-step accuracy", TAGGER_BLOCKS,
             tagger_dataset(args.n), hand_tagger, args.batch_size, args.epochs, args.reps, device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
