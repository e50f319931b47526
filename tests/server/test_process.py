"""The bundled server in its own process, as the app's embedded default runs it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from desktop_app.server.process import STOP_TIMEOUT, ServerProcess

STATUS = {"query": "{ locationStatusesOrError { __typename } }"}


def test_it_serves_from_another_process_and_stops_promptly(tmp_path: Path) -> None:
    server = ServerProcess(f"sqlite:///{tmp_path / 'db.sqlite3'}", demo=True)
    url = server.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert server.running()
        answer = requests.post(
            url, json=STATUS, headers={"Dagster-Cloud-Api-Token": "demo-token-editor"}, timeout=10
        )
        assert answer.status_code == 200
        assert "locationStatusesOrError" in answer.json()["data"]
    finally:
        began = time.monotonic()
        server.stop()
        # Closing the app waits for the server at most this long.
        assert time.monotonic() - began < STOP_TIMEOUT + 2
    assert not server.running()
    try:
        requests.post(url, json=STATUS, timeout=2)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the server still answers after stop()")


def test_a_server_that_cannot_start_says_so(tmp_path: Path) -> None:
    server = ServerProcess("not-a-url://", demo=False)
    with pytest.raises(RuntimeError, match="exited during start-up"):
        server.start()
    assert not server.running()
