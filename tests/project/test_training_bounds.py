"""Training settings bounded by the machine: num_threads at most the cores present."""

import os

import pytest

from cnnrnn_studio.project.training import ConfigError, TrainConfig


def test_num_threads_up_to_the_cores_is_accepted():
    cores = os.cpu_count() or 1
    assert TrainConfig.from_dict({"num_threads": cores}).num_threads == cores
    assert TrainConfig.from_dict({"num_threads": None}).num_threads is None


@pytest.mark.parametrize("n", [5000, 10**6])
def test_num_threads_above_the_cores_is_refused_with_the_figure(n):
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict({"num_threads": n})
    assert "num_threads" in str(e.value) and f"{os.cpu_count()} CPU core" in str(e.value)
    assert e.value.key == "num_threads"


def test_num_threads_still_refuses_non_numbers():
    for bad in (0, -1, "4", True, 2.5):
        with pytest.raises(ConfigError):
            TrainConfig.from_dict({"num_threads": bad})
