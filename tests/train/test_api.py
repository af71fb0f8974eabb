import subprocess
import sys

import pytest

from cnnrnn_studio.train import ConfigError, Run, train
from cnnrnn_studio.train import events as ev

from .helpers import Recorder, blobs, vector_classifier


def test_train_takes_a_path_and_overrides(tmp_path):
    vector_classifier(training={"epochs": 5, "batch_size": 16}, path=tmp_path / "p.json")
    run = train(tmp_path / "p.json", epochs=2, device="cpu", dataset=blobs(), out=tmp_path / "run",
                batch_size=32, learning_rate=0.01, seed=3)
    assert isinstance(run, Run)
    assert len(run.metrics) == 2 and run.summary["config"]["batch_size"] == 32
    assert run.summary["config"]["seed"] == 3 and run.summary["config"]["learning_rate"] == 0.01
    assert run.folder == tmp_path / "run" and run.dataset is not None
    assert not run.model.training
    assert run.project.name == "Tiny"


def test_a_bad_override_fails_before_any_folder_and_tells_the_listener(tmp_path):
    rec = Recorder()
    with pytest.raises(ConfigError, match="training.batch_size must be a whole number"):
        train(vector_classifier(), dataset=blobs(), out=tmp_path / "run", batch_size=0, listener=rec)
    assert [type(e) for e in rec.events] == [ev.Failed]
    assert not (tmp_path / "run").exists()


def test_importing_the_engine_package_loads_neither_torch_nor_qt():
    code = ("import sys, cnnrnn_studio.train, cnnrnn_studio.train.commands; "
            "print('torch' in sys.modules, any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_cs_train_stays_callable_after_the_subpackage_is_imported(tmp_path):
    import cnnrnn_studio as cs
    import cnnrnn_studio.train  # noqa: F401  (this import used to hide cs.train behind the module)

    from .helpers import blobs, vector_classifier

    run = cs.train(vector_classifier(training={"epochs": 1}), dataset=blobs(), out=tmp_path / "r")
    assert run.metrics and callable(cs.train)
