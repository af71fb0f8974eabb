"""The network editor: the editor model (undo commands, clipboard, linking rules, layout), the
canvas, and the panels around it (palette, inspector and its fields, messages, summary, code view)."""
