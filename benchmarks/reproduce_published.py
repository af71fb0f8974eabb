"""Published results, reproduced with the studio's own blocks on real data.

1. LeNet-5 (LeCun et al. 1998): the published 61,706 trainable parameters, from the template.
2. The FCN of Wang, Yan & Oates (2017), "Time series classification from scratch with deep
   neural networks: a strong baseline": three Conv1d(128/256/128, k=8/5/3) + BatchNorm + ReLU
   blocks and global average pooling, trained with Adam, on the UEA BasicMotions archive set
   with the archive's own train/test split. Deep-learning baselines in the UEA bake-off
   (Ruiz et al., 2021) classify BasicMotions perfectly; the FCN should reach (near) 100% test
   accuracy here too.

Usage: python benchmarks/reproduce_published.py [--epochs N] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import cnnrnn_studio as cs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    lenet = cs.load_template("lenet5")
    n = lenet.check().total_params
    print(f"LeNet-5 parameters: {n:,} (published: 61,706) -> {'OK' if n == 61_706 else 'MISMATCH'}")

    accs, secs = [], []
    for seed in range(args.repeats):
        p = cs.load_template("fcn_timeseries")
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            run = cs.train(p, epochs=args.epochs, device="cpu", out=out, seed=seed)
            secs.append(time.perf_counter() - t0)
            accs.append(run.evaluation["accuracy"])
        print(f"FCN on BasicMotions, seed {seed}: test accuracy {accs[-1]:.3f} "
              f"({args.epochs} epochs, {secs[-1]:.1f} s)")
    print(f"FCN on BasicMotions: mean test accuracy {statistics.mean(accs):.3f} over {len(accs)} seeds "
          f"(min {min(accs):.3f}); total parameters {p.check().total_params:,}")


if __name__ == "__main__":
    main()
