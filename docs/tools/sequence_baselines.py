"""The simple baselines the sequence templates are compared with in docs/user-guide.md ("What these
templates reach"), computed on exactly the data the templates train and test on (their own dataset
settings, seed 0):

* char_lstm: the unigram model, each character predicted from its frequency in the training part
  alone (add-one smoothing over the vocabulary), as cross-entropy in nats per character on the
  validation and test windows (the unit of the run's val_loss / test_loss);
* seq2seq_forecaster: the seasonal-naive forecast "same month last year" on the test windows, as
  RMSE in passengers (thousands), the unit of the run's test_rmse.

    python docs/tools/sequence_baselines.py
"""

from __future__ import annotations

import math
import sys

import numpy as np


def unigram_cross_entropy() -> dict[str, float]:
    from cnnrnn_studio.data import load_dataset
    from cnnrnn_studio.project import load_template

    ds = load_dataset(load_template("char_lstm").dataset, seed=0)
    # the training windows overlap (stride < window): count each character of the text once
    train_text_ids = np.concatenate([ds.train.x[0].numpy(), *(x[-ds.meta["text"]["stride"]:].numpy()
                                                              for x in ds.train.x[1:])])
    counts = np.bincount(train_text_ids, minlength=len(ds.vocab)).astype(np.float64)
    counts[:2] = 0                                  # padding and <unk> are never predicted
    probs = (counts + 1) / (counts + 1)[2:].sum()   # add-one smoothing over the real characters
    out = {}
    for name in ("val", "test"):
        y = ds.split(name).y.numpy().ravel()
        out[name] = float(-np.log(probs[y]).mean())
    return out


def seasonal_naive_rmse() -> float:
    from cnnrnn_studio.data import load_dataset
    from cnnrnn_studio.project import load_template

    ds = load_dataset(load_template("seq2seq_forecaster").dataset, seed=0)
    series = np.asarray(load_dataset({"kind": "builtin", "name": "airline"}).meta["series"])  # the 144 months
    shift = ds.meta["difference"]         # the windows' series starts this many months later
    ahead = ds.meta["ahead"]
    errors = []
    for first in ds.meta["target_rows"]["test"]:
        month = first + shift             # the first forecast month in the 144
        truth = series[month:month + ahead]
        naive = series[month - 12:month - 12 + ahead]   # the same month, one year before
        errors.append(truth - naive)
    return math.sqrt(float(np.mean(np.square(errors))))


def main() -> int:
    ce = unigram_cross_entropy()
    print(f"char_lstm unigram baseline: {ce['val']:.4f} nats/char on validation, {ce['test']:.4f} on test")
    print(f"seq2seq_forecaster seasonal-naive test RMSE: {seasonal_naive_rmse():.2f} (thousand passengers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
