import json
import os

import pytest

import cnnrnn_studio as cs
from cnnrnn_studio.blocks import REGISTRY
from cnnrnn_studio.errors import ProjectError, ValidationError
from cnnrnn_studio.project import FORMAT, VERSION, Project

from ..blocks.cases import CASES


def write(tmp_path, obj, name="p.json"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


MINIMAL = {"format": FORMAT, "version": 1, "name": "tiny",
           "blocks": [{"id": "in", "type": "Input", "params": {"kind": "vector", "shape": [4]}},
                      {"id": "d", "type": "Dense", "params": {"out_features": 3}},
                      {"id": "out", "type": "Output"}],
           "links": [{"from": "in", "to": "d"}, {"from": "d", "to": "out"}]}


def test_load_check_build_roundtrip(tmp_path):
    p = cs.load_project(write(tmp_path, MINIMAL))
    a = p.check()
    assert a.total_params == 15
    model = p.build_model()
    import torch

    assert model(torch.randn(2, 4)).shape == (2, 3)
    saved = p.save(tmp_path / "again.json")
    q = cs.load_project(saved)
    assert q.to_dict() == p.to_dict()


def test_blocks_without_params_take_defaults_and_position_is_optional(tmp_path):
    p = cs.load_project(write(tmp_path, MINIMAL))
    assert p.graph.block("out").params == {} and p.graph.block("d").position is None
    assert p.analyze().params["out"]["task"] == "classification"


@pytest.mark.parametrize("type_id", sorted(REGISTRY))
def test_every_block_round_trips_through_the_file(tmp_path, type_id):
    params = next((p for t, p, _ in CASES if t == type_id), {})
    if type_id == "Input":
        params = {"kind": "sequence", "shape": [None, 3]}
    if type_id == "Output":
        params = {"task": "regression"}
    g = Project(name="one")
    g.graph.add_block(type_id, params, "b", (12.5, -3))
    path = g.save(tmp_path / "one.json")
    back = cs.load_project(path)
    b = back.graph.block("b")
    assert (b.type, b.params, b.position) == (type_id, params, (12.5, -3))
    assert REGISTRY[type_id].resolve_params(b.params) == REGISTRY[type_id].resolve_params(params)


def test_unknown_keys_are_kept(tmp_path):
    d = dict(MINIMAL, plugin_data={"x": 1})
    p = cs.load_project(write(tmp_path, d))
    assert p.to_dict()["plugin_data"] == {"x": 1}


@pytest.mark.parametrize("content,needle", [
    ("", "empty"),
    ('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [', "truncated"),
    ('{"format": "cnnrnn-studio-project",\n "version": 1,\n "blocks": [}', "line 3"),
    ('[1, 2]', "not a JSON object"),
    ('{"format": "something-else", "version": 1}', "not a CNN-RNN Studio project"),
    ('{"format": "cnnrnn-studio-project", "version": 99}', "newer CNN-RNN Studio"),
    ('{"format": "cnnrnn-studio-project"}', "version"),
    ('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [{"type": "ReLU"}]}', "block 1"),
    ('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [{"id": "a", "type": "ReLU"}],'
     ' "links": [{"from": "a", "to": "ghost"}]}', "ghost"),
    ('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [{"id": "a", "type": "ReLU", "params": 3}]}', "params"),
])
def test_broken_files_give_a_clear_error_naming_the_file(tmp_path, content, needle):
    path = write(tmp_path, content)
    with pytest.raises(ProjectError) as e:
        cs.load_project(path)
    assert needle in str(e.value) and str(path) in str(e.value)


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        cs.load_project(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ProjectError, match="not a text file"):
        cs.load_project(tmp_path / "bin.json")


def test_old_version_is_migrated(tmp_path):
    v0 = {"format": FORMAT, "version": 0, "nodes": MINIMAL["blocks"],
          "edges": [{"source": "in", "target": "d"}, {"source": "d", "target": "out"}]}
    p = cs.load_project(write(tmp_path, v0))
    assert p.check().total_params == 15 and p.to_dict()["version"] == VERSION


def test_check_raises_naming_each_block(tmp_path):
    d = json.loads(json.dumps(MINIMAL))
    d["blocks"][1]["params"]["out_features"] = 0
    p = cs.load_project(write(tmp_path, d))
    with pytest.raises(ValidationError) as e:
        p.check()
    assert "d: " in str(e.value) and e.value.problems[0].block_id == "d"
    with pytest.raises(ValidationError):
        p.build_model()


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL)
    before = path.read_text()
    p = cs.load_project(path)
    p.graph.set_param("d", "out_features", 7)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ProjectError, match="No space left"):
        p.save()
    assert path.read_text() == before
    assert [f.name for f in tmp_path.iterdir()] == ["p.json"]  # no temp file left behind


def test_save_into_missing_folder_is_a_clear_error(tmp_path):
    p = cs.load_project(write(tmp_path, MINIMAL))
    with pytest.raises(ProjectError, match="folder .* does not exist"):
        p.save(tmp_path / "no" / "such" / "dir" / "p.json")
