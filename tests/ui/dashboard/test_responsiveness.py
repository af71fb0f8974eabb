"""The responsiveness measure's turns: which epochs count, and holding / letting go of the CLI."""

from __future__ import annotations

import sys
import time

import pytest

from cnnrnn_studio.ui.dashboard import responsiveness as R

# Stands in for `cnnrnn-studio train --json`: one epoch line every 20 ms, epoch numbers from 1.
FAKE_CLI = ("import json, time\n"
            "for epoch in range(1, 100000):\n"
            "    time.sleep(0.02)\n"
            "    print(json.dumps({'epoch': epoch, 'samples_per_s': 1000.0 + epoch, 'seconds': 0.02}), flush=True)\n")


@pytest.fixture
def fake_cli(monkeypatch):
    monkeypatch.setattr(R, "cli_command", lambda *args: [sys.executable, "-c", FAKE_CLI])


def _wait(predicate, timeout=20.0):
    deadline = time.perf_counter() + timeout
    while not predicate():
        assert time.perf_counter() < deadline, "timed out"
        time.sleep(0.01)


def test_only_epochs_wholly_inside_a_slice_count(tmp_path):
    run = R.CliRun.__new__(R.CliRun)
    run.rows = [(10.0, 0.5, 1.0),    # ran 9.5-10.0: before the slice
                (11.2, 0.5, 2.0),    # 10.7-11.2: began before the slice (it was held then)
                (11.9, 0.5, 3.0),    # 11.4-11.9: inside
                (12.1, 0.1, 4.0),    # 12.0-12.1: inside, at the end
                (12.3, 0.1, 5.0),    # ended after the slice
                (20.5, 0.4, 6.0)]    # inside the second slice
    assert run.speeds_in([(11.0, 12.1), (20.0, 21.0)]) == [3.0, 4.0, 6.0]
    assert run.speeds_in([]) == []


@pytest.mark.skipif(not R.CAN_HOLD, reason="this system cannot stop a process (the other test covers it)")
def test_a_held_cli_trains_no_further_and_goes_on_when_let_go(fake_cli, tmp_path):
    run = R.CliRun(tmp_path / "p.json", tmp_path)
    try:
        _wait(lambda: run.epochs() >= 3)
        assert run.rows[0][2] == 1002.0                      # epoch 1 (the warm-up) is not kept
        run.hold()
        time.sleep(0.1)                                      # a line already written may still arrive
        held = run.epochs()
        time.sleep(0.4)
        assert run.epochs() == held and run.alive()          # stopped, not ended
        assert run.go() is False                             # the same process goes on
        _wait(lambda: run.epochs() >= held + 3)
    finally:
        run.close()
    assert not run.alive()


def test_without_stopping_a_process_hold_ends_it_and_go_starts_another(fake_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(R, "CAN_HOLD", False)
    run = R.CliRun(tmp_path / "p.json", tmp_path)
    try:
        _wait(lambda: run.epochs() >= 2)
        first = run.proc
        run.hold()
        assert not run.alive()
        n = run.epochs()
        assert run.go() is True and run.proc is not first
        _wait(lambda: run.epochs() >= n + 2)
        assert sum(1 for _, _, sps in run.rows if sps == 1002.0) == 2   # each process's epoch 1 left out
    finally:
        run.close()
