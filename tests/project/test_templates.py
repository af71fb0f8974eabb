"""Templates are valid projects; each is checked, built and run on a random batch."""

import pytest
import torch

import cnnrnn_studio as cs
from cnnrnn_studio.project import list_templates

TEMPLATES = list_templates()
EXPECTED = {"digits_cnn", "lenet5", "resnet_block", "lstm_classifier", "cnn1d_classifier", "fcn_timeseries",
            "gru_forecaster", "crnn", "cnn_lstm_video", "text_lstm"}


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
        assert tuple(y.shape) == (batch, *a.output_spec.dims)


def test_skip_connection_template_really_skips():
    p = cs.load_template("resnet_block")
    assert set(p.graph.inputs_of("add")) == {"stem_relu", "bn_b"}


def test_crnn_and_video_templates_are_hybrids():
    crnn = cs.load_template("crnn").graph
    assert {"Conv2d", "ToSequence", "LSTM"} <= {b.type for b in crnn.blocks}
    video = cs.load_template("cnn_lstm_video")
    assert video.analyze().specs["flatten"].kind == "sequence"
