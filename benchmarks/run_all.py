"""Run the benchmark scripts one after the other (`make bench`), each printing its own figures.

    python benchmarks/run_all.py          # the speed benchmarks (several minutes on a laptop)
    python benchmarks/run_all.py --all    # and reproduce_published.py (much longer: 100 epochs x 3)

Each script runs in its own process from the repository root; a script that fails is reported and
the others still run. Exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEED = ["export_speed.py", "ui_speed.py", "train_speed.py", "sequence_train_speed.py", "ui_responsiveness.py"]
LONG = ["reproduce_published.py"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="also run reproduce_published.py (long)")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    failed = []
    for name in SPEED + (LONG if args.all else []):
        print(f"=== benchmarks/{name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent, env=env).returncode != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
