"""Typed failures of the deployment API.

Every failure the client raises is an `ApiError` subclass whose `str()` is
one sentence fit for a status bar. Callers branch on the type (offline
banner for `Unreachable`, sign-in prompt for `Unauthorized`), never on text.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every failure talking to a deployment."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Unreachable(ApiError):  # noqa: N818 (agreed public name)
    """No HTTP answer: connection refused, DNS failure, timeout."""


class Unauthorized(ApiError):  # noqa: N818 (agreed public name)
    """HTTP 401/403 or a GraphQL `UnauthorizedError` result."""


class ServerError(ApiError):
    """HTTP 5xx (after retries), or a `PythonError` result from the server."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GraphQLError(ApiError):
    """The server answered with a GraphQL `errors` list."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class BadResponse(ApiError):  # noqa: N818 (agreed public name)
    """The answer is not JSON, or lacks a field the client uses."""
