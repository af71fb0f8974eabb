"""Torch CPU threads when the app trains on one thread and draws on another."""

from __future__ import annotations

import threading

import torch

import pytest

from cnnrnn_studio.train import threads


@pytest.fixture(autouse=True)
def _restore_the_count():
    yield
    torch.set_num_threads(threads.default_count())   # keep_light lowers what later threads start with


def _on_a_thread(fn):
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_a_light_thread_gets_one_torch_thread_and_a_training_thread_the_default():
    def light_then_train():
        assert threads.keep_light() is True
        assert threads.keep_light() is False          # once per thread
        light = torch.get_num_threads()
        return light, threads.for_training(None), threads.for_training(3)

    light, default, requested = _on_a_thread(light_then_train)
    assert light == 1
    assert default == threads.default_count() >= 1   # even though the count threads start with is now 1
    assert requested == 3


def test_the_main_thread_trains_as_configured():
    assert threading.current_thread() is threading.main_thread()
    assert threads.for_training(None) is None         # the CLI: torch's own setting, untouched
    assert threads.for_training(2) == 2


def test_training_on_a_thread_uses_the_default_count(tmp_path):
    """The engine asks for the full count on a worker thread, whatever the thread started with."""
    import cnnrnn_studio as cs
    from cnnrnn_studio.project import load_template
    from cnnrnn_studio.train.events import RunStarted

    seen: list[int] = []

    def listen(event):
        if isinstance(event, RunStarted):
            seen.append(torch.get_num_threads())

    def run():
        threads.keep_light()                          # this thread starts light, like the GUI thread
        cs.train(load_template("gru_forecaster"), epochs=1, device="cpu", out=tmp_path / "run", listener=listen)
        return torch.get_num_threads()

    after = _on_a_thread(run)
    assert seen == [threads.default_count()]
    assert after == 1                                 # and the thread's own setting comes back
