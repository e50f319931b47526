"""The composition root: parse the command line, build the context (the
connection, the cache, the task pool, the notifier), start the embedded
demo server when nothing else is configured, and build the main window.

`create_main_window(argv)` does all of it without entering the event loop;
`main(argv)` also runs the loop. Closing the window stops the poller, the
task pool and the embedded server.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import CacheBusy, CacheNotReady, HistoryCache
from desktop_app.cli import TOKEN_ENV, parse_gui_args, version
from desktop_app.core.roles import Role
from desktop_app.core.untrusted import PrintableFormatter
from desktop_app.sync.worker import SYNC_NICENESS, SyncWorker
from desktop_app.ui.context import AppContext, Connection
from desktop_app.ui.credentials import CredentialStore
from desktop_app.ui.errors import ErrorReporter
from desktop_app.ui.layout_settings import EMBEDDED_PROFILE, LayoutSettings
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.profiles import ProfileStore
from desktop_app.ui.resources import Icon, icon, style_sheet
from desktop_app.ui.screenshots import shoot_history_views
from desktop_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

EMBEDDED_CACHE_KEY = "http://127.0.0.1/embedded-demo/graphql"
"""The embedded server picks a free port on every start; its cache is keyed
by this stable name instead of its URL so history survives restarts."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The window's options; declared with the rest of the command line."""
    return parse_gui_args(argv)


def name_application(app: QApplication) -> None:
    """The names the desktop sees: the window manager and the taskbar match
    the window to `desktop-app.desktop` (and its icon) by the desktop file
    name; QSettings and the notification daemon use the others."""
    app.setOrganizationName("desktop-app")
    app.setApplicationName("desktop-app")
    app.setApplicationVersion(version())
    app.setApplicationDisplayName("Dagster deployment")
    app.setDesktopFileName("desktop-app")
    app.setWindowIcon(icon(Icon.APP))


def _label(settings: ConnectionSettings, embedded: bool) -> str:
    if embedded:
        return "bundled demo deployment"
    if settings.organization and settings.deployment:
        return f"{settings.organization} / {settings.deployment} (Dagster+)"
    return settings.url or ""


def _read_cache(worker: SyncWorker, path: Path) -> HistoryCache:
    """The cache file, read only. A file that is missing, of an older
    schema or damaged is first opened by the sync process (made, migrated,
    or moved aside and made anew); otherwise that process checks it while
    the window is built, and a round tells of a file it had to move aside."""
    try:
        return HistoryCache.open_reader(path)
    except CacheNotReady as exc:
        log.info("the sync process prepares the cache first: %s", exc)
    moved = worker.open_cache()
    if moved is not None:
        log.warning("the cache was damaged; moved aside to %s", moved)
    return HistoryCache.open_reader(path, recovered_from=moved)


