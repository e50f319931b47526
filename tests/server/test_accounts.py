"""Users and tokens: several tokens per user, listing without the secret,
revocation, removal."""

from __future__ import annotations

import pytest

from desktop_app.core.roles import Role
from desktop_app.server.accounts import (
    describe_users,
    list_tokens,
    remove_user,
    revoke_token,
)
from desktop_app.server.cli import main
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import post

QUERY = {"query": "{ permissions { permission value } }"}


def _works(server: EmbeddedServer, token: str) -> bool:
    assert server.url is not None
    return post(server.url, QUERY, token=token).status_code == 200


def test_user_add_again_changes_the_role_and_keeps_other_tokens(
    empty_server: EmbeddedServer,
) -> None:
    first = empty_server.add_user("ana@example.com", Role.VIEWER)
    second = empty_server.add_user("ana@example.com", Role.EDITOR, {"shop": Role.ADMIN})
    assert first != second
    assert _works(empty_server, first)
    assert _works(empty_server, second)
    (ana,) = [u for u in describe_users(empty_server.storage) if u.email == "ana@example.com"]
    assert ana.roles["prod"] == (Role.EDITOR, {"shop": Role.ADMIN})
    assert ana.tokens == 2


def test_tokens_are_listed_masked_with_creation_and_last_use(
    empty_server: EmbeddedServer,
) -> None:
    token = empty_server.add_user("ana@example.com", Role.VIEWER)
    (listed,) = list_tokens(empty_server.storage, "ana@example.com")
    assert listed.last_used_at is None
    assert listed.created_at > 0
    assert token not in listed.masked
    assert listed.masked.endswith(token[-4:])
    assert _works(empty_server, token)
    (used,) = list_tokens(empty_server.storage, "ana@example.com")
    assert used.last_used_at is not None


def test_revoking_one_token_leaves_the_others(empty_server: EmbeddedServer) -> None:
    first = empty_server.add_user("ana@example.com", Role.VIEWER)
    second = empty_server.add_user("ana@example.com", Role.VIEWER)
    old = list_tokens(empty_server.storage, "ana@example.com")[0]
    assert revoke_token(empty_server.storage, old.id)
    assert not _works(empty_server, first)
    assert _works(empty_server, second)
    assert not revoke_token(empty_server.storage, old.id)


def test_a_removed_users_tokens_stop_working_at_once(empty_server: EmbeddedServer) -> None:
    tokens = [empty_server.add_user("ana@example.com", Role.EDITOR) for _ in range(2)]
    assert all(_works(empty_server, t) for t in tokens)
    assert remove_user(empty_server.storage, "ana@example.com")
    assert not any(_works(empty_server, t) for t in tokens)
    assert list_tokens(empty_server.storage, "ana@example.com") == []
    assert not remove_user(empty_server.storage, "ana@example.com")


def test_cli_lists_users_and_tokens_never_whole(
    server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", server_db_url]
    assert main(["deployment", "add", "staging", *db]) == 0
    assert main(["user", "add", "ana@example.com", "--role", "viewer", *db]) == 0
    assert (
        main(["user", "add", "ana@example.com", "--role", "editor", "--deployment", "staging", *db])
        == 0
    )
    out = capsys.readouterr().out
    tokens = [line for line in out.splitlines() if line.startswith("user:")]
    assert len(tokens) == 2
    assert main(["user", "list", *db]) == 0
    listing = capsys.readouterr().out
    assert "ana@example.com\tViewer in prod; Editor in staging\t2 token(s)" in listing
    assert main(["token", "list", *db]) == 0
    listing = capsys.readouterr().out
    assert all(token not in listing for token in tokens)
    assert all(token[-4:] in listing for token in tokens)
    assert main(["token", "revoke", "1", *db]) == 0
    assert main(["token", "revoke", "1", *db]) == 2
    assert "no token with id 1" in capsys.readouterr().err
    assert main(["user", "remove", "ana@example.com", *db]) == 0
    assert main(["user", "remove", "ana@example.com", *db]) == 2
    assert (
        main(["user", "add", "bo@example.com", "--role", "editor", "--deployment", "x", *db]) == 2
    )
    assert "no deployment named 'x'" in capsys.readouterr().err
