"""Hostile project files give a ProjectError naming the file (and place), never a traceback."""

import json

import pytest

from cnnrnn_studio.errors import ProjectError
from cnnrnn_studio.project import Project, load_project

HEAD = '{"format": "cnnrnn-studio-project", "version": 1, "name": '


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_json_nested_past_the_recursion_limit(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text(HEAD + "[" * depth + "]" * depth + "}")
    with pytest.raises(ProjectError, match="nested too deeply") as e:
        load_project(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("opener,closer", [('{"a":', "}"), ("[", "]")])
def test_json_nested_deep_but_parseable(tmp_path, opener, closer):
    path = tmp_path / "deep.json"
    path.write_text(HEAD + '"x", "extra": ' + opener * 500 + "1" + closer * 500 + "}")
    with pytest.raises(ProjectError, match="nested more than 64 levels") as e:
        load_project(path)
    assert str(path) in str(e.value)


def test_moderate_nesting_in_an_extra_key_is_kept(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(HEAD + '"x", "extra": ' + '{"a":' * 20 + "1" + "}" * 20 + "}")
    p = load_project(path)
    assert "extra" in p.copy().to_dict()


@pytest.mark.parametrize("edges,where", [("abc", r"v0\.json: 'edges'"), (5, r"v0\.json: 'edges'"),
                                         (["x"], r"v0\.json, edge 1: each edge"),
                                         ([{"source": "a", "target": "b"}, 3], r"v0\.json, edge 2")])
def test_version_0_edges_that_are_not_links(tmp_path, edges, where):
    path = tmp_path / "v0.json"
    path.write_text(json.dumps({"format": "cnnrnn-studio-project", "version": 0, "nodes": [], "edges": edges}))
    with pytest.raises(ProjectError, match=where):
        load_project(path)


def test_version_0_still_migrates():
    d = {"format": "cnnrnn-studio-project", "version": 0,
         "nodes": [{"id": "a", "type": "Input", "params": {"kind": "vector", "shape": [3]}},
                   {"id": "b", "type": "Output", "params": {}}],
         "edges": [{"source": "a", "target": "b"}]}
    p = Project.from_dict(d)
    assert p.graph.has_link("a", "b")
