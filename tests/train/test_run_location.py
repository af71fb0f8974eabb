from datetime import datetime

from cnnrnn_studio.train import list_runs, train
from cnnrnn_studio.train.runs import make_run_dir, safe_name

from .helpers import blobs, vector_classifier


def test_safe_name():
    assert safe_name("Digits CNN!") == "Digits-CNN"
    assert safe_name("../../etc") == "etc"
    assert safe_name("???") == "project"


def test_default_folder_is_beside_the_project(tmp_path):
    p = vector_classifier(name="My Net", training={"epochs": 1}, path=tmp_path / "net.json")
    run = train(p, dataset=blobs())
    assert run.folder.parent == tmp_path / "runs"
    assert run.folder.name.startswith("My-Net-")
    stamp = run.folder.name[len("My-Net-"):]
    datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    assert [i.folder for i in list_runs(p)] == [run.folder]
    assert [i.folder for i in list_runs(tmp_path / "net.json")] == [run.folder]


def test_two_runs_in_the_same_second_get_two_folders(tmp_path):
    p = vector_classifier(name="x", path=tmp_path / "x.json")
    now = datetime(2025, 1, 2, 3, 4, 5)
    a, b = make_run_dir(p, now=now), make_run_dir(p, now=now)
    assert a.name == "x-20250102-030405" and b.name == "x-20250102-030405-2"


def test_unsaved_project_goes_to_the_user_data_folder(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "user"))
    run = train(vector_classifier(name="Loose", training={"epochs": 1}), dataset=blobs())
    assert run.folder.parent == tmp_path / "user" / "runs"


def test_unwritable_project_folder_falls_back_to_the_user_data_folder(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "user"))
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "runs").write_text("a file where the runs folder should be")
    p = vector_classifier(name="P", path=proj / "p.json")
    assert make_run_dir(p).parent == tmp_path / "user" / "runs"
