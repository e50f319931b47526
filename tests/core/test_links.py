from __future__ import annotations

import pytest

from desktop_app.core.links import commit_url, compare_url, repository_of, short_sha
from desktop_app.core.loads import DeployInfo

SHA = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e"


@pytest.mark.parametrize(
    ("url", "provider", "expected"),
    [
        (
            f"https://github.com/acme/dagster-project/tree/{SHA}",
            "github",
            f"https://github.com/acme/dagster-project/commit/{SHA}",
        ),
        (
            "https://github.com/acme/dagster-project.git",
            None,
            f"https://github.com/acme/dagster-project/commit/{SHA}",
        ),
        (
            "https://git.example-corp.com/data/platform/pipelines",
            "gitlab",
            f"https://git.example-corp.com/data/platform/pipelines/-/commit/{SHA}",
        ),
        (
            f"https://gitlab.com/acme/pipelines/-/tree/{SHA}",
            None,
            f"https://gitlab.com/acme/pipelines/-/commit/{SHA}",
        ),
        (
            "https://bitbucket.org/acme/pipelines/src/main/",
            None,
            f"https://bitbucket.org/acme/pipelines/commits/{SHA}",
        ),
    ],
)
def test_commit_url_per_host(url: str, provider: str | None, expected: str) -> None:
    assert commit_url(DeployInfo(commit_hash=SHA, url=url, provider=provider)) == expected


def test_a_commit_page_is_kept_as_it_is() -> None:
    url = f"https://github.com/acme/repo/commit/{SHA[:12]}"
    assert commit_url(DeployInfo(commit_hash=SHA, url=url)) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://git.example-corp.com/data/pipelines",  # unknown host kind, no provider
        "https://github.com/only-owner",
    ],
)
def test_no_link_when_the_host_is_unknown_or_unsafe(url: str | None) -> None:
    assert commit_url(DeployInfo(commit_hash=SHA, url=url)) is None


def test_no_link_without_a_commit_hash() -> None:
    assert commit_url(DeployInfo(url="https://github.com/acme/repo")) is None


def test_compare_links() -> None:
    old = DeployInfo(commit_hash="a" * 40, url="https://github.com/acme/repo")
    new = DeployInfo(commit_hash="b" * 40, url="https://github.com/acme/repo/tree/main")
    assert compare_url(old, new) == f"https://github.com/acme/repo/compare/{'a' * 40}...{'b' * 40}"
    other_repo = DeployInfo(commit_hash="b" * 40, url="https://github.com/acme/other")
    assert compare_url(old, other_repo) is None
    gl_old = DeployInfo(commit_hash="a" * 8, url="https://git.corp/x/y/z", provider="gitlab")
    gl_new = DeployInfo(commit_hash="b" * 8, url="https://git.corp/x/y/z", provider="gitlab")
    assert compare_url(gl_old, gl_new) == "https://git.corp/x/y/z/-/compare/aaaaaaaa...bbbbbbbb"


def test_repository_of_nested_gitlab_groups() -> None:
    repo = repository_of("https://gitlab.com/a/b/c/-/tree/main")
    assert repo is not None
    assert repo.base_url == "https://gitlab.com/a/b/c"


def test_short_sha() -> None:
    assert short_sha(SHA) == "3f2c1e0"
    assert short_sha(None) == ""
