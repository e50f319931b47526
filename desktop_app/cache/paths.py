"""Where the cache file of a deployment lives: one SQLite file per GraphQL URL."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "desktop-app"


def default_cache_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "cache"


def cache_path_for(graphql_url: str, cache_dir: Path | None = None) -> Path:
    """A readable, collision-free file name per deployment URL."""
    parts = urlsplit(graphql_url)
    readable = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.netloc}{parts.path}").strip("-")[:60]
    digest = hashlib.sha256(graphql_url.encode()).hexdigest()[:10]
    base = cache_dir if cache_dir is not None else default_cache_dir()
    return Path(base) / f"{readable or 'deployment'}-{digest}.sqlite"
