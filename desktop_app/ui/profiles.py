"""Connection profiles: named deployments to switch between.

A profile is a name and either a URL or a Dagster+ organization and
deployment; its token goes to the keyring (or the private token file) of
`CredentialStore`, never into the profile list, which is a small JSON file
in the user's config directory. Each deployment keeps its own cache file
(keyed by its URL), so switching away and back finds its history at once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop_app.api.client import ConnectionSettings
from desktop_app.ui.credentials import CredentialStore, SavedConnection

EMBEDDED_NAME = "Embedded demo"


@dataclass(frozen=True)
class Profile:
    name: str
    url: str | None = None
    organization: str | None = None
    deployment: str | None = None

    @property
    def saved(self) -> SavedConnection:
        return SavedConnection(self.url, self.organization, self.deployment)

    def settings(self, token: str | None) -> ConnectionSettings:
        return ConnectionSettings(
            url=self.url, token=token, organization=self.organization, deployment=self.deployment
        )

    def describe(self) -> str:
        if self.url:
            return self.url
        return f"{self.organization} / {self.deployment} (Dagster+)"


class ProfileStore:
    """Reads and writes the list of profiles; tokens through `credentials`."""

    def __init__(self, credentials: CredentialStore) -> None:
        self.credentials = credentials

    @property
    def _file(self) -> Path:
        return self.credentials.config_dir / "profiles.json"

    def profiles(self) -> list[Profile]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        found = []
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            profile = Profile(
                name=str(item["name"]),
                url=item.get("url") or None,
                organization=item.get("organization") or None,
                deployment=item.get("deployment") or None,
            )
            if profile.url or (profile.organization and profile.deployment):
                found.append(profile)
        return found

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.profiles() if p.name == name), None)

    def token(self, profile: Profile) -> str | None:
        return self.credentials.token(profile.saved.key)

    def save(self, profile: Profile, token: str | None) -> None:
        """Add or replace (by name) a profile; keep its token if given."""
        profiles = [p for p in self.profiles() if p.name != profile.name]
        profiles.append(profile)
        self._write(profiles)
        if token:
            self.credentials.set_token(profile.saved.key, token)

    def forget(self, name: str) -> None:
        """Drop a profile (its token too, unless another profile uses it)."""
        profiles = self.profiles()
        gone = next((p for p in profiles if p.name == name), None)
        kept = [p for p in profiles if p.name != name]
        self._write(kept)
        if gone is not None and all(p.saved.key != gone.saved.key for p in kept):
            self.credentials.forget_token(gone.saved.key)

    def _write(self, profiles: list[Profile]) -> None:
        self.credentials.config_dir.mkdir(parents=True, exist_ok=True)
        body = json.dumps([asdict(p) for p in profiles], indent=2)
        self._file.write_text(body, encoding="utf-8")


def unique_name(wanted: str, taken: list[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted} ({number})" in taken:
        number += 1
    return f"{wanted} ({number})"
