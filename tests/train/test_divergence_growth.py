"""Divergence is a loss that stops being finite OR grows far past where training started."""

import json

import pytest

import cnnrnn_studio as cs
from cnnrnn_studio.train.engine import DIVERGENCE_GROWTH, TrainingFailed, _Diverged, check_loss


def test_the_rule():
    check_loss([2.3, 5.0, 40.0], 2.3, 1, "training loss")           # noisy but healthy
    check_loss([0.5 * DIVERGENCE_GROWTH], 0.01, 1, "training loss")   # the start counts as at least 1
    with pytest.raises(_Diverged):
        check_loss([float("nan")], 2.3, 1, "training loss")
    with pytest.raises(_Diverged) as e:
        check_loss([2.3, 8.4e20], 2.3, 3, "training loss")
    assert e.value.epoch == 3 and "grew from 2.3 to 8.4e+20" in e.value.how


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_far_too_large_learning_rate_is_reported_as_diverged(tmp_path, optimizer):
    project = cs.load_template("digits_cnn")
    with pytest.raises(TrainingFailed, match="diverged") as e:
        cs.train(project, epochs=3, learning_rate=1e6, optimizer=optimizer, out=tmp_path / "run")
    assert "learning rate" in str(e.value)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "diverged"
