import threading
import time

from cnnrnn_studio.train import TrainControl, train
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train.runs import load_weights

from .helpers import Recorder, TrainForwardCounter, blobs, same_state, state_copy, vector_classifier

BATCHES = 6  # 96 training samples, batch size 16


def test_control_flags():
    c = TrainControl()
    assert not c.paused and not c.stop_requested
    c.pause()
    assert c.paused and not c.wait_while_paused(0.01)
    c.resume()
    assert not c.paused and c.wait_while_paused(0.01)
    c.pause()
    c.stop()  # a stop ends a pause
    assert c.stop_requested and not c.paused


def test_stop_from_another_thread_is_honoured_within_one_batch(tmp_path):
    p = vector_classifier(training={"epochs": 5, "batch_size": 16})
    control = TrainControl()
    snapshots = {}
    rec = Recorder()

    def listener(e):
        rec(e)
        if isinstance(e, ev.EpochDone):
            snapshots[e.epoch] = state_copy(counter.model)

    def on_call(n, out):
        if n == BATCHES + 3:  # the 3rd batch of epoch 2: stop from another thread, now
            t = threading.Thread(target=control.stop)
            t.start()
            t.join()

    counter = TrainForwardCounter(p, on_call)
    run = train(p, dataset=blobs(), out=tmp_path / "run", listener=listener, control=control)
    assert counter.calls == BATCHES + 3          # not one batch more
    assert run.summary["stopped_by_user"] and run.summary["status"] == "stopped"
    assert run.summary["epochs_run"] == 1 and len(run.metrics) == 1
    (f,) = rec.of(ev.Finished)
    assert f.stopped_by_user and not f.stopped_early
    # The half-done epoch 2 is dropped: model and file hold epoch 1's weights.
    assert same_state(state_copy(run.model), snapshots[1])
    fresh = p.build_model()
    meta = load_weights(fresh, run.folder / "weights.safetensors")
    assert meta["epoch"] == "1" and same_state(state_copy(fresh), snapshots[1])
    assert run.evaluation is not None and run.evaluation["n"] == 30


def test_pause_blocks_the_loop_until_resume(tmp_path):
    p = vector_classifier(training={"epochs": 2, "batch_size": 16})
    control = TrainControl()
    paused_seen = threading.Event()
    calls_while_paused = []
    rec = Recorder()

    def listener(e):
        rec(e)
        if isinstance(e, ev.Paused):
            paused_seen.set()

    def resumer():
        assert paused_seen.wait(10)
        before = counter.calls
        time.sleep(0.3)
        calls_while_paused.append(counter.calls - before)
        control.resume()

    def on_call(n, out):
        if n == 2:
            control.pause()
            threading.Thread(target=resumer).start()

    counter = TrainForwardCounter(p, on_call)
    run = train(p, dataset=blobs(), out=tmp_path / "run", listener=listener, control=control)
    assert calls_while_paused == [0]
    names = rec.names()
    assert names.count("Paused") == 1 and names.count("Resumed") == 1
    assert names.index("Paused") < names.index("Resumed")
    (paused,) = rec.of(ev.Paused)
    assert (paused.epoch, paused.batch) == (1, 2)
    assert counter.calls == 2 * BATCHES and len(run.metrics) == 2 and not run.summary["stopped_by_user"]


def test_stop_while_paused_ends_the_run(tmp_path):
    p = vector_classifier(training={"epochs": 3, "batch_size": 16})
    control = TrainControl()
    rec = Recorder()

    def listener(e):
        rec(e)
        if isinstance(e, ev.Paused):
            threading.Thread(target=control.stop).start()

    def on_call(n, out):
        if n == BATCHES + 1:
            control.pause()

    counter = TrainForwardCounter(p, on_call)
    run = train(p, dataset=blobs(), out=tmp_path / "run", listener=listener, control=control)
    assert counter.calls == BATCHES + 1
    assert run.summary["stopped_by_user"] and run.summary["epochs_run"] == 1
    assert rec.names()[-1] == "Finished" and "Resumed" not in rec.names()
