"""EmbeddedServer: start on a free port, stop cleanly, fail cleanly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from desktop_app.core.roles import Role
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import TIMEOUT, gql


def test_context_manager_serves_and_stops(tmp_path: Path) -> None:
    with EmbeddedServer(f"sqlite:///{tmp_path / 'db.sqlite3'}") as server:
        url = server.url
        assert url is not None
        assert url.startswith("http://127.0.0.1:")
        token = server.add_user("me@example.com", Role.ADMIN)
        assert gql(url, "{ identity { viewer { email } } }", token=token) == {
            "identity": {"viewer": {"email": "me@example.com"}}
        }
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"query": "{ permissions { value } }"}, timeout=TIMEOUT)
    server.stop()  # a second stop is harmless


def test_a_busy_port_raises_and_leaves_nothing_running(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        server = EmbeddedServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", port=busy.getsockname()[1])
        with pytest.raises(OSError, match="in use"):
            server.start()
        server.stop()


def test_demo_data_is_served_on_loopback_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmbeddedServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", host="0.0.0.0", demo=True)
