"""Write the demo data set (`desktop_app/server/data/demo/*.json`) deterministically.

    python -m desktop_app.server.demo_data [FOLDER]

Four code locations, each with 18-34 loads over eight weeks: new commits
that change asset definitions in every tracked way, identical redeploys,
reloads, failed loads (an import error, an unregistered image) and a
rollback. Two locations live on GitHub, two on a self-hosted GitLab.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAY = 86400.0
SPAN_DAYS = 56

EDITORS = ("editor@example.com", "admin@example.com", "org-admin@example.com")
TEAMS = ("analytics", "growth", "ml-platform", "data-eng", "finance")
TIERS = ("gold", "silver", "bronze")

DAILY = {
    "type": "TIME_WINDOW",
    "description": "Daily, starting 2024-01-01 UTC.",
    "fmt": "%Y-%m-%d",
    "name": None,
    "dimensions": [
        {"name": "default", "type": "TIME_WINDOW", "description": "", "dynamic_name": None}
    ],
}
HOURLY = {
    "type": "TIME_WINDOW",
    "description": "Hourly, starting 2024-06-01-00:00 UTC.",
    "fmt": "%Y-%m-%d-%H:%M",
    "name": None,
    "dimensions": [
        {"name": "default", "type": "TIME_WINDOW", "description": "", "dynamic_name": None}
    ],
}
REGIONS = {
    "type": "STATIC",
    "description": "'us', 'eu', 'apac'",
    "fmt": None,
    "name": None,
    "dimensions": [{"name": "default", "type": "STATIC", "description": "", "dynamic_name": None}],
}
REGIONS_LATAM = {**REGIONS, "description": "'us', 'eu', 'apac', 'latam'"}
CUSTOMERS = {
    "type": "DYNAMIC",
    "description": "Dynamic partitions: 'customers'",
    "fmt": None,
    "name": "customers",
    "dimensions": [
        {"name": "default", "type": "DYNAMIC", "description": "", "dynamic_name": "customers"}
    ],
}
DATE_REGION = {
    "type": "MULTIPARTITIONED",
    "description": "Multi-partitioned, with dimensions: \nDate: Daily, starting 2024-06-01 UTC. "
    "\nRegion: 'us', 'eu', 'apac'",
    "fmt": None,
    "name": None,
    "dimensions": [
        {
            "name": "date",
            "type": "TIME_WINDOW",
            "description": "Daily, starting 2024-06-01 UTC.",
            "dynamic_name": None,
        },
        {
            "name": "region",
            "type": "STATIC",
            "description": "'us', 'eu', 'apac'",
            "dynamic_name": None,
        },
    ],
}
PARTITIONS = (None, DAILY, HOURLY, REGIONS, CUSTOMERS, DATE_REGION)


@dataclass(frozen=True)
class Repo:
    location: str
    provider: str  # github | gitlab
    owner: str
    name: str
    registry: str
    code_source: tuple[str, str]
    prefixes: tuple[str, ...]
    loads: int

    def commit_url(self, sha: str) -> str:
        if self.provider == "github":
            return f"https://github.com/{self.owner}/{self.name}/tree/{sha}"
        return f"https://git.example-corp.com/{self.owner}/{self.name}/-/tree/{sha}"


REPOS = (
    Repo(
        "analytics_core",
        "github",
        "acme-data",
        "analytics-core",
        "ghcr.io/acme-data/analytics-core",
        ("package_name", "analytics_core"),
        ("analytics", "finance", "reporting"),
        32,
    ),
    Repo(
        "ml_features",
        "gitlab",
        "ml-platform",
        "ml-features",
        "registry.example-corp.com/ml-platform/ml-features",
        ("module_name", "ml_features.defs"),
        ("features", "training", "scoring"),
        26,
    ),
    Repo(
        "marketing_attribution",
        "github",
        "acme-data",
        "marketing-attribution",
        "ghcr.io/acme-data/marketing-attribution",
        ("python_file", "marketing_attribution/definitions.py"),
        ("marketing", "attribution", "campaigns"),
        19,
    ),
    Repo(
        "ingest_raw",
        "gitlab",
        "data-eng",
        "ingest",
        "registry.example-corp.com/data-eng/ingest",
        ("package_name", "ingest_raw"),
        ("raw", "staging", "landing"),
        36,
    ),
)

NOUNS = (
    "orders",
    "customers",
    "sessions",
    "events",
    "payments",
    "refunds",
    "invoices",
    "products",
    "inventory",
    "shipments",
    "subscriptions",
    "clicks",
    "impressions",
    "signups",
    "churn",
    "ledger",
    "accounts",
    "campaigns",
    "touchpoints",
    "embeddings",
)
SUFFIXES = ("", "_daily", "_enriched", "_clean", "_summary", "_snapshot")


def _metadata(rng: random.Random, prefix: str, noun: str) -> dict[str, Any]:
    """A few typed metadata entries; across the data set every kind appears."""
    entries: dict[str, Any] = {
        "owner_note": {"kind": "Text", "value": f"{noun} for the {prefix} team"},
        "row_count_estimate": {"kind": "Int", "value": rng.randrange(1_000, 50_000_000)},
    }
    extra = rng.sample(
        ["Float", "Bool", "Json", "Url", "Path", "Markdown", "Null", "Timestamp", "BigInt"], 3
    )
    for kind in extra:
        if kind == "Float":
            entries["freshness_sla_hours"] = {
                "kind": "Float",
                "value": rng.choice([0.5, 6.0, 24.0]),
            }
        elif kind == "Bool":
            entries["contains_pii"] = {"kind": "Bool", "value": rng.random() < 0.3}
        elif kind == "Json":
            entries["schema_hint"] = {
                "kind": "Json",
                "value": {"primary_key": f"{noun}_id", "columns": rng.randrange(5, 40)},
            }
        elif kind == "Url":
            entries["dashboard"] = {
                "kind": "Url",
                "value": f"https://bi.example.com/dashboards/{prefix}-{noun}",
            }
        elif kind == "Path":
            entries["storage_path"] = {"kind": "Path", "value": f"s3://lake/{prefix}/{noun}/"}
        elif kind == "Markdown":
            entries["runbook"] = {
                "kind": "Markdown",
                "value": f"# {noun}\nRebuild with `dagster asset materialize -s {noun}`.",
            }
        elif kind == "Null":
            entries["deprecated_by"] = {"kind": "Null", "value": None}
        elif kind == "Timestamp":
            entries["backfilled_at"] = {"kind": "Timestamp", "value": 1_717_200_000.0}
        else:
            entries["bytes_total"] = {"kind": "Int", "value": rng.randrange(2**33, 2**40)}
    return entries


def _initial_assets(rng: random.Random, repo: Repo) -> dict[str, dict[str, Any]]:
    assets: dict[str, dict[str, Any]] = {}
    count = rng.randrange(22, 34)
    keys: list[list[str]] = []
    while len(keys) < count:
        prefix = rng.choice(repo.prefixes)
        noun = rng.choice(NOUNS)
        key = [prefix, noun + rng.choice(SUFFIXES)]
        if key not in keys:
            keys.append(key)
    for index, key in enumerate(keys):
        upstream = keys[:index]
        deps = sorted(rng.sample(upstream, min(len(upstream), rng.randrange(0, 3))))
        assets["/".join(key)] = {
            "key": key,
            "code_version": "v1",
            "description": f"{key[1].replace('_', ' ').capitalize()} ({key[0]}).",
            "tags": {"team": rng.choice(TEAMS), "tier": rng.choice(TIERS)},
            "metadata": _metadata(rng, key[0], key[1]),
            "dependencies": deps,
            "partitions": rng.choice(PARTITIONS),
        }
    return assets


def _mutate(rng: random.Random, assets: dict[str, dict[str, Any]], kind: str, repo: Repo) -> None:
    names = sorted(assets)
    asset = assets[rng.choice(names)]
    if kind == "CODE_VERSION":
        for name in rng.sample(names, min(len(names), rng.randrange(1, 4))):
            current = assets[name]["code_version"] or "v0"
            assets[name]["code_version"] = f"v{int(current[1:]) + 1}"
    elif kind == "TAGS":
        asset["tags"] = {
            **asset["tags"],
            "tier": rng.choice([t for t in TIERS if t != asset["tags"].get("tier")]),
        }
        if rng.random() < 0.4:
            asset["tags"]["sla"] = rng.choice(["hourly", "daily"])
    elif kind == "METADATA":
        meta = dict(asset["metadata"])
        meta["row_count_estimate"] = {"kind": "Int", "value": rng.randrange(1_000, 90_000_000)}
        if "contains_pii" in meta and rng.random() < 0.5:
            del meta["contains_pii"]
        else:
            meta["reviewed"] = {"kind": "Bool", "value": True}
        asset["metadata"] = meta
    elif kind == "DEPENDENCIES":
        others = [assets[n]["key"] for n in names if assets[n] is not asset]
        deps = [d for d in asset["dependencies"] if d in others]
        if deps and rng.random() < 0.4:
            deps.pop(rng.randrange(len(deps)))
        else:
            candidate = rng.choice(others)
            if candidate not in deps:
                deps.append(candidate)
        asset["dependencies"] = sorted(deps)
    elif kind == "PARTITIONS_DEFINITION":
        choices = [
            p
            for p in (DAILY, HOURLY, REGIONS, REGIONS_LATAM, DATE_REGION)
            if p != asset["partitions"]
        ]
        asset["partitions"] = rng.choice(choices)
    elif kind == "NEW":
        prefix = rng.choice(repo.prefixes)
        key = [prefix, rng.choice(NOUNS) + rng.choice(("_v2", "_features", "_rollup", "_audit"))]
        name = "/".join(key)
        if name not in assets:
            assets[name] = {
                "key": key,
                "code_version": "v1",
                "description": None,
                "tags": {"team": rng.choice(TEAMS), "tier": "bronze"},
                "metadata": _metadata(rng, prefix, key[1]),
                "dependencies": [asset["key"]],
                "partitions": None,
            }
    elif kind == "REMOVED":
        victim = rng.choice(names)
        del assets[victim]
        for other in assets.values():
            other["dependencies"] = [d for d in other["dependencies"] if "/".join(d) != victim]
    elif kind == "DESCRIPTION":
        asset["description"] = (asset["description"] or "") + " Updated docs."


CHANGE_KINDS = (
    "CODE_VERSION",
    "TAGS",
    "METADATA",
    "DEPENDENCIES",
    "PARTITIONS_DEFINITION",
    "NEW",
    "REMOVED",
    "DESCRIPTION",
)


def _import_error(module: str) -> dict[str, Any]:
    """What a failing image raises on load: a missing dependency."""
    path = module.replace(".", "/")
    return {
        "message": "dagster._core.errors.DagsterImportError: Encountered ImportError: "
        f"`No module named 'polars'` while importing module {module}.\n",
        "className": "DagsterImportError",
        "stack": [
            '  File "/venv/lib/python3.11/site-packages/dagster/_core/code_pointer.py", '
            "line 135, in load_python_module\n    return importlib.import_module(module_name)\n",
            f'  File "/opt/dagster/app/{path}", line 3, in <module>\n    import polars as pl\n',
        ],
    }


def _document(repo: Repo, sha: str, image: str) -> dict[str, Any]:
    kind, value = repo.code_source
    return {
        "location_name": repo.location,
        "code_source": {kind: value},
        "working_directory": "/opt/dagster/app",
        "image": image,
        "git": {
            "commit_hash": sha,
            "url": repo.commit_url(sha),
            "provider": repo.provider,
            "repo_owner": repo.owner,
            "repo_name": repo.name,
            "base_branch": "main",
        },
    }


def build(seed: int = 20240601) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(images by ref, history events sorted oldest first)."""
    images: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    for repo_index, repo in enumerate(REPOS):
        rng = random.Random(seed + repo_index)
        assets = _initial_assets(rng, repo)
        ages = sorted(
            (rng.uniform(2 * 3600, (SPAN_DAYS - 1) * DAY) for _ in range(repo.loads - 1)),
            reverse=True,
        )
        ages.insert(0, SPAN_DAYS * DAY - rng.uniform(0, 3600))
        # Which event becomes what: a failure, a rollback after it, some
        # identical redeploys and reloads, otherwise a new commit.
        plan = ["commit"] * repo.loads
        plan[rng.randrange(4, repo.loads // 2)] = "fail"
        rollback_at = rng.randrange(repo.loads // 2 + 2, repo.loads - 2)
        plan[rollback_at - 1] = "commit"
        plan[rollback_at] = "rollback"
        for _ in range(max(2, repo.loads // 7)):
            slot = rng.randrange(1, repo.loads)
            if (
                plan[slot] == "commit"
                and plan[slot - 1] == "commit"
                and slot not in (rollback_at - 1,)
            ):
                plan[slot] = rng.choice(["redeploy", "reload"])
        if repo.location == "ingest_raw":
            plan[5] = "unknown_image"
        plan[0] = "commit"
        good_docs: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        kinds = list(CHANGE_KINDS)
        for index, (age, step) in enumerate(zip(ages, plan, strict=True)):
            user = rng.choice(EDITORS)
            action = "deploy"
            if step in ("redeploy", "reload") and current is not None:
                document = current
                action = "deploy" if step == "redeploy" else "reload"
            elif step == "rollback" and len(good_docs) >= 3:
                document = good_docs[-3]
                current = document
            else:
                sha = hashlib.sha1(f"{repo.location}:{index}".encode()).hexdigest()
                image = f"{repo.registry}:{sha[:12]}"
                if step == "fail":
                    module = repo.code_source[1]
                    images[image] = {"error": _import_error(module)}
                elif step == "unknown_image":
                    image = f"{repo.registry}:{sha[:12]}-typo"
                else:
                    if index > 0:
                        for _ in range(rng.randrange(1, 4)):
                            _mutate(rng, assets, kinds[(index + _) % len(kinds)], repo)
                    images[image] = {
                        "assets": [copy.deepcopy(a) for _, a in sorted(assets.items())]
                    }
                document = _document(repo, sha, image)
                if step == "commit":
                    good_docs.append(document)
                    current = document
            events.append(
                {
                    "age_seconds": round(age, 3),
                    "build_seconds": round(rng.uniform(40, 420), 3),
                    "user": user,
                    "action": action,
                    "document": document,
                }
            )
    events.sort(key=lambda e: -e["age_seconds"])
    return images, events


def write(folder: Path) -> None:
    images, events = build()
    folder.mkdir(parents=True, exist_ok=True)
    # Images share most definitions: store each distinct one once and let
    # images list indexes into `assets` (demo.read_demo expands them).
    assets: list[Any] = []
    index: dict[str, int] = {}
    packed: dict[str, Any] = {}
    for ref, manifest in sorted(images.items()):
        if "error" in manifest:
            packed[ref] = manifest
            continue
        ids = []
        for asset in manifest["assets"]:
            text = json.dumps(asset, sort_keys=True)
            if text not in index:
                index[text] = len(assets)
                assets.append(asset)
            ids.append(index[text])
        packed[ref] = {"assets": ids}
    lines = ['{"assets": [']
    lines += [
        json.dumps(a, sort_keys=True) + ("," if i < len(assets) - 1 else "")
        for i, a in enumerate(assets)
    ]
    lines += ['], "images": {']
    refs = sorted(packed)
    lines += [
        json.dumps(r)
        + ": "
        + json.dumps(packed[r], sort_keys=True)
        + ("," if i < len(refs) - 1 else "")
        for i, r in enumerate(refs)
    ]
    lines += ["}}"]
    (folder / "images.json").write_text("\n".join(lines) + "\n", "utf-8")
    (folder / "history.json").write_text(json.dumps(events, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "data" / "demo"
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
