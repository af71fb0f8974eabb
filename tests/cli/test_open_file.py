"""`cnnrnn-studio mynet.json` opens the app on that file, as a file manager's "Open with" does."""

from cnnrnn_studio import cli
from cnnrnn_studio.project import template_path


def _captured_gui(monkeypatch):
    seen = {}

    def fake_gui(args):
        seen["project"] = args.project
        seen["screenshot"] = args.screenshot
        return 0

    monkeypatch.setattr(cli, "cmd_gui", fake_gui)
    # the parser binds the function when it is built, so rebuild it after the patch
    return seen


def test_a_json_file_as_first_argument_opens_the_gui_on_it(tmp_path, monkeypatch):
    f = tmp_path / "mynet.json"
    f.write_text(template_path("lenet5").read_text())
    seen = _captured_gui(monkeypatch)
    assert cli.main([str(f)]) == 0
    assert seen["project"] == str(f)
    assert cli.main([str(f), "--screenshot", str(tmp_path / "x.png")]) == 0
    assert seen["screenshot"] == str(tmp_path / "x.png")


def test_subcommands_and_missing_files_are_not_taken_for_a_project(tmp_path, monkeypatch, capsys):
    seen = _captured_gui(monkeypatch)
    assert cli.main(["check", "lenet5", "--json"]) == 0
    assert "project" not in seen
    missing = tmp_path / "nothing.json"
    try:
        cli.main([str(missing)])
    except SystemExit as e:  # argparse: not a subcommand
        assert e.code == 2
    assert "project" not in seen
