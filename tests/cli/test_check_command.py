import json
import subprocess
import sys

from cnnrnn_studio.cli import main
from cnnrnn_studio.project import template_path


def test_check_prints_a_table_and_exits_0(capsys):
    rc = main(["check", str(template_path("lenet5")), "--no-data"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "61,706" in out and "c1" in out and "[6, 28, 28]" in out


def test_check_json(capsys):
    rc = main(["check", str(template_path("text_lstm")), "--json", "--no-data"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert set(d) >= {"blocks", "total_params", "total_macs"}
    first = d["blocks"][0]
    assert set(first) >= {"id", "type", "output_shape", "params", "macs"}
    assert first["output_shape"] == [None]  # open time axis -> null
    assert d["total_params"] == sum(b["params"] for b in d["blocks"])


def test_invalid_project_exits_nonzero_with_plain_errors(tmp_path, capsys):
    bad = json.loads(template_path("digits_cnn").read_text())
    bad["links"] = [l for l in bad["links"] if l["to"] != "dense1"]  # remove flatten -> dense1
    bad["blocks"] = [b for b in bad["blocks"] if b["id"] != "flatten"]
    bad["links"] = [l for l in bad["links"] if "flatten" not in (l["from"], l["to"])] + [{"from": "pool1", "to": "dense1"}]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(bad))
    rc = main(["check", str(f), "--no-data"])
    out = capsys.readouterr().out
    assert rc != 0
    assert "dense1" in out and "Insert Flatten" in out
    assert "Traceback" not in out


def test_broken_file_message_names_file_without_traceback(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [')
    r = subprocess.run([sys.executable, "-m", "cnnrnn_studio.cli", "check", str(f)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "broken.json" in r.stderr and "Traceback" not in r.stderr


def test_check_takes_a_template_id(capsys):
    import json

    from cnnrnn_studio import cli

    assert cli.main(["check", "lenet5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == 61706
    assert cli.main(["check", "no_such_template_or_file"]) != 0
    assert "no_such_template_or_file: the file does not exist" in capsys.readouterr().err
