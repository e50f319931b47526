from __future__ import annotations

import random

import pytest

from desktop_app.core.backoff import Backoff
from desktop_app.core.loads import LoadStatus, LocationLoad, collapse, is_running_version
from desktop_app.core.roles import Role, effective_role, role_from_permissions, rollback_allowed
from desktop_app.core.session import Viewer


def _load(ts: float, image: str, status: LoadStatus = LoadStatus.LOADED) -> LocationLoad:
    return LocationLoad("loc", ts, status, document={"location_name": "loc", "image": image})


def test_a_location_grant_only_raises_the_role() -> None:
    grants = {"ml": Role.ADMIN, "raw": Role.VIEWER}
    assert effective_role(Role.EDITOR, grants, "ml") is Role.ADMIN
    assert effective_role(Role.EDITOR, grants, "raw") is Role.EDITOR
    assert effective_role(Role.EDITOR, grants, "other") is Role.EDITOR
    assert Viewer("v@x", Role.VIEWER, {"ml": Role.EDITOR}).role_on("ml") is Role.EDITOR


@pytest.mark.parametrize("text", ["org-admin", "Organization Admin", "ORGANIZATION_ADMIN"])
def test_role_parse_accepts_every_spelling(text: str) -> None:
    assert Role.parse(text) is Role.ORGANIZATION_ADMIN


def test_role_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        Role.parse("owner")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, False),
        (Role.LAUNCHER, False),
        (Role.EDITOR, True),
        (Role.ADMIN, True),
        (Role.ORGANIZATION_ADMIN, True),
    ],
)
def test_rollback_needs_editor_or_above(role: Role, allowed: bool) -> None:
    decision = rollback_allowed(
        role=role, server_can_deploy=True, is_running_version=False, load_failed=False
    )
    assert decision.allowed is allowed
    if not allowed:
        assert role.label in decision.reason


def test_rollback_refusals_say_why() -> None:
    base = {"role": Role.ADMIN, "server_can_deploy": True}
    running = rollback_allowed(**base, is_running_version=True, load_failed=False)
    failed = rollback_allowed(**base, is_running_version=False, load_failed=True)
    oss = rollback_allowed(
        role=Role.ADMIN, server_can_deploy=False, is_running_version=False, load_failed=False
    )
    assert "running now" in running.reason
    assert "failed" in failed.reason
    assert "cannot deploy" in oss.reason


def test_role_inferred_from_permissions() -> None:
    assert role_from_permissions({"reload_repository_location": True}) is Role.EDITOR
    assert role_from_permissions({"launch_pipeline_execution": True}) is Role.LAUNCHER
    assert role_from_permissions({}) is Role.VIEWER


def test_collapse_never_merges_non_adjacent_versions() -> None:
    loads = [_load(5, "a"), _load(4, "a"), _load(3, "b"), _load(2, "a"), _load(1, "a")]
    assert [g.count for g in collapse(loads)] == [2, 1, 2]


def test_a_failed_load_does_not_collapse_into_a_good_one() -> None:
    loads = [_load(2, "a"), _load(1, "a", LoadStatus.ERROR)]
    assert [g.count for g in collapse(loads)] == [1, 1]


def test_running_version() -> None:
    newest = _load(3, "b")
    assert is_running_version(_load(1, "b"), newest)
    assert not is_running_version(_load(2, "a"), newest)
    assert not is_running_version(_load(2, "a"), _load(3, "c", LoadStatus.ERROR))


def test_backoff_grows_caps_and_resets() -> None:
    backoff = Backoff(base=1, cap=10, jitter=0.1, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    assert 0.9 <= delays[0] <= 1.1
    assert 1.8 <= delays[1] <= 2.2
    assert all(d <= 10 for d in delays)
    assert delays[-1] >= 9
    backoff.reset()
    assert backoff.next_delay() <= 1.1
