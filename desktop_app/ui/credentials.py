"""The remembered connection and its token.

The connection (URL or organization + deployment) is a small JSON file in
the user's config directory. The token goes to the OS keyring; when no
keyring works it goes to a file only the user can read (0600), written
to a fresh temporary file and renamed into place, so a link planted at
its path is replaced, never followed; it is read without following links
either. Tokens are never logged. The headless commands read the same
store (`token_for`)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import keyring
import platformdirs
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

APP_NAME = "desktop-app"
SERVICE = "desktop-app.dagster-deployment"


@dataclass(frozen=True)
class SavedConnection:
    url: str | None = None
    organization: str | None = None
    deployment: str | None = None

    @property
    def key(self) -> str:
        """What the token is stored under."""
        if self.url:
            return self.url
        return f"{self.organization}/{self.deployment}"


class CredentialStore:
    """Reads and writes the remembered connection and token."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.config_dir = config_dir or Path(platformdirs.user_config_dir(APP_NAME))

    @property
    def _connection_file(self) -> Path:
        return self.config_dir / "connection.json"

    @property
    def _token_file(self) -> Path:
        return self.config_dir / "tokens.json"

    # -- connection ----------------------------------------------------------
    def load(self) -> SavedConnection | None:
        try:
            data = json.loads(self._connection_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        saved = SavedConnection(
            url=data.get("url") or None,
            organization=data.get("organization") or None,
            deployment=data.get("deployment") or None,
        )
        if not saved.url and not (saved.organization and saved.deployment):
            return None
        return saved

    def save(self, connection: SavedConnection, token: str | None) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self._connection_file.write_text(json.dumps(asdict(connection)), encoding="utf-8")
        if token:
            self.set_token(connection.key, token)

    def forget(self) -> None:
        self._connection_file.unlink(missing_ok=True)

    # -- token ---------------------------------------------------------------
    def set_token(self, key: str, token: str) -> str:
        """Store the token; returns where it went ("keyring" or "file")."""
        try:
            keyring.set_password(SERVICE, key, token)
            if keyring.get_password(SERVICE, key) == token:
                self._drop_file_token(key)
                return "keyring"
        except KeyringError as exc:
            log.info("no usable keyring (%s); keeping the token in a private file", type(exc))
        tokens = self._file_tokens()
        tokens[key] = token
        self._write_file_tokens(tokens)
        return "file"

    def forget_token(self, key: str) -> None:
        """Remove a stored token from the keyring and the private file."""
        with contextlib.suppress(KeyringError):
            keyring.delete_password(SERVICE, key)
        self._drop_file_token(key)

    def token(self, key: str) -> str | None:
        try:
            value = keyring.get_password(SERVICE, key)
        except KeyringError:
            value = None
        return value or self._file_tokens().get(key)

    def token_for(self, keys: list[str]) -> str | None:
        """The first token stored under any of `keys`."""
        for key in keys:
            found = self.token(key)
            if found:
                return found
        return None

    def _file_tokens(self) -> dict[str, str]:
        try:
            fd = os.open(self._token_file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return {}  # absent, or a link someone planted: not ours to read
        try:
            with os.fdopen(fd, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_file_tokens(self, tokens: dict[str, str]) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A new file (O_EXCL, 0600 from the start), renamed over the old one:
        # readers see the old tokens or the new, and a link at the path is
        # replaced by the rename, never written through.
        fd, temp = tempfile.mkstemp(dir=self.config_dir, prefix=".tokens-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(tokens, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self._token_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def _drop_file_token(self, key: str) -> None:
        tokens = self._file_tokens()
        if key in tokens:
            del tokens[key]
            self._write_file_tokens(tokens)
