import pytest
import torch

from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.train.engine import device_name, resolve_device


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert resolve_device("auto") == torch.device("cuda", 0)


def test_a_missing_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(StudioError, match="training.device is cuda, but CUDA cannot be used here.*Use device auto or cpu"):
        resolve_device("cuda")
    with pytest.raises(StudioError, match="training.device is mps, but Apple's Metal GPU"):
        resolve_device("mps")
    assert resolve_device("cpu") == torch.device("cpu")


def test_cpu_device_name_says_threads():
    assert "threads" in device_name(torch.device("cpu"))


def test_num_threads_applies_during_training_only(tmp_path):
    from cnnrnn_studio.train import train

    from .helpers import blobs, vector_classifier

    before = torch.get_num_threads()
    seen = []
    train(vector_classifier(training={"epochs": 1, "num_threads": 1}), dataset=blobs(), out=tmp_path / "r",
          listener=lambda e: seen.append(torch.get_num_threads()))
    assert set(seen) == {1}
    assert torch.get_num_threads() == before
