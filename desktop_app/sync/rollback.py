"""Rolling a location back: re-submit an earlier load's location document,
and keep the reason given for it in the cache (no server has a field for it)."""

from __future__ import annotations

import time

from desktop_app.api.client import DeploymentClient
from desktop_app.cache.store import HistoryCache
from desktop_app.core.rollback import DeployOutcome, RollbackNote, RollbackRequest
from desktop_app.core.session import Viewer


def send_rollback(
    client: DeploymentClient, cache: HistoryCache, request: RollbackRequest
) -> DeployOutcome:
    """Send the load the user chose, as it is: check the rules on the values
    the user saw first (an answer, never an exception), then re-submit the
    entry's `configDocument`; the server checks the role again. Once the
    server accepted, a non-empty reason is kept as a note for the rollback
    entry the next sync brings in (runs on the cache writer)."""
    decision = request.decision()
    if not decision:
        return DeployOutcome(False, "Refused", decision.reason)
    target = request.target
    if not target.document:
        return DeployOutcome(
            False, "NoDocument", "The server kept no location document for that load."
        )
    # Stamped before sending, so that the entry the server then records
    # loads after it (clocks allowing; the pairing has some slack).
    submitted_at = time.time()
    outcome = client.submit_document(target.document)
    reason = request.reason.strip()
    if outcome.ok and reason:
        with cache.write() as writer:
            writer.add_rollback_note(
                RollbackNote(
                    location=target.location,
                    target_loaded_at=target.loaded_at,
                    reason=reason,
                    requested_by=request.viewer.email if request.viewer else None,
                    submitted_at=submitted_at,
                )
            )
    return outcome


def rollback(
    client: DeploymentClient,
    cache: HistoryCache,
    location: str,
    loaded_at: float,
    reason: str = "",
    viewer: Viewer | None = None,
) -> DeployOutcome:
    """Roll back to the cached load of `location` at `loaded_at`, for callers
    without a GUI: the newest load comes from the cache and, unless given,
    the viewer is asked now."""
    target = cache.load_at(location, loaded_at)
    if target is None:
        return DeployOutcome(False, "NotFound", "That load is not in the local history.")
    newest = cache.history(location, limit=1)
    capabilities = client.capabilities()
    if viewer is None:
        # A server with no deploy API refuses whoever asks: ask it nothing more.
        viewer = client.viewer() if capabilities.deploy else Viewer(email=None, role=None)
    request = RollbackRequest(
        target=target,
        newest=newest[0] if newest else None,
        viewer=viewer,
        capabilities=capabilities,
        reason=reason,
    )
    return send_rollback(client, cache, request)
