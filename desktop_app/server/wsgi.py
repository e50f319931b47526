"""The WSGI application: `POST /graphql` and `POST /{deployment}/graphql`
with a JSON body, token required (routing in `routing.py`).

GraphQL over HTTP: a request that cannot be executed (malformed JSON, a
syntax error, a document over a limit or that does not validate, wrong
variables) answers 400 with a JSON `errors` list; an executed one answers
200. Missing or unknown `Dagster-Cloud-Api-Token` answers 401, a user
without a role in the deployment 403, an unknown deployment 404, a body
over 1 MB 413 (see `channel.py`), a cross-site request to a loopback server
403/415/421 (see `origin.py`). Every refusal is one log line; user errors
never carry a stack trace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError, execute

from desktop_app.server.accounts import authenticate
from desktop_app.server.body import MAX_BODY, BadBodyError, decode
from desktop_app.server.demo import DEMO_TOKENS
from desktop_app.server.origin import cross_site_refusal
from desktop_app.server.query_cache import DocumentCache, InvalidDocumentError
from desktop_app.server.resolvers import RequestContext
from desktop_app.server.root_fields import MUTATION_RESOLVERS, QUERY_RESOLVERS
from desktop_app.server.routing import (
    DeploymentDirectory,
    NotFoundError,
    UnknownDeploymentError,
    route,
)
from desktop_app.server.schema import build_server_schema
from desktop_app.server.storage import Storage

log = logging.getLogger(__name__)
refusals = logging.getLogger("desktop_app.server.refused")

TOKEN_HEADER = "HTTP_DAGSTER_CLOUD_API_TOKEN"
LOG_CHARS = 300
StartResponse = Callable[..., Any]


def _encode(body: Any) -> bytes:
    """The answer as compact JSON. orjson writes a history page several
    times faster than the standard library, whose encoder was a quarter of
    the server's time per page; values it cannot write (an int beyond 64
    bits) go the standard way."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":")).encode()


def _json(
    start_response: StartResponse,
    status: str,
    body: Any,
    headers: Iterable[tuple[str, str]] = (),
) -> Iterable[bytes]:
    data = _encode(body)
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
    )
    return [data]


def _refuse(
    environ: dict[str, Any],
    start_response: StartResponse,
    status: str,
    message: str,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Iterable[bytes]:
    """Answer a refused request, and log it in one line (no traceback;
    control characters escaped, long messages cut)."""
    client = f"{environ.get('REMOTE_ADDR', '-')}:{environ.get('REMOTE_PORT', '-')}"
    shown = ascii(message[:LOG_CHARS])[1:-1] + ("..." if len(message) > LOG_CHARS else "")
    refusals.warning("refused %s: %s %s", client, status.split(" ", 1)[0], shown)
    body = {"errors": list(errors) if errors is not None else [{"message": message}]}
    return _json(start_response, status, body, headers)


class GraphQLApp:
    """WSGI callable serving the bundled deployment API."""

    def __init__(
        self,
        storage: Storage,
        *,
        loopback: bool = False,
        demo: bool = False,
    ) -> None:
        """`loopback`: the server listens on loopback only, so it refuses
        cross-site requests; `demo`: it honours the published demo tokens
        (only together with `loopback`)."""
        self.storage = storage
        self._deployments = DeploymentDirectory(storage)
        self.loopback = loopback
        self.demo = demo and loopback
        self.schema = build_server_schema(QUERY_RESOLVERS, MUTATION_RESOLVERS)
        self._documents = DocumentCache(self.schema)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            target = route(environ)
        except NotFoundError as exc:
            return _refuse(environ, start_response, "404 Not Found", str(exc))
        if environ.get("REQUEST_METHOD") != "POST":
            return _refuse(
                environ,
                start_response,
                "405 Method Not Allowed",
                "use POST with a JSON body",
                headers=[("Allow", "POST")],
            )
        refused = self._refusal(environ)
        if refused is not None:
            return _refuse(environ, start_response, *refused)
        token = environ.get(TOKEN_HEADER, "").strip()
        if not token:
            return _refuse(environ, start_response, "401 Unauthorized", _token_problem(token))
        try:
            deployment = self._deployments.resolve(target.deployment)
        except UnknownDeploymentError as exc:
            # Which deployments exist is for holders of a valid token only.
            if authenticate(self.storage, token) is None:
                return _refuse(environ, start_response, "401 Unauthorized", _token_problem(token))
            return _refuse(environ, start_response, "404 Not Found", str(exc))
        user = authenticate(self.storage, token, deployment)
        if user is None:
            return _refuse(environ, start_response, "401 Unauthorized", _token_problem(token))
        if user.role is None:
            message = f"{user.email} has no role in deployment {deployment.name!r}"
            return _refuse(environ, start_response, "403 Forbidden", message)
        try:
            request = _graphql_request(environ)
            compiled = self._documents.get(request["query"])
        except BadBodyError as exc:
            return _refuse(environ, start_response, "400 Bad Request", str(exc))
        except InvalidDocumentError as exc:
            formatted = [e.formatted for e in exc.errors]
            return _refuse(environ, start_response, "400 Bad Request", str(exc), formatted)
        variables = request.get("variables")
        operation = request.get("operationName")
        context = RequestContext(self.storage, user, deployment)
        fast = compiled.run(operation, variables, context)
        if fast is not None:
            return _json(start_response, "200 OK", {"data": fast})
        result = execute(
            self.schema,
            compiled.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation,
        )
        assert isinstance(result, ExecutionResult)
        errors = [_public(error) for error in result.errors or ()]
        if result.data is None and errors and not any(e.get("path") for e in errors):
            # Nothing was executed (e.g. variables of the wrong type): a bad request.
            message = str(errors[0].get("message"))
            return _refuse(environ, start_response, "400 Bad Request", message, errors)
        response: dict[str, Any] = {"data": result.data}
        if errors:
            response["errors"] = errors
        return _json(start_response, "200 OK", response)

    def _refusal(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        """(status, message) for a request refused before its token is
        looked at or its body read."""
        if self.loopback:
            refused = cross_site_refusal(environ)
            if refused is not None:
                return refused
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "400 Bad Request", "invalid Content-Length"
        if length > MAX_BODY:  # waitress refuses these first; kept for other servers
            return "413 Content Too Large", "request body over 1 MB"
        token = environ.get(TOKEN_HEADER, "").strip()
        if token in DEMO_TOKENS and not self.demo:
            return (
                "401 Unauthorized",
                "demo tokens are honoured only by a server running --demo on loopback",
            )
        return None


def _token_problem(token: str) -> str:
    if not token:
        return "missing Dagster-Cloud-Api-Token header"
    return "unknown Dagster-Cloud-Api-Token"


def _graphql_request(environ: dict[str, Any]) -> dict[str, Any]:
    """The decoded body, checked to be a GraphQL request; raises `BadBodyError`."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length else b""
    request = decode(body)
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise BadBodyError("the body needs a string field 'query'")
    variables = request.get("variables")
    operation = request.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise BadBodyError("'variables' must be an object")
    if operation is not None and not isinstance(operation, str):
        raise BadBodyError("'operationName' must be a string")
    return request


def _public(error: GraphQLError) -> dict[str, Any]:
    """The error as the client sees it. A failure of our own (not a GraphQL
    or input error) is logged with its traceback and reported in one
    neutral sentence, so no internals (SQL, paths) reach the client."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError | ValueError):
        log.error("resolver failed: %s", error.path, exc_info=original)
        formatted["message"] = "Internal server error; the server log has the details."
    return formatted
