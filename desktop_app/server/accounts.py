"""Users, their API tokens (stored as sha256 hashes) and their roles."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import RowMapping, delete, insert, select, update

from desktop_app.core.roles import Role, effective_role
from desktop_app.server.storage import Storage, dumps, inserted_id, tokens, users

TOKEN_PREFIX = "user:"


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    location_grants: Mapping[str, Role] = field(default_factory=dict)

    def role_on(self, location: str) -> Role:
        return effective_role(self.role, self.location_grants, location)

    @property
    def name(self) -> str:
        return self.email.split("@", 1)[0]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_hex(20)


def _grants_json(grants: Mapping[str, Role] | None) -> str:
    return dumps({name: int(role) for name, role in (grants or {}).items()})


def _user_from_row(row: RowMapping) -> User:
    grants = json.loads(str(row["location_grants"]) or "{}")
    return User(
        id=int(str(row["id"])),
        email=str(row["email"]),
        role=Role(int(str(row["role"]))),
        location_grants={name: Role(int(value)) for name, value in grants.items()},
    )


def add_user(
    storage: Storage,
    email: str,
    role: Role,
    location_roles: Mapping[str, Role] | None = None,
    token: str | None = None,
) -> str:
    """Create the user (or update the role and grants of an existing one) and
    issue a new token, which is returned: only its hash is stored."""
    email = email.strip()
    if "@" not in email:
        raise ValueError(f"not an email address: {email!r}")
    token = token or new_token()
    now = time.time()
    with storage.write() as conn:
        existing = conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
        if existing is None:
            user_id = inserted_id(
                conn.execute(
                    insert(users).values(
                        email=email,
                        role=int(role),
                        location_grants=_grants_json(location_roles),
                        created_at=now,
                    )
                )
            )
        else:
            user_id = existing
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(role=int(role), location_grants=_grants_json(location_roles))
            )
        digest = hash_token(token)
        conn.execute(delete(tokens).where(tokens.c.token_hash == digest))
        conn.execute(insert(tokens).values(token_hash=digest, user_id=user_id, created_at=now))
    return token


def user_for_token(storage: Storage, token: str) -> User | None:
    if not token:
        return None
    query = (
        select(users)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == hash_token(token))
    )
    with storage.read() as conn:
        row = conn.execute(query).mappings().first()
    return _user_from_row(row) if row is not None else None


def list_users(storage: Storage) -> list[User]:
    with storage.read() as conn:
        rows = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    return [_user_from_row(row) for row in rows]
