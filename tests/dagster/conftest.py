"""A real open-source dagster-webserver on loopback, with a definitions file
the test can edit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

WEBSERVER = Path(sys.executable).with_name("dagster-webserver")
START_TIMEOUT = 90.0
LOCATION = "research_loc"


@dataclass
class Webserver:
    url: str
    defs: Path
    process: subprocess.Popen[bytes]
    log: Path

    def write(self, source: str) -> None:
        self.defs.write_text(source)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_answering(server: Webserver) -> None:
    """Poll the GraphQL endpoint until the webserver answers (it takes a few
    seconds to start); fail with its log if it dies or never answers."""
    deadline = time.monotonic() + START_TIMEOUT
    query = {"query": "{ locationStatusesOrError { __typename } }"}
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited:\n{server.log.read_text()[-4000:]}")
        try:
            response = requests.post(server.url, json=query, timeout=2)
            if response.ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"dagster-webserver did not answer:\n{server.log.read_text()[-4000:]}")


@pytest.fixture
def start_webserver(tmp_path: Path) -> Iterator[Callable[[str], Webserver]]:
    """`start(source)` writes `defs.py` into a project folder of this test and
    starts `dagster-webserver -h 127.0.0.1 -p PORT -w workspace.yaml` on it;
    the process is stopped (SIGTERM) after the test."""
    import dagster  # noqa: F401  (make test-dagster installs it; failing here is the point)

    started: list[subprocess.Popen[bytes]] = []

    def start(source: str) -> Webserver:
        project = tmp_path / "project"
        project.mkdir()
        (project / "workspace.yaml").write_text(
            "load_from:\n"
            "  - python_file:\n"
            "      relative_path: defs.py\n"
            f"      location_name: {LOCATION}\n"
        )
        defs = project / "defs.py"
        defs.write_text(source)
        home = tmp_path / "dagster_home"
        home.mkdir()
        port = _free_port()
        log = tmp_path / "webserver.log"
        env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(WEBSERVER), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
                cwd=project,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        server = Webserver(f"http://127.0.0.1:{port}/graphql", defs, process, log)
        _wait_until_answering(server)
        return server

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
