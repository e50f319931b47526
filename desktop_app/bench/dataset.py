"""The benchmark data set, written straight into the server's storage.

20 code locations; the largest has 5,000 assets and 2,000 loads, each load
changing about 1% of the assets with every change type represented, plus
failed loads and identical redeploys. Writing storage directly (through the
server's own `load_location`) keeps generation to a few minutes; everything
measured afterwards goes through the real server, client and cache.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from desktop_app.core.assets import (
    AssetDefinition,
    MetadataValue,
    PartitionDimension,
    PartitionsDefinition,
)
from desktop_app.core.loads import LoadAction
from desktop_app.server.loading import load_location
from desktop_app.server.manifest import ImageContent, python_error
from desktop_app.server.storage import Storage

LARGEST = "largest"
REGIONS = PartitionsDefinition(
    "STATIC", "eu, us", dimensions=(PartitionDimension("default", "STATIC", "eu, us"),)
)
DAILY = PartitionsDefinition(
    "TIME_WINDOW",
    "Daily, starting 2024-01-01 UTC.",
    dimensions=(PartitionDimension("default", "TIME_WINDOW", "Daily"),),
)


@dataclass(frozen=True)
class Shape:
    name: str
    assets: int
    loads: int


def shapes(quick: bool = False, scale: int = 1) -> list[Shape]:
    """The locations; `scale` multiplies every location's assets (not its
    loads), so `--scale 4` puts 20,000 assets in the largest."""
    if quick:
        return [Shape(LARGEST, 500 * scale, 200)] + [
            Shape(f"location_{n:02d}", 50 * scale, 20) for n in range(19)
        ]
    return [Shape(LARGEST, 5000 * scale, 2000)] + [
        Shape(f"location_{n:02d}", 200 * scale, 60) for n in range(19)
    ]


def _asset(rng: random.Random, location: str, index: int) -> AssetDefinition:
    group = ("raw", "staging", "marts", "reports")[index % 4]
    return AssetDefinition(
        key=(location, group, f"asset_{index:05d}"),
        code_version="1",
        tags={"team": rng.choice(["ingest", "analytics", "ml"]), "tier": "gold"},
        metadata={
            "rows": MetadataValue("Int", rng.randrange(10**10)),
            "owner_note": MetadataValue("Text", f"asset {index} of {location}"),
            "sla_hours": MetadataValue("Float", float(rng.randrange(1, 48))),
            "schema": MetadataValue("Json", {"columns": rng.randrange(3, 40)}),
        },
        dependencies=(
            frozenset(
                {
                    (
                        location,
                        ("raw", "staging", "marts", "reports")[(index - 1) % 4],
                        f"asset_{index - 1:05d}",
                    )
                }
            )
            if index
            else frozenset()
        ),
        partitions=REGIONS if index % 7 == 0 else None,
    )


def _mutate(rng: random.Random, asset: AssetDefinition, n: int) -> AssetDefinition:
    kind = rng.randrange(5)
    if kind == 0:
        return replace(asset, code_version=str(int(asset.code_version or "0") + 1))
    if kind == 1:
        return replace(asset, tags={**asset.tags, "tier": rng.choice(["gold", "silver", f"t{n}"])})
    if kind == 2:
        return replace(asset, metadata={**asset.metadata, "rows": MetadataValue("Int", n * 7)})
    if kind == 3:
        extra = (asset.key[0], "raw", f"asset_{rng.randrange(100):05d}")
        deps = asset.dependencies ^ {extra}
        return replace(asset, dependencies=frozenset(deps))
    return replace(asset, partitions=None if asset.partitions else DAILY)


def build_location(storage: Storage, shape: Shape, seed: int, start: float) -> None:
    """Write `shape.loads` loads, each changing about 1% of the assets."""
    rng = random.Random(seed)
    current = {i: _asset(rng, shape.name, i) for i in range(shape.assets)}
    hashes = {i: a.content_hash() for i, a in current.items()}
    next_index = shape.assets
    per_load = max(1, shape.assets // 100)
    document: dict[str, object] = {}
    for n in range(shape.loads):
        at = start + n * 1800.0
        roll = rng.random()
        action = LoadAction.DEPLOY
        content: ImageContent
        if n and roll < 0.03:  # identical redeploy: same document, same code
            action = LoadAction.RELOAD
        else:
            commit = f"{seed:04x}{n:036x}"
            document = {
                "location_name": shape.name,
                "code_source": {"package_name": shape.name},
                "image": f"registry.example.com/{shape.name}:{commit[:12]}",
                "git": {
                    "commit_hash": commit,
                    "url": f"https://github.com/acme/{shape.name}/tree/{commit}",
                },
            }
        if n and 0.03 <= roll < 0.05:  # a failed load
            content = ImageContent(
                ref=str(document["image"]),
                error=python_error(
                    f"ModuleNotFoundError: No module named '{shape.name}_helpers'",
                    "DagsterUserCodeLoadError",
                    ['  File "definitions.py", line 3, in <module>\n'],
                ),
            )
        else:
            if n and roll >= 0.05:
                for i in rng.sample(sorted(current), per_load):
                    current[i] = _mutate(rng, current[i], n)
                    hashes[i] = current[i].content_hash()
                if rng.random() < 0.05:
                    current[next_index] = _asset(rng, shape.name, next_index)
                    hashes[next_index] = current[next_index].content_hash()
                    next_index += 1
                if rng.random() < 0.05 and len(current) > 1:
                    gone = rng.choice(sorted(current))
                    del current[gone], hashes[gone]
            order = sorted(current)
            content = ImageContent(
                ref=str(document["image"]),
                assets=tuple(current[i] for i in order),
                hashes=tuple(hashes[i] for i in order),
            )
        load_location(
            storage,
            document,
            initiated_by="bench@example.com",
            action=action,
            triggered_at=at - 60,
            uploaded_at=at,
            content=content,
        )


def build(storage: Storage, quick: bool = False, scale: int = 1) -> dict[str, float]:
    """Write the whole data set; returns how long it took."""
    began = time.perf_counter()
    loads = max(s.loads for s in shapes(quick, scale))
    start = time.time() - loads * 1800.0 - 3600.0
    for seed, shape in enumerate(shapes(quick, scale), start=1):
        build_location(storage, shape, seed, start)
    return {"build_seconds": round(time.perf_counter() - began, 1)}
