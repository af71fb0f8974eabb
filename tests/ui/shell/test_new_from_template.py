"""New from template: the gallery opens at its top, and the chosen network opens on Design."""


def test_a_template_opens_on_design_and_the_gallery_at_its_top(window, dialogs, qtbot):
    window.resize(900, 500)
    window.tabs.setCurrentWidget(window.code)  # the last tab used was Code
    window.act_template.trigger()
    assert window.on_start_page()
    bar = window.start_page.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())  # scrolled to the bottom, then left
    window.start_page.back_requested.emit()
    window.act_template.trigger()
    assert bar.value() == 0
    window.start_page.template_chosen.emit("digits_cnn")
    assert not window.on_start_page()
    assert window.tabs.currentWidget() is window.view
