"""The official Dagster+ CLI (`dagster-cloud`, a client nobody here wrote)
against the bundled server, with its default flags, over loopback.

Each test starts `desktop-app server serve --demo` on a fresh database and
runs the CLI as a subprocess, then reads what happened back with
`desktop-app history`, as a user would. Installed and run by
`make test-cli` (marker `dagster_cloud_cli`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.dagster_cloud_cli

CLI = Path(sys.executable).with_name("dagster-cloud")
EDITOR = "demo-token-editor"
VIEWER = "demo-token-viewer"
ADMIN = "demo-token-admin"
TIMEOUT = 120


@dataclass
class Server:
    root: str  # http://127.0.0.1:PORT
    db: str
    home: Path

    @property
    def prod(self) -> str:
        return f"{self.root}/prod"


def _run(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
    )


def _app(*args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "desktop_app", *args])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not CLI.exists():
        pytest.fail("dagster-cloud is not installed: run `make test-cli`")
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    command = ["server", "serve", "--demo", "--port", "0", "--db", db]
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = next(line.strip() for line in process.stdout if line.startswith("http://"))
        yield Server(url.removesuffix("/graphql"), db, tmp_path)
    finally:
        process.terminate()
        process.communicate(timeout=30)


def cli(server: Server, *args: str, token: str = EDITOR, cwd: Path | None = None) -> Any:
    """`dagster-cloud ARGS` with a clean environment and the given token."""
    env = {
        "DAGSTER_CLOUD_API_TOKEN": token,
        "DAGSTER_CLOUD_URL": server.root,
        "HOME": str(server.home),
        "NO_COLOR": "1",
    }
    return _run([str(CLI), *args], env=env, cwd=cwd)


def register(server: Server, ref: str, manifest: dict[str, Any]) -> None:
    path = server.home / f"manifest-{abs(hash(ref))}.json"
    path.write_text(json.dumps(manifest), "utf-8")
    done = _app("server", "image", "add", ref, "--manifest", str(path), "--db", server.db)
    assert done.returncode == 0, done.stderr


def history(server: Server, location: str) -> list[dict[str, Any]]:
    """`desktop-app history LOCATION --json --all`, newest first."""
    done = _app(
        "history",
        location,
        "--url",
        server.prod,
        "--token",
        EDITOR,
        "--json",
        "--all",
        "--cache-dir",
        str(server.home / "cache"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries: list[dict[str, Any]] = json.loads(done.stdout)
    return entries


ASSETS = {"assets": [{"key": ["interop", "orders"], "code_version": "1"}]}
ASSETS_V2 = {
    "assets": [
        {"key": ["interop", "orders"], "code_version": "2"},
        {"key": ["interop", "refunds"], "code_version": "1"},
    ]
}


def test_workspace_list_and_pull(server: Server) -> None:
    listed = cli(server, "workspace", "list", "--url", server.prod)
    assert listed.returncode == 0, listed.stderr
    for name in ("analytics_core", "ingest_raw", "marketing_attribution", "ml_features"):
        assert name in listed.stdout
    pulled = cli(server, "workspace", "pull", "--url", server.prod)
    assert pulled.returncode == 0, pulled.stderr
    assert "location_name: analytics_core" in pulled.stdout
    assert "commit_hash:" in pulled.stdout


def test_add_location_with_default_flags_waits_for_the_load(server: Server) -> None:
    register(server, "registry.example.com/interop:1", ASSETS)
    done = cli(
        server,
        "workspace",
        "add-location",
        "interop",
        "--package-name",
        "interop",
        "--image",
        "registry.example.com/interop:1",
        "--commit-hash",
        "1" * 40,
        "--url",
        server.prod,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Agent synced changes to interop" in done.stdout
    (entry,) = history(server, "interop")
    assert entry["status"] == "LOADED"
    assert entry["image"] == "registry.example.com/interop:1"
    assert entry["action"] == "deploy"
    assert entry["initiated_by"] == "editor@example.com"
    assert entry["assets"]["added"] == ["interop/orders"]
    register(server, "registry.example.com/interop:2", ASSETS_V2)
    updated = cli(
        server,
        "workspace",
        "update-location",
        "interop",
        "--package-name",
        "interop",
        "--image",
        "registry.example.com/interop:2",
        "--url",
        server.prod,
    )
    assert updated.returncode == 0, updated.stdout + updated.stderr
    newest = history(server, "interop")[0]
    assert newest["image"] == "registry.example.com/interop:2"
    assert newest["assets"]["added"] == ["interop/refunds"]
    assert list(newest["assets"]["changed"]) == ["interop/orders"]


def test_add_location_of_a_failing_image_is_reported_as_a_failure(server: Server) -> None:
    register(
        server,
        "registry.example.com/broken:1",
        {"error": {"message": "ImportError: no module named 'interop_defs'"}},
    )
    done = cli(
        server,
        "workspace",
        "add-location",
        "broken",
        "--package-name",
        "broken",
        "--image",
        "registry.example.com/broken:1",
        "--url",
        server.prod,
    )
    assert done.returncode == 1
    assert "failed to load" in done.stdout + done.stderr
    assert "no module named 'interop_defs'" in done.stdout + done.stderr
    (entry,) = history(server, "broken")
    assert entry["status"] == "ERROR"


def _workspace_file(folder: Path) -> Path:
    path = folder / "dagster_cloud.yaml"
    path.write_text(
        "locations:\n"
        "  - location_name: alpha\n"
        "    code_source:\n"
        "      package_name: alpha\n"
        "    image: registry.example.com/alpha:1\n"
        "    build:\n"
        "      directory: alpha\n"
        "      registry: registry.example.com/alpha\n"
        "  - location_name: beta\n"
        "    code_source:\n"
        "      module_name: beta.definitions\n"
        "    image: registry.example.com/beta:1\n"
        "    build:\n"
        "      registry: registry.example.com/beta\n",
        "utf-8",
    )
    return path


def test_workspace_sync_makes_the_deployment_match_the_file(server: Server) -> None:
    for ref in ("registry.example.com/alpha:1", "registry.example.com/beta:1"):
        register(server, ref, ASSETS)
    workspace = _workspace_file(server.home)
    done = cli(server, "workspace", "sync", "--workspace", str(workspace), "--url", server.prod)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Synced locations: alpha, beta" in done.stdout
    listed = cli(server, "workspace", "list", "--url", server.prod).stdout
    assert "alpha" in listed
    assert "beta" in listed
    assert "analytics_core" not in listed  # not in the file: removed
    for name in ("alpha", "beta"):
        (entry,) = history(server, name)
        assert entry["action"] == "deploy"
    # A second sync of the same file changes nothing, so writes no entry.
    again = cli(server, "workspace", "sync", "--workspace", str(workspace), "--url", server.prod)
    assert again.returncode == 0, again.stderr
    assert len(history(server, "alpha")) == 1


def test_ci_init_set_build_output_and_deploy(server: Server) -> None:
    for ref in ("registry.example.com/alpha:v2", "registry.example.com/beta:v2"):
        register(server, ref, ASSETS_V2)
    _workspace_file(server.home)
    state = server.home / "state"
    init = cli(
        server,
        "ci",
        "init",
        "--organization",
        "local",
        "--deployment",
        "prod",
        "--project-dir",
        str(server.home),
        "--statedir",
        str(state),
        "--commit-hash",
        "2" * 40,
        "--git-url",
        f"https://github.com/acme/interop/tree/{'2' * 40}",
    )
    assert init.returncode == 0, init.stdout + init.stderr
    built = cli(server, "ci", "set-build-output", "--statedir", str(state), "--image-tag", "v2")
    assert built.returncode == 0, built.stdout + built.stderr
    deployed = cli(server, "ci", "deploy", "--statedir", str(state))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "Agent synced changes to alpha, and beta" in deployed.stdout
    for name in ("alpha", "beta"):
        (entry,) = history(server, name)
        assert entry["image"] == f"registry.example.com/{name}:v2"
        assert entry["commit_hash"] == "2" * 40
        assert sorted(entry["assets"]["added"]) == ["interop/orders", "interop/refunds"]
    # The demo locations were not in the deploy: they stay.
    assert "analytics_core" in cli(server, "workspace", "list", "--url", server.prod).stdout


def test_delete_location_is_a_history_entry(server: Server) -> None:
    register(server, "registry.example.com/interop:1", ASSETS)
    add = [
        "workspace",
        "add-location",
        "interop",
        "--package-name",
        "interop",
        "--image",
        "registry.example.com/interop:1",
        "--url",
        server.prod,
    ]
    assert cli(server, *add).returncode == 0
    deleted = cli(server, "workspace", "delete-location", "interop", "--url", server.prod)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert "interop" not in cli(server, "workspace", "list", "--url", server.prod).stdout
    # Back again: its history shows the deploy, the removal and the new deploy.
    assert cli(server, *add, "--commit-hash", "3" * 40).returncode == 0
    entries = history(server, "interop")
    assert [e["action"] for e in entries] == ["deploy", "remove", "deploy"]
    assert entries[1]["assets"]["removed"] == ["interop/orders"]


def test_viewer_writes_and_bad_tokens_are_refused(server: Server) -> None:
    viewer = cli(
        server,
        "workspace",
        "delete-location",
        "analytics_core",
        "--url",
        server.prod,
        token=VIEWER,
    )
    assert viewer.returncode == 1
    assert "UnauthorizedError" in viewer.stdout + viewer.stderr
    listed = cli(server, "workspace", "list", "--url", server.prod, token=VIEWER)
    assert listed.returncode == 0  # a Viewer may still read
    bad = cli(server, "workspace", "list", "--url", server.prod, token="user:not-a-token")
    assert bad.returncode == 1
    assert "unknown Dagster-Cloud-Api-Token" in bad.stdout + bad.stderr
    unknown = cli(server, "workspace", "list", "--url", f"{server.root}/no-such-deployment")
    assert unknown.returncode == 1
    assert "no deployment named 'no-such-deployment'" in unknown.stdout + unknown.stderr
    assert len(history(server, "analytics_core")) > 1  # nothing was removed


def test_deployment_settings_are_stored(server: Server) -> None:
    settings = server.home / "settings.yaml"
    settings.write_text("run_queue:\n  max_concurrent_runs: 7\n", "utf-8")
    editor = cli(
        server, "deployment", "settings", "set-from-file", str(settings), "--url", server.prod
    )
    assert editor.returncode == 1  # Admin and above only
    done = cli(
        server,
        "deployment",
        "settings",
        "set-from-file",
        str(settings),
        "--url",
        server.prod,
        token=ADMIN,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shown = cli(server, "deployment", "settings", "get", "--url", server.prod)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "max_concurrent_runs: 7" in shown.stdout


def test_every_cli_document_in_our_areas_validates_against_the_schema() -> None:
    """Each GraphQL document of the installed CLI whose root fields the
    server has must validate against the server's schema as it is."""
    import dagster_cloud_cli.gql as cli_gql
    from graphql import OperationDefinitionNode, parse, validate

    from desktop_app.server.root_fields import MUTATION_RESOLVERS, QUERY_RESOLVERS
    from desktop_app.server.schema import build_server_schema

    schema = build_server_schema(QUERY_RESOLVERS, MUTATION_RESOLVERS)
    ours = set(QUERY_RESOLVERS) | set(MUTATION_RESOLVERS)
    checked = set()
    for name, value in vars(cli_gql).items():
        if not (name.isupper() and isinstance(value, str) and "{" in value):
            continue
        document = parse(value)
        roots = {
            selection.name.value
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
            for selection in definition.selection_set.selections
            if hasattr(selection, "name")
        }
        if roots and roots <= ours:
            assert validate(schema, document) == [], name
            checked |= roots
    assert {
        "agents",
        "currentDeployment",
        "workspace",
        "workspaceOrError",
        "locationsAsDocument",
        "deploymentSettings",
        "addOrUpdateLocationFromDocument",
        "deleteLocation",
        "reconcileLocationsFromDocument",
        "deployLocations",
        "setDeploymentSettings",
        "markCliEvent",
    } <= checked
