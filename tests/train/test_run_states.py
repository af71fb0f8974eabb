"""Honest run states: signals stop like Stop, summary.json matches the files, a dead run reads as
interrupted, and a run folder is claimed by one run only."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cnnrnn_studio.train import list_runs, train
from cnnrnn_studio.train.runs import RunError, effective_status, load_run, make_run_dir, read_metrics

from .helpers import blobs, make_project, vector_classifier

ROOT = Path(__file__).resolve().parents[2]
DIGITS_SMALL = [
    ("input", "Input", {"kind": "image", "shape": [1, 8, 8]}),
    ("flatten", "Flatten", {}),
    ("dense", "Dense", {"out_features": 10}),
    ("output", "Output", {"task": "classification"}),
]


def _digits_project(tmp_path):
    make_project(DIGITS_SMALL, name="Small digits", dataset={"kind": "builtin", "name": "digits"},
                 training={"epochs": 2, "batch_size": 16, "learning_rate": 0.01}, path=tmp_path / "small.json")
    return tmp_path / "small.json"


def _start_train(project: Path, out: Path, epochs: int = 100000) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "cnnrnn_studio.cli", "train", str(project), "--json",
                             "--epochs", str(epochs), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _wait_for_epoch(proc: subprocess.Popen) -> dict:
    line = proc.stdout.readline()   # the first epoch's JSON line: the run is under way
    assert line, proc.stderr.read()
    return json.loads(line)


def _check_summary_matches_files(folder: Path) -> dict:
    summary = json.loads((folder / "summary.json").read_text())
    rows = read_metrics(folder / "metrics.csv")
    assert summary["epochs_run"] == len(rows)
    from safetensors import safe_open

    with safe_open(str(folder / "weights.safetensors"), framework="pt") as f:
        meta = f.metadata()
    assert summary["weights"]["epoch"] == int(meta["epoch"])
    return summary


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_after_the_batch_and_write_the_state(tmp_path, sig):
    project = _digits_project(tmp_path)
    proc = _start_train(project, tmp_path / "run")
    try:
        first = _wait_for_epoch(proc)
        assert first["epoch"] == 1
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, err
    final = json.loads(out.strip().splitlines()[-1])
    assert final["final"] and final["stopped_by_user"] and final["epochs_run"] >= 1
    assert "Traceback" not in err
    summary = _check_summary_matches_files(tmp_path / "run")
    assert summary["status"] == "stopped" and summary["stop_signal"] == signal.Signals(sig).name
    assert summary["epochs_run"] == final["epochs_run"] and summary["weights"]["epoch"] == final["weights_epoch"]
    assert load_run(tmp_path / "run", with_model=False).summary["status"] == "stopped"


def test_a_killed_run_is_shown_as_interrupted(tmp_path, capsys):
    project = _digits_project(tmp_path)
    runs = tmp_path / "runs"
    proc = _start_train(project, runs / "killed")
    try:
        _wait_for_epoch(proc)
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    folder = runs / "killed"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "running" and summary["pid"] == proc.pid
    assert summary["epochs_run"] >= 1
    # epochs_run and weights were kept up to date epoch by epoch (the kill may land between the two files)
    assert summary["epochs_run"] in (len(read_metrics(folder / "metrics.csv")),
                                     len(read_metrics(folder / "metrics.csv")) - 1)
    assert effective_status(summary) == "interrupted"
    (info,) = list_runs(runs)
    assert info.status == "interrupted"
    assert load_run(folder, with_model=False).summary["status"] == "interrupted"
    from cnnrnn_studio import cli

    assert cli.main(["evaluate", str(folder), "--json"]) == 0   # its weights are loadable
    assert json.loads(capsys.readouterr().out)["status"] == "interrupted"
    assert cli.main(["evaluate", str(folder)]) == 0   # and evaluate says what state they come from
    assert "Note: this run was interrupted" in capsys.readouterr().out


def test_a_live_run_stays_running_and_one_without_a_process_is_interrupted():
    me = {"status": "running", "pid": os.getpid(), "host": __import__("socket").gethostname()}
    assert effective_status(me) == "running"
    assert effective_status({"status": "running"}) == "interrupted"
    assert effective_status({"status": "running", "pid": "x"}) == "interrupted"
    assert effective_status({"status": "finished", "pid": 1}) == "finished"
    assert effective_status({"status": None}) == "unknown"


def test_summary_tracks_each_epoch(tmp_path):
    seen = []

    def listener(e):
        from cnnrnn_studio.train import events as ev

        if isinstance(e, ev.EpochDone):
            seen.append(_check_summary_matches_files(tmp_path / "run"))

    run = train(vector_classifier(training={"epochs": 3}), dataset=blobs(), out=tmp_path / "run", listener=listener)
    assert [s["epochs_run"] for s in seen] == [1, 2, 3]
    assert all(s["status"] == "running" and s["pid"] == os.getpid() for s in seen)
    assert run.summary["status"] == "finished"
    _check_summary_matches_files(run.folder)


def test_a_second_ctrl_c_is_recorded_as_interrupted(tmp_path):
    from cnnrnn_studio.train import events as ev

    def listener(e):
        if isinstance(e, ev.EpochDone) and e.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(vector_classifier(training={"epochs": 5}), dataset=blobs(), out=tmp_path / "run", listener=listener)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "interrupted"


def test_run_folder_is_claimed_once(tmp_path):
    p = vector_classifier(path=tmp_path / "p.json")
    folder = make_run_dir(p, tmp_path / "out")
    assert json.loads((folder / "summary.json").read_text())["status"] == "running"
    with pytest.raises(RunError, match="already holds a training run"):
        make_run_dir(p, tmp_path / "out")


def test_a_persons_files_in_out_are_never_replaced(tmp_path, capsys):
    from cnnrnn_studio import cli

    project = _digits_project(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "metrics.csv").write_text("my own numbers\n")
    assert cli.main(["train", str(project), "--out", str(mine)]) == 1
    err = capsys.readouterr().err
    assert "metrics.csv" in err and str(mine) in err
    assert (mine / "metrics.csv").read_text() == "my own numbers\n"
    assert not (mine / "summary.json").exists()
    (tmp_path / "afile").write_text("x")
    assert cli.main(["train", str(project), "--out", str(tmp_path / "afile")]) == 1
    assert (tmp_path / "afile").read_text() == "x"


def test_two_runs_with_the_same_out_never_share_it(tmp_path):
    project = _digits_project(tmp_path)
    a = _start_train(project, tmp_path / "shared", epochs=3)
    b = _start_train(project, tmp_path / "shared", epochs=3)
    (out_a, err_a), (out_b, err_b) = a.communicate(timeout=600), b.communicate(timeout=600)
    codes = sorted([a.returncode, b.returncode])
    assert codes == [0, 1], (err_a, err_b)
    loser_err = err_a if a.returncode else err_b
    assert "shared" in loser_err and "Traceback" not in loser_err
    assert json.loads((tmp_path / "shared" / "summary.json").read_text())["status"] == "finished"


def test_evaluate_refuses_a_fifo_in_a_run_folder(tmp_path, capsys):
    from cnnrnn_studio import cli

    train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=tmp_path / "run")
    (tmp_path / "run" / "weights.safetensors").unlink()
    os.mkfifo(tmp_path / "run" / "weights.safetensors")
    assert cli.main(["evaluate", str(tmp_path / "run")]) == 1
    assert "FIFO" in capsys.readouterr().err
