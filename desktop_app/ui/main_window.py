"""The main window: the Deployment table, the offline banner, the status
bar, and the menus (connect, switch demo user, sync now)."""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.client import ConnectionSettings
from desktop_app.api.errors import ApiError
from desktop_app.cache.damage import CacheBusy
from desktop_app.core.links import commit_url
from desktop_app.core.rollback import DeployOutcome
from desktop_app.core.round import RoundResult
from desktop_app.ui import sync_status, tray
from desktop_app.ui.connect_dialog import ConnectDialog
from desktop_app.ui.context import AppContext, Connection
from desktop_app.ui.credentials import SavedConnection
from desktop_app.ui.delegates import LinkDelegate
from desktop_app.ui.deployment_model import DeploymentModel
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.plain_text import PlainLabel, rich, set_title
from desktop_app.ui.poller import Poller
from desktop_app.ui.profile_menu import ProfileMenu
from desktop_app.ui.resources import Icon, icon
from desktop_app.ui.roles import ROW_ROLE, SORT_ROLE
from desktop_app.ui.rollback_controller import RollbackController
from desktop_app.ui.sync_progress import SyncProgress
from desktop_app.ui.tray import Tray
from desktop_app.ui.unseen_events import UnseenEvents

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Signals:
    round_done(bool): after every sync round that was not dropped (ok or not).
    """

    round_done = Signal(bool)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.history_dialogs: dict[str, HistoryDialog] = {}
        self.connect_dialog: ConnectDialog | None = None
        self._shut_down = False
        self._last_error: BaseException | None = None
        # Where a damaged cache went when it was last rebuilt (told once).
        self._told_rebuilt = context.connection.cache.recovered_from
        self._last_sync: float | None = None
        self.setObjectName("mainWindow")
        # Destroy the window (and every dialog it owns) on the GUI thread
        # when it closes, never later from whichever thread happens to run
        # Python's cycle collector: Qt widgets must die on the GUI thread.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowIcon(icon(Icon.APP))
        self.resize(1100, 420)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)

        self.banner = QFrame(central)
        self.banner.setObjectName("offlineBanner")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(6, 4, 6, 4)
        banner_icon = QLabel(self.banner)
        banner_icon.setPixmap(icon(Icon.OFFLINE).pixmap(16, 16))
        banner_layout.addWidget(banner_icon)
        self.banner_text = PlainLabel(parent=self.banner)  # server messages
        self.banner_text.setObjectName("offlineBannerText")
        self.banner_text.setWordWrap(True)
        banner_layout.addWidget(self.banner_text, 1)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.unseen = UnseenEvents(context.notifier, central)
        layout.addWidget(self.unseen)

        self.heading = QLabel(central)
        self.heading.setObjectName("deploymentHeading")
        layout.addWidget(self.heading)

        self.filter = QLineEdit(central)
        self.filter.setObjectName("locationFilter")
        self.filter.setPlaceholderText("Filter code locations (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        layout.addWidget(self.filter)

        self.model = DeploymentModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.returnPressed.connect(self._focus_table)
        clear_filter = QAction("Clear filter", self.filter)
        clear_filter.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_filter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_filter.triggered.connect(self._clear_filter)
        self.filter.addAction(clear_filter)

        self.table = QTableView(central)
        self.table.setObjectName("deploymentTable")
        self.table.setModel(self.proxy)
        # PySide resolves the class of the first plain QWidget a call returns
        # by trying every widget class it knows (some 20 ms, once per
        # process): pay it now rather than in a history dialog's first paint.
        self.table.viewport()
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # A scroll bar that appears when the first sync lists the locations
        # narrows the table and repaints it whole twice more; keep it there.
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        # Enter emits activated; a double click emits doubleClicked (and on
        # some styles activated too: opening twice just raises the dialog).
        self.table.activated.connect(self._on_activated)
        self.table.doubleClicked.connect(self._on_activated)
        self.link_delegate = LinkDelegate(self.table)
        self.link_delegate.link_activated.connect(self._on_link)
        for name in ("Updated", "Commit"):
            self.table.setItemDelegateForColumn(self.model.column_named(name), self.link_delegate)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.sync_label = PlainLabel("Starting…")
        self.sync_label.setObjectName("syncStatusLabel")
        self.viewer_label = PlainLabel()  # the email is the server's
        self.viewer_label.setObjectName("viewerLabel")
        self.statusBar().addWidget(self.sync_label, 1)
        self.statusBar().addPermanentWidget(self.viewer_label)
        self.sync_progress = SyncProgress(self)
        self.statusBar().addPermanentWidget(self.sync_progress.bar)
        # Each location written during a round shows in the table at once.
        self.sync_progress.progressed.connect(self._on_sync_progress)

        self.tray: Tray | None = None
        self._quitting = False
        if tray.system_tray_available():
            self.tray = Tray(self)
            self.tray.open_requested.connect(self.bring_to_front)
            self.tray.pause_toggled.connect(self.set_paused)
            self.tray.quit_requested.connect(self.quit)
        context.notifier.attach(self, self.tray)
        self._build_menus()

        context.tasks.interrupted.connect(self._on_interrupted)
        self.rollbacks = RollbackController(context, self)
        self.rollbacks.finished.connect(self._on_rollback_finished)

        self.poller = Poller(context.tasks, self._make_round, context.poll_interval, parent=self)
        self.poller.synced.connect(self._on_synced)
        self.poller.failed.connect(self._on_failed)
        self.poller.round_started.connect(self._on_round_started)
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._update_offline_text)

        self.load_from_cache()
        self._size_columns()
        context.layout.restore_widget("main", self, self.table.horizontalHeader())
        self.table.setFocus()

    # -- building --------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.connect_action = QAction("&Connect to deployment…", self)
        self.connect_action.setObjectName("connectAction")
        self.connect_action.setShortcut(QKeySequence("Ctrl+K"))
        self.connect_action.triggered.connect(self.open_connect_dialog)
        file_menu.addAction(self.connect_action)
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setObjectName("syncNowAction")
        self.sync_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.sync_action.triggered.connect(self.poller_sync_now)
        file_menu.addAction(self.sync_action)
        self.pause_action = QAction("&Pause polling", self)
        self.pause_action.setObjectName("pausePollingAction")
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.set_paused)
        file_menu.addAction(self.pause_action)
        self.tray_action = QAction("&Keep running in the tray when closed", self)
        self.tray_action.setObjectName("closeToTrayAction")
        self.tray_action.setCheckable(True)
        self.tray_action.setEnabled(self.tray is not None)
        if self.tray is None:
            self.tray_action.setToolTip("This desktop has no system tray.")
        file_menu.addAction(self.tray_action)
        self.profile_menu = ProfileMenu(self, file_menu, before=self.sync_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.find_action = QAction("&Filter locations", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_filter)
        view_menu.addAction(self.find_action)
        self.history_action = QAction("Location &history", self)
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.triggered.connect(self.open_selected_history)
        view_menu.addAction(self.history_action)

        self.demo_menu = None
        self.demo_actions: dict[str, QAction] = {}
        if self.context.demo_users:
            account = self.menuBar().addMenu("&Account")
            self.demo_menu = account.addMenu("Switch &demo user")
            self.demo_menu.setObjectName("switchDemoUserMenu")
            group = QActionGroup(self)
            for email, (role, _token) in self.context.demo_users.items():
                action = QAction(f"{email} ({role.label})", self)
                action.setCheckable(True)
                action.setData(email)
                action.triggered.connect(partial(self.switch_demo_user, email))
                group.addAction(action)
                self.demo_menu.addAction(action)
                self.demo_actions[email] = action
            self._check_demo_user()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        widths = {
            "Code location": 200,
            "Status": 110,
            "Updated": 190,
            "Image": 360,
            "Commit": 90,
            "Assets": 70,
        }
        for name, width in widths.items():
            header.resizeSection(self.model.column_named(name), width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(
            self.model.column_named("Image"), QHeaderView.ResizeMode.Stretch
        )

    # -- reading the cache -----------------------------------------------------
    def load_from_cache(self) -> None:
        connection = self.context.connection
        set_title(self, f"Deployment — {connection.label}")
        self.heading.setText(f"<b>Code locations</b> — {rich(connection.label)}")
        if connection.round is not None:
            self.show_round(connection.round)
            return
        # Before this connection's first round: what the cache remembers.
        self._last_sync = connection.cache.last_sync()
        self.model.set_locations(connection.cache.locations())
        cached = connection.cache.viewer()
        self.viewer_label.setText(
            f"{cached.describe()} (not yet confirmed)" if cached else "Signing in…"
        )

    def show_round(self, result: RoundResult) -> None:
        """Show what a round learned: the table, who is signed in, health."""
        self.model.set_locations(list(result.locations))
        self.viewer_label.setText(result.viewer.describe())
        if self.tray is not None:
            self.tray.set_health(result.failing)

    # -- polling ---------------------------------------------------------------
    def _make_round(self) -> Any:
        return self.context.connection.sync_round(self.sync_progress.report)

    def _on_sync_progress(self, _done: int, _total: int) -> None:
        self.model.set_locations(self.context.connection.cache.locations())
        # A history opened before its location arrived (a first sync) shows
        # it as soon as it is written, not when the whole round ends.
        for dialog in list(self.history_dialogs.values()):
            if dialog.awaiting_history():
                dialog.reload()

    def start(self) -> None:
        """Start polling (the first round runs at once)."""
        self.poller.start()

    def poller_sync_now(self) -> None:
        self.poller.sync_now()

    def _on_round_started(self) -> None:
        if self.poller.offline_since is None and self.poller.rounds == 1:
            self.sync_label.setText("Syncing…")

    def _on_synced(self, result: RoundResult) -> None:
        self.context.connection.round = result
        self._last_sync = result.synced_at
        self._last_error = None
        self.countdown.stop()
        self.banner.hide()
        self.sync_label.setText(sync_status.synced_text(result.synced_at))
        self.sync_progress.finish()
        self.show_round(result)
        self._check_demo_user()
        self.context.notifier.round_events(result.events)
        self._tell_cache_rebuilt(result)
        for location, dialog in list(self.history_dialogs.items()):
            if location in result.changed_locations:
                dialog.reload()
            else:
                dialog.refresh_actions()
        self.round_done.emit(True)

    def _tell_cache_rebuilt(self, result: RoundResult) -> None:
        """A round that found the cache damaged rebuilt it; say so once.
        The round may have run in another process: this process's
        connection to the file then moves to the new one."""
        cache = self.context.connection.cache
        if result.cache_rebuilt_from is not None:
            moved_to = Path(result.cache_rebuilt_from)
            if cache.recovered_from != moved_to:
                cache.reopen(moved_to)
        moved = cache.recovered_from
        if moved is not None and moved != self._told_rebuilt:
            self._told_rebuilt = moved
            self.context.notifier.notify(
                "Local cache rebuilt",
                f"The cache file was damaged and was moved to {moved}; "
                "it was rebuilt from the server.",
                warning=True,
            )

    def _on_failed(self, exc: BaseException, delay: float) -> None:
        self._last_error = exc
        self.sync_progress.finish()
        if not isinstance(exc, ApiError | CacheBusy):
            log.error("sync round crashed", exc_info=exc)
        self._update_offline_text()
        self.banner.show()
        self.countdown.start()
        self.round_done.emit(False)

    def _on_interrupted(self, exc: BaseException) -> None:
        """A worker was told to stop the program (Ctrl+C, `sys.exit`): stop."""
        log.warning("stopping: %s in a background task", type(exc).__name__)
        self.close()

    def _update_offline_text(self) -> None:
        if self._last_error is None or self.poller.offline_since is None:
            self.countdown.stop()
            return
        connection = self.context.connection
        state = sync_status.Offline(
            error=self._last_error,
            since=self.poller.offline_since,
            next_attempt_at=self.poller.next_attempt_at,
            paused=self.poller.paused,
            url=connection.url,
            last_sync=self._last_sync,
        )
        now = time.time()
        self.sync_label.setText(sync_status.status_text(state, now))
        self.banner_text.setText(sync_status.banner_text(state, now))

    # -- table -------------------------------------------------------------------
    def location_at(self, index: QModelIndex) -> str | None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row.name if row is not None else None

    def _on_activated(self, index: QModelIndex) -> None:
        location = self.location_at(index)
        if location:
            self.open_history(location)

    def _on_link(self, index: QModelIndex) -> None:
        column = self.proxy.mapToSource(index).column()
        row = index.data(ROW_ROLE)
        if row is None:
            return
        if column == self.model.column_named("Commit"):
            url = commit_url(row.deploy)
            if url:
                self.context.open_url(url)
        else:
            self.open_history(row.name)

    def open_selected_history(self) -> HistoryDialog | None:
        location = self.location_at(self.table.currentIndex())
        return self.open_history(location) if location else None

    def open_history(self, location: str) -> HistoryDialog:
        dialog = self.history_dialogs.get(location)
        if dialog is None:
            dialog = HistoryDialog(self.context, location, self.rollbacks, self)
            # Closing finishes and then deletes it; a dialog deleted with
            # its parent only reports `destroyed`.
            forget = partial(self._forget_history, location, dialog)
            dialog.finished.connect(forget)
            dialog.destroyed.connect(forget)
            self.history_dialogs[location] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _forget_history(self, location: str, dialog: HistoryDialog, *_args: object) -> None:
        if self.history_dialogs.get(location) is dialog:
            del self.history_dialogs[location]

    def _on_rollback_finished(self, location: str, outcome: DeployOutcome) -> None:
        """Sync at once after an accepted rollback; say why one was not,
        over its history dialog if that is still open."""
        if outcome.ok:
            self.poller.sync_now()
            return
        parent = self.history_dialogs.get(location) or self
        title = "Rollback failed" if outcome.kind == "Failed" else "Rollback refused"
        self.context.prompts.error(
            parent, title, f"{location} was not rolled back: {outcome.message}"
        )

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _clear_filter(self) -> None:
        self.filter.clear()
        self._focus_table()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)

    # -- connections ---------------------------------------------------------------
    def _replace_connection(self, new: Connection, *, same_cache: bool) -> None:
        old = self.context.connection
        self.context.connection = new
        self.context.retire(old, keep_cache=same_cache)
        if not same_cache:
            for dialog in list(self.history_dialogs.values()):
                dialog.close()
            self.history_dialogs.clear()
        self._last_error = None
        self.countdown.stop()
        self.banner.hide()
        self.sync_label.setText("Syncing…")
        self.load_from_cache()
        for dialog in self.history_dialogs.values():
            dialog.refresh_actions()
        self.poller.reconnect(self._make_round)

    def switch_demo_user(self, email: str) -> None:
        """Sign in to the embedded server as another demo user."""
        if email not in self.context.demo_users or self.context.embedded_url is None:
            return
        _role, token = self.context.demo_users[email]
        settings = ConnectionSettings(url=self.context.embedded_url, token=token)
        connection = self.context.connection
        same = connection.url == self.context.embedded_url
        new = self.context.connect(settings, connection.cache if same else None)
        self._replace_connection(new, same_cache=same)
        self._check_demo_user(email)

    def _check_demo_user(self, email: str | None = None) -> None:
        if not self.demo_actions:
            return
        embedded = self.context.embedded
        for action in self.demo_actions.values():
            action.setEnabled(True)
        if email is None:
            viewer = self.context.connection.viewer
            email = viewer.email if viewer and embedded else None
        for key, action in self.demo_actions.items():
            action.setChecked(key == email)

    def open_connect_dialog(self) -> ConnectDialog:
        if self.connect_dialog is not None:
            self.connect_dialog.close()
        store = self.profile_menu.store
        dialog = ConnectDialog(
            self.context.tasks,
            self.context.credentials.load(),
            self,
            profiles=store.profiles(),
            stored_token=store.token,
            embedded=self.profile_menu.can_embed,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_connect_accepted(dialog))
        dialog.forget_requested.connect(self.profile_menu.forget)
        dialog.embedded_requested.connect(self.profile_menu.switch_to_embedded)
        dialog.destroyed.connect(partial(self._forget_connect_dialog, dialog))
        self.connect_dialog = dialog
        dialog.open()
        return dialog

    def _forget_connect_dialog(self, dialog: ConnectDialog, *_args: object) -> None:
        if self.connect_dialog is dialog:
            self.connect_dialog = None

    def _on_connect_accepted(self, dialog: ConnectDialog) -> None:
        profile = dialog.profile()
        if profile is None:
            return
        self.profile_menu.use(profile, dialog.token_for(profile))

    def connect_embedded(self, url: str) -> None:
        """Switch to the embedded demo deployment (keeping each cache)."""
        settings = ConnectionSettings(url=url, token=self.context.embedded_token)
        connection = self.context.connection
        same = connection.url == url
        new = self.context.connect(settings, connection.cache if same else None)
        self._replace_connection(new, same_cache=same)
        self._check_demo_user()

    def connect_to(self, settings: ConnectionSettings, saved: SavedConnection | None) -> None:
        """Switch to another deployment and remember it."""
        if saved is not None:
            self.context.credentials.save(saved, settings.token)
        connection = self.context.connection
        same = settings.graphql_url() == connection.url
        new = self.context.connect(settings, connection.cache if same else None)
        self._replace_connection(new, same_cache=same)
        self._check_demo_user()

    # -- window life ---------------------------------------------------------------
    # Polling goes on while the window is minimized or hidden (in the tray):
    # failures are noticed and alerted in the background.
    def set_paused(self, paused: bool) -> None:
        """Pause or resume polling (File menu, tray menu)."""
        if paused:
            self.poller.pause()
        else:
            self.poller.resume()
        for action in (self.pause_action, self.tray.pause_action if self.tray else None):
            if action is not None and action.isChecked() != paused:
                action.setChecked(paused)

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit(self) -> None:
        """Close for good, even when closing would leave the app in the tray."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tray is not None and self.tray_action.isChecked() and not self._quitting:
            event.ignore()
            self.hide()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop polling, wait for background work, close the connection and
        whatever the composition root registered (the embedded server)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.context.layout.save_widget("main", self, self.table.horizontalHeader())
        self.poller.stop()
        self.context.connection.stop_sync()  # so no round keeps the pool waiting
        self.countdown.stop()
        for dialog in list(self.history_dialogs.values()):
            dialog.close()
        self.history_dialogs.clear()
        if self.connect_dialog is not None:
            self.connect_dialog.close()
        self.context.notifier.close()
        self.tray = None
        self.context.tasks.shutdown()
        self.context.close_retired()
        connection = self.context.connection
        connection.client.close()
        connection.cache.close()
        for callback in reversed(self.context.on_close):
            try:
                callback()
            except Exception:
                log.exception("error while shutting down")
