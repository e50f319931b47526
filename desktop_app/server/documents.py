"""Location documents: one entry of `dagster_cloud.yaml`, as
`addOrUpdateLocationFromDocument(document:)` takes it.

Validation names every field that is wrong (Dagster+ answers
`InvalidLocationError` with a list of errors); derived views of a document
(`serializedDeploymentMetadata`, display metadata) live here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from desktop_app.server.storage import dumps
from desktop_app.server.validation import field_key, string_problems

CODE_SOURCES = ("python_file", "module_name", "package_name", "autoload_defs_module_name")
TOP_LEVEL_KEYS = frozenset(
    {
        "location_name",
        "code_source",
        "image",
        "working_directory",
        "executable_path",
        "attribute",
        "git",
        "container_context",
        "agent_queue",
        "build",
        "autoload_defs_module_name",
        # What `dagster-cloud ci deploy` adds: PEX builds, state-backed definitions.
        "pex_metadata",
        "pex_bundle",
        "defs_state_info",
    }
)
GIT_KEYS = frozenset(
    {
        "commit_hash",
        "url",
        "provider",
        "repo_owner",
        "repo_name",
        "base_branch",
        "defs_base_path",
    }
)
PEX_KEYS = frozenset({"pex_tag", "python_version"})
STRING_KEYS = ("image", "working_directory", "executable_path", "attribute", "agent_queue")


def validate_document(document: Any) -> list[str]:
    """Every problem with `document`, one sentence each naming the field;
    empty when it is a valid location document."""
    if not isinstance(document, Mapping):
        return ["document: must be an object (one location entry of dagster_cloud.yaml)"]
    errors: list[str] = []
    unknown = sorted(field_key(str(k)) for k in document if k not in TOP_LEVEL_KEYS)
    errors.extend(f"{key}: unknown key in a location document" for key in unknown)
    name = document.get("location_name")
    if name is None:
        errors.append("location_name: required")
    elif not isinstance(name, str) or not name.strip():
        errors.append("location_name: must be a non-empty string")
    source = document.get("code_source")
    autoload = document.get("autoload_defs_module_name")
    if source is None:
        if autoload is None:
            errors.append(f"code_source: required, with exactly one of {', '.join(CODE_SOURCES)}")
    elif not isinstance(source, Mapping):
        errors.append("code_source: must be an object")
    else:
        given = [k for k in CODE_SOURCES if source.get(k) is not None]
        extra = sorted(field_key(str(k)) for k in source if k not in CODE_SOURCES)
        errors.extend(f"code_source.{key}: unknown code source" for key in extra)
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            errors.append(
                f"code_source: needs exactly one of {', '.join(CODE_SOURCES)} (found {found})"
            )
        errors.extend(
            f"code_source.{key}: must be a string"
            for key in given
            if not isinstance(source[key], str)
        )
    errors.extend(
        f"{key}: must be a string"
        for key in (*STRING_KEYS, "autoload_defs_module_name")
        if key in document and document[key] is not None and not isinstance(document[key], str)
    )
    git = document.get("git")
    if git is not None:
        if not isinstance(git, Mapping):
            errors.append("git: must be an object")
        else:
            errors.extend(
                f"git.{key}: unknown key"
                for key in sorted(field_key(str(k)) for k in git if k not in GIT_KEYS)
            )
            errors.extend(
                f"git.{key}: must be a string"
                for key in sorted(GIT_KEYS)
                if git.get(key) is not None and not isinstance(git[key], str)
            )
    for key in ("container_context", "build", "defs_state_info"):
        if document.get(key) is not None and not isinstance(document[key], Mapping):
            errors.append(f"{key}: must be an object")
    errors.extend(_pex_errors(document))
    errors.extend(string_problems(document, len(dumps(document))))
    return errors


def _pex_errors(document: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    bundle = document.get("pex_bundle")
    if bundle is not None and not isinstance(bundle, bool):
        errors.append("pex_bundle: must be true or false")
    pex = document.get("pex_metadata")
    if pex is None:
        return errors
    if not isinstance(pex, Mapping):
        return [*errors, "pex_metadata: must be an object"]
    unknown = sorted(field_key(str(k)) for k in pex if k not in PEX_KEYS)
    errors.extend(f"pex_metadata.{key}: unknown key" for key in unknown)
    if not isinstance(pex.get("pex_tag"), str) or not pex["pex_tag"]:
        errors.append("pex_metadata.pex_tag: required, a string")
    version = pex.get("python_version")
    if version is not None and not isinstance(version, str):
        errors.append("pex_metadata.python_version: must be a string")
    return errors


def document_hash(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(dumps(document).encode()).hexdigest()


def _git(document: Mapping[str, Any]) -> Mapping[str, Any]:
    git = document.get("git")
    return git if isinstance(git, Mapping) else {}


def commit_hash_of(document: Mapping[str, Any]) -> str | None:
    value = _git(document).get("commit_hash")
    return str(value) if value else None


def code_source_of(document: Mapping[str, Any]) -> tuple[str, str] | None:
    source = document.get("code_source")
    if isinstance(source, Mapping):
        for kind in CODE_SOURCES:
            if source.get(kind):
                return kind, str(source[kind])
    if document.get("autoload_defs_module_name"):
        return "autoload_defs_module_name", str(document["autoload_defs_module_name"])
    return None


def location_display_metadata(document: Mapping[str, Any]) -> dict[str, str]:
    """What a location shows about its code: code source, working directory,
    image and commit (Dagster's `displayMetadata` keys plus the git ones)."""
    display: dict[str, str] = {}
    source = code_source_of(document)
    if source is not None:
        display[source[0]] = source[1]
    for key in ("working_directory", "executable_path", "attribute", "image"):
        if document.get(key):
            display[key] = str(document[key])
    git = _git(document)
    for key in ("commit_hash", "url"):
        if git.get(key):
            display[key] = str(git[key])
    return display


def serialized_deployment_metadata(document: Mapping[str, Any]) -> str:
    """The `CodeDeploymentMetadata` JSON Dagster+ keeps for a location."""
    source = document.get("code_source")
    code_source: Mapping[str, Any] = source if isinstance(source, Mapping) else {}
    git = _git(document)
    git_metadata = None
    if git.get("commit_hash") or git.get("url"):
        git_metadata = {
            "__class__": "GitMetadata",
            "commit_hash": git.get("commit_hash"),
            "url": git.get("url"),
        }
    metadata = {
        "__class__": "CodeDeploymentMetadata",
        "agent_queue": document.get("agent_queue"),
        "attribute": document.get("attribute"),
        "autoload_defs_module_name": code_source.get("autoload_defs_module_name")
        or document.get("autoload_defs_module_name"),
        "cloud_context_env": {},
        "container_context": document.get("container_context") or {},
        "defs_state_info": document.get("defs_state_info"),
        "executable_path": document.get("executable_path"),
        "git_metadata": git_metadata,
        "image": document.get("image"),
        "module_name": code_source.get("module_name"),
        "package_name": code_source.get("package_name"),
        "pex_metadata": document.get("pex_metadata"),
        "python_file": code_source.get("python_file"),
        "working_directory": document.get("working_directory"),
    }
    return dumps(metadata)
