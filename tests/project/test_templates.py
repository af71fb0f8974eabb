"""Templates are valid projects; each is checked, built and run on a random batch."""

import dataclasses
import json

import pytest
import torch

import cnnrnn_studio as cs
from cnnrnn_studio.data import DataSplit, load_dataset
from cnnrnn_studio.project import list_templates
from cnnrnn_studio.project.templates import IO_SHAPES
from cnnrnn_studio.train import train

TEMPLATES = list_templates()
EXPECTED = {"digits_cnn", "lenet5", "resnet_block", "lstm_classifier", "cnn1d_classifier", "fcn_timeseries",
            "gru_forecaster", "crnn", "cnn_lstm_video", "text_lstm", "crnn_ctc", "bilstm_tagger", "char_lstm",
            "seq2seq_forecaster", "image_to_sequence"}


def test_the_gallery_has_every_required_architecture():
    assert EXPECTED <= {t.id for t in TEMPLATES}


@pytest.mark.parametrize("t", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_template_is_valid_and_runs(t):
    p = cs.load_project(t.path)
    assert len(p.description) > 80, "each template explains why the architecture fits the data"
    assert p.dataset and p.dataset.get("kind") == "builtin"
    a = p.check()
    assert not a.warnings
    model = p.build_model().eval()
    spec = a.input_spec
    for batch, time in ((2, 7), (3, 11)):
        dims = [time if d is None else d for d in spec.dims]
        x = torch.randint(1, 20, (batch, *dims)) if spec.kind == "tokens" else torch.randn(batch, *dims)
        with torch.no_grad():
            y = model(x)
        # an open time axis (None) keeps the input's length: a prediction at every step
        assert tuple(y.shape) == (batch, *[time if d is None else d for d in a.output_spec.dims])


def test_skip_connection_template_really_skips():
    p = cs.load_template("resnet_block")
    assert set(p.graph.inputs_of("add")) == {"stem_relu", "bn_b"}


def test_crnn_and_video_templates_are_hybrids():
    crnn = cs.load_template("crnn").graph
    assert {"Conv2d", "ToSequence", "LSTM"} <= {b.type for b in crnn.blocks}
    video = cs.load_template("cnn_lstm_video")
    assert video.analyze().specs["flatten"].kind == "sequence"


def test_every_template_says_what_goes_in_and_comes_out():
    for t in TEMPLATES:
        raw = json.loads(t.path.read_text(encoding="utf-8"))
        assert raw.get("io") in IO_SHAPES, f"{t.id}: 'io' must be one of {IO_SHAPES}"
        assert t.io == raw["io"]
        assert cs.load_project(t.path).to_dict()["io"] == raw["io"], "a saved copy keeps the tag"
    assert {t.io for t in TEMPLATES} == set(IO_SHAPES)


@pytest.mark.parametrize("template_id, io, output", [
    ("crnn_ctc", "many-to-many", {"task": "ctc"}),
    ("bilstm_tagger", "many-to-many", {"task": "classification"}),
    ("char_lstm", "many-to-many", {"task": "classification"}),
    ("seq2seq_forecaster", "many-to-many", {"task": "regression"}),
    ("image_to_sequence", "one-to-many", {"task": "classification"}),
])
def test_sequence_templates_have_the_promised_shape(template_id, io, output):
    p = cs.load_template(template_id)
    a = p.check()
    assert p.extra["io"] == io
    assert a.output_spec.kind == "sequence", "each gives a prediction at every step"
    assert p.graph.block("output").params["task"] == output["task"]
    types = [b.type for b in p.graph.blocks]
    if template_id in ("seq2seq_forecaster", "image_to_sequence"):
        repeat = types.index("RepeatVector")
        assert "LSTM" in types[repeat:], "a recurrent decoder after RepeatVector"
    if template_id == "crnn_ctc":
        assert {"Conv2d", "ToSequence", "LSTM"} <= set(types)


def _shrunk(ds, n=24):
    """The template's own dataset, a few samples per split: one epoch stays quick."""
    def cut(split: DataSplit) -> DataSplit:
        return DataSplit(split.x[:n], split.y[:n], per_step=split.per_step)
    return dataclasses.replace(ds, train=cut(ds.train), val=cut(ds.val), test=cut(ds.test))


@pytest.mark.parametrize("t", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_template_trains_on_its_own_data(t, tmp_path):
    p = cs.load_project(t.path)
    ds = _shrunk(load_dataset(p.dataset, seed=0))
    run = train(p, epochs=1, num_threads=1, dataset=ds, out=tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "finished", summary.get("error")
    model = run.model.eval()
    x = ds.test.x[:3] if not isinstance(ds.test.x, list) else ds.test.x[0][None]
    with torch.no_grad():
        y = model(x)
    dims = [d if d is not None else x.shape[1] for d in p.check().output_spec.dims]
    assert list(y.shape[1:]) == dims
