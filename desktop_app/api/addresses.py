"""Which addresses are loopback, decided on resolved addresses.

An address typed without a scheme is reached over https, except on this
machine (loopback), where local servers speak plain http. "Loopback" means
every address the name resolves to is a loopback address (`ipaddress`),
never a string prefix such as `127.`: `127.example.com` is not local.
"""

from __future__ import annotations

import functools
import ipaddress
import socket

CLOUD_SUFFIX = ".dagster.cloud"


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def is_loopback(host: str) -> bool:
    """True when `host` (a name or an IP literal) is this machine."""
    host = host.strip().lower().rstrip(".")
    if not host or host.endswith(CLOUD_SUFFIX):
        return False
    literal = _literal(host)
    if literal is not None:
        return literal.is_loopback
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = [_literal(str(info[4][0])) for info in found]
    return bool(addresses) and all(a is not None and a.is_loopback for a in addresses)


def default_scheme(host: str) -> str:
    """The scheme for an address typed without one."""
    return "http" if is_loopback(host) else "https"
