"""Hostile documents and bodies, shared by the quick tests and the fault suite."""

from __future__ import annotations


def fragment_doubling(levels: int = 22) -> str:
    """About 1 KB that spreads 2**levels fragments when expanded."""
    lines = ["query Doubling { ...F0 }"]
    lines += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    lines.append(f"fragment F{levels} on Query {{ permissions {{ permission value }} }}")
    return "\n".join(lines)


def many_aliases(count: int = 5000, limit: int = 1000, selection: str = "loadStatus") -> str:
    """`count` aliases of one history page of `limit` rows."""
    page = f'locationLoadHistory(locationName: "ingest_raw", limit: {limit})'
    field = f"{page} {{ {selection} }}"
    return "{" + " ".join(f"a{i}: {field}" for i in range(count)) + "}"


def deep(levels: int) -> str:
    """Fields nested `levels` deep (valid names at every level but the schema's)."""
    return "{" + "workspace { " * levels + "__typename" + " }" * levels + "}"


def large_document(chars: int, seed: int) -> str:
    """A distinct, valid document of about `chars` characters (a long comment)."""
    return f"# {seed}\n# " + "x" * chars + "\n{ permissions { permission } }"


def huge_int(digits: int) -> str:
    """A history page whose `limit` is an integer of `digits` digits."""
    page = f'locationLoadHistory(locationName: "ingest_raw", limit: {"9" * digits})'
    return f"{{ {page} {{ loadStatus }} }}"
