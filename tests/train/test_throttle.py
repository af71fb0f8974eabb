from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train import engine, train

from .helpers import Recorder, blobs, vector_classifier


class FakeClock:
    def __init__(self, step):
        self.t, self.step = 0.0, step

    def __call__(self):
        self.t += self.step
        return self.t


def _progress(tmp_path, monkeypatch, step):
    monkeypatch.setattr(engine, "_clock", FakeClock(step))
    rec = Recorder()
    train(vector_classifier(training={"epochs": 2, "batch_size": 16}), dataset=blobs(), out=tmp_path / "r",
          listener=rec)
    return rec.of(ev.BatchProgress)


def test_a_fast_loop_reports_once_per_epoch(tmp_path, monkeypatch):
    # 1 ms per clock reading: the 6 batches of an epoch take far less than 50 ms
    progress = _progress(tmp_path, monkeypatch, 0.001)
    assert [(p.epoch, p.batch, len(p.losses)) for p in progress] == [(1, 6, 6), (2, 6, 6)]


def test_a_slow_loop_reports_every_batch(tmp_path, monkeypatch):
    progress = _progress(tmp_path, monkeypatch, 1.0)
    assert [(p.epoch, p.batch, len(p.losses)) for p in progress] == \
        [(e, b, 1) for e in (1, 2) for b in range(1, 7)]
