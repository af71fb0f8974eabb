"""A damaged run folder (summary.json, metrics.csv) is a RunError naming the file and key/line."""

import json

import pytest

from cnnrnn_studio.train import RunError, load_run
from cnnrnn_studio.train.run_files import read_metrics

GOOD = {"format": "cnnrnn-studio-run", "version": 1, "status": "finished", "task": "classification",
        "config": {"seed": 0, "validation_split": 0.2}, "base_dir": ".", "class_names": ["a", "b"],
        "epochs_run": 1, "epochs": 1}


def _run(tmp_path, metrics: bytes | None = None, **changes):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({**GOOD, **changes}))
    if metrics is not None:
        (folder / "metrics.csv").write_bytes(metrics)
    return folder


def test_a_good_summary_reads(tmp_path):
    run = load_run(_run(tmp_path, b"epoch,train_loss\n1,0.5\n"), with_model=False)
    assert run.metrics == [{"epoch": 1, "train_loss": 0.5}]


@pytest.mark.parametrize("key,value,words", [
    ("version", "abc", "'version' must be a whole number"), ("version", None, "'version' must be a whole number"),
    ("version", 1.5, "'version'"), ("version", -1, "'version'"), ("version", True, "'version'"),
    ("config", "abc", "'config' must be an object"), ("config", [1], "'config'"),
    ("base_dir", 7, "'base_dir'"), ("task", 5, "'task' must be one of"), ("class_names", "ab", "'class_names'"),
    ("class_names", [1, 2], "'class_names'"), ("epochs_run", "x", "'epochs_run'"), ("dataset", "x", "'dataset'"),
])
def test_a_summary_value_of_the_wrong_type(tmp_path, key, value, words):
    folder = _run(tmp_path, **{key: value})
    with pytest.raises(RunError, match=words) as e:
        load_run(folder, with_model=False)
    assert str(folder / "summary.json") in str(e.value)


def test_a_newer_run_still_says_update(tmp_path):
    with pytest.raises(RunError, match="newer CNN-RNN Studio"):
        load_run(_run(tmp_path, version=99), with_model=False)


@pytest.mark.parametrize("data,line", [(b"epoch,train_loss\n1,0.5\n\xff\xfe2,0.4\n", 3),
                                       (b"\xff\xfeepoch\n", 1)])
def test_metrics_that_are_not_utf8(tmp_path, data, line):
    folder = _run(tmp_path, data)
    with pytest.raises(RunError, match=f"line {line} is not UTF-8") as e:
        load_run(folder, with_model=False)
    assert "metrics.csv" in str(e.value)


def test_metrics_with_a_nul_byte_or_ragged_rows_read_without_a_traceback(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"epoch,train_loss\n1,\x00\n2,0.3,extra\n3\n")
    rows = read_metrics(path)
    assert [r["epoch"] for r in rows] == [1, 2, 3]


@pytest.mark.parametrize("name", ["summary.json", "evaluation.json"])
def test_json_nested_past_the_recursion_limit(tmp_path, name):
    folder = _run(tmp_path)
    (folder / name).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(RunError, match="nested too deeply") as e:
        load_run(folder, with_model=False)
    assert name in str(e.value)
