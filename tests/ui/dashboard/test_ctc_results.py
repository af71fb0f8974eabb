"""A CTC run (label sequences read from per-step scores) shows in Results and Try it without
breaking: no confusion matrix (symbols are not aligned with steps) but the share read exactly,
the character error rate and a table of read vs true strings with the wrong ones marked; Try it
shows the string read."""

from __future__ import annotations

import numpy as np

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.train import train
from cnnrnn_studio.ui.dashboard.evaluation import EvaluationPanel
from cnnrnn_studio.ui.dashboard.try_it import TryItPanel


def test_results_and_try_it_on_a_ctc_reader(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 10, 2)).astype(np.float32)
    y = np.full((40, 3), -1, np.int64)
    y[:, 0], y[::2, 1] = rng.integers(0, 2, 40), rng.integers(0, 2, 20)
    np.savez(tmp_path / "read.npz", X=x, y=y, class_names=np.array(["a", "b"]))
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "read.npz"), "task": "ctc"})
    blocks = [("input", "Input", {"kind": "sequence", "shape": [10, 2]}),
              ("gru", "GRU", {"hidden_size": 6, "return_sequences": True}),
              ("dense", "Dense", {"out_features": 3}),
              ("output", "Output", {"task": "ctc"})]
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "reader",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "training": {"epochs": 1, "batch_size": 8}})
    run = train(project, dataset=ds, out=tmp_path / "run")
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show_run(run)
    panel.set_dataset(run, ds)
    ev = run.evaluation
    view = panel.ctc
    assert panel.stack.currentWidget() is view
    assert view.summary.text().startswith(f"{ev['n']:,} test sequences: read exactly {100 * ev['accuracy']:.1f}%, "
                                          f"character error rate {ev['cer']:.3f}")
    assert view.table.rowCount() == len(ev["true"]) == ev["n"]
    for row, (read, true, edits) in enumerate(zip(ev["read"], ev["true"], ev["edit_distances"])):
        texts = view.row_texts(row)
        assert texts[:3] == [read or "(nothing)", true, str(edits)]
        assert texts[3] == ("right" if read == true else f"wrong ({edits} edit{'s' if edits != 1 else ''})")
    assert any(r != t for r, t in zip(ev["read"], ev["true"]))   # one epoch: some strings are misread
    assert panel.generated.isHidden()   # a reader does not write
    tryit = TryItPanel()
    qtbot.addWidget(tryit)
    tryit.set_model(run.model, ds, "ctc", ds.class_names)
    read = tryit.try_test_sample(0)
    assert all(v in (0.0, 1.0) for v in read)
    assert "true sequence" in tryit.truth.text()
