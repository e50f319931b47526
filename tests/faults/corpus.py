"""A seeded corpus of damaged answers, made from real ones.

`record` runs a sync against the bundled server through a recording
proxy; `cases(seed, n)` derives `n` damaged variants of that recording,
each damaging one answer in one way: type-level (a field replaced by a
value of another type or an impossible value) or structural (a key
dropped, a list entry repeated, the body truncated, nested deep, not JSON,
an HTTP error). `Replayer` serves a recording, with one case applied, as a
fake GraphQL server on loopback.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.api.badserver import Reply, ScriptedServer, forward_to

JSON = {"Content-Type": "application/json"}

Recording = list[tuple[bytes, int, bytes]]
"""(request body, status, response body) in the order they were sent."""


def record(url: str) -> tuple[ScriptedServer, Recording]:
    """A proxy in front of `url` that records every exchange."""
    forward = forward_to(url)
    log: Recording = []

    def answer(headers: dict[str, str], body: bytes) -> Reply:
        reply = forward(headers, body)
        log.append((body, reply.status, reply.body))
        return reply

    return ScriptedServer([answer]), log


# -- damage ---------------------------------------------------------------------------------
TYPE_SWAPS: list[tuple[str, Any]] = [
    ("int", 7),
    ("string", "oops"),
    ("list", [1, "a"]),
    ("object", {"x": 1}),
    ("null", None),
    ("bool", True),
    ("huge", 1e308),
    ("negative", -1),
    ("big int", 10**30),
    ("empty list", []),
    ("empty object", {}),
    ("control text", "evil\x1b[31m\u202e\x00name"),
]
TIME_KEYS = {
    "updateTimestamp",
    "updatedTimestamp",
    "codeLocationDataUploadTimestamp",
    "codeLocationUpdateTriggerTimestamp",
}
TIME_VALUES: list[tuple[str, Any]] = [
    ("1e308", 1e308),
    ("-5", -5),
    ("year 5000", 95_617_584_000.0),
    ("string", "yesterday"),
    ("1e400", "__1e400__"),  # becomes inf when decoded
]
STRUCTURAL = [
    "drop key",
    "repeat entry",
    "truncate",
    "not json",
    "deep nesting",
    "http 500",
    "http 404",
    "empty body",
    "data is list",
    "errors",
    "nan",
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):  # the first few entries are enough
            yield from _paths(value, (*path, i))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@dataclass(frozen=True)
class Case:
    """Damage answer number `index` of a recording, in one way."""

    id: str
    index: int
    kind: str
    path: tuple[Any, ...] = ()
    value: Any = None

    def apply(self, status: int, body: bytes) -> Reply:
        if self.kind == "http 500":
            return Reply(500, b"<html>boom</html>")
        if self.kind == "http 404":
            return Reply(404, b"not here")
        if self.kind == "empty body":
            return Reply(200, b"", JSON)
        if self.kind == "truncate":
            return Reply(status, body[: max(1, len(body) // 2)], JSON)
        if self.kind == "not json":
            return Reply(status, b"<html>gateway</html>", JSON)
        if self.kind == "nan":
            return Reply(status, body.replace(b"}", b', "n": NaN}', 1), JSON)
        payload = json.loads(body)
        if self.kind == "data is list":
            payload["data"] = [payload.get("data")]
        elif self.kind == "errors":
            payload["errors"] = [{"message": "something broke"}]
        elif self.kind == "deep nesting":
            payload["data"]["deep"] = "__DEEP__"
        else:
            payload = copy.deepcopy(payload)
            parent = _get(payload, self.path[:-1])
            last = self.path[-1]
            if self.kind == "drop key":
                del parent[last]
            elif self.kind == "repeat entry":
                parent.append(copy.deepcopy(parent[last]))
            else:
                parent[last] = self.value
        text = json.dumps(payload)
        text = text.replace('"__1e400__"', "1e400")
        text = text.replace('"__DEEP__"', "[" * 100_000 + "]" * 100_000)
        return Reply(status, text.encode(), JSON)


def cases(recording: Recording, seed: int, count: int, prefix: str) -> list[Case]:
    """`count` damaged variants of `recording`, the same ones for the same seed."""
    rng = random.Random(seed)
    usable = [i for i, (_req, status, body) in enumerate(recording) if status == 200 and body]
    paths: dict[int, list[tuple[Any, ...]]] = {}
    for i in usable:
        data = json.loads(recording[i][2])
        paths[i] = [("data", *p) for p in _paths(data.get("data")) if p]
    by_op: dict[str, list[int]] = {}
    for i in usable:
        by_op.setdefault(operation(recording[i][0]), []).append(i)
    ops = sorted(by_op)
    out: list[Case] = []
    for n in range(count):
        op = rng.choice(ops)  # every kind of answer, however often it is asked for
        index = rng.choice(by_op[op])
        roll = rng.random()
        if roll < 0.15:
            kind = rng.choice(STRUCTURAL)
            if kind in ("drop key", "repeat entry"):
                pick = _structural_path(rng, recording[index][2], paths[index], kind)
                if pick is None:
                    kind = "truncate"
                else:
                    out.append(Case(f"{prefix}{n}-{op}-{kind}-{_name(pick)}", index, kind, pick))
                    continue
            out.append(Case(f"{prefix}{n}-{op}-{kind}", index, kind))
            continue
        candidates = paths[index]
        times = [p for p in candidates if p[-1] in TIME_KEYS]
        if roll < 0.35 and times:
            path = rng.choice(times)
            label, value = rng.choice(TIME_VALUES)
        elif roll < 0.55:
            path = rng.choice(candidates)
            kind = rng.choice(["drop key", "repeat entry"])
            pick = _structural_path(rng, recording[index][2], candidates, kind)
            if pick is not None:
                out.append(Case(f"{prefix}{n}-{op}-{kind}-{_name(pick)}", index, kind, pick))
                continue
            label, value = rng.choice(TYPE_SWAPS)
        else:
            path = rng.choice(candidates)
            label, value = rng.choice(TYPE_SWAPS)
        out.append(Case(f"{prefix}{n}-{op}-{label}-{_name(path)}", index, "set", path, value))
    return out


def operation(request: bytes) -> str:
    """The operation name of a recorded request ("LocationStatuses")."""
    query = str(json.loads(request).get("query", ""))
    head = query.split("{", 1)[0].split("(", 1)[0].split()
    return head[1] if len(head) > 1 else "anonymous"


def _structural_path(
    rng: random.Random, body: bytes, candidates: list[tuple[Any, ...]], kind: str
) -> tuple[Any, ...] | None:
    payload = json.loads(body)
    if kind == "drop key":
        keyed = [p for p in candidates if isinstance(p[-1], str)]
        return rng.choice(keyed) if keyed else None
    listed = [p for p in candidates if isinstance(p[-1], int)]
    if not listed:
        return None
    path = rng.choice(listed)
    _get(payload, path[:-1])  # exists
    return path


def _name(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path[-3:])


Override = Callable[[int, dict[str, Any], Reply | None], Reply | None]
"""(request number, request JSON, recorded reply or None) -> a reply to
send instead, or None to send the recorded one."""


class Replayer:
    """A fake GraphQL server answering from a recording (by request body),
    with one case applied to the answer it names, or an `override` deciding
    any answer. A request the recording lacks gets HTTP 500."""

    def __init__(
        self, recording: Recording, case: Case | None = None, override: Override | None = None
    ) -> None:
        self.by_body = {req: (i, status, body) for i, (req, status, body) in enumerate(recording)}
        self.case = case
        self.override = override
        self.count = 0
        self.server = ScriptedServer([self._answer])

    def _answer(self, headers: dict[str, str], body: bytes) -> Reply:
        number = self.count
        self.count += 1
        if self.override is not None:
            found = self.by_body.get(body)
            recorded = Reply(found[1], found[2], JSON) if found else None
            reply = self.override(number, json.loads(body), recorded)
            if reply is not None:
                return reply
        return self._recorded(headers, body)

    def _recorded(self, _headers: dict[str, str], body: bytes) -> Reply:
        found = self.by_body.get(body)
        if found is None:
            return Reply(500, b"not recorded")
        index, status, answer = found
        if self.case is not None and self.case.index == index:
            return self.case.apply(status, answer)
        return Reply(status, answer, JSON)

    def __enter__(self) -> str:
        return self.server.start()

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
