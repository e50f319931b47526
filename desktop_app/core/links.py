"""Web links for commits: GitHub, GitLab (self-hosted too), Bitbucket.

A location document's `git.url` is usually the repository or a tree/commit
page of it; its `git.provider` names the host kind when the host name does
not (a self-hosted GitLab). From those we build the commit page and the
compare page between two commits. Anything that is not http(s) is refused,
so a document cannot make the app open an arbitrary scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from desktop_app.core.loads import DeployInfo

_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")

# Path suffixes that follow the repository path on each host.
_SUFFIXES = {
    "github": re.compile(r"/(?:tree|commit|blob|compare|releases|pull)(?:/.*)?$"),
    "gitlab": re.compile(r"/-/.*$|/(?:tree|commit|blob)/.*$"),
    "bitbucket": re.compile(r"/(?:src|commits|branches|pull-requests)(?:/.*)?$"),
}
_COMMIT_PAGE = {
    "github": re.compile(r"/commit/([0-9a-fA-F]{7,40})/?$"),
    "gitlab": re.compile(r"/-/commit/([0-9a-fA-F]{7,40})/?$"),
    "bitbucket": re.compile(r"/commits/([0-9a-fA-F]{7,40})/?$"),
}


@dataclass(frozen=True)
class Repository:
    provider: str  # github, gitlab, bitbucket
    base_url: str  # https://host/owner/repo, no trailing slash

    def commit_url(self, sha: str) -> str:
        sha = quote(sha, safe="")
        if self.provider == "gitlab":
            return f"{self.base_url}/-/commit/{sha}"
        if self.provider == "bitbucket":
            return f"{self.base_url}/commits/{sha}"
        return f"{self.base_url}/commit/{sha}"

    def compare_url(self, old_sha: str, new_sha: str) -> str:
        old, new = quote(old_sha, safe=""), quote(new_sha, safe="")
        if self.provider == "gitlab":
            return f"{self.base_url}/-/compare/{old}...{new}"
        if self.provider == "bitbucket":
            return f"{self.base_url}/branches/compare/{new}%0D{old}"
        return f"{self.base_url}/compare/{old}...{new}"


def detect_provider(host: str, declared: str | None = None) -> str | None:
    """The host kind, from the declared provider first, then the host name."""
    if declared:
        name = declared.strip().lower()
        for provider in ("github", "gitlab", "bitbucket"):
            if provider in name:
                return provider
    host = host.lower()
    for provider in ("github", "gitlab", "bitbucket"):
        if provider in host:
            return provider
    return None


def repository_of(url: str | None, provider: str | None = None) -> Repository | None:
    """The repository a URL points into, or None when it is not a web URL of
    a known kind of host."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    kind = detect_provider(parts.netloc, provider)
    if kind is None:
        return None
    path = _SUFFIXES[kind].sub("", parts.path.rstrip("/"))
    if path.endswith(".git"):
        path = path[: -len(".git")]
    segments = [s for s in path.split("/") if s]
    # GitLab groups nest, so a GitLab path may be deeper than owner/repo.
    if len(segments) < 2 or (kind != "gitlab" and len(segments) != 2):
        return None
    return Repository(kind, f"{parts.scheme}://{parts.netloc}/{'/'.join(segments)}")


def commit_url(deploy: DeployInfo) -> str | None:
    """The web page of the deployed commit, or None when it cannot be built.

    When the document's `url` already is a commit page for this commit, it
    is returned as it is."""
    repo = repository_of(deploy.url, deploy.provider)
    if repo is None or not deploy.commit_hash:
        return None
    if not _SHA.match(deploy.commit_hash):
        return None
    assert deploy.url is not None
    page = _COMMIT_PAGE[repo.provider].search(urlsplit(deploy.url).path)
    if page and deploy.commit_hash.lower().startswith(page.group(1).lower()[:7]):
        return deploy.url
    return repo.commit_url(deploy.commit_hash)


def compare_url(old: DeployInfo, new: DeployInfo) -> str | None:
    """The page comparing two deployed commits of the same repository."""
    old_repo = repository_of(old.url, old.provider)
    new_repo = repository_of(new.url, new.provider)
    if old_repo is None or old_repo != new_repo:
        return None
    if not (old.commit_hash and new.commit_hash) or old.commit_hash == new.commit_hash:
        return None
    if not (_SHA.match(old.commit_hash) and _SHA.match(new.commit_hash)):
        return None
    return old_repo.compare_url(old.commit_hash, new.commit_hash)


def short_sha(sha: str | None) -> str:
    return sha[:7] if sha and _SHA.match(sha) else (sha or "")
