"""Train a project without the GUI, for benchmarks/responsiveness.py: the same engine as
`cnnrnn-studio train`, printing one JSON line per training event the measure counts.

    python benchmarks/headless_train.py PROJECT_FILE OUT_FOLDER EPOCHS

Lines: {"event": "started", "n_train", "batches"}, then {"event": "batch", "epoch", "batch",
"batches"} for every BatchProgress (about 20 a second) and {"event": "epoch", "epoch", "seconds"}
for every EpochDone. The measure counts samples per batch from the batch lines, so a turn in which
no epoch finishes still gives a speed.
"""

from __future__ import annotations

import json
import sys


def _print(row: dict) -> None:
    print(json.dumps(row), flush=True)


def listener(event) -> None:
    from cnnrnn_studio.train import events as ev

    match event:
        case ev.RunStarted():
            _print({"event": "started", "n_train": event.n_train, "batches": event.batches_per_epoch})
        case ev.BatchProgress():
            _print({"event": "batch", "epoch": event.epoch, "batch": event.batch, "batches": event.batches})
        case ev.EpochDone():
            _print({"event": "epoch", "epoch": event.epoch, "seconds": event.seconds})


def main(argv: list[str] | None = None) -> int:
    project, out, epochs = (argv if argv is not None else sys.argv[1:])[:3]
    from cnnrnn_studio.train import train

    train(project, epochs=int(epochs), out=out, listener=listener)
    return 0


if __name__ == "__main__":
    sys.exit(main())
