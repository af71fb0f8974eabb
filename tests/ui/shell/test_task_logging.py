"""Background work: a person's mistake is a sentence in the log, a bug keeps its traceback."""

import logging

from cnnrnn_studio.data import DataError
from cnnrnn_studio.ui.shell.tasks import FunctionWorker


def _run(qtbot, fn):
    worker = FunctionWorker(fn)
    errors = []
    worker.error.connect(errors.append)
    worker.run()
    return errors


def test_an_ordinary_data_mismatch_is_logged_without_a_traceback(qtbot, caplog):
    def refuse():
        raise DataError("data.csv line 3: the label column is empty")

    with caplog.at_level(logging.INFO, logger="cnnrnn_studio"):
        errors = _run(qtbot, refuse)
    assert errors == ["data.csv line 3: the label column is empty"]
    records = [r for r in caplog.records if "background work" in r.getMessage()]
    assert records and all(r.exc_info is None and r.levelno < logging.ERROR for r in records)


def test_a_bug_keeps_its_traceback_in_the_log(qtbot, caplog):
    def bug():
        raise ValueError("an index went wrong")

    with caplog.at_level(logging.INFO, logger="cnnrnn_studio"):
        errors = _run(qtbot, bug)
    assert "ValueError: an index went wrong" in errors[0]
    assert any(r.exc_info is not None and r.levelno == logging.ERROR for r in caplog.records)
