"""Transport-neutral request and response: what every door translates to and from.

Made and read on every mocked call: a small class with slots, and a named tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

__all__ = ["HttpRequest", "HttpResponse", "split_url"]


class HttpRequest:
    """One HTTP request as the pipeline sees it; header names are kept lower-case.

    Its URL is split once, the first time a part of it is asked for (the request never changes).

    Example::

        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {"Content-Type": "x"}, b"Action=X")
        >>> req.header("content-type"), req.host, req.query
        ('x', 'sts.amazonaws.com', '')
    """

    __slots__ = ("_parts", "body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self._parts: SplitResult | bool | None = False  # not split yet

    @classmethod
    def build(cls, method: str, url: str, headers: Mapping[str, str | bytes], body: bytes | str | None) -> HttpRequest:
        lowered = {
            name.lower(): (value.decode("latin-1") if isinstance(value, bytes) else str(value))
            for name, value in headers.items()
        }
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(method.upper(), url, lowered, body or b"")

    def _replace(self, **changes: object) -> HttpRequest:
        """The same request with some fields changed (as a named tuple's ``_replace``)."""
        fields: dict[str, object] = {"method": self.method, "url": self.url, "headers": self.headers, "body": self.body}
        fields.update(changes)
        return HttpRequest(**fields)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"HttpRequest(method={self.method!r}, url={self.url!r}, headers={self.headers!r}, body={self.body!r})"

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    @property
    def parts(self) -> SplitResult | None:
        """The URL split (``urlsplit``), or None for a URL it refuses."""
        parts = self._parts
        if parts is False:
            parts = self._parts = split_url(self.url)
        return parts  # type: ignore[return-value]

    @property
    def host(self) -> str:
        parts = self.parts
        return (parts.hostname if parts is not None else None) or self.header("host").split(":")[0]

    @property
    def query(self) -> str:
        parts = self.parts
        return parts.query if parts is not None else self.url.partition("?")[2].partition("#")[0]


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


class HttpResponse(NamedTuple):
    """One HTTP response from the pipeline: transport fields only.

    Example::

        >>> HttpResponse(200, {"Content-Type": "text/xml"}, b"<x/>").status
        200
    """

    status: int
    headers: dict[str, str]
    body: bytes = b""
