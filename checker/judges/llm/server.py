"""The server a model judge talks to, written one way (part of the cache key)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_server(base_url: str | None) -> str:
    """``base_url`` with scheme and host lower-cased, no default port, no trailing ``/``.

    ``HTTPS://API.Example.com:443/v1/`` and ``https://api.example.com/v1`` are one
    server; ``""`` stays ``""`` (an in-process judge).
    """
    if not base_url:
        return ""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, ""))
