"""A batch size given for one run is checked against memory like the project's own, before any
allocation."""

import pytest

import cnnrnn_studio as cs
from cnnrnn_studio.errors import ValidationError


def test_a_batch_size_override_that_cannot_fit_is_refused_before_training(tmp_path):
    project = cs.load_template("digits_cnn")
    with pytest.raises(ValidationError, match="memory"):
        cs.train(project, epochs=1, batch_size=100_000_000, out=tmp_path / "run")
    assert not (tmp_path / "run" / "metrics.csv").exists()
