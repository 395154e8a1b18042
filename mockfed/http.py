"""Transport-neutral request and response: what every door translates to and from.

Made and read on every mocked call: a small class with slots, and a named tuple.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit

__all__ = ["REASON_HEADER", "HttpRequest", "HttpResponse", "form_pairs", "form_unquote", "reason_header", "split_url"]

#: The header in which mockfed says why it refused a request (the service's own message stays exactly the real one).
REASON_HEADER = "x-mockfed-reason"


def reason_header(reason: str) -> str:
    """``reason`` as one safe header value: printable ASCII only, at most 1,000 characters (a reason may quote
    what the client sent).

    Example::

        >>> reason_header("the request's sts:ExternalId is 'acme-8é'")
        "the request's sts:ExternalId is 'acme-8?'"
    """
    return "".join(char if " " <= char <= "~" else "?" for char in reason[:1000])


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


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The ``name=value`` pairs of a query string or form body, each decoded as a form decodes it (``+`` a space):
    the one reading of a query that both its parameters and its signature are made from.

    Example::

        >>> form_pairs("Name=B%2Bob&Tag=x+y&&empty")
        [('Name', 'B+ob'), ('Tag', 'x y'), ('empty', '')]
    """
    pairs = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            if "%" in name or "+" in name:
                name = form_unquote(name)
            if "%" in value or "+" in value:
                value = form_unquote(value)
            pairs.append((name, value))
    return pairs


def form_unquote(text: str) -> str:
    """A form field's text decoded as ``urllib.parse.unquote_plus`` decodes it (``+`` a space, ``%XX`` a byte,
    the bytes UTF-8 with errors replaced).

    ASCII text whose escapes are all well formed and make UTF-8, nearly every field, is decoded in one pass in C
    (each ``%XX`` turned into ``\\xXX`` for the codec that reads Python's escapes); any other falls back to
    ``unquote``, whose answer it always equals.

    Example::

        >>> form_unquote("%7B%22a%22%3A+%22%C3%A9%22%7D"), form_unquote("100%+sure"), form_unquote("caf%E9")
        ('{"a": "é"}', '100% sure', 'caf\ufffd')
    """
    text = text.replace("+", " ")
    if _escape_decode is not None and text.isascii():
        try:
            return _escape_decode(text.replace("\\", "\\\\").replace("%", "\\x").encode("ascii"))[0].decode("utf-8")
        except (ValueError, UnicodeDecodeError):  # a % without two hex digits, bytes that are not UTF-8
            pass
    return unquote(text)


#: CPython's decoder of Python's string escapes (what ``pickle`` reads text with); absent elsewhere, unquote serves.
_escape_decode: Callable[[bytes], tuple[bytes, int]] | None = getattr(codecs, "escape_decode", None)


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
