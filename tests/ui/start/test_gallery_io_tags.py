"""Every card of the template gallery says what its network takes in and gives out: one-to-one,
one-to-many, many-to-one or many-to-many, read from the template's "io" field."""

from __future__ import annotations

import json

from cnnrnn_studio.project import list_templates
from cnnrnn_studio.project.templates import IO_SHAPES


def test_every_template_card_shows_its_io_tag(qtbot):
    from cnnrnn_studio.ui.start.gallery import StartPage

    page = StartPage()
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    empty, *cards = page.cards
    assert not empty.io_tag.isVisible()          # the empty canvas has no network yet
    assert len(cards) == len(list_templates())
    for card in cards:
        io = json.loads(card.info.path.read_text(encoding="utf-8"))["io"]
        assert card.io_tag.text() == io and io in IO_SHAPES
        assert card.io_tag.isVisible(), card.template_id
        assert io in card.io_tag.toolTip()
    shown = {card.io_tag.text() for card in cards}
    assert shown == set(IO_SHAPES), "the gallery has an example of each of the four shapes"
