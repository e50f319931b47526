"""Headless commands: `desktop-app history` and `desktop-app deploy`.

`history LOCATION` syncs the local cache once and prints that location's
history (collapsed unless `--all`), as a table or, with `--json`, as a
JSON array newest first. `deploy --document FILE` submits a location
document (YAML or JSON; a `dagster_cloud.yaml` with several locations
deploys each) and prints the outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import ApiError
from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import key_to_str
from desktop_app.core.changes import NetKind, net_changes
from desktop_app.core.links import commit_url, short_sha
from desktop_app.core.loads import LoadAction, LoadGroup, LocationLoad, collapse
from desktop_app.core.rollback import RollbackNote
from desktop_app.sync.engine import run_once

TOKEN_ENV = "DAGSTER_CLOUD_API_TOKEN"


def _connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="deployment address (as in the browser) or GraphQL URL")
    parser.add_argument("--token", help=f"API token (default: ${TOKEN_ENV})")
    parser.add_argument("--organization", help="Dagster+ organization")
    parser.add_argument("--deployment", help="Dagster+ deployment name")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desktop-app")
    sub = parser.add_subparsers(dest="command", required=True)
    history = sub.add_parser("history", help="sync once and print a location's load history")
    history.add_argument("location")
    _connection_args(history)
    history.add_argument("--json", action="store_true", help="print a JSON array")
    history.add_argument("--all", action="store_true", help="do not collapse similar entries")
    history.add_argument("--cache-dir", type=Path, help="where the cache file lives")
    deploy = sub.add_parser("deploy", help="deploy a location document")
    _connection_args(deploy)
    deploy.add_argument("--document", type=Path, required=True, help="YAML or JSON file")
    return parser


def _settings(args: argparse.Namespace) -> ConnectionSettings:
    token = args.token or os.environ.get(TOKEN_ENV) or None
    return ConnectionSettings(
        url=args.url, token=token, organization=args.organization, deployment=args.deployment
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = _settings(args)
    try:
        settings.graphql_url()
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "history":
        return history(args, settings, sys.stdout, sys.stderr)
    return deploy(args, settings, sys.stdout, sys.stderr)


# -- history ---------------------------------------------------------------
def history(
    args: argparse.Namespace, settings: ConnectionSettings, out: TextIO, err: TextIO
) -> int:
    client = DeploymentClient(settings)
    cache = HistoryCache.open(cache_path_for(client.url, args.cache_dir))
    code = 0
    try:
        if cache.recovered_from is not None:
            err.write(f"The cache file was damaged; moved it to {cache.recovered_from}.\n")
        synced = True
        try:
            run_once(client, cache)
        except ApiError as exc:
            err.write(f"Sync failed: {exc}\n")
            synced, code = False, 1
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
        else:
            out.write(table(groups))
    finally:
        cache.close()
        client.close()
    return code


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _assets(loads: Sequence[LocationLoad]) -> dict[str, Any]:
    """Keys added, removed and changed by the loads of a group (the same
    net changes as the history dialog's Assets cell)."""
    changes = net_changes(loads)
    return {
        "added": [key_to_str(c.key) for c in changes if c.kind is NetKind.ADDED],
        "removed": [key_to_str(c.key) for c in changes if c.kind is NetKind.REMOVED],
        "changed": {
            key_to_str(c.key): [str(t) for t in c.change_types]
            for c in changes
            if c.kind is NetKind.CHANGED
        },
    }


def group_json(group: LoadGroup, note: RollbackNote | None = None) -> dict[str, Any]:
    """One row; a rollback entry also names its target (ISO time) and the
    reason this computer kept for it (null when none)."""
    head = group.head
    deploy = head.deploy
    data = {
        "loaded_at": iso(head.loaded_at),
        "status": str(head.status),
        "image": deploy.image,
        "commit_hash": deploy.commit_hash,
        "commit_url": commit_url(deploy),
        "action": head.action,
        "initiated_by": head.initiated_by,
        "error": head.error,
        "count": group.count,
        "assets": _assets(group.loads),
    }
    if head.action == LoadAction.ROLLBACK:
        target = head.rollback_target
        data["rollback_target"] = iso(target) if target is not None else None
        data["reason"] = note.reason if note is not None else None
    return data


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
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    for group in groups:
        if group.head.error:
            lines.append(
                f"error at {iso(group.head.loaded_at)}: {group.head.error.splitlines()[-1]}"
            )
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
                err.write(f"{exc}\n")
                return 1
            stream = out if outcome.ok else err
            stream.write(f"{outcome.message}\n")
            if not outcome.ok:
                code = 1
    finally:
        client.close()
    return code
