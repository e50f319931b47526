"""`desktop-app server` commands that manage a server's database:
`migrate`, `deployment add|list`, `user list|remove`, `token list|revoke`.

Tokens are shown whole only once, by `user add`; listings show their id,
owner, creation, last use and last characters.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from desktop_app.server import schema_version
from desktop_app.server.accounts import describe_users, list_tokens, remove_user, revoke_token
from desktop_app.server.deployments import add_deployment, list_deployments
from desktop_app.server.runner import default_db_url
from desktop_app.server.storage import Storage


def add_commands(commands: Any, parser_class: Any) -> None:
    """Add `migrate`, `deployment` and `token` to the `server` parser."""
    migrate = commands.add_parser("migrate", help="upgrade a database to this release's schema")
    migrate.add_argument("--db")

    deployment = commands.add_parser("deployment", help="manage deployments").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    add = deployment.add_parser("add", help="add a deployment (prod exists from the start)")
    add.add_argument("name")
    add.add_argument("--db")
    listing = deployment.add_parser("list", help="list the deployments")
    listing.add_argument("--db")

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    tokens = token.add_parser("list", help="list tokens (never shown whole)")
    tokens.add_argument("--user", help="only this user's tokens")
    tokens.add_argument("--db")
    revoke = token.add_parser("revoke", help="revoke one token by its id (from token list)")
    revoke.add_argument("id", type=int)
    revoke.add_argument("--db")


def add_user_commands(user: Any) -> None:
    """Add `list` and `remove` to the `server user` parser."""
    listing = user.add_parser("list", help="list users, their roles and token counts")
    listing.add_argument("--db")
    remove = user.add_parser("remove", help="remove a user; their tokens stop working at once")
    remove.add_argument("email")
    remove.add_argument("--db")


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def run(args: argparse.Namespace) -> int:
    storage = Storage(args.db or default_db_url())
    try:
        return _run(storage, args)
    finally:
        storage.close()


def _run(storage: Storage, args: argparse.Namespace) -> int:
    command, action = args.command, getattr(args, "action", None)
    if command == "migrate":
        print(f"the database is at schema revision {schema_version.head()}, this release's")
    elif command == "deployment" and action == "add":
        created = add_deployment(storage, args.name)
        print(f"added deployment {created.name}: serve it at /{created.name}/graphql")
    elif command == "deployment":
        for found in list_deployments(storage):
            print(f"{found.name}{' (default)' if found.is_default else ''}")
    elif command == "user" and action == "list":
        for user in describe_users(storage):
            roles = (
                ["Organization Admin (every deployment)"]
                if user.organization_admin
                else [
                    f"{role.label} in {name}"
                    + "".join(f", {g.label} on {loc}" for loc, g in sorted(grants.items()))
                    for name, (role, grants) in user.roles.items()
                ]
            )
            print(f"{user.email}\t{'; '.join(roles) or 'no role'}\t{user.tokens} token(s)")
    elif command == "user":
        if not remove_user(storage, args.email):
            raise LookupError(f"no user {args.email!r}")
        print(f"removed {args.email}; their tokens no longer work")
    elif command == "token" and action == "list":
        print("id\tuser\tcreated\tlast used\ttoken")
        for token in list_tokens(storage, args.user):
            print(
                f"{token.id}\t{token.email}\t{_when(token.created_at)}\t"
                f"{_when(token.last_used_at)}\t{token.masked}"
            )
    else:
        if not revoke_token(storage, args.id):
            raise LookupError(f"no token with id {args.id}")
        print(f"revoked token {args.id}")
    return 0
