"""The scripted self-check behind `cnnrnn-studio gui --self-test` (the frozen app's smoke test).

It drives the real window from outside the UI package: ``journey`` builds every template with
simulated mouse and keyboard events (``simulate``), then ``training`` trains and exports. It
asserts behaviour only. The UI package never imports this package; the command line does, lazily.
"""

from __future__ import annotations

from .journey import run_self_test

__all__ = ["run_self_test"]
