"""`desktop-app diff LOCATION --from WHEN --to WHEN [--json]`: the net asset
changes between two versions of a code location, headless.

WHEN is a `loaded_at` exactly as `history --json` prints it, a commit SHA
prefix (the newest load of that commit), or `current` (the version running
now: the newest load that succeeded). Like `history`, it syncs the local
cache once (falling back to what is cached when the server cannot be
reached) and reads both versions from it.

`main(argv)` parses the arguments after `diff` and runs it; the command
line (`desktop_app.cli`) lists it among its commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from desktop_app.api.client import DeploymentClient
from desktop_app.api.errors import ApiError
from desktop_app.cache.compare import compare, current_load, with_all_details
from desktop_app.cache.store import CacheBusy, HistoryCache
from desktop_app.core.compare import Comparison, detail_lines
from desktop_app.core.export import iso, load_record
from desktop_app.core.links import compare_url, short_sha
from desktop_app.core.loads import LocationLoad
from desktop_app.core.untrusted import printable
from desktop_app.sync.engine import run_once

CURRENT = "current"


class UnknownVersionError(LookupError):
    """A WHEN that names no load of the location."""


def build_parser() -> argparse.ArgumentParser:
    from desktop_app.headless import connection_args

    parser = argparse.ArgumentParser(
        prog="desktop-app diff",
        description="Print the net asset changes between two versions of a code location."
        " WHEN is a loaded_at as `desktop-app history --json` prints it, a commit SHA"
        " prefix (the newest load of that commit), or 'current'.",
    )
    parser.add_argument("location")
    parser.add_argument("--from", dest="from_when", required=True, metavar="WHEN")
    parser.add_argument("--to", dest="to_when", required=True, metavar="WHEN")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    connection_args(parser)
    parser.add_argument("--cache-dir", type=Path, help="where the cache file lives")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return run(args)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from desktop_app.headless import settings_from

    out = out or sys.stdout
    err = err or sys.stderr
    settings = settings_from(args)
    try:
        settings.graphql_url()
    except ValueError as exc:
        err.write(f"desktop-app diff: {exc}\n")
        return 2
    from desktop_app.headless import open_cache

    client = DeploymentClient(settings)
    cache = open_cache(client, args.cache_dir, err)
    if cache is None:
        return 1
    try:
        try:
            run_once(client, cache)
        except ApiError as exc:
            err.write(f"Sync failed: {printable(str(exc))}\nUsing the cached history.\n")
        except CacheBusy as exc:
            err.write(f"{exc}\nUsing the cached history.\n")
        if cache.history_count(args.location) == 0:
            err.write(f"No history of {args.location!r} to compare.\n")
            return 1
        try:
            old = resolve(cache, args.location, args.from_when)
            new = resolve(cache, args.location, args.to_when)
        except UnknownVersionError as exc:
            err.write(f"{exc}\n")
            return 1
        comparison = with_all_details(cache, compare(cache, old, new))
        if args.json:
            json.dump(diff_json(comparison), out, indent=2)
            out.write("\n")
        else:
            out.write(diff_text(comparison))
    finally:
        cache.close()
        client.close()
    return 0


def resolve(cache: HistoryCache, location: str, when: str) -> LocationLoad:
    """The load a WHEN names (see the module docstring)."""
    text = when.strip()
    if text.lower() == CURRENT:
        found = current_load(cache, location)
        if found is None:
            raise UnknownVersionError(f"{location} has no load yet.")
        return found
    loads = cache.history(location)
    at = _timestamp(text)
    if at is not None:
        for load in loads:
            if iso(load.loaded_at) == text or abs(load.loaded_at - at) < 5e-7:
                return load
        raise UnknownVersionError(
            f"{location} has no load at {text}; use a loaded_at printed by"
            f" `desktop-app history {location} --json`, a commit SHA prefix or {CURRENT!r}."
        )
    prefix = text.lower()
    if len(prefix) >= 4 and all(c in "0123456789abcdef" for c in prefix):
        matching = [ld for ld in loads if (ld.deploy.commit_hash or "").lower().startswith(prefix)]
        commits = {ld.deploy.commit_hash for ld in matching}
        if len(commits) > 1:
            listed = ", ".join(sorted(short_sha(c) for c in commits if c))
            raise UnknownVersionError(f"{text!r} is the start of several commits ({listed}).")
        if matching:
            return matching[0]  # history is newest first
        raise UnknownVersionError(
            f"No load of {location} deployed a commit starting with {text!r}."
        )
    raise UnknownVersionError(
        f"{text!r} is neither a loaded_at (as `history --json` prints it),"
        f" a commit SHA prefix (4+ hex digits) nor {CURRENT!r}."
    )


def _timestamp(text: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 time with a zone, or a number."""
    try:
        return float(text)
    except ValueError:
        pass
    if "T" not in text and " " not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def diff_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "from": load_record(comparison.old),
        "to": load_record(comparison.new),
        **comparison.assets_json(),
        "compare_url": compare_url(comparison.old.deploy, comparison.new.deploy),
    }


def diff_text(comparison: Comparison) -> str:
    lines = []
    for side, load in (("from", comparison.old), ("to", comparison.new)):
        deploy = load.deploy
        lines.append(
            f"{side:4} {iso(load.loaded_at)}  {load.status}  "
            f"{short_sha(deploy.commit_hash) or '-'}  {deploy.image or '-'}"
        )
    url = compare_url(comparison.old.deploy, comparison.new.deploy)
    if url:
        lines.append(f"commits: {url}")
    if not comparison.changes:
        lines.append("No asset changes.")
    for change in comparison.added:
        lines.append(f"+ {'/'.join(change.key)}")
    for change in comparison.removed:
        lines.append(f"- {'/'.join(change.key)}")
    for change in comparison.changed:
        types = " ".join(str(t) for t in change.change_types) or "details not recorded"
        lines.append(f"~ {'/'.join(change.key)}  ({types})")
        for field, old, new in detail_lines(change):
            lines.append(f"    {field}: {old} -> {new}")
    # Keys, images, values and URLs are the server's: no control characters
    # reach the terminal.
    return "\n".join(printable(line) for line in lines) + "\n"
