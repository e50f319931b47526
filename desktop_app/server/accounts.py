"""Users, their API tokens (stored as sha256 hashes) and their roles.

A user holds a role per deployment (a row of `grants`, with per-location
grants that can only raise it) or is an Organization Admin, which spans
every deployment. A user may hold several tokens, each listed with its
creation time, last use and last characters, and revoked on its own;
removing a user revokes all of theirs at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, RowMapping, and_, delete, insert, select, update

from desktop_app.core.roles import Role, effective_role
from desktop_app.server.deployments import Deployment, UnknownDeploymentError
from desktop_app.server.storage import (
    DEFAULT_DEPLOYMENT_ID,
    Storage,
    deployments,
    dumps,
    grants,
    inserted_id,
    tokens,
    users,
)

TOKEN_PREFIX = "user:"
HINT_LENGTH = 4
LAST_USE_RESOLUTION = 60.0  # seconds: last use is written at most this often per token


@dataclass(frozen=True)
class User:
    """A user as seen in one deployment. `role` is None when the user has no
    role there (and is not an Organization Admin)."""

    id: int
    email: str
    role: Role | None
    location_grants: Mapping[str, Role] = field(default_factory=dict)
    organization_admin: bool = False

    def role_on(self, location: str) -> Role:
        return effective_role(self.role or Role.VIEWER, self.location_grants, location)

    @property
    def name(self) -> str:
        return self.email.split("@", 1)[0]


@dataclass(frozen=True)
class TokenInfo:
    id: int
    email: str
    created_at: float
    last_used_at: float | None
    hint: str

    @property
    def masked(self) -> str:
        """How a token is shown after it was issued: never whole."""
        return f"{TOKEN_PREFIX}…{self.hint}" if self.hint else "(issued before hints were kept)"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_hex(20)


def _grants_json(location_roles: Mapping[str, Role] | None) -> str:
    return dumps({name: int(role) for name, role in (location_roles or {}).items()})


def _parse_grants(text: str | None) -> dict[str, Role]:
    return {name: Role(int(value)) for name, value in json.loads(text or "{}").items()}


def _user(row: RowMapping, organization_admin: bool) -> User:
    role_value = row.get("role")
    if organization_admin:
        role: Role | None = Role.ORGANIZATION_ADMIN
    else:
        role = Role(int(role_value)) if role_value is not None else None
    return User(
        id=int(row["id"]),
        email=str(row["email"]),
        role=role,
        location_grants=_parse_grants(row.get("location_grants")),
        organization_admin=organization_admin,
    )


def _deployment_id(conn: Connection, deployment: str | None) -> int:
    if deployment is None:
        return DEFAULT_DEPLOYMENT_ID
    found = conn.execute(select(deployments.c.id).where(deployments.c.name == deployment)).scalar()
    if found is None:
        raise UnknownDeploymentError(deployment)
    return int(found)


def add_user(
    storage: Storage,
    email: str,
    role: Role,
    location_roles: Mapping[str, Role] | None = None,
    token: str | None = None,
    deployment: str | None = None,
) -> str:
    """Create the user, or set the role and grants of an existing one in
    `deployment` (the default one when None); issue one more token, which is
    returned: only its hash is stored. The user's other tokens stay valid.
    Organization Admin is not per deployment: it spans them all."""
    email = email.strip()
    if "@" not in email:
        raise ValueError(f"not an email address: {email!r}")
    token = token or new_token()
    now = time.time()
    org_admin = role is Role.ORGANIZATION_ADMIN
    with storage.write() as conn:
        deployment_id = _deployment_id(conn, deployment)
        existing = conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
        if existing is None:
            user_id = inserted_id(
                conn.execute(
                    insert(users).values(email=email, organization_admin=org_admin, created_at=now)
                )
            )
        else:
            user_id = int(existing)
            conn.execute(
                update(users).where(users.c.id == user_id).values(organization_admin=org_admin)
            )
        conn.execute(
            delete(grants).where(
                and_(grants.c.user_id == user_id, grants.c.deployment_id == deployment_id)
            )
        )
        conn.execute(
            insert(grants).values(
                user_id=user_id,
                deployment_id=deployment_id,
                role=int(min(role, Role.ADMIN)),
                location_grants=_grants_json(location_roles),
            )
        )
        digest = hash_token(token)
        conn.execute(delete(tokens).where(tokens.c.token_hash == digest))
        conn.execute(
            insert(tokens).values(
                token_hash=digest,
                user_id=user_id,
                created_at=now,
                last_used_at=None,
                hint=token[-HINT_LENGTH:],
            )
        )
    return token


def authenticate(storage: Storage, token: str, deployment: Deployment | None = None) -> User | None:
    """The user holding `token`, with their role in `deployment` (the
    default one when None); None for an unknown or revoked token."""
    if not token:
        return None
    deployment_id = deployment.id if deployment is not None else DEFAULT_DEPLOYMENT_ID
    digest = hash_token(token)
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.organization_admin,
            grants.c.role,
            grants.c.location_grants,
            tokens.c.id.label("token_id"),
            tokens.c.last_used_at,
        )
        .select_from(tokens)
        .join(users, users.c.id == tokens.c.user_id)
        .outerjoin(
            grants,
            and_(grants.c.user_id == users.c.id, grants.c.deployment_id == deployment_id),
        )
        .where(tokens.c.token_hash == digest)
    )
    with storage.read() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    now = time.time()
    last = row["last_used_at"]
    if last is None or now - float(last) >= LAST_USE_RESOLUTION:
        with storage.write() as conn:
            conn.execute(
                update(tokens).where(tokens.c.id == row["token_id"]).values(last_used_at=now)
            )
    return _user(row, bool(row["organization_admin"]))


def user_for_token(storage: Storage, token: str) -> User | None:
    """The user holding `token`, as seen in the default deployment."""
    return authenticate(storage, token)


def list_users(storage: Storage, deployment_id: int | None = DEFAULT_DEPLOYMENT_ID) -> list[User]:
    """Every user with a role in the deployment (Organization Admins
    included); with `deployment_id=None`, every user with their role in
    the default deployment."""
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.organization_admin,
            grants.c.role,
            grants.c.location_grants,
        )
        .select_from(users)
        .outerjoin(
            grants,
            and_(
                grants.c.user_id == users.c.id,
                grants.c.deployment_id == (deployment_id or DEFAULT_DEPLOYMENT_ID),
            ),
        )
        .order_by(users.c.id)
    )
    with storage.read() as conn:
        rows = conn.execute(query).mappings().all()
    found = [_user(row, bool(row["organization_admin"])) for row in rows]
    if deployment_id is None:
        return found
    return [u for u in found if u.role is not None]


@dataclass(frozen=True)
class UserSummary:
    email: str
    organization_admin: bool
    roles: Mapping[str, tuple[Role, Mapping[str, Role]]]  # deployment -> (role, grants)
    tokens: int


def describe_users(storage: Storage) -> list[UserSummary]:
    """Every user with their role in each deployment and their token count."""
    with storage.read() as conn:
        people = conn.execute(select(users).order_by(users.c.email)).mappings().all()
        roles = conn.execute(
            select(grants.c.user_id, deployments.c.name, grants.c.role, grants.c.location_grants)
            .join(deployments, deployments.c.id == grants.c.deployment_id)
            .order_by(deployments.c.id)
        ).all()
        counts: dict[int, int] = {}
        for user_id in conn.execute(select(tokens.c.user_id)).scalars():
            counts[int(user_id)] = counts.get(int(user_id), 0) + 1
    by_user: dict[int, dict[str, tuple[Role, Mapping[str, Role]]]] = {}
    for user_id, name, role, location_grants in roles:
        by_user.setdefault(int(user_id), {})[str(name)] = (
            Role(int(role)),
            _parse_grants(location_grants),
        )
    return [
        UserSummary(
            email=str(p["email"]),
            organization_admin=bool(p["organization_admin"]),
            roles=by_user.get(int(p["id"]), {}),
            tokens=counts.get(int(p["id"]), 0),
        )
        for p in people
    ]


def remove_user(storage: Storage, email: str) -> bool:
    """Delete the user, their roles and every token they hold; False when
    there is no such user. Their tokens stop working with the next request."""
    with storage.write() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.email == email.strip())).scalar()
        if user_id is None:
            return False
        conn.execute(delete(tokens).where(tokens.c.user_id == user_id))
        conn.execute(delete(grants).where(grants.c.user_id == user_id))
        conn.execute(delete(users).where(users.c.id == user_id))
    return True


def list_tokens(storage: Storage, email: str | None = None) -> list[TokenInfo]:
    query = (
        select(
            tokens.c.id,
            users.c.email,
            tokens.c.created_at,
            tokens.c.last_used_at,
            tokens.c.hint,
        )
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.id)
    )
    if email is not None:
        query = query.where(users.c.email == email.strip())
    with storage.read() as conn:
        return [
            TokenInfo(
                id=int(i),
                email=str(e),
                created_at=float(c),
                last_used_at=float(u) if u is not None else None,
                hint=str(h or ""),
            )
            for i, e, c, u, h in conn.execute(query)
        ]


def revoke_token(storage: Storage, token_id: int) -> bool:
    with storage.write() as conn:
        return bool(conn.execute(delete(tokens).where(tokens.c.id == token_id)).rowcount)


def deployment_ids_of(storage: Storage, user_id: int) -> list[int]:
    """The deployments where the user holds a role (not counting
    Organization Admin, which holds everywhere)."""
    with storage.read() as conn:
        rows = conn.execute(select(grants.c.deployment_id).where(grants.c.user_id == user_id))
        return [int(r) for r in rows.scalars()]
