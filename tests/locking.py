"""Another process holding a cache file's write lock, as a second copy of
the app (or a database browser with a transaction open) would."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
conn.close()
"""


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process holds `path` with an exclusive transaction open (in
    WAL mode: the write lock; readers go on) until the block ends."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)


def moved_aside(directory: Path) -> list[str]:
    """Files a damaged-cache rebuild would have left next to the cache."""
    return sorted(p.name for p in directory.rglob("*") if ".corrupt-" in p.name)
