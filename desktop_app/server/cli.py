"""`desktop-app server ...`: serve, manage deployments, users, tokens, images.

    serve --db URL --host H --port P [--demo] [--no-upgrade]
    migrate --db URL
    deployment add NAME | deployment list
    user add EMAIL --role ROLE [--deployment NAME] [--location NAME=ROLE ...]
    user list | user remove EMAIL
    token list [--user EMAIL] | token revoke ID
    image add REF --manifest FILE

Every command takes --db URL (default: a SQLite file in the data dir).

Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sqlalchemy.exc import ArgumentError, OperationalError

from desktop_app.core.roles import Role
from desktop_app.server import admin_cli
from desktop_app.server.accounts import add_user
from desktop_app.server.manifest import register_image
from desktop_app.server.runner import EmbeddedServer, default_db_url, is_loopback
from desktop_app.server.schema_version import SchemaError
from desktop_app.server.storage import Storage


class UsageError(Exception):
    """A mistake on the command line; reported as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="desktop-app server", description="The bundled deployment server.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve the GraphQL API until interrupted")
    serve.add_argument("--db", help="SQLAlchemy URL (default: a SQLite file in the data dir)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    serve.add_argument("--demo", action="store_true", help="load the demo data set (loopback)")
    serve.add_argument("--threads", type=int, default=8, help=argparse.SUPPRESS)
    serve.add_argument(
        "--no-upgrade",
        action="store_true",
        help="refuse a database of an earlier schema instead of migrating it",
    )
    # The app's embedded server: stop when the parent closes our stdin (or dies).
    serve.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    admin_cli.add_commands(commands, _Parser)

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    add = user.add_parser("add", help="add a user (or give one a new token); prints the token")
    add.add_argument("email")
    add.add_argument("--role", required=True, help="viewer, launcher, editor, admin, org-admin")
    add.add_argument(
        "--deployment", help="the deployment the role is for (default: prod); org-admin spans all"
    )
    add.add_argument(
        "--location",
        action="append",
        default=[],
        metavar="NAME=ROLE",
        help="raise the role on one code location (repeatable)",
    )
    add.add_argument("--db")
    admin_cli.add_user_commands(user)

    image = commands.add_parser("image", help="manage images").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    img = image.add_parser("add", help="register an image with its manifest")
    img.add_argument("ref")
    img.add_argument("--manifest", required=True, type=Path, help="JSON manifest file")
    img.add_argument("--db")
    return parser


def _grants(items: list[str]) -> dict[str, Role]:
    grants: dict[str, Role] = {}
    for item in items:
        name, sep, role = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--location wants NAME=ROLE, got {item!r}")
        grants[name.strip()] = Role.parse(role)
    return grants


def _serve(args: argparse.Namespace) -> int:
    if args.demo and not is_loopback(args.host):
        raise UsageError(
            f"--demo serves fixed, published tokens; it only listens on loopback, not {args.host}"
        )
    server = EmbeddedServer(
        args.db or default_db_url(args.demo),
        host=args.host,
        port=args.port,
        demo=args.demo,
        threads=args.threads,
        upgrade=not args.no_upgrade,
    )
    url = server.bind()
    if args.demo:
        from desktop_app.server.demo import demo_banner

        print(demo_banner(url), flush=True)
    print(url, flush=True)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        server.request_stop()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    if args.exit_with_stdin:
        threading.Thread(
            target=_stop_at_end_of_input, args=(server,), name="parent-watch", daemon=True
        ).start()
    # This process only serves: move everything loaded so far out of the
    # collector's sight and collect less often. Full collections over the
    # startup heap otherwise stall a request by ~100 ms now and then.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0


def _stop_at_end_of_input(server: EmbeddedServer) -> None:
    while os.read(sys.stdin.fileno(), 4096):
        pass
    server.request_stop()


def _user_add(args: argparse.Namespace) -> int:
    role = Role.parse(args.role)
    grants = _grants(args.location)
    storage = Storage(args.db or default_db_url())
    try:
        token = add_user(storage, args.email, role, grants, deployment=args.deployment)
    finally:
        storage.close()
    where = "".join(f", {r.label} on {n}" for n, r in grants.items())
    scope = (
        "every deployment"
        if role is Role.ORGANIZATION_ADMIN
        else f"deployment {args.deployment or 'prod'}"
    )
    print(f"{args.email}: {role.label} in {scope}{where}. API token (shown only now):")
    print(token)
    return 0


def _image_add(args: argparse.Namespace) -> int:
    try:
        manifest = json.loads(args.manifest.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {args.manifest}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{args.manifest} is not JSON: {exc}") from None
    storage = Storage(args.db or default_db_url())
    try:
        content = register_image(storage, args.ref, manifest)
    finally:
        storage.close()
    what = "a load error" if content.error else f"{len(content.assets)} asset definitions"
    print(f"registered {args.ref} with {what}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(args_list)
        if args.command == "serve":
            return _serve(args)
        if args.command == "user" and args.action == "add":
            return _user_add(args)
        if args.command == "image":
            return _image_add(args)
        return admin_cli.run(args)
    except (UsageError, ValueError, LookupError, SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ArgumentError as exc:
        print(f"error: invalid --db URL: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"error: database: {' '.join(str(exc.orig).split())}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
