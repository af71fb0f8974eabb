"""Build the compact copies of the built-in datasets in resources/data.

Run once by a developer, from the repository root:

    python -m cnnrnn_studio.data.make_resources SOURCE_FOLDER [OUTPUT_FOLDER]

SOURCE_FOLDER holds digits.csv.gz, BasicMotions/BasicMotions_{TRAIN,TEST}.ts, Airline.csv and
founding_documents.txt (the plain UTF-8 text of the public-domain US founding documents: see
resources/data/ATTRIBUTION.md).
The app itself never reads SOURCE_FOLDER: it loads only what this script writes.
"""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import numpy as np

from .builtin import resources_dir
from .files import read_text
from .ts_format import parse_ts


def make_digits(source: Path, out: Path) -> None:
    with gzip.open(source / "digits.csv.gz", "rt", encoding="utf-8") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    assert table.shape == (1797, 65), table.shape
    assert table.min() >= 0 and table[:, :64].max() <= 16 and table[:, 64].max() == 9
    # uint8 and compressed: 1,797 x 64 pixels take ~30 kB.
    np.savez_compressed(out / "digits.npz", X=table[:, :64].astype(np.uint8), y=table[:, 64].astype(np.uint8))


def make_basic_motions(source: Path, out: Path) -> None:
    arrays = {}
    class_names = None
    for split in ("train", "test"):
        path = source / "BasicMotions" / f"BasicMotions_{split.upper()}.ts"
        data = parse_ts(read_text(path), path)
        class_names = data.class_order
        arrays[f"X_{split}"] = np.stack(data.series).astype(np.float32)  # [N, 100, 6], time first
        arrays[f"y_{split}"] = np.array([class_names.index(c) for c in data.labels], dtype=np.uint8)
    np.savez_compressed(out / "basic_motions.npz", class_names=np.array(class_names), **arrays)


def make_airline(source: Path, out: Path) -> None:
    lines = (source / "Airline.csv").read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].strip() == "Date,Passengers" and len(lines) == 145, (lines[0], len(lines))
    shutil.copyfile(source / "Airline.csv", out / "airline.csv")


def make_founding_documents(source: Path, out: Path) -> None:
    text = (source / "founding_documents.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
    assert text.startswith("THE DECLARATION OF INDEPENDENCE") and 40_000 < len(text) < 400_000, len(text)
    # gzip level 9 without a time stamp or name: the same text gives the same bytes (~19 kB for ~59 kB).
    with open(out / "founding_documents.txt.gz", "wb") as raw, gzip.GzipFile(
            filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
        f.write(text.encode("utf-8"))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    source = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else resources_dir()
    out.mkdir(parents=True, exist_ok=True)
    make_digits(source, out)
    make_basic_motions(source, out)
    make_airline(source, out)
    make_founding_documents(source, out)
    for p in sorted(out.iterdir()):
        print(f"{p.name:24s} {p.stat().st_size:>9,d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
