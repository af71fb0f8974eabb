import json

from cnnrnn_studio import cli


def test_cnnrnn_studio_train_digits_cnn_reaches_97_percent(tmp_path, capsys):
    # The template as shipped (Adam, lr 0.002, cosine schedule, batch 64), 10 of its 30 epochs to keep the
    # test short; the full 30-epoch run is reported by benchmarks/train_speed.py.
    code = cli.main(["train", "digits_cnn", "--epochs", "10", "--json", "--out", str(tmp_path / "run")])
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert code == 0
    final = lines[-1]
    assert final["final"] and final["epochs_run"] == 10
    assert final["test_accuracy"] >= 0.97
