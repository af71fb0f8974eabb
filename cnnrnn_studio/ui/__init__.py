"""Everything Qt: the desktop editor (main window, canvas, palette, inspector, messages, files).

The editor observes the core (`graph`, `project`); it never holds a second copy of the truth.
Nothing here may import torch at start-up: the window must appear before torch loads.
"""
