"""Running the client headless against a fake server, and fingerprinting
a cache file to prove a failed round left it as it was."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_app import headless
from desktop_app.cache.paths import cache_path_for


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float


def run_history(url: str, cache_dir: Path, location: str, token: str = "demo-token-editor") -> Run:
    """`desktop-app history LOCATION --url URL --json` in this process."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["history", location, "--url", url, "--cache-dir", str(cache_dir)]
    if token:
        argv += ["--token", token]
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = headless.main([*argv, "--json"])
    return Run(code, out.getvalue(), err.getvalue(), time.monotonic() - started)


def cache_file(url: str, cache_dir: Path) -> Path:
    return cache_path_for(url, cache_dir)


def fingerprint(path: Path, skip: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table but `skip` (not of the file's
    bytes, which a checkpoint may rewrite without changing anything)."""
    if not path.exists():
        return "absent"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for line in conn.iterdump():
            if any(line.startswith(f'INSERT INTO "{table}"') for table in skip):
                continue
            digest.update(line.encode())
        return digest.hexdigest()
    finally:
        conn.close()


def history_rows(path: Path) -> int:
    """How many location, load and change rows a cache file holds (0 for no file)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sum(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("location", "load", "asset_change")
        )
    finally:
        conn.close()


def place_cache(template: Path, url: str, cache_dir: Path) -> Path:
    """Copy a synced cache file to where the client looks for `url`'s."""
    target = cache_file(url, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target
