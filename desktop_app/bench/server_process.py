"""Run the bundled server in its own process, pinned to the machine's
first two cores, so its CPU does not hide inside the client's figures.

It stands for a deployment's server, which runs on another machine: at
the lower priority the app gives its own embedded server (and its sync
process), it takes the CPU the GUI thread leaves rather than a core the
GUI thread waits for; served at full priority on the same two cores, its
request threads made the GUI thread wait 20-30 ms now and then."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop_app.server.process import ServerProcess
from desktop_app.sync.worker import SYNC_NICENESS


@contextmanager
def serving(db_url: str, cores: int = 2) -> Iterator[str]:
    """Start `desktop-app server serve` on a free loopback port; yields its
    GraphQL URL and stops it on exit."""
    with ServerProcess(db_url, cores=cores, niceness=SYNC_NICENESS) as server:
        assert server.url is not None
        yield server.url
