"""Talk to a running bundled server over loopback, as any client would."""

from __future__ import annotations

from typing import Any

import requests

from desktop_app.server.demo import DEMO_USERS

TIMEOUT = 10


def token_of(email: str) -> str:
    return DEMO_USERS[email][1]


def post(
    url: str, body: Any, token: str | None = "demo-token-editor", **kw: Any
) -> requests.Response:
    headers = {"Dagster-Cloud-Api-Token": token} if token is not None else {}
    return requests.post(url, json=body, headers=headers, timeout=TIMEOUT, **kw)


def gql(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_user: str = "editor@example.com",
    token: str | None = None,
) -> dict[str, Any]:
    """Run a document; assert HTTP 200 and no errors; return `data`."""
    response = post(
        url, {"query": query, "variables": variables or {}}, token=token or token_of(as_user)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


HISTORY = """
query History($name: String!, $limit: Int!, $cursor: String) {
  locationLoadHistory(locationName: $name, limit: $limit, cursor: $cursor) {
    locationName
    codeLocationDataUploadTimestamp
    codeLocationUpdateTriggerTimestamp
    loadStatus
    configDocument
    displayMetadata { key value }
    diffSummary {
      repositoryDiffs { repositoryName addedAssets { path } modifiedAssets { path }
                        removedAssets { path } }
    }
    error { message className stack }
  }
}
"""

DEPLOY = """
mutation Deploy($document: GenericScalar!) {
  addOrUpdateLocationFromDocument(document: $document) {
    __typename
    ... on WorkspaceEntry { locationName hasLoadError serializedDeploymentMetadata }
    ... on InvalidLocationError { message errors }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
"""

RELOAD = """
mutation Reload($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry { name updatedTimestamp }
    ... on UnauthorizedError { message }
    ... on RepositoryLocationNotFound { message }
  }
}
"""

DELETE = """
mutation Delete($name: String!) {
  deleteLocation(locationName: $name) {
    __typename
    ... on DeleteLocationSuccess { locationName }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
"""


def history(
    url: str, name: str, limit: int = 100, cursor: str | None = None
) -> list[dict[str, Any]]:
    data = gql(url, HISTORY, {"name": name, "limit": limit, "cursor": cursor})
    entries: list[dict[str, Any]] = data["locationLoadHistory"]
    return entries


def display(entry: dict[str, Any]) -> dict[str, str]:
    return {pair["key"]: pair["value"] for pair in entry["displayMetadata"]}


def summary(entry: dict[str, Any]) -> dict[str, list[tuple[str, ...]]]:
    if entry["diffSummary"] is None:
        return {}
    repo = entry["diffSummary"]["repositoryDiffs"][0]
    return {
        kind: [tuple(k["path"]) for k in repo[f"{kind}Assets"]]
        for kind in ("added", "modified", "removed")
    }


def document(name: str, image: str, commit: str = "a" * 40, **extra: Any) -> dict[str, Any]:
    return {
        "location_name": name,
        "code_source": {"package_name": name},
        "image": image,
        "git": {
            "commit_hash": commit,
            "url": f"https://github.com/acme/{name}/tree/{commit}",
            "provider": "github",
        },
        **extra,
    }


def asset(name: str, **fields: Any) -> dict[str, Any]:
    return {"key": name.split("/"), **fields}
