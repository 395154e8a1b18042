"""The urllib door: ``urllib.request`` calls to STS, sign-in and console hosts, answered in process.

Identity brokers written with the standard library (AWS's own samples among them) call
``urllib.request.urlopen``. While a mock is active, ``AbstractHTTPHandler.do_open`` (the one
method every ``http``/``https`` opener of ``urllib.request`` sends through, whichever opener or
handler subclass a program built, before or after the mock started) answers STS, sign-in and
console URLs from the pipeline, the discovery documents and keys of the OpenID Connect issuers the
backend holds (:mod:`mockfed.idp.discovery`), and refuses other AWS hosts with
:class:`~mockfed.errors.UnmockedRequestError` (unless ``allow_passthrough``), so nothing reaches
AWS. urllib itself then does what it does with any answer: redirects are followed (the login's
302 to the console) and error statuses raise ``urllib.error.HTTPError`` carrying the page.

A door only translates transport objects to :class:`HttpRequest` and back; it knows no STS action.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Callable
from typing import Any

from mockfed.auth.endpoints import destination
from mockfed.errors import UnmockedRequestError
from mockfed.http import HttpRequest, HttpResponse
from mockfed.transports.active import active_state, body_read
from mockfed.transports.botocore_door import body_bytes

__all__ = ["start", "stop"]

_original_do_open: Any = None  # what was installed before ours, called for everything not answered here
_installed = False  # ours is in the chain (installed and not yet restored)


def _do_open(handler: Any, http_class: Any, request: Any, **connection_args: Any) -> Any:
    """``urllib.request.AbstractHTTPHandler.do_open`` while mockfed is imported and was once active."""
    door = active_state()
    if door is not None:
        url = request.full_url
        going = destination(url)  # however the host is spelled (case, trailing dot, escapes, user information)
        if going == "sts":
            return _answered(door.answer, request)
        if going == "console":
            return _answered(door.answer_console, request)
        if door.publishes(url):  # an issuer's discovery document or keys (EKS's host is an AWS one)
            sent = _http_request(request)
            published = door.answer_identity_provider(sent)
            if published is not None:
                return _Answer(url, published, body_read(sent, published))
        if not door.allow_passthrough and going == "aws":
            raise UnmockedRequestError(request.host.split(".")[0] or "an AWS service", url)
    return _original_do_open(handler, http_class, request, **connection_args)


def _answered(answer: Callable[[HttpRequest], HttpResponse], request: Any) -> _Answer:
    sent = _http_request(request)
    response = answer(sent)
    return _Answer(request.full_url, response, body_read(sent, response))


class _Answer(io.BytesIO):
    """The response object urllib's openers and their callers read, made from mockfed's answer (as
    ``http.client.HTTPResponse`` reads after ``do_open``: ``status``, ``reason``, ``msg``, ``headers``, ``url``)."""

    def __init__(self, url: str, response: HttpResponse, body: bytes) -> None:
        super().__init__(body)
        self.url = url
        self.status = self.code = response.status
        self.reason = self.msg = http.client.responses.get(response.status, "")
        self.headers = http.client.HTTPMessage()
        for name, value in response.headers.items():
            self.headers[name] = value

    def info(self) -> http.client.HTTPMessage:
        return self.headers

    def geturl(self) -> str:
        return self.url

    def getcode(self) -> int:
        return self.status

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self.headers.items())


def _http_request(request: Any) -> HttpRequest:
    """urllib's ``Request`` (after its handlers added ``Host``, ``Content-Type``, ...) as the pipeline reads it."""
    headers = dict(request.unredirected_hdrs)
    headers.update(request.headers)
    return HttpRequest.build(request.get_method(), request.full_url, headers, body_bytes(request.data))


def start() -> None:
    """Answer urllib's requests to STS, sign-in and console hosts in process (the first activation calls it)."""
    global _original_do_open, _installed
    import urllib.request

    current = urllib.request.AbstractHTTPHandler.__dict__["do_open"]
    if current is _do_open or (_installed and current is not _original_do_open):
        return  # installed; or another library patched over it since, and calls it: it answers again
    _original_do_open = current
    urllib.request.AbstractHTTPHandler.do_open = _do_open  # type: ignore[method-assign,assignment]
    _installed = True


def stop() -> None:
    """Undo :func:`start` (the last deactivation calls it).

    If another library patched ``do_open`` over mockfed's since, its patch stays and calls
    mockfed's, which passes everything on while no mock is active.
    """
    global _installed
    import urllib.request

    if urllib.request.AbstractHTTPHandler.__dict__.get("do_open") is _do_open:
        urllib.request.AbstractHTTPHandler.do_open = _original_do_open  # type: ignore[method-assign]
        _installed = False
