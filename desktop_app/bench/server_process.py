"""Run the bundled server in its own process, pinned to the machine's
first two cores, so its CPU does not hide inside the client's figures."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from desktop_app.cli import self_command


@contextmanager
def serving(db_url: str, cores: int = 2) -> Iterator[str]:
    """Start `desktop-app server serve` on a free loopback port; yields its
    GraphQL URL and stops it (SIGTERM) on exit."""

    def pin() -> None:  # runs in the child before exec
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])

    process = subprocess.Popen(
        self_command("server", "serve", "--db", db_url, "--host", "127.0.0.1", "--port", "0"),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=pin,
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            if line.startswith("http://"):
                url = line.strip()
                break
        if url is None:
            raise RuntimeError("the bundled server did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
