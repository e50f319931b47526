"""Headless commands: `desktop-app history` and `desktop-app deploy`.

`history LOCATION` syncs the local cache once and prints that location's
history (collapsed unless `--all`), as a table or, with `--json`, as a
JSON array newest first. `deploy --document FILE` submits a location
document (YAML or JSON; a `dagster_cloud.yaml` with several locations
deploys each) and prints the outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import yaml

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import ApiError
from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import CacheBusy, HistoryCache
from desktop_app.core.export import group_record, iso, to_csv
from desktop_app.core.links import short_sha
from desktop_app.core.loads import LoadGroup, collapse
from desktop_app.core.rollback import RollbackNote
from desktop_app.core.untrusted import printable
from desktop_app.sync.engine import run_once
from desktop_app.ui.credentials import CredentialStore

TOKEN_ENV = "DAGSTER_CLOUD_API_TOKEN"


TOKEN_HELP = (
    f"API token. Avoid on shared machines: other local users can read it in the process "
    f"list. Prefer ${TOKEN_ENV}, or the token the GUI saved for this address (used when "
    "neither is given)."
)


def connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="deployment address (as in the browser) or GraphQL URL")
    parser.add_argument("--token", help=TOKEN_HELP)
    parser.add_argument("--organization", help="Dagster+ organization")
    parser.add_argument("--deployment", help="Dagster+ deployment name")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desktop-app")
    sub = parser.add_subparsers(dest="command", required=True)
    history = sub.add_parser("history", help="sync once and print a location's load history")
    history.add_argument("location")
    connection_args(history)
    output = history.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON array")
    output.add_argument("--csv", action="store_true", help="print CSV, assets as text")
    history.add_argument("--all", action="store_true", help="do not collapse similar entries")
    history.add_argument("--cache-dir", type=Path, help="where the cache file lives")
    deploy = sub.add_parser("deploy", help="deploy a location document")
    connection_args(deploy)
    deploy.add_argument("--document", type=Path, required=True, help="YAML or JSON file")
    return parser


def settings_from(args: argparse.Namespace) -> ConnectionSettings:
    settings = ConnectionSettings(
        url=args.url, organization=args.organization, deployment=args.deployment
    )
    token = args.token or os.environ.get(TOKEN_ENV) or _saved_token(settings)
    return replace(settings, token=token)


def _saved_token(settings: ConnectionSettings) -> str | None:
    """The token the GUI saved for this deployment (keyring or private file)."""
    keys: list[str] = []
    if settings.url:
        keys.append(settings.url)
        with contextlib.suppress(ValueError):
            keys.append(settings.graphql_url())
    if settings.organization and settings.deployment:
        keys.append(f"{settings.organization}/{settings.deployment}")
    return CredentialStore().token_for(keys) if keys else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = settings_from(args)
    try:
        settings.graphql_url()
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "history":
        return history(args, settings, sys.stdout, sys.stderr)
    return deploy(args, settings, sys.stdout, sys.stderr)


# -- history ---------------------------------------------------------------
def open_cache(
    client: DeploymentClient, cache_dir: Path | None, err: TextIO
) -> HistoryCache | None:
    """The cache file for the client's deployment; None (said on `err`, and
    the client closed) when another process holds it locked."""
    try:
        return HistoryCache.open(cache_path_for(client.url, cache_dir))
    except CacheBusy as exc:
        client.close()
        err.write(f"{exc}\n")
        return None


def history(
    args: argparse.Namespace, settings: ConnectionSettings, out: TextIO, err: TextIO
) -> int:
    client = DeploymentClient(settings)
    cache = open_cache(client, args.cache_dir, err)
    if cache is None:
        return 1
    code = 0
    try:
        told = cache.recovered_from
        if told is not None:
            err.write(f"The cache file was damaged; moved it to {told} and rebuilt it.\n")
        synced = True
        try:
            run_once(client, cache)
        except ApiError as exc:
            err.write(f"Sync failed: {printable(str(exc))}\n")
            synced, code = False, 1
        except CacheBusy as exc:  # locked by another process after it opened: nothing written
            err.write(f"{exc}\n")
            synced, code = False, 1
        if cache.recovered_from != told:
            err.write(
                f"The cache file was damaged; moved it to {cache.recovered_from} and rebuilt it.\n"
            )
        names = {loc.name for loc in cache.locations()}
        if args.location not in names and cache.history_count(args.location) == 0:
            if synced:
                err.write(f"No code location named {args.location!r}.\n")
            else:
                err.write(f"No cached history of {args.location!r} to show.\n")
            return 1
        if not synced:
            err.write("Showing the cached history.\n")
        loads = cache.history(args.location)
        groups = [LoadGroup((load,)) for load in loads] if args.all else collapse(loads)
        notes = cache.rollback_notes(loads)
        if args.json:
            json.dump([group_json(g, notes.get(g.head.loaded_at)) for g in groups], out, indent=2)
            out.write("\n")
        elif args.csv:
            out.write(to_csv(group_json(g, notes.get(g.head.loaded_at)) for g in groups))
        else:
            out.write(table(groups))
    finally:
        cache.close()
        client.close()
    return code


def group_json(group: LoadGroup, note: RollbackNote | None = None) -> dict[str, Any]:
    """One row (`core.export.group_record`); a rollback entry also names its
    target (ISO time) and the reason this computer kept for it."""
    return group_record(group, note)


def table(groups: Sequence[LoadGroup]) -> str:
    rows = [("LOADED (UTC)", "STATUS", "COMMIT", "IMAGE", "ACTION", "BY", "COUNT", "ASSETS")]
    for group in groups:
        data = group_json(group)
        assets = data["assets"]
        rows.append(
            (
                data["loaded_at"].replace("T", " ")[:19],
                data["status"],
                short_sha(data["commit_hash"]) if data["commit_hash"] else "-",
                data["image"] or "-",
                data["action"] or "-",
                data["initiated_by"] or "-",
                str(data["count"]),
                f"+{len(assets['added'])} -{len(assets['removed'])} ~{len(assets['changed'])}",
            )
        )
    safe = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in safe) for i in range(len(safe[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in safe
    ]
    for group in groups:
        if group.head.error:
            last = group.head.error.strip().splitlines()[-1:] or [""]
            lines.append(f"error at {iso(group.head.loaded_at)}: {printable(last[0])}")
    return "\n".join(lines) + "\n"


# -- deploy ----------------------------------------------------------------
def read_documents(path: Path) -> list[Mapping[str, Any]]:
    """One location document, or each entry of a `dagster_cloud.yaml`."""
    data = yaml.safe_load(path.read_text("utf-8"))
    if isinstance(data, Mapping) and isinstance(data.get("locations"), list):
        docs = [d for d in data["locations"] if isinstance(d, Mapping)]
    elif isinstance(data, Mapping):
        docs = [data]
    else:
        docs = []
    if not docs:
        raise ValueError(f"{path} holds no location document")
    return docs


def deploy(args: argparse.Namespace, settings: ConnectionSettings, out: TextIO, err: TextIO) -> int:
    try:
        documents = read_documents(args.document)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        err.write(f"Cannot read the document: {exc}\n")
        return 2
    client = DeploymentClient(settings)
    code = 0
    try:
        for document in documents:
            try:
                outcome = client.submit_document(document)
            except ApiError as exc:
                err.write(f"{printable(str(exc))}\n")
                return 1
            stream = out if outcome.ok else err
            stream.write(f"{printable(outcome.message)}\n")
            if not outcome.ok:
                code = 1
    finally:
        client.close()
    return code
