"""The responsiveness measure (benchmarks/responsiveness.py): which batches count in a turn, how
the turns are ordered and weighed, holding / letting go of the headless run, and the lateness
arithmetic. No assertion here depends on how fast the machine is."""

from __future__ import annotations

import sys
import time

import pytest

from benchmarks import responsiveness as R

# Stands in for benchmarks/headless_train.py: 4 batches an epoch of 25 samples each, every 5 ms.
FAKE_HEADLESS = ("import json, time\n"
                 "print(json.dumps({'event': 'started', 'n_train': 100, 'batches': 4}), flush=True)\n"
                 "for epoch in range(1, 100000):\n"
                 "    for batch in range(1, 5):\n"
                 "        time.sleep(0.005)\n"
                 "        print(json.dumps({'event': 'batch', 'epoch': epoch, 'batch': batch, 'batches': 4}), flush=True)\n"
                 "    print(json.dumps({'event': 'epoch', 'epoch': epoch, 'seconds': 0.02}), flush=True)\n")


@pytest.fixture
def fake_headless(monkeypatch):
    monkeypatch.setattr(R, "headless_command", lambda *args: [sys.executable, "-c", FAKE_HEADLESS])


def _wait(predicate, timeout=60.0):
    deadline = time.perf_counter() + timeout
    while not predicate():
        assert time.perf_counter() < deadline, "the fake headless run did not get there"
        time.sleep(0.01)


def test_a_turn_counts_the_batches_between_its_first_and_last_batch_event():
    points = [(9.0, 10),             # before the turn (the side was held after it)
              (10.5, 12), (11.0, 14), (12.0, 20),   # inside: 8 batches in 1.5 s
              (12.5, 22)]            # after the turn
    assert R.batch_speed(points, 25.0, (10.0, 12.0)) == pytest.approx(8 * 25.0 / 1.5)
    # no epoch needs to finish in the turn: two batch events are enough
    assert R.batch_speed([(1.0, 3), (1.5, 4)], 10.0, (0.0, 2.0)) == pytest.approx(20.0)
    # fewer than two events inside, or no batch done between them: no figure
    assert R.batch_speed(points, 25.0, (10.4, 10.6)) is None
    assert R.batch_speed([(1.0, 3), (1.5, 3)], 10.0, (0.0, 2.0)) is None
    assert R.batch_speed(points, 0.0, (10.0, 12.0)) is None
    assert R._batches_in(points, (10.0, 12.0)) == 8 and R._batches_in(points, (10.4, 10.6)) == 0


def test_the_headless_run_is_read_batch_by_batch_without_its_warm_up_epoch(fake_headless, tmp_path):
    run = R.CliRun(tmp_path / "p.json", tmp_path)
    try:
        _wait(lambda: run.epochs() >= 2)
    finally:
        run.close()
    assert (run.n_train, run.batches_per_epoch, run.samples_per_batch()) == (100, 4, 25.0)
    assert run.batches[0][1] == 5                         # epoch 2, batch 1: epoch 1 (the warm-up) left out
    assert [g for _, g in run.batches] == list(range(5, 5 + len(run.batches)))
    a, b = run.batches[0][0], run.batches[-1][0]
    assert run.speed_in((a, b)) == pytest.approx(R.batch_speed(run.batches, 25.0, (a, b)))


@pytest.mark.skipif(not R.CAN_HOLD, reason="this system cannot stop a process (the other test covers it)")
def test_a_held_headless_run_trains_no_further_and_goes_on_when_let_go(fake_headless, tmp_path):
    run = R.CliRun(tmp_path / "p.json", tmp_path)
    try:
        _wait(lambda: run.epochs() >= 3)
        run.hold()
        time.sleep(0.1)                                      # a line already written may still arrive
        held = len(run.batches)
        time.sleep(0.3)
        assert len(run.batches) == held and run.alive()      # stopped, not ended
        assert run.go() is False                             # the same process goes on
        _wait(lambda: len(run.batches) > held)
    finally:
        run.close()
    assert not run.alive()


def test_without_stopping_a_process_hold_ends_it_and_go_starts_another(fake_headless, tmp_path, monkeypatch):
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
    turns = [(side, speed[i]) for i, side in enumerate(order)]
    assert R.side_speed(turns, "gui") == pytest.approx(R.side_speed(turns, "cli"))


def test_long_epochs_or_no_stopping_give_one_turn_each():
    assert R.turn_order(8.0, 3.0) == ["cli", "gui", "cli"]          # 12 s turns do not fit in 8 s
    assert R.turn_order(8.0, float("inf")) == ["cli", "gui", "cli"]
    assert R.turn_order(8.0, 0.1, can_hold=False) == ["cli", "gui", "cli"]


def test_each_turn_weighs_the_same_and_turns_without_a_figure_are_left_out():
    turns = [("gui", 100.0), ("cli", 200.0), ("cli", 120.0), ("gui", 80.0), ("gui", None)]
    assert R.side_speed(turns, "gui") == pytest.approx(90.0)
    assert R.side_speed(turns, "cli") == pytest.approx(160.0)
    assert R.side_speed([("gui", None)], "gui") is None


def test_lateness_is_worked_out_per_turn_from_the_tick_times(qapp):
    probe = R._LatenessProbe()
    # two turns: the gap between them is not a late tick
    probe._stamps[:], probe._turns[:] = [0.0, 0.010, 0.025, 0.035, 5.0, 5.010, 5.050], [0, 4]
    assert probe.lateness_ms == pytest.approx([0.0, 5.0, 0.0, 0.0, 30.0])
    probe._stamps[:], probe._turns[:] = [], []
    assert probe.lateness_ms == []


def test_targets_are_met_only_by_figures_that_were_measured():
    assert R.passes({}) == {k: False for k in R.passes({})}
    assert set(R.passes({"ui_lateness_p99_ms": 1.0, "ui_stall_max_ms": 1.0, "plot_fps": 30.0, "ratio": 1.0}).values()) == {True}
