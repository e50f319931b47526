"""Run the bundled server in its own process, pinned to the machine's
first two cores, so its CPU does not hide inside the client's figures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop_app.server.process import ServerProcess


@contextmanager
def serving(db_url: str, cores: int = 2) -> Iterator[str]:
    """Start `desktop-app server serve` on a free loopback port; yields its
    GraphQL URL and stops it on exit."""
    with ServerProcess(db_url, cores=cores) as server:
        assert server.url is not None
        yield server.url
