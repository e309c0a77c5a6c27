"""The server a model judge talks to, written one way (part of the cache key)."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_server(base_url: str | None) -> str:
    """``base_url`` as ``scheme://host[:port]/path``: scheme and host lower-cased, no
    default port, no trailing or doubled ``/``, and no credentials, query or fragment.

    ``HTTPS://user:key@API.Example.com:443/v1/?key=k`` and ``https://api.example.com/v1``
    are one server, and nothing secret reaches the store; ``""`` stays ``""`` (an
    in-process judge).
    """
    if not base_url or not base_url.strip():
        return ""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # not a number: keep the host alone
        port = None
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    path = "/".join(segment for segment in parts.path.split("/") if segment)
    return f"{scheme}://{host}" + (f"/{path}" if path else "")
