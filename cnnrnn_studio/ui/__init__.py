"""Everything Qt: the desktop editor (main window, canvas, palette, inspector, messages, files).

Grouped by role:

* ``shell``: the application around the editor (start-up, main window, files, preferences, help,
  crash handling, themes, dialogs, background tasks);
* ``editor``: the network editor (editor model, undo commands, canvas, palette, inspector, panels);
* ``start``: the start page (template gallery, data wizard);
* ``dashboard``: the Train tab.

The editor observes the core (`graph`, `project`); it never holds a second copy of the truth.
Nothing here may import torch at start-up: the window must appear before torch loads. Nothing here
imports the self-check (``cnnrnn_studio.selfcheck`` drives the window from outside).
"""
