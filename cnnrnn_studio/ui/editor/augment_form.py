"""The Data section's augmentation controls: the dataset section's "augment" object, one group
for images and one for series over time (only the group that matches the data is used).

Each change is one undo step that replaces the dataset section (editor.set_project_fields); a
setting turned back off is removed, so a project without augmentation keeps no "augment" key.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from ...blocks import Param
from ...data.augment import AUGMENT_KEY, LIMITS, SECTION_DEFAULTS
from .editor import Editor
from .fields import ParamField, field_label, make_field

#: Labels and the step of each setting's spin box; the ranges and meanings come from data.augment.
_LABELS = {
    "flip": "Flip left-right", "shift": "Shift", "crop": "Crop and zoom", "rotate": "Rotate (degrees)",
    "brightness": "Brightness", "contrast": "Contrast",
    "jitter": "Jitter (noise)", "scale": "Scale", "time_shift": "Time shift", "window": "Window slice",
}
_TITLES = {"images": "Images", "series": "Series over time"}


def augment_params(section: str) -> list[Param]:
    """The form's fields for one part of "augment", from the data layer's declaration."""
    params = []
    for name, off in SECTION_DEFAULTS[section].items():
        if name == "flip":
            params.append(Param(name, "bool", False, _LABELS[name],
                                "Mirror half of the training images left to right (not for text or digits "
                                "whose meaning changes when mirrored)."))
            continue
        low, high, meaning = LIMITS[name]
        params.append(Param(name, "float", off, _LABELS[name], f"{meaning[:1].upper()}{meaning[1:]}; "
                            f"{off:g} is off.", min=low, max=high))
    return params


class AugmentForm(QWidget):
    """Augmentation settings of the project's dataset; disabled while the project has no dataset."""

    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor = editor
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        head = QLabel("Augmentation")
        head.setProperty("role", "heading")
        lay.addWidget(head)
        about = QLabel("Random changes to the training samples, new every epoch, so a small dataset teaches "
                       "more. Validation and test data are never changed. The Data tab shows examples.")
        about.setWordWrap(True)
        about.setProperty("role", "help")
        lay.addWidget(about)
        self.fields: dict[tuple[str, str], ParamField] = {}
        self.groups: dict[str, QGroupBox] = {}
        for section in SECTION_DEFAULTS:
            box = QGroupBox(_TITLES[section])
            form = QFormLayout(box)
            form.setLabelAlignment(Qt.AlignRight)
            for p in augment_params(section):
                f = make_field(p, p.default)
                f.committed.connect(lambda name, value, s=section: self._changed(s, name, value))
                self.fields[(section, p.name)] = f
                form.addRow(field_label(p), f)
            self.groups[section] = box
            lay.addWidget(box)
        editor.project_fields_changed.connect(self.refresh)
        editor.project_replaced.connect(self.refresh)
        self.refresh()

    def field(self, section: str, name: str) -> ParamField:
        """The control of one setting (section "images" or "series")."""
        return self.fields[(section, name)]

    def refresh(self, *_args) -> None:
        ds = self.editor.project.dataset
        self.setEnabled(isinstance(ds, dict))
        augment = ds.get(AUGMENT_KEY) if isinstance(ds, dict) else None
        for (section, name), f in self.fields.items():
            part = augment.get(section) if isinstance(augment, dict) else None
            value = part.get(name, f.param.default) if isinstance(part, dict) else f.param.default
            f.set_value(value)

    def _changed(self, section: str, name: str, value: Any) -> None:
        ds = self.editor.project.dataset
        if not isinstance(ds, dict):
            return
        augment = copy.deepcopy(ds.get(AUGMENT_KEY)) if isinstance(ds.get(AUGMENT_KEY), dict) else {}
        part = augment.get(section) if isinstance(augment.get(section), dict) else {}
        if value == SECTION_DEFAULTS[section][name]:
            part.pop(name, None)
        else:
            part[name] = value
        if part:
            augment[section] = part
        else:
            augment.pop(section, None)
        new = {k: v for k, v in ds.items() if k != AUGMENT_KEY}
        if augment:
            new[AUGMENT_KEY] = augment
        self.editor.set_project_fields(f"Change augmentation: {_LABELS[name].lower()}", dataset=new)
