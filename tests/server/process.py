"""The bundled server in a process of its own, for the fault suite: it can
be killed, and its memory read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


class ServerProcess:
    """`desktop-app server serve --demo` on `db`; stderr goes to `log`."""

    def __init__(self, db: Path, log: Path, port: int = 0) -> None:
        self.log = log
        command = [sys.executable, "-m", "desktop_app.server.cli", "serve", "--demo"]
        command += ["--db", f"sqlite:///{db}", "--port", str(port)]
        with self.log.open("a") as err:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        assert self.process.stdout is not None
        self.url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not self.url:
            line = self.process.stdout.readline()
            if not line:
                break
            if line.startswith("http://") and line.strip().endswith("/graphql"):
                self.url = line.strip()
        if not self.url:
            self.stop()
            raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def rss(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kb) * 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
