import json
from pathlib import Path

import pytest

import cnnrnn_studio.data as data
from cnnrnn_studio.data import BUILTIN_DATASETS, BUILTIN_OPTIONS, BuiltinInfo, Dataset, load_dataset

EXPECTED = {"digits", "basic_motions", "airline", "digit_motion", "sentiment_mini", "digit_strings",
            "founding_documents"}


def test_registry_lists_the_builtins():
    assert set(BUILTIN_DATASETS) == EXPECTED
    assert set(BUILTIN_OPTIONS) == EXPECTED
    for info in BUILTIN_DATASETS.values():
        assert isinstance(info, BuiltinInfo)
        label, kind, description, loader = info  # a 4-tuple, as the UI unpacks it
        assert label and description and callable(loader)
        assert kind in data.KINDS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_builtin_loads_and_matches_its_entry(name):
    ds = load_dataset({"kind": "builtin", "name": name})
    assert isinstance(ds, Dataset)
    assert ds.name == name and ds.kind == BUILTIN_DATASETS[name].kind
    assert ds.attribution and ds.description
    json.dumps(ds.meta)  # meta stays JSON-friendly (plain lists and numbers)
    for split in (ds.train, ds.val, ds.test):
        assert len(split) > 0
        assert tuple(split.x.shape[1:]) == ds.sample_shape
    if ds.task == "classification":
        assert ds.n_outputs == len(ds.class_names)
        assert int(max(s.y.max() for s in (ds.train, ds.val, ds.test))) < ds.n_outputs


def test_unknown_builtin_lists_the_known_ones():
    with pytest.raises(data.DataError) as info:
        load_dataset({"kind": "builtin", "name": "mnist"})
    message = str(info.value)
    assert "'mnist'" in message
    for name in EXPECTED:
        assert name in message


def test_builtin_unknown_option_is_named():
    with pytest.raises(data.DataError, match=r"'windw'.*window"):
        load_dataset({"kind": "builtin", "name": "airline", "windw": 6})
    with pytest.raises(data.DataError, match="'color'"):
        load_dataset({"kind": "builtin", "name": "digits", "color": "rgb"})


def test_builtin_option_values_are_checked():
    with pytest.raises(data.DataError, match="'window'"):
        load_dataset({"kind": "builtin", "name": "airline", "window": "twelve"})
    with pytest.raises(data.DataError, match="'window'"):
        load_dataset({"kind": "builtin", "name": "airline", "window": 200})


def test_the_package_never_reads_the_shared_folder():
    # The shipped app has only resources/data; the package must not point anywhere else.
    package = Path(data.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "shared/data" not in text and "../shared" not in text, source.name
    assert data.resources_dir().name == "data" and (data.resources_dir() / "ATTRIBUTION.md").is_file()
