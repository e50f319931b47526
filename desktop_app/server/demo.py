"""The demo data set: users with fixed tokens, images and eight weeks of
history for four code locations, replayed into storage on first use.

The JSON files in `data/demo/` (package data, read through
`importlib.resources`) are written by `demo_data.py`
(`python -m desktop_app.server.demo_data`); timestamps there are ages in
seconds, so the history always ends shortly before the server starts.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from sqlalchemy import func, select

from desktop_app.core.loads import LoadAction
from desktop_app.core.roles import Role
from desktop_app.server.accounts import add_user
from desktop_app.server.loading import load_location
from desktop_app.server.manifest import register_image
from desktop_app.server.storage import Storage, loads

DEMO_USERS: dict[str, tuple[Role, str]] = {
    "viewer@example.com": (Role.VIEWER, "demo-token-viewer"),
    "launcher@example.com": (Role.LAUNCHER, "demo-token-launcher"),
    "editor@example.com": (Role.EDITOR, "demo-token-editor"),
    "admin@example.com": (Role.ADMIN, "demo-token-admin"),
    "org-admin@example.com": (Role.ORGANIZATION_ADMIN, "demo-token-org-admin"),
}
DEFAULT_DEMO_EMAIL = "editor@example.com"


def demo_dir() -> Traversable:
    return resources.files("desktop_app.server").joinpath("data", "demo")


def read_demo(folder: Traversable | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(images by ref, history events oldest first)."""
    folder = folder or demo_dir()
    packed = json.loads(_read(folder, "images.json"))
    shared = packed["assets"]
    images = {
        ref: manifest
        if "error" in manifest
        else {"assets": [shared[i] for i in manifest["assets"]]}
        for ref, manifest in packed["images"].items()
    }
    events = json.loads(_read(folder, "history.json"))
    return images, events


def _read(folder: Traversable, name: str) -> str:
    try:
        return folder.joinpath(name).read_text("utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"the demo data set is missing: {folder.joinpath(name)} (reinstall desktop-app)"
        ) from None


def add_demo_users(storage: Storage) -> None:
    for email, (role, token) in DEMO_USERS.items():
        add_user(storage, email, role, token=token)


def load_demo(
    storage: Storage, *, now: float | None = None, folder: Traversable | None = None
) -> int:
    """Add the demo users and images; replay the demo history unless this
    database already has loads. Returns the number of loads written."""
    add_demo_users(storage)
    images, events = read_demo(folder)
    for ref, manifest in images.items():
        register_image(storage, ref, manifest)
    with storage.read() as conn:
        if conn.execute(select(func.count()).select_from(loads)).scalar():
            return 0
    end = time.time() if now is None else now
    for event in events:
        uploaded = round(end - float(event["age_seconds"]), 3)
        load_location(
            storage,
            event["document"],
            initiated_by=event["user"],
            action=LoadAction(event["action"]),
            triggered_at=round(uploaded - float(event["build_seconds"]), 3),
            uploaded_at=uploaded,
        )
    return len(events)


def demo_banner(url: str) -> str:
    lines = [f"GraphQL endpoint: {url}", "Demo users (header Dagster-Cloud-Api-Token):"]
    lines += [
        f"  {email:<24} {role.label:<20} {token}" for email, (role, token) in DEMO_USERS.items()
    ]
    return "\n".join(lines)
