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


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_background_server_runs_at_a_lower_priority(tmp_path: Path) -> None:
    # As the app runs its embedded server: it yields the CPU to the GUI thread.
    server = ServerProcess(f"sqlite:///{tmp_path / 'db.sqlite3'}", niceness=5)
    server.start()
    try:

        def nice(pid: object) -> int:
            stat = Path(f"/proc/{pid}/stat").read_text()
            return int(stat.rsplit(")", 1)[1].split()[16])

        assert nice(server.pid) == min(nice("self") + 5, 19)
    finally:
        server.stop()
