"""The dataset section's "augment" object in the project file: kept as written, checked on use."""

import pytest

from cnnrnn_studio.project import Project, load_project
from cnnrnn_studio.project.fit import DatasetError, load_project_dataset

AUGMENT = {"images": {"flip": True, "shift": 0.1, "rotate": 8}, "series": {"jitter": 0.02, "window": 0.9}}


def _project(augment):
    return Project.from_dict({"format": "cnnrnn-studio-project", "version": 1, "name": "aug", "blocks": [],
                              "links": [], "dataset": {"kind": "builtin", "name": "digits", "augment": augment}})


def test_saved_and_read_back_unchanged(tmp_path):
    path = _project(AUGMENT).save(tmp_path / "p.cnnrnn.json")
    again = load_project(path)
    assert again.dataset["augment"] == AUGMENT
    assert again.to_dict()["dataset"] == _project(AUGMENT).to_dict()["dataset"]
    assert len(load_project_dataset(again).train) > 0  # the readers never see the key


@pytest.mark.parametrize("augment, words", [
    ({"images": {"rotate": 400}}, "dataset.augment.images.rotate must be a number from 0 to 180"),
    ({"images": {"flip": 1}}, "dataset.augment.images.flip must be true or false, got 1"),
    ({"series": {"stretch": 0.1}}, "dataset.augment.series.stretch is not a setting"),
    ({"audio": {}}, "dataset.augment has an unknown part 'audio'"),
    ("flip", "dataset.augment must be an object"),
])
def test_bad_values_are_refused_naming_the_field(augment, words):
    with pytest.raises(DatasetError) as e:
        load_project_dataset(_project(augment))
    assert words in str(e.value)
