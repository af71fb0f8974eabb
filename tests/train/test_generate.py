"""`cnnrnn-studio generate`: a next-character model writes text, a next-value model forecasts in a
closed loop (each prediction fed back), and every misuse is a plain message."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnnrnn_studio.cli import main
from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project.fit import check_fit
from cnnrnn_studio.train import train
from cnnrnn_studio.train.generate import GenerateError, generate
from cnnrnn_studio.train.runs import load_run

from .helpers import make_project, vector_classifier


def char_lstm(vocab: int, window: int, **kw):
    return make_project([
        ("input", "Input", {"kind": "tokens", "shape": [window]}),
        ("emb", "Embedding", {"num_embeddings": vocab, "embedding_dim": 8}),
        ("lstm", "LSTM", {"hidden_size": 24, "return_sequences": True}),
        ("dense", "Dense", {"out_features": vocab}),
        ("output", "Output", {"task": "classification"}),
    ], **kw)


@pytest.fixture(scope="module")
def abc_run(tmp_path_factory):
    """A char LSTM trained on 'abcd' repeated: it has learnt the pattern."""
    tmp = tmp_path_factory.mktemp("abc")
    (tmp / "corpus.txt").write_text("abcd" * 300, encoding="utf-8")
    spec = {"kind": "file", "format": "text", "train": "corpus.txt", "window": 16}
    ds = load_dataset(spec, base_dir=tmp)
    project = char_lstm(len(ds.vocab), 16, dataset=spec, path=tmp / "p.json",
                        training={"epochs": 12, "batch_size": 8, "learning_rate": 0.02})
    check_fit(project, ds)
    run = train(project, dataset=ds, out=tmp / "run")
    return tmp, project, run


def _generate(capsys, *args):
    code = main(["generate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_char_lstm_checks_trains_and_exports(abc_run, tmp_path, capsys):
    tmp, project, run = abc_run
    assert run.evaluation["per_step"] is True and run.evaluation["accuracy"] > 0.99
    assert main(["check", str(tmp / "p.json"), "--json"]) == 0
    blocks = {b["id"]: b for b in json.loads(capsys.readouterr().out)["blocks"]}
    assert blocks["output"]["output_shape"] == [16, 6]
    from cnnrnn_studio.interop.onnx import export_onnx

    report = export_onnx(project, tmp_path / "char.onnx", model=run.model)
    assert report.max_abs_diff < 1e-4
    summary = json.loads((run.folder / "summary.json").read_text())
    assert summary["dataset_info"]["vocab"] == ["<pad>", "<unk>", "a", "b", "c", "d"]


def test_the_trained_model_writes_the_pattern_at_temperature_zero(abc_run, capsys):
    _, _, run = abc_run
    code, out, err = _generate(capsys, run.folder, "--start", "ab", "--length", "22", "--temperature", "0")
    assert code == 0, err
    assert out == "cdabcdabcdabcdabcdabcd\n"
    code, out, _ = _generate(capsys, run.folder, "--start", "abcdabcdabcdabcdabcdab", "--length", "6",
                             "--temperature", "0", "--json")
    result = json.loads(out)
    assert result["generated"] == "cdabcd" and result["kind"] == "text"      # a start longer than the window


def test_sampling_is_seeded(abc_run, capsys):
    _, _, run = abc_run
    args = (run.folder, "--length", "40", "--temperature", "3", "--json")
    first = json.loads(_generate(capsys, *args, "--seed", "1")[1])["generated"]
    assert first == json.loads(_generate(capsys, *args, "--seed", "1")[1])["generated"]
    assert len(first) == 40 and set(first) <= set("abcd")
    assert first != json.loads(_generate(capsys, *args, "--seed", "2")[1])["generated"]


@pytest.mark.parametrize(("args", "words"), [
    (["--start", "abz!"], "the start text has character(s) the model never saw in training: '!', 'z'"),
    (["--length", "0"], "the length must be a whole number from 1"),
    (["--temperature", "-1"], "the temperature must be a number of 0 or more"),
    (["--temperature", "nan"], "the temperature must be a number of 0 or more"),
])
def test_bad_settings_are_plain_errors(abc_run, capsys, args, words):
    code, out, err = _generate(capsys, abc_run[2].folder, *args)
    assert code != 0 and out == ""
    assert words in err and "Traceback" not in err


def _series_csv(path, n=160):
    t = np.arange(n)
    values = 100 + 20 * np.sin(2 * np.pi * t / 12) + 0.5 * t
    path.write_text("month,value\n" + "".join(f"m{i},{v:.4f}\n" for i, v in enumerate(values)))
    return values


def test_closed_loop_forecast_feeds_predictions_back_in_the_datas_units(tmp_path, capsys):
    values = _series_csv(tmp_path / "series.csv")
    spec = {"kind": "file", "format": "csv", "train": "series.csv", "mode": "timeseries", "window": 12}
    project = make_project([
        ("input", "Input", {"kind": "sequence", "shape": [12, 1]}),
        ("gru", "GRU", {"hidden_size": 16}),
        ("dense", "Dense", {"out_features": 1}),
        ("output", "Output", {"task": "regression"}),
    ], dataset=spec, path=tmp_path / "p.json", training={"epochs": 30, "batch_size": 16, "learning_rate": 0.01})
    run = train(project, out=tmp_path / "run")
    code, out, err = _generate(capsys, run.folder, "--length", "5", "--json")
    assert code == 0, err
    result = json.loads(out)
    got = result["generated"]
    assert result["kind"] == "values" and len(got) == 5
    assert result["start"] == pytest.approx(list(values[-12:]), rel=1e-4)   # default: the end of the data
    # The same loop by hand, with the scaling the data layer used.
    ds, model = load_run(run.folder).load_dataset(), load_run(run.folder).model
    m, s = ds.meta["feature_mean"][0], ds.meta["feature_std"][0]
    tm, ts = ds.meta["target_mean"][0], ds.meta["target_std"][0]
    history = [float(v) for v in values]
    with torch.no_grad():
        for _ in range(5):
            x = (torch.tensor(history[-12:], dtype=torch.float64) - m) / s
            history.append(float(model(x.float().reshape(1, 12, 1))[0, 0]) * ts + tm)
    assert got == pytest.approx(history[-5:], rel=1e-5)
    # It learnt the series: the next value is near what the formula gives (in passengers, not z-scores).
    nxt = 100 + 20 * np.sin(2 * np.pi * 160 / 12) + 0.5 * 160
    assert abs(got[0] - nxt) < 15
    code, out, _ = _generate(capsys, run.folder, "--length", "3", "--start", ",".join(map(str, values[:12])))
    assert code == 0 and len(out.strip().split(", ")) == 3
    code, _, err = _generate(capsys, run.folder, "--start", "1,2,x")
    assert code != 0 and "value 3 is 'x'" in err
    code, _, err = _generate(capsys, run.folder, "--start", "1,2,3")
    assert code != 0 and "the start has 3 value(s) but the network reads 12" in err


def test_per_step_regression_forecasts_from_the_last_step(tmp_path, capsys):
    t = np.arange(400, dtype=np.float64)
    series = 50 + 10 * np.sin(t / 3)
    starts = np.arange(0, 380, 4)
    x = np.stack([series[s:s + 16] for s in starts])[:, :, None]
    y = np.stack([series[s + 1:s + 17] for s in starts])[:, :, None]
    np.savez(tmp_path / "a.npz", X=x.astype(np.float32), y=y.astype(np.float32))
    project = make_project([
        ("input", "Input", {"kind": "sequence", "shape": [None, 1]}),
        ("gru", "GRU", {"hidden_size": 12, "return_sequences": True}),
        ("dense", "Dense", {"out_features": 1}),
        ("output", "Output", {"task": "regression"}),
    ], dataset={"kind": "file", "format": "npz", "train": "a.npz"}, path=tmp_path / "p.json",
        training={"epochs": 3, "batch_size": 16})
    run = train(project, out=tmp_path / "run")
    code, out, err = _generate(capsys, run.folder, "--length", "4", "--json", "--start", "50,53,56")
    assert code == 0, err
    result = json.loads(out)
    assert len(result["generated"]) == 4 and all(20 < v < 80 for v in result["generated"])
    assert result["start"] == [50.0, 53.0, 56.0]


def test_a_classifier_is_not_a_next_step_model(tmp_path, capsys):
    from cnnrnn_studio.data import DataSplit, Dataset

    g = torch.Generator().manual_seed(0)
    split = DataSplit(x=torch.randn(12, 4, generator=g), y=torch.randint(0, 3, (12,), generator=g))
    ds = Dataset(name="blobs", kind="vector", task="classification", sample_shape=(4,), train=split, val=split,
                 test=split, class_names=["a", "b", "c"], n_outputs=3)
    run = train(vector_classifier(training={"epochs": 1}), dataset=ds, out=tmp_path / "run")
    code, out, err = _generate(capsys, run.folder)
    assert code != 0 and "is not a next-step model" in err and str(run.folder) in err
    with pytest.raises(GenerateError, match="not a next-step model"):
        generate(load_run(run.folder))
