"""The active mocks, innermost last: what every door answers with."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from mockfed.backend import FederationBackend
from mockfed.dispatch import Exchange, console_exchange
from mockfed.http import HttpRequest, HttpResponse
from mockfed.idp.discovery import issuer_document

__all__ = ["Door", "active_state", "body_read", "doors", "lock"]


@dataclass(eq=False)  # doors are told apart by identity
class Door:
    """What an active mock answers with: its pipeline and backend, whether unmocked AWS requests may leave, and
    whether botocore keeps the process's time while it is the innermost (a mock that records: its requests go to
    the real endpoint with real credentials) instead of reading the backend clock."""

    exchange: Callable[[HttpRequest], Exchange]
    backend: FederationBackend
    allow_passthrough: bool = False
    real_time: bool = False
    warned_web_identity: bool = False
    """Whether this activation warned already of web-identity variables set by hand (it warns once)."""

    def answer(self, request: HttpRequest) -> HttpResponse:
        """The pipeline's answer to an STS request."""
        return self.exchange(request).response

    def answer_console(self, request: HttpRequest) -> HttpResponse:
        """The console federation endpoint's answer (sign-in and console hosts), from the same backend.

        Example::

            >>> from mockfed.dispatch import Dispatcher
            >>> backend = FederationBackend()
            >>> door = Door(Dispatcher(backend).exchange, backend)
            >>> request = HttpRequest.build("GET", "https://signin.aws.amazon.com/federation", {}, b"")
            >>> door.answer_console(request).status
            400
        """
        return console_exchange(request, self.backend).response

    def publishes(self, url: str) -> bool:
        """Whether an OpenID Connect issuer the backend holds now publishes a document at ``url`` (its discovery
        document, its keys): :mod:`mockfed.idp.discovery`, read from the backend at each question."""
        return issuer_document(self.backend.state.account, url) is not None

    def answer_identity_provider(self, request: HttpRequest) -> HttpResponse | None:
        """What an issuer the backend holds publishes at the request's URL, as its host answers it; None when no
        issuer publishes anything there (the door then does what it does with any other host).

        Example::

            >>> from mockfed.dispatch import Dispatcher
            >>> backend = FederationBackend()
            >>> github = backend.create_oidc_provider("https://token.actions.githubusercontent.com")
            >>> door = Door(Dispatcher(backend).exchange, backend)
            >>> keys = HttpRequest.build("GET", "https://token.actions.githubusercontent.com/.well-known/jwks", {}, b"")
            >>> door.answer_identity_provider(keys).status
            200
            >>> door.answer_identity_provider(keys._replace(url="https://gitlab.com/.well-known/jwks")) is None
            True
        """
        document = issuer_document(self.backend.state.account, request.url)
        if document is None:
            return None
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"Method Not Allowed")
        return HttpResponse(200, {"Content-Type": "application/json"}, json.dumps(document).encode("utf-8"))


doors: list[Door] = []
lock = threading.Lock()


def active_state() -> Door | None:
    """The innermost active mock, or None (one read of the list: another thread may stop the last mock meanwhile)."""
    try:
        return doors[-1]
    except IndexError:
        return None


def body_read(request: HttpRequest, response: HttpResponse) -> bytes:
    """What a client reads of ``response`` to ``request``: nothing for HEAD (an answer to HEAD has headers only).

    Example::

        >>> page = HttpResponse(200, {}, b"<html/>")
        >>> head = HttpRequest.build("HEAD", "https://console.aws.amazon.com/", {}, b"")
        >>> body_read(head, page), body_read(head._replace(method="GET"), page)
        (b'', b'<html/>')
    """
    return b"" if request.method == "HEAD" else response.body
