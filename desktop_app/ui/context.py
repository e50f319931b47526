"""The explicit context the composition root (`desktop_app.app`) builds and
passes to every window: the current connection and the shared services.

Nothing here is global; tests build the whole app through
`create_main_window` and reach the context through the window."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import AssetKey
from desktop_app.core.roles import Role
from desktop_app.core.rollback import DeployOutcome, RollbackRequest
from desktop_app.core.round import RoundResult
from desktop_app.core.session import Capabilities, Viewer
from desktop_app.sync.engine import Progress
from desktop_app.sync.worker import SyncWorker
from desktop_app.ui.credentials import CredentialStore
from desktop_app.ui.layout_settings import LayoutSettings
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.prompts import Prompts
from desktop_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def open_in_browser(url: str) -> None:
    """The production URL opener; tests replace `AppContext.open_url`."""
    QDesktopServices.openUrl(QUrl(url))


@dataclass(eq=False)
class Connection:
    """One deployment as one user: settings, its client, its cache (read
    only: this process never writes it) and the process that writes it.

    `round` is the result of this connection's latest successful sync
    round: the one source of who is signed in, with which role, and what
    the server allows. It is None until a round of this connection
    succeeded, so a freshly switched user is never judged by the previous
    user's role."""

    settings: ConnectionSettings
    client: DeploymentClient
    cache: HistoryCache
    label: str
    worker: SyncWorker
    """The process that runs this connection's sync rounds and makes
    every other write to its cache (rollback reasons, asset details)."""
    round: RoundResult | None = None

    @property
    def url(self) -> str:
        return self.client.url

    def sync_round(self, progress: Progress | None = None) -> Callable[[], RoundResult]:
        """The callable for one sync round, run off the GUI thread."""
        return partial(self.worker.run_round, progress)

    def send_rollback(self, request: RollbackRequest) -> Callable[[], DeployOutcome]:
        """The callable that sends a rollback and keeps its reason, run off
        the GUI thread; once it returns the cache holds the reason."""
        return partial(self.worker.rollback, request)

    def fill_details(self, location: str, key: AssetKey) -> Callable[[], int]:
        """The callable that asks the server how loads changed `key` and
        caches it, run off the GUI thread; returns how many loads it filled."""
        return partial(self.worker.fill_details, location, key)

    def stop_sync(self) -> None:
        """End the sync process (a request in flight fails at once)."""
        self.worker.stop()

    @property
    def viewer(self) -> Viewer | None:
        return self.round.viewer if self.round is not None else None

    @property
    def capabilities(self) -> Capabilities | None:
        return self.round.capabilities if self.round is not None else None


ConnectionFactory = Callable[[ConnectionSettings, HistoryCache | None], Connection]
"""Builds a connection; given a cache it reuses it (same deployment)."""


@dataclass(eq=False)
class AppContext:
    connection: Connection
    connect: ConnectionFactory
    tasks: TaskRunner
    notifier: Notifier
    credentials: CredentialStore
    prompts: Prompts = field(default_factory=Prompts)
    open_url: Callable[[str], None] = open_in_browser
    poll_interval: float = 5.0
    cache_dir: Path | None = None
    embedded_url: str | None = None
    demo_users: Mapping[str, tuple[Role, str]] = field(default_factory=dict)
    on_close: list[Callable[[], None]] = field(default_factory=list)
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    embedded_token: str | None = None
    start_embedded: Callable[[], str] | None = None
    """Starts the embedded demo server when the app began elsewhere; its URL."""

    @property
    def embedded(self) -> bool:
        return self.embedded_url is not None and self.connection.url == self.embedded_url

    retired: list[tuple[Connection, bool]] = field(default_factory=list)

    def retire(self, old: Connection, *, keep_cache: bool) -> None:
        """Close a replaced connection on the writer thread, after any round
        still using it (and, if the app quits first, in `close_retired`)."""
        self.retired.append((old, keep_cache))
        self.tasks.run_write("close connection", partial(_close, old, keep_cache))

    def close_retired(self) -> None:
        """After the task pool has shut down: close what it did not get to."""
        for old, keep_cache in self.retired:
            _close(old, keep_cache)
        self.retired.clear()


def _close(connection: Connection, keep_cache: bool) -> None:
    # Both closes may run twice (pool, then shutdown); both are idempotent.
    connection.stop_sync()
    connection.client.close()
    if not keep_cache:
        connection.cache.close()
