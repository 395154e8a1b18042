"""Transport-neutral request and response: what every door translates to and from.

Plain named tuples: made and read on every mocked call, they cost less than dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

__all__ = ["HttpRequest", "HttpResponse", "split_url"]


class HttpRequest(NamedTuple):
    """One HTTP request as the pipeline sees it; header names are kept lower-case.

    Example::

        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {"Content-Type": "x"}, b"Action=X")
        >>> req.header("content-type"), req.host, req.query
        ('x', 'sts.amazonaws.com', '')
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""

    @classmethod
    def build(cls, method: str, url: str, headers: Mapping[str, str | bytes], body: bytes | str | None) -> HttpRequest:
        lowered = {
            name.lower(): (value.decode("latin-1") if isinstance(value, bytes) else str(value))
            for name, value in headers.items()
        }
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(method.upper(), url, lowered, body or b"")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    @property
    def host(self) -> str:
        return _hostname(self.url) or self.header("host").split(":")[0]

    @property
    def query(self) -> str:
        parts = split_url(self.url)
        return parts.query if parts else self.url.partition("?")[2].partition("#")[0]


def split_url(url: str) -> SplitResult | None:
    """``urlsplit``, or None for a URL it refuses (``https://[::1/`` raises ``Invalid IPv6 URL``).

    Example::

        >>> split_url("https://sts.amazonaws.com/?a=b").query, split_url("https://[::1/")
        ('a=b', None)
    """
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _hostname(url: str) -> str | None:
    parts = split_url(url)
    return parts.hostname if parts else None


class HttpResponse(NamedTuple):
    """One HTTP response from the pipeline: transport fields only.

    Example::

        >>> HttpResponse(200, {"Content-Type": "text/xml"}, b"<x/>").status
        200
    """

    status: int
    headers: dict[str, str]
    body: bytes = b""
