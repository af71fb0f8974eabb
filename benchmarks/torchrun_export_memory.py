"""Peak memory of the torchrun export (`--torchrun-script`) of an image folder streamed from its cache,
against the way it was written before (every split as float32 in memory, compressed into memory).

The script GENERATES folders of small colour PNGs (noise, 3 classes) for each size asked, once per
run, decodes each into its cache (not measured), then for each size, side by side in one process:

  studio      export_torchrun_script: streamed splits copied from the uint8 cache into data.npz a
              chunk of rows at a time, pixels kept as bytes.
  reference   the former path: every split's x read whole as float32 (``MappedRows.numpy()``),
              ``np.savez_compressed`` into a BytesIO, the bytes written out.

It prints the peak of memory traced by tracemalloc (numpy's arrays and Python objects; zlib's
small fixed buffers are not traced) and the size of data.npz for each side. The studio's peak
should stay flat as the folder grows; the reference's grows with it.

    python benchmarks/torchrun_export_memory.py                  # 2,000 and 8,000 images
    python benchmarks/torchrun_export_memory.py --sizes 1000 20000
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import cnnrnn_studio.data.streaming as streaming  # noqa: E402
from cnnrnn_studio.data import load_dataset  # noqa: E402
from cnnrnn_studio.graph import Graph  # noqa: E402
from cnnrnn_studio.interop.torchrun import export_torchrun_script  # noqa: E402
from cnnrnn_studio.project import Project  # noqa: E402

SIZE = 32


def make_folder(root: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    for c in ("a", "b", "c"):
        (root / c).mkdir(parents=True)
        for i in range(n // 3):
            Image.fromarray(rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)).save(root / c / f"{i}.png")


def project_for(base: Path) -> Project:
    g = Graph()
    g.add_block("Input", {"kind": "image", "shape": [3, SIZE, SIZE]}, "input")
    g.add_block("Flatten", {}, "flat")
    g.add_block("Dense", {"out_features": 3}, "dense")
    g.add_block("Output", {}, "output")
    for a, b in [("input", "flat"), ("flat", "dense"), ("dense", "output")]:
        g.add_link(a, b)
    dataset = {"kind": "file", "format": "image_folder", "train": "pictures", "size": [SIZE, SIZE], "color": "rgb"}
    return Project(g, name="export memory", dataset=dataset, path=base / "project.json")


def reference(project: Project, out: Path) -> None:
    ds = load_dataset(project.dataset, project.base_dir)
    arrays = {}
    for name in ("train", "val", "test"):
        arrays[f"x_{name}"] = ds.split(name).x.numpy()
        arrays[f"y_{name}"] = ds.split(name).y.numpy()
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    out.mkdir()
    (out / "data.npz").write_bytes(buf.getvalue())


def peak(fn, *args) -> float:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000])
    args = ap.parse_args()
    streaming.STREAM_ABOVE = 0  # these folders are small: make them stream as a big one would
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CNNRNN_STUDIO_CACHE_DIR"] = str(Path(tmp) / "cache")
        print(f"{'images':>8} {'side':>10} {'peak MiB':>9} {'data.npz MiB':>13}")
        for n in args.sizes:
            base = Path(tmp) / str(n)
            make_folder(base / "pictures", n)
            project = project_for(base)
            load_dataset(project.dataset, project.base_dir)  # decode into the cache first (not measured)
            for side, fn in (("studio", export_torchrun_script), ("reference", reference)):
                out = base / side
                mib = peak(fn, project, out)
                print(f"{n:>8,} {side:>10} {mib:>9.1f} {(out / 'data.npz').stat().st_size / 2**20:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
