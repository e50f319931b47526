"""Loopback: deciding what it is, and keeping web pages out of it.

A server bound to loopback is reachable by every web page the user opens:
a page can post to `http://127.0.0.1:3000/graphql`, or rebind a name of its
own to 127.0.0.1 (DNS rebinding) and then read the answers. So such a
server only answers requests whose `Host` is a loopback name or address,
refuses any `Origin` but its own, and wants `Content-Type:
application/json`, which a page cannot send across sites without a CORS
preflight this server never grants.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Mapping
from typing import Any

HOST_HEADER = re.compile(r"(?:\[([0-9a-f:.%]+)\]|([a-z0-9._-]+))(?::[0-9]{1,5})?")
MAX_HOST = 300
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "localhost.localdomain"})


def is_loopback_address(text: str) -> bool:
    """True for an IP address literal on loopback (127.0.0.0/8, ::1, and
    IPv4-mapped 127.x); False for anything else, names included."""
    text = text.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_loopback(host: str) -> bool:
    """True when every address `host` resolves to is on loopback. An
    address literal is judged as it is; a name is resolved (no DNS is
    needed for `localhost`); a name that does not resolve is not loopback."""
    if not host or not host.strip():
        return False  # all interfaces
    if is_loopback_address(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(is_loopback_address(a) for a in addresses)


def _host_name(host_header: str) -> str | None:
    """The host of a `Host` header value without its port; None when the
    value is not `name[:port]` or `[address][:port]`."""
    match = HOST_HEADER.fullmatch(host_header.strip().lower())
    if match is None:
        return None
    return match.group(1) or match.group(2)


@functools.lru_cache(maxsize=64)
def is_loopback_host_header(host_header: str) -> bool:
    """True for `localhost[:port]` or a loopback address literal. Never
    resolved: resolving a page's own name is exactly what rebinding abuses."""
    name = _host_name(host_header)
    return name is not None and (name in LOOPBACK_NAMES or is_loopback_address(name))


def cross_site_refusal(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """(status, message) refusing a request a loopback server must not
    answer, or None. Requests without `Host` (HTTP/1.0) and without
    `Origin` (every client but a browser) pass those two checks."""
    host = str(environ.get("HTTP_HOST", ""))
    if host and (len(host) > MAX_HOST or not is_loopback_host_header(host)):
        return (
            "421 Misdirected Request",
            f"Host {_printable(host)} is not a loopback name; this server answers "
            "127.0.0.1, ::1 and localhost only",
        )
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin != f"http://{host}":
        return (
            "403 Forbidden",
            f"cross-site request from Origin {_printable(str(origin))} refused",
        )
    content_type = str(environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return (
            "415 Unsupported Media Type",
            "send the request with Content-Type: application/json",
        )
    return None


def _printable(text: str, limit: int = 80) -> str:
    """`text` quoted, with control characters escaped and cut to `limit`."""
    shown = repr(text[:limit])
    return shown + ("..." if len(text) > limit else "")
