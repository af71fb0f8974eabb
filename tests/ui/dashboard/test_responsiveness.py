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


def test_only_epochs_wholly_inside_a_turn_count(tmp_path):
    run = R.CliRun.__new__(R.CliRun)
    run.rows = [(10.0, 0.5, 1.0),    # ran 9.5-10.0: before the turn
                (11.2, 0.5, 2.0),    # 10.7-11.2: began before the turn (it was held then)
                (11.9, 0.5, 3.0),    # 11.4-11.9: inside
                (12.1, 0.1, 4.0),    # 12.0-12.1: inside, at the end
                (12.3, 0.1, 5.0),    # ended after the turn
                (20.5, 0.4, 6.0)]    # inside the second turn
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


def test_turns_alternate_so_a_steady_drift_weighs_on_both_sides_alike():
    order = R.turn_order(8.0, 0.1)                       # 0.1 s epochs: 1 s turns, 8 of each
    assert order[:6] == ["gui", "cli", "cli", "gui", "gui", "cli"]
    gui = [i for i, s in enumerate(order) if s == "gui"]
    cli = [i for i, s in enumerate(order) if s == "cli"]
    assert len(gui) == len(cli) == 8 and sum(gui) == sum(cli)   # same mean position in time
    # a machine slowing down steadily: both sides see the same average speed
    speed = [20000.0 - 500.0 * i for i in range(len(order))]
    turns = [(side, [speed[i], speed[i]]) for i, side in enumerate(order)]
    assert R.side_speed(turns, "gui") == pytest.approx(R.side_speed(turns, "cli"))


def test_long_epochs_or_no_stopping_give_one_turn_each():
    assert R.turn_order(8.0, 3.0) == ["cli", "gui", "cli"]          # 12 s turns do not fit in 8 s
    assert R.turn_order(8.0, float("inf")) == ["cli", "gui", "cli"]
    assert R.turn_order(8.0, 0.1, can_hold=False) == ["cli", "gui", "cli"]


def test_each_turn_weighs_the_same_and_empty_turns_are_left_out():
    turns = [("gui", [100.0, 100.0, 100.0, 100.0, 100.0]), ("cli", [200.0]), ("cli", [120.0, 120.0, 130.0]),
             ("gui", [80.0]), ("gui", [])]
    assert R.side_speed(turns, "gui") == pytest.approx(90.0)       # not 96.7 (the pooled median: 100)
    assert R.side_speed(turns, "cli") == pytest.approx(160.0)
    assert R.side_speed([("gui", [])], "gui") is None


def test_the_probe_measures_how_late_each_tick_came_within_its_turn(qtbot):
    probe = R._LatenessProbe()
    probe.start()
    qtbot.wait(120)
    probe.stop()
    ticks = len(probe.lateness_ms)
    assert 5 <= ticks <= 12 and all(v >= 0 for v in probe.lateness_ms)
    # the same arithmetic on known times: two turns, the gap between them is not a late tick
    probe._stamps[:], probe._turns[:] = [0.0, 0.010, 0.025, 0.035, 5.0, 5.010, 5.050], [0, 4]
    assert probe.lateness_ms == pytest.approx([0.0, 5.0, 0.0, 0.0, 30.0])
