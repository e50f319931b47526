"""Deployments of one server: `prod` (the default, id 1) and any added with
`desktop-app server deployment add NAME`. Locations, history, roles and
settings are per deployment; images and asset definitions are shared."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from desktop_app.server.storage import (
    DEFAULT_DEPLOYMENT_ID,
    Storage,
    deployments,
    dumps,
    inserted_id,
)

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Path segments the server answers itself, so no deployment may take them.
RESERVED = frozenset({"graphql"})


@dataclass(frozen=True)
class Deployment:
    id: int
    name: str

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_DEPLOYMENT_ID


class UnknownDeploymentError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no deployment named {name!r} on this server")
        self.name = name


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name) or name in RESERVED:
        raise ValueError(
            f"invalid deployment name {name!r}: use lowercase letters, digits, '-' and '_' "
            "(up to 63, starting with a letter or digit)"
        )
    return name


def add_deployment(storage: Storage, name: str) -> Deployment:
    check_name(name)
    with storage.write() as conn:
        if conn.execute(select(deployments.c.id).where(deployments.c.name == name)).first():
            raise ValueError(f"deployment {name!r} already exists")
        new_id = inserted_id(
            conn.execute(
                insert(deployments).values(name=name, settings="{}", created_at=time.time())
            )
        )
    return Deployment(new_id, name)


def list_deployments(storage: Storage) -> list[Deployment]:
    with storage.read() as conn:
        rows = conn.execute(select(deployments.c.id, deployments.c.name).order_by(deployments.c.id))
        return [Deployment(int(i), str(n)) for i, n in rows]


def find_deployment(storage: Storage, name: str | None) -> Deployment:
    """The deployment called `name`, or the default one for None."""
    query = select(deployments.c.id, deployments.c.name)
    if name is None:
        query = query.where(deployments.c.id == DEFAULT_DEPLOYMENT_ID)
    else:
        query = query.where(deployments.c.name == name)
    with storage.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise UnknownDeploymentError(name or "(default)")
    return Deployment(int(row[0]), str(row[1]))


def get_settings(storage: Storage, deployment_id: int) -> dict[str, Any]:
    with storage.read() as conn:
        text = conn.execute(
            select(deployments.c.settings).where(deployments.c.id == deployment_id)
        ).scalar()
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}


def set_settings(storage: Storage, deployment_id: int, settings: dict[str, Any]) -> None:
    with storage.write() as conn:
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(settings=dumps(settings))
        )
