import torch

from cnnrnn_studio.train import train

from .helpers import blobs, same_state, state_copy, variable_sequences, gru_classifier, vector_classifier

TIMING = {"samples_per_s", "seconds"}


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]


def _run(tmp_path, name, seed=0, project=vector_classifier, data=blobs):
    p = project(training={"epochs": 3, "batch_size": 16, "seed": seed})
    return train(p, dataset=data(), out=tmp_path / name)


def test_same_seed_same_metrics_and_weights(tmp_path):
    a, b = _run(tmp_path, "a"), _run(tmp_path, "b")
    assert _strip(a.metrics) == _strip(b.metrics)
    assert same_state(state_copy(a.model), state_copy(b.model))
    assert a.evaluation["predictions"] == b.evaluation["predictions"]


def test_another_seed_gives_other_weights(tmp_path):
    a, b = _run(tmp_path, "a", seed=0), _run(tmp_path, "b", seed=1)
    assert not same_state(state_copy(a.model), state_copy(b.model))


def test_variable_length_runs_repeat_too(tmp_path):
    a = _run(tmp_path, "a", project=gru_classifier, data=variable_sequences)
    b = _run(tmp_path, "b", project=gru_classifier, data=variable_sequences)
    assert _strip(a.metrics) == _strip(b.metrics)
    assert same_state(state_copy(a.model), state_copy(b.model))


def test_the_global_random_state_does_not_matter(tmp_path):
    torch.manual_seed(123)
    torch.rand(7)
    a = _run(tmp_path, "a")
    torch.manual_seed(999)
    b = _run(tmp_path, "b")
    assert same_state(state_copy(a.model), state_copy(b.model))