def create_main_window(argv: list[str]) -> MainWindow:
    """Build the whole app for these arguments; the caller shows the window
    and runs the event loop. Needs a QApplication."""
    if QApplication.instance() is None:
        raise RuntimeError("create a QApplication before the main window")
    args = parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    credentials = CredentialStore()
    on_close: list[Callable[[], None]] = []
    embedded_url: str | None = None
    demo_users: dict[str, tuple[Role, str]] = {}

    layout = LayoutSettings()
    last = layout.last_profile()
    profile = ProfileStore(credentials).get(last) if last else None
    embedded_token: str | None = None

    def start_embedded() -> str:
        """Start the embedded demo server (once); its GraphQL URL."""
        nonlocal embedded_url, embedded_token
        if embedded_url is None:
            # Imported only here: the GUI loads the server only for the embedded default.
            from desktop_app.server.demo import DEFAULT_DEMO_EMAIL, DEMO_USERS
            from desktop_app.server.process import ServerProcess

            # In a process of its own, at the sync process's lower priority:
            # serving the app's own sync never takes a core from the GUI thread.
            server = ServerProcess(demo=True, niceness=SYNC_NICENESS)
            embedded_url = server.start()
            on_close.append(server.stop)
            demo_users.update(DEMO_USERS)
            embedded_token = DEMO_USERS[DEFAULT_DEMO_EMAIL][1]
        return embedded_url

    if args.url or args.organization:
        settings = ConnectionSettings(
            url=args.url, token=token, organization=args.organization, deployment=args.deployment
        )
    elif profile is not None:
        settings = profile.settings(token or ProfileStore(credentials).token(profile))
    elif last != EMBEDDED_PROFILE and (saved := credentials.load()) is not None:
        settings = ConnectionSettings(
            url=saved.url,
            token=token or credentials.token(saved.key),
            organization=saved.organization,
            deployment=saved.deployment,
        )
    else:
        settings = ConnectionSettings(url=start_embedded(), token=embedded_token)
    settings.graphql_url()  # a ValueError here is a usage error, before anything starts

    def connect(new: ConnectionSettings, cache: HistoryCache | None = None) -> Connection:
        client = DeploymentClient(new)
        embedded = embedded_url is not None and client.url == embedded_url
        key = EMBEDDED_CACHE_KEY if embedded else client.url
        path = cache.path if cache is not None else cache_path_for(key, args.cache_dir)
        # Rounds and every cache write run in a process of their own; this
        # process only reads the cache.
        worker = SyncWorker(new, path)
        worker.start()
        try:
            if cache is None:
                cache = _read_cache(worker, path)
        except BaseException:
            worker.stop()
            client.close()
            raise
        return Connection(new, client, cache, _label(new, embedded), worker)

    try:
        connection = connect(settings)
    except BaseException:
        for callback in on_close:
            callback()
        raise
    tasks = TaskRunner()
    notifier = Notifier()
    context = AppContext(
        connection=connection,
        connect=connect,
        tasks=tasks,
        notifier=notifier,
        credentials=credentials,
        poll_interval=args.poll_interval,
        cache_dir=args.cache_dir,
        embedded_url=embedded_url,
        demo_users=demo_users,
        on_close=on_close,
        layout=layout,
        embedded_token=embedded_token,
    )

    def start_embedded_later() -> str:
        url = start_embedded()
        context.embedded_url = url
        context.embedded_token = embedded_token
        return url

    context.start_embedded = start_embedded_later
    window = MainWindow(context)
    tasks.setParent(window)
    notifier.setParent(window)
    if connection.cache.recovered_from is not None:
        notifier.notify(
            "Local cache rebuilt",
            f"The cache file was damaged and was moved to {connection.cache.recovered_from}; "
            "it is being rebuilt from the server.",
            warning=True,
        )
    if args.screenshot is not None:
        _screenshot_after_first_round(
            window,
            args.screenshot,
            args.screenshot_history,
            (args.screenshot_compare, args.screenshot_timeline),
        )
    window.start()
    return window


def _screenshot_after_first_round(
    window: MainWindow,
    path: Path,
    history_path: Path | None,
    explore_paths: tuple[Path | None, Path | None] = (None, None),
) -> None:
    def take(_ok: bool) -> None:
        # A moment for the refreshed table to be laid out and painted.
        QTimer.singleShot(50, window, shoot)

    def shoot() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(path))
        compare_path, timeline_path = explore_paths
        if (history_path or compare_path or timeline_path) and window.model.rowCount():
            window.table.selectRow(0)
            dialog = window.open_selected_history()
            if dialog is not None:
                shoot_history_views(dialog, history_path, compare_path, timeline_path, window.close)
                return
        window.close()

    window.round_done.connect(take, Qt.ConnectionType.SingleShotConnection)


def settle_heap() -> None:
    """Collect once and freeze what is left: the modules, classes and Qt
    wrappers of a started app live as long as it does. Without this, a full
    collection that happened to fall in the first history dialog's open
    walked all of them (65 ms of a 121 ms first paint, measured by
    `make bench`); frozen, later collections walk only newer objects."""
    gc.collect()
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["desktop-app"])
    try:
        name_application(app)
        app.setStyleSheet(style_sheet())
        window = create_main_window(args)
    except (ValueError, FileNotFoundError, CacheBusy) as exc:  # bad option or install; busy
        print(f"desktop-app: {exc}", file=sys.stderr)
        return 2
    reporter = ErrorReporter(window.context.prompts, window)
    reporter.install()
    settle_heap()
    window.show()
    return int(app.exec())
