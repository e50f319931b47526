"""The server's database across releases: the committed database of
release 8c0ca6b keeps opening, serving its history and rolling back to
versions loaded under it; the live schema is exactly what the migrations
build; a database of another schema is refused with a clear message when
the server is told not to upgrade."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from desktop_app.server import schema_version
from desktop_app.server.cli import main
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.storage import Storage, metadata
from tests.server.helpers import DEPLOY, display, gql, history

FIXTURE = Path(__file__).parents[1] / "fixtures" / "release-8c0ca6b" / "server.sqlite3"


@pytest.fixture
def release_db(tmp_path: Path) -> Path:
    path = tmp_path / "release.sqlite3"
    shutil.copyfile(FIXTURE, path)
    return path


def test_the_release_database_serves_its_history_and_rolls_back(release_db: Path) -> None:
    with EmbeddedServer(f"sqlite:///{release_db}", demo=True, load_demo_data=False) as server:
        assert server.url is not None
        entries = history(server.url, "fixture")
        assert [e["loadStatus"] for e in entries] == ["ERROR", "LOADED", "LOADED"]
        assert len(history(server.url, "analytics_core")) == 32
        first = entries[-1]
        result = gql(server.url, DEPLOY, {"document": first["configDocument"]})
        assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
        assert result["addOrUpdateLocationFromDocument"]["hasLoadError"] is False
        newest = history(server.url, "fixture")[0]
        assert newest["loadStatus"] == "LOADED"
        assert display(newest)["action"] == "rollback"
        assert float(display(newest)["rollback_target"]) == first["codeLocationDataUploadTimestamp"]


def test_images_registered_before_88ea08a_deploy_again(release_db: Path) -> None:
    """Manifests were whole asset lists before 88ea08a; deploying such an
    image answered an internal error. The migration rewrites them."""
    with sqlite3.connect(release_db) as conn:
        (manifest,) = conn.execute(
            "SELECT manifest FROM images WHERE ref = 'registry.example.com/fixture:v1'"
        ).fetchone()
        hashes = json.loads(manifest)["hashes"]
        bodies = [
            json.loads(
                conn.execute("SELECT body FROM definitions WHERE hash = ?", (h,)).fetchone()[0]
            )
            for h in hashes
        ]
        conn.execute(
            "UPDATE images SET manifest = ? WHERE ref = 'registry.example.com/fixture:v1'",
            (json.dumps({"assets": bodies}),),
        )
    with EmbeddedServer(f"sqlite:///{release_db}", demo=True, load_demo_data=False) as server:
        assert server.url is not None
        first = history(server.url, "fixture")[-1]
        result = gql(server.url, DEPLOY, {"document": first["configDocument"]})
        assert result["addOrUpdateLocationFromDocument"]["hasLoadError"] is False


def test_no_upgrade_refuses_an_old_database(
    release_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{release_db}"
    assert main(["serve", "--db", db, "--port", "0", "--no-upgrade"]) == 2
    err = capsys.readouterr().err
    assert f"schema revision {schema_version.BASELINE}" in err
    assert "desktop-app server migrate" in err
    assert main(["migrate", "--db", db]) == 0
    assert schema_version.head() in capsys.readouterr().out
    storage = Storage(db, upgrade=False)  # now current: accepted
    storage.close()


def test_a_database_of_a_newer_release_is_refused(release_db: Path) -> None:
    Storage(f"sqlite:///{release_db}").close()
    with sqlite3.connect(release_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(schema_version.SchemaError, match="newer release"):
        Storage(f"sqlite:///{release_db}")


def test_the_live_schema_is_what_the_migrations_build(server_db_url: str) -> None:
    storage = Storage(server_db_url)  # built by running every migration
    try:
        with storage.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        storage.close()
    assert differences == []


def test_the_upgraded_release_database_matches_the_live_schema(release_db: Path) -> None:
    storage = Storage(f"sqlite:///{release_db}")
    try:
        with storage.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        storage.close()
    assert differences == []
