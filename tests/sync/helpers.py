"""Building blocks for tests that deploy to the bundled server."""

from __future__ import annotations

import hashlib
from typing import Any

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.assets import AssetDefinition
from desktop_app.server.runner import EmbeddedServer

EDITOR_TOKEN = "demo-token-editor"
ADMIN_TOKEN = "demo-token-admin"
VIEWER_TOKEN = "demo-token-viewer"


def commit_of(image: str) -> str:
    return hashlib.sha1(image.encode()).hexdigest()


def document(location: str, image: str) -> dict[str, Any]:
    commit = commit_of(image)
    return {
        "location_name": location,
        "image": image,
        "code_source": {"package_name": location},
        "git": {
            "commit_hash": commit,
            "url": f"https://github.com/acme/{location}/tree/{commit}",
            "provider": "github",
        },
    }


def register(server: EmbeddedServer, image: str, assets: list[AssetDefinition]) -> None:
    server.register_image(image, {"assets": [a.to_json() for a in assets]})


def register_broken(server: EmbeddedServer, image: str, message: str) -> None:
    server.register_image(
        image, {"error": {"message": message, "className": "ImportError", "stack": []}}
    )


def client_for(server: EmbeddedServer, token: str = EDITOR_TOKEN) -> DeploymentClient:
    assert server.url is not None
    return DeploymentClient(ConnectionSettings(url=server.url, token=token))


def deploy(client: DeploymentClient, location: str, image: str) -> None:
    outcome = client.submit_document(document(location, image))
    assert outcome.ok, outcome.message
