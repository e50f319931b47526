"""Rolling a location back: re-submit an earlier load's location document,
and keep the reason given for it in the cache (no server has a field for it)."""

from __future__ import annotations

import time

from desktop_app.api.client import DeploymentClient, DeployOutcome
from desktop_app.cache.notes import RollbackNote
from desktop_app.cache.store import HistoryCache
from desktop_app.core.loads import LoadStatus, is_running_version
from desktop_app.core.roles import rollback_allowed
from desktop_app.core.session import Viewer


def rollback(
    client: DeploymentClient,
    cache: HistoryCache,
    location: str,
    loaded_at: float,
    reason: str = "",
    viewer: Viewer | None = None,
) -> DeployOutcome:
    """Check what the user may do first (an answer, never an exception), then
    re-submit the entry's `configDocument`. The server checks the role again.
    Once the server accepted, a non-empty `reason` is kept as the note of
    the rollback entry the next sync brings in (runs on the cache writer)."""
    target = cache.load_at(location, loaded_at)
    if target is None:
        return DeployOutcome(False, "NotFound", "That load is not in the local history.")
    newest = cache.history(location, limit=1)
    # The viewer the caller's last round saw (what the user was shown), or
    # asked now; the cache's may be from another sign-in.
    caps = client.capabilities()
    if viewer is None:
        viewer = client.viewer()
    decision = rollback_allowed(
        role=viewer.role_on(location),
        server_can_deploy=caps.deploy,
        is_running_version=is_running_version(target, newest[0] if newest else None),
        load_failed=target.status == LoadStatus.ERROR,
    )
    if not decision:
        return DeployOutcome(False, "Refused", decision.reason)
    if not target.document:
        return DeployOutcome(
            False, "NoDocument", "The server kept no location document for that load."
        )
    # Stamped before sending, so that the entry the server then records
    # loads after it (clocks allowing; the lookup has some slack).
    submitted_at = time.time()
    outcome = client.submit_document(target.document)
    reason = reason.strip()
    if outcome.ok and reason:
        with cache.write() as writer:
            writer.add_rollback_note(
                RollbackNote(
                    location=location,
                    target_loaded_at=target.loaded_at,
                    reason=reason,
                    requested_by=viewer.email,
                    submitted_at=submitted_at,
                )
            )
    return outcome
