"""The main window: palette (left), canvas (centre), inspector (right), messages (bottom),
plus Summary, Code and Train tabs, menus, shortcuts, files, autosave and remembered layout."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QLabel, QMainWindow, QStackedWidget, QTabWidget,
                               QToolBar, QVBoxLayout, QWidget)

from ...version import __version__
from ...errors import StudioError
from . import autosave, dialogs, theme
from ..editor.canvas.render import save_png, save_svg
from ..editor.canvas.scene import GraphScene
from ..editor.canvas.view import CanvasView
from ..editor.clipboard import from_mime, selection_payload, to_mime
from ..editor.code_view import CodeView
from .documents import Documents
from ..editor.editor import Editor
from ..start.gallery import StartPage
from ..editor.icons import app_icon
from ..editor.inspector import Inspector
from ..editor.messages import MessagePanel, problem_count
from .fine_tune import FineTune
from .model_io import ModelIO
from ..editor.palette import Palette
from .preferences import SettingsDialog, open_settings
from .preferences import value as setting
from ..editor.summary import SummaryView

APP_TITLE = "CNN-RNN Studio"




class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, autosave_enabled: bool = True):
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowIcon(app_icon())
        self.settings = settings or open_settings()
        self.editor = Editor(self)
        self.scene = GraphScene(self.editor)
        self.view = CanvasView(self.scene, self.editor)
        self.docs = Documents(self, self.editor, self.settings, self.view_size)
        self.autosaver = autosave.Autosaver(self.editor, self) if autosave_enabled else None
        self._dashboard: QWidget | None = None
        self._force_close = False
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_status()
        self.model_io = ModelIO(self)  # File → Export ONNX / code / torchrun, Import ONNX, Load weights
        self.fine_tune = FineTune(self)  # Edit → Replace the head for my data; imported weights to start from
        self._connect()
        self._restore_layout()
        self.docs.recent_changed.connect(self._fill_recent)
        self.docs.opened.connect(self._update_title)
        self._fill_recent(self.docs.recent())
        self._update_title()
        if self.autosaver is not None:
            self.autosaver.set_minutes(setting(self.settings, "autosave_minutes"))

    # --- layout -----------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workspace")
        self.tabs.setDocumentMode(True)
        self.summary = SummaryView(self.editor)
        self.code = CodeView(self.editor)
        self.train_tab = QWidget()
        self.train_tab.setObjectName("train_tab")
        QVBoxLayout(self.train_tab).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.view, "Design")
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(self.code, "Code")
        self.tabs.addTab(self.train_tab, "Train")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.start_page = StartPage()
        self.start_page.template_chosen.connect(self._template_chosen)
        self.start_page.own_data_requested.connect(self.start_with_own_data)
        self.start_page.open_requested.connect(self.docs.open_dialog)
        self.start_page.recent_chosen.connect(self._open_recent)
        self.start_page.back_requested.connect(self.show_workspace)
        self.central = QStackedWidget()
        self.central.addWidget(self.start_page)
        self.central.addWidget(self.tabs)
        self.setCentralWidget(self.central)
        self.central.setCurrentWidget(self.tabs)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(name)
        d.setWidget(widget)
        d.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, d)
        return d

    def _build_docks(self) -> None:
        self.palette = Palette()
        self.inspector = Inspector(self.editor)
        self.messages = MessagePanel(self.editor)
        self.palette_dock = self._dock("Blocks", "palette_dock", self.palette, Qt.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", "inspector_dock", self.inspector, Qt.RightDockWidgetArea)
        self.messages_dock = self._dock("Messages", "messages_dock", self.messages, Qt.BottomDockWidgetArea)
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [210, 300], Qt.Horizontal)
        self.resizeDocks([self.messages_dock], [120], Qt.Vertical)

    def _act(self, text: str, slot: Callable, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda _=False: slot())
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        K = QKeySequence
        self.act_new = self._act("&New empty network", self.new_empty, K.New, "Start an empty canvas")
        self.act_template = self._act("New from &template…", self.show_start_page, "Ctrl+Shift+N",
                                      "Pick a template network to start from")
        self.act_own_data = self._act("New from my own &data…", self.start_with_own_data, "Ctrl+Shift+D",
                                      "Pick a folder of images or a data file; the studio proposes a network for it")
        self.act_open = self._act("&Open…", self.docs.open_dialog, K.Open, "Open a project file")
        self.act_save = self._act("&Save", self.docs.save, K.Save, "Save the project")
        self.act_save_as = self._act("Save &as…", self.docs.save_as, K.SaveAs, "Save the project under another name")
        self.act_outside = self._act("Data outside the project's &folder…", self.review_outside_data,
                                     tip="Let this project read its data files outside its folder, or not")
        self.act_png = self._act("Canvas as &PNG picture…", lambda: self.export_picture("png"))
        self.act_svg = self._act("Canvas as &SVG drawing…", lambda: self.export_picture("svg"))
        self.act_quit = self._act("&Quit", self.close, K.Quit)
        self.act_undo = self.editor.stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts([K(K.Undo)])
        self.act_redo = self.editor.stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([K("Ctrl+Shift+Z"), K("Ctrl+Y")])
        self.addActions([self.act_undo, self.act_redo])
        # the toolbar keeps short, steady labels; the menu entries say what would be undone
        self.tb_undo = QAction("Undo", self)
        self.tb_redo = QAction("Redo", self)
        for a, go, can, text in ((self.tb_undo, self.editor.stack.undo, self.editor.stack.canUndoChanged,
                                  self.editor.stack.undoTextChanged),
                                 (self.tb_redo, self.editor.stack.redo, self.editor.stack.canRedoChanged,
                                  self.editor.stack.redoTextChanged)):
            a.setEnabled(False)
            a.triggered.connect(go)
            can.connect(a.setEnabled)
            text.connect(a.setToolTip)
        self.act_cut = self._act("Cu&t", self.cut, K.Cut)
        self.act_copy = self._act("&Copy", self.copy, K.Copy)
        self.act_paste = self._act("&Paste", self.paste, K.Paste)
        self.act_duplicate = self._act("D&uplicate", self.duplicate, "Ctrl+D")
        self.act_delete = self._act("&Delete", self.delete_selection, [K(Qt.Key_Delete), K(Qt.Key_Backspace)])
        self.act_select_all = self._act("Select &all", self.select_all, K.SelectAll)
        self.act_fit = self._act("&Fit to window", self.view.fit_all, "F", "Show the whole network")
        self.act_zoom_in = self._act("Zoom &in", lambda: self.view.set_zoom(self.view.zoom() * 1.25), K.ZoomIn)
        self.act_zoom_out = self._act("Zoom &out", lambda: self.view.set_zoom(self.view.zoom() / 1.25), K.ZoomOut)
        self.act_zoom_1 = self._act("Actual &size", lambda: self.view.set_zoom(1.0), "Ctrl+0")
        self.act_tidy = self._act("&Tidy layout", self.tidy, "Ctrl+L", "Arrange the blocks left to right")
        self.act_settings = self._act("&Settings…", self.show_settings, "Ctrl+,",
                                      "Where to train, the theme, how often to autosave")
        self.act_guide = self._act("&User guide", self.show_user_guide, "F1", "How to build, train and export, "
                                   "step by step, with pictures")
        self.act_shortcuts = self._act("&Keyboard shortcuts", self.show_shortcuts)
        self.act_about = self._act("&About CNN-RNN Studio", self.show_about)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = self.file_menu = mb.addMenu("&File")
        f.addActions([self.act_new, self.act_template, self.act_own_data, self.act_open])
        self.recent_menu = f.addMenu("Open &recent")
        f.addSeparator()
        f.addActions([self.act_save, self.act_save_as, self.act_outside])
        f.addSeparator()
        self.export_menu = f.addMenu("&Export")  # hook: the lead adds ONNX / Python code export here
        self.export_menu.addActions([self.act_png, self.act_svg])
        f.addSeparator()
        f.addAction(self.act_quit)
        e = self.edit_menu = mb.addMenu("&Edit")
        e.addActions([self.act_undo, self.act_redo])
        e.addSeparator()
        e.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_duplicate, self.act_delete])
        e.addSeparator()
        e.addAction(self.act_select_all)
        e.addSeparator()
        e.addAction(self.act_settings)
        v = mb.addMenu("&View")
        v.addActions([self.act_fit, self.act_zoom_in, self.act_zoom_out, self.act_zoom_1])
        v.addSeparator()
        v.addAction(self.act_tidy)
        v.addSeparator()
        for d in (self.palette_dock, self.inspector_dock, self.messages_dock):
            v.addAction(d.toggleViewAction())
        themes = v.addMenu("&Theme")
        group = QActionGroup(self)
        for key, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            a = themes.addAction(label)
            a.setCheckable(True)
            a.setChecked(theme.mode() == key)
            a.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            group.addAction(a)
        h = mb.addMenu("&Help")
        h.addActions([self.act_guide, self.act_shortcuts, self.act_about])
        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonTextOnly)
        tb.addActions([self.act_template, self.act_open, self.act_save])
        tb.addSeparator()
        tb.addActions([self.tb_undo, self.tb_redo])
        tb.addSeparator()
        tb.addActions([self.act_fit, self.act_tidy])
        self.addToolBar(Qt.TopToolBarArea, tb)
        self.view.setContextMenuPolicy(Qt.ActionsContextMenu)
        sep = QAction(self.view)
        sep.setSeparator(True)
        self.view.addActions([self.act_copy, self.act_paste, self.act_duplicate, self.act_delete, sep,
                              self.act_tidy, self.act_fit])

    def _build_status(self) -> None:
        self.validity = QLabel()
        self.zoom_label = QLabel("100 %")
        self.statusBar().addPermanentWidget(self.validity)
        self.statusBar().addPermanentWidget(self.zoom_label)

    def _connect(self) -> None:
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.hint_changed.connect(self._hint)
        self.palette.block_activated.connect(self.add_after_selection)
        self.messages.block_clicked.connect(self.reveal_block)
        self.editor.edit_refused.connect(self._refused)
        self.editor.analysis_changed.connect(self._show_validity)
        self.editor.project_fields_changed.connect(self._update_title)
        self.editor.stack.cleanChanged.connect(self._update_title)
        self.editor.project_replaced.connect(self._project_replaced)
        self.editor.select_requested.connect(self._scroll_to_blocks)
        self.view.zoom_changed.connect(self._zoomed)
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._system_scheme_changed)
        self._show_validity(self.editor.analysis)

    def _hint(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 4000)
        else:  # the drag is over: "Release to link ..." no longer holds
            self.statusBar().clearMessage()

    def _refused(self, text: str) -> None:
        self.show_status(text, 8000)

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        """A status-bar message that fits left of the permanent labels (shortened with "…", whole
        in the tooltip) instead of running under them."""
        bar = self.statusBar()
        permanent = [self.validity, self.zoom_label]
        if getattr(self, "model_io", None) is not None:
            permanent.append(self.model_io.status)
        taken = sum(w.width() + 8 for w in permanent if w.isVisible())
        room = max(120, bar.width() - taken - 30)
        line = text.splitlines()[0] if text else ""
        bar.setToolTip(text if line != text or bar.fontMetrics().horizontalAdvance(line) > room else "")
        bar.showMessage(bar.fontMetrics().elidedText(line, Qt.ElideRight, room), timeout_ms)

    def _zoomed(self, z: float) -> None:
        self.zoom_label.setText(f"{z * 100:.0f} %")

    def _system_scheme_changed(self, _scheme) -> None:
        if theme.mode() == "system":
            self.set_theme("system")

    # --- settings ------------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1440, 900)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def save_layout(self) -> None:
        if self.on_start_page():  # remember the docks as the person left them, not hidden by the gallery
            self.show_workspace()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("theme", theme.mode())
        self.settings.sync()

    def set_theme(self, which: str) -> None:
        app = QApplication.instance()
        theme.apply(app, which)
        self.settings.setValue("theme", which)
        for item in self.scene.items():
            item.update()
        self.scene.update()
        self.view.resetCachedContent()
        for b in self.scene.blocks.values():
            b.update()
        self.messages.show_analysis(self.editor.analysis)

    # --- reactions --------------------------------------------------------------------------------
    def view_size(self) -> tuple[float, float]:
        vp = self.view.viewport()
        w, h = vp.width(), vp.height()
        if w < 200 or h < 150 or not self.view.isVisible():  # not laid out yet: the usual canvas size
            return 860.0, 560.0
        return float(w), float(h)

    def _project_replaced(self, _project) -> None:
        self.show_workspace()
        QTimer.singleShot(0, lambda: self.view.fit_all(min_zoom=0.55))
        self.view.fit_all(min_zoom=0.55)
        if self._dashboard is not None:
            self._dashboard.set_project(self.editor.project)
        self._update_title()

    def _update_title(self, *_args) -> None:
        p = self.editor.project
        where = f" — {p.path.name}" if p.path else ""
        self.setWindowTitle(f"{p.name}{where}[*] — {APP_TITLE} {__version__}")
        self.setWindowModified(not self.editor.stack.isClean())

    def _show_validity(self, a) -> None:
        t = theme.current()
        if not len(self.editor.graph):
            self.validity.setText("")
        elif a.ok:
            frozen = f" ({a.trainable_params:,} trainable, rest frozen)" if a.frozen_params else ""
            self.validity.setText(f"<span style='color:{t.ok}'>✔ valid</span> · {a.total_params:,} parameters{frozen}")
        else:
            self.validity.setText(f"<span style='color:{t.error}'>{problem_count(a)}</span>")

    def _selection_changed(self) -> None:
        self.inspector.show_blocks(self.scene.selected_block_ids())

    def reveal_block(self, block_id: str) -> None:
        self.show_workspace()
        self.tabs.setCurrentWidget(self.view)
        self.scene.select_blocks([block_id])
        item = self.scene.blocks.get(block_id)
        if item is not None:
            self.view.ensureVisible(item, 60, 60)

    def _scroll_to_blocks(self, block_ids: list) -> None:
        """A block an edit just made (a one-click fix's Flatten, a paste) is scrolled into sight."""
        items = [self.scene.blocks[b] for b in block_ids if b in self.scene.blocks]
        if not items:
            return
        rect = items[0].sceneBoundingRect()
        for item in items[1:]:
            rect = rect.united(item.sceneBoundingRect())
        if self.view.mapToScene(self.view.viewport().rect()).boundingRect().contains(rect):
            return  # already in sight (a card dropped near the edge): the canvas must not jump under the mouse
        self.view.ensureVisible(rect, 40, 40)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.train_tab:
            self.dashboard()

    # --- the Train tab (lazy: the dashboard loads torch) -----------------------------------------------
    def dashboard(self) -> QWidget | None:
        """The training dashboard, created on first use."""
        if self._dashboard is not None:
            return self._dashboard
        lay = self.train_tab.layout()
        try:
            from ..dashboard import TrainingDashboard  # here, not at the top: it loads pyqtgraph

            self._dashboard = TrainingDashboard(self.train_tab)
            self._dashboard.default_device = setting(self.settings, "device")
            self._dashboard.set_project(self.editor.project)
            # epochs and device: one truth, the project's training section, shown here and in the inspector
            self._dashboard.training_settings_edited.connect(self._training_settings_edited)
            self.editor.project_fields_changed.connect(self._dashboard.show_training_settings)
            self.model_io.attach_dashboard(self._dashboard)
        except Exception as e:  # a broken dashboard must not take the editor down
            dialogs.log.exception("training dashboard failed to load")
            self._dashboard = None
            self._train_placeholder(f"The training dashboard could not be loaded: {e}")
            return None
        while lay.count():
            w = lay.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        lay.addWidget(self._dashboard)
        return self._dashboard

    def _training_settings_edited(self, changes: dict) -> None:
        training = {**(self.editor.project.training or {}), **changes}
        what = " and ".join(changes)
        self.editor.set_project_fields(f"Change {what}", training=training)

    def _train_placeholder(self, text: str) -> None:
        lay = self.train_tab.layout()
        if lay.count() == 0:
            label = QLabel(text)
            label.setObjectName("train_placeholder")
            label.setAlignment(Qt.AlignCenter)
            label.setWordWrap(True)
            lay.addWidget(label)

    # --- pages ----------------------------------------------------------------------------------------
    def _docks(self) -> list[QDockWidget]:
        return [self.palette_dock, self.inspector_dock, self.messages_dock]

    def show_start_page(self) -> None:
        """The template gallery fills the window; the docks come back with the canvas."""
        self.start_page.set_recent(self.docs.recent())
        self.start_page.set_can_go_back(len(self.editor.graph) > 0 or self.editor.project.path is not None)
        if not self.on_start_page():
            self._docks_shown = [d for d in self._docks() if d.isVisibleTo(self)]
            for d in self._docks():
                d.hide()
        self.validity.hide()  # it is about the canvas, which the gallery hides
        self.statusBar().clearMessage()
        self.start_page.verticalScrollBar().setValue(0)  # the top, with "Back to the canvas", not where it was left
        self.central.setCurrentWidget(self.start_page)

    def show_workspace(self) -> None:
        self.validity.show()
        if self.on_start_page():
            for d in getattr(self, "_docks_shown", self._docks()):
                d.show()
        self.central.setCurrentWidget(self.tabs)

    def on_start_page(self) -> bool:
        return self.central.currentWidget() is self.start_page

    def _template_chosen(self, template_id: str) -> None:
        opened = self.docs.new_from_template(template_id) if template_id else self.docs.new_empty()
        if opened:  # a new network is seen on the canvas, whichever tab was in use before
            self.show_workspace()
            self.tabs.setCurrentWidget(self.view)

    def start_with_own_data(self) -> None:
        """The "Start with my own data" wizard (window-modal, not blocking); on Finish its proposed
        project opens as a new, unsaved document, like a template."""
        from ..start.wizard import DataWizard

        old = getattr(self, "data_wizard", None)
        if old is not None:
            old.deleteLater()
        self.data_wizard = DataWizard(self)
        self.data_wizard.accepted.connect(lambda w=self.data_wizard: self._open_proposed(w.project))
        self.data_wizard.open()

    def _open_proposed(self, project) -> None:
        if project is None or not self.docs.show_new(project):
            return
        self.tabs.setCurrentWidget(self.view)
        self._hint("Your network is ready: look at it here, then train it in the Train tab.")

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            dialogs.show_error(self, "Cannot open the project", f"{path}: the file no longer exists.")
            self.docs.forget(path)
            return
        self.docs.open_path(path)

    def _fill_recent(self, paths: list[str]) -> None:
        self.recent_menu.clear()
        for p in paths:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _=False, path=p: self._open_recent(path))
        self.recent_menu.setEnabled(bool(paths))
        self.start_page.set_recent(paths)

    # --- edit actions -----------------------------------------------------------------------------------
    def new_empty(self) -> None:
        if self.docs.new_empty():
            self.show_workspace()
            self.tabs.setCurrentWidget(self.view)

    def selected(self) -> list[str]:
        return self.scene.selected_block_ids()

    def add_after_selection(self, type_id: str) -> str | None:
        sel = self.selected()
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        self.show_workspace()
        self.tabs.setCurrentWidget(self.view)
        bid = self.editor.add_after(sel[0] if len(sel) == 1 else None, type_id, (centre.x(), centre.y()))
        if bid is not None and bid in self.scene.blocks:
            self.view.ensureVisible(self.scene.blocks[bid], 40, 40)
        return bid

    def copy(self) -> bool:
        ids = self.selected()
        if not ids:
            return False
        QApplication.clipboard().setMimeData(to_mime(selection_payload(self.editor.graph, ids)))
        return True

    def cut(self) -> None:
        if self.copy():
            self.delete_selection()

    def paste(self) -> list[str]:
        payload = from_mime(QApplication.clipboard().mimeData())
        if payload is None:
            self.statusBar().showMessage("The clipboard holds no blocks to paste.", 4000)
            return []
        return self.editor.paste(payload)

    def duplicate(self) -> list[str]:
        ids = self.selected()
        if not ids:
            return []
        return self.editor.paste(selection_payload(self.editor.graph, ids))

    def delete_selection(self) -> None:
        self.editor.delete(self.selected(), self.scene.selected_links())

    def select_all(self) -> None:
        self.scene.select_blocks(list(self.scene.blocks))

    def tidy(self) -> None:
        if self.editor.tidy(self.view_size()):
            self.view.fit_all(min_zoom=0.55)

    def export_picture(self, kind: str, path: str | None = None) -> bool:
        if not self.scene.blocks:
            self.statusBar().showMessage("The canvas is empty: nothing to export.", 4000)
            return False
        name = (self.editor.project.path.name.split(".")[0] if self.editor.project.path else self.editor.project.name)
        folder = self.docs.default_folder()
        path = path or dialogs.ask_export_path(
            self, str(folder / f"{name}.{kind}"), "PNG pictures (*.png)" if kind == "png" else "SVG drawings (*.svg)")
        if not path:
            return False
        from .replacing import may_write, project_inputs

        if not may_write(self, path, title="Cannot export the picture", inputs=project_inputs(self.editor.project)):
            return False
        try:
            if kind == "png":
                save_png(self.scene, path)
            else:
                save_svg(self.scene, path, self.editor.project.name)
        except StudioError as e:
            dialogs.show_error(self, "Cannot export the picture", str(e))
            return False
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def review_outside_data(self) -> bool:
        """Ask again whether this project may read its data outside its folder; the Train tab's data
        follows the answer."""
        allowed = self.docs.review_outside_data()
        if self._dashboard is not None and not self._dashboard.is_training():
            self._dashboard.set_project(self.editor.project)
        return allowed

    def add_file_actions(self, actions: list[QAction]) -> None:
        """Hook for other parts (import, weights): entries in File, just above File → Export."""
        self.file_menu.insertActions(self.export_menu.menuAction(), actions)
        self.file_menu.insertSeparator(self.export_menu.menuAction())

    def add_export_action(self, text: str, callback: Callable[[], None]) -> QAction:
        """Hook for other parts (ONNX, Python code): an entry in File → Export."""
        a = QAction(text, self)
        a.triggered.connect(lambda _=False: callback())
        self.export_menu.addAction(a)
        return a

    def show_user_guide(self) -> None:
        """Help → User guide (F1): one guide window, kept open beside the canvas and reused."""
        from .help import UserGuide

        if getattr(self, "user_guide", None) is None:
            self.user_guide = UserGuide(self)
        self.user_guide.show()
        self.user_guide.raise_()
        self.user_guide.activateWindow()

    def show_shortcuts(self) -> None:
        dialogs.show_info(self, "Keyboard shortcuts", "\n".join([
            "Ctrl+N  new empty network      Ctrl+Shift+N  new from template",
            "Ctrl+O  open                   Ctrl+S  save",
            "Ctrl+Z  undo                   Ctrl+Shift+Z / Ctrl+Y  redo",
            "Ctrl+C / Ctrl+V  copy / paste  Ctrl+D  duplicate",
            "Delete  delete the selection    Ctrl+A  select all",
            "F  fit the network to the window   Ctrl+L  tidy layout",
            "Mouse wheel: zoom · middle button or Space + drag: pan",
            "F1  the user guide",
        ]))

    # --- settings ---------------------------------------------------------------------------------------
    def show_settings(self) -> bool:
        dlg = SettingsDialog(self.settings, self)
        dlg.applied.connect(self.apply_settings)
        return dialogs.run_dialog(dlg)

    def apply_settings(self, chosen: dict) -> None:
        if chosen.get("theme") and chosen["theme"] != theme.mode():
            self.set_theme(chosen["theme"])
        if "autosave_minutes" in chosen and self.autosaver is not None:
            self.autosaver.set_minutes(int(chosen["autosave_minutes"]))
        if chosen.get("device") and self._dashboard is not None:
            self._dashboard.default_device = chosen["device"]
            if not self._dashboard.is_training():
                self._dashboard.set_project(self.editor.project)

    # --- about --------------------------------------------------------------------------------------------
    def show_about(self) -> None:
        """Versions and the device found. Looking for a GPU needs torch: loaded off the GUI thread."""
        from .about import about_text, find_device

        if "torch" in __import__("sys").modules:
            dialogs.show_info(self, "About CNN-RNN Studio", about_text(find_device()))
            return
        from .tasks import BackgroundTask

        self.statusBar().showMessage("Looking for a GPU…", 5000)
        task = BackgroundTask(find_device, self)
        task.done.connect(lambda device: dialogs.show_info(self, "About CNN-RNN Studio", about_text(device)))
        task.failed.connect(lambda msg: dialogs.show_info(self, "About CNN-RNN Studio", about_text(None)))
        self._about_task = task.start()

    # --- closing ----------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self._force_close and not self.docs.maybe_save():
            event.ignore()
            return
        self.save_layout()
        if self.autosaver is not None:
            self.autosaver.stop()
        if self._dashboard is not None:
            self._dashboard.shutdown()  # hook: the dashboard stops and joins its training thread
        event.accept()


