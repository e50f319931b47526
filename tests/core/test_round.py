"""The round result is plain data: it pickles and survives JSON."""

from __future__ import annotations

import json
import pickle

from desktop_app.core.loads import DeployInfo, LocationSummary
from desktop_app.core.roles import Role
from desktop_app.core.round import EventKind, RoundEvent, RoundResult
from desktop_app.core.session import Capabilities, Viewer

RESULT = RoundResult(
    viewer=Viewer("a@example.com", Role.VIEWER, {"loc": Role.EDITOR}),
    capabilities=Capabilities(history_api=True, identity=True, deploy=True),
    locations=(
        LocationSummary(
            "loc", "ERROR", 1.5, DeployInfo(image="img:1", commit_hash="abc"), 3, "boom", "k"
        ),
        LocationSummary("other", "LOADED", None),
    ),
    synced_at=1700000000.25,
    changed_locations=("loc",),
    events=(
        RoundEvent(EventKind.FAILED, "loc", 1.5, "a@example.com", "ImportError: x"),
        RoundEvent(EventKind.ROLLED_BACK, "other", 2.0, None, "1.0"),
    ),
    new_loads=2,
    requests=3,
)


def test_pickles() -> None:
    assert pickle.loads(pickle.dumps(RESULT)) == RESULT


def test_round_trips_through_json() -> None:
    assert RoundResult.from_dict(json.loads(json.dumps(RESULT.to_dict()))) == RESULT


def test_names_by_event_kind() -> None:
    assert RESULT.newly_failed == ("loc",)
    assert RESULT.rolled_back == ("other",)
    assert RESULT.recovered == ()
    assert RESULT.failing == ("loc",)
    assert RESULT.events[0].message == "loc failed to load: ImportError: x"
    assert RESULT.events[1].message == "other was rolled back."
