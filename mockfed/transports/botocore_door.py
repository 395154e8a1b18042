"""The botocore door: botocore's ``before-send`` event and ``Endpoint._send``, into the pipeline.

A door only translates transport objects to :class:`HttpRequest` and back; it
knows no STS action. The botocore handler is installed once, at import, in
``botocore.handlers.BUILTIN_HANDLERS`` (so every session created afterwards has
it, in every client) and is inert while no mock is active: one list check per
STS request. Clients whose session predates ``import mockfed`` are caught by a
guard on ``Endpoint._send`` installed only while a mock is active.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.credentials import Credentials

from mockfed.auth.endpoints import destination
from mockfed.dispatch import deny_session_iam
from mockfed.errors import UnmockedRequestError, WebIdentityEnvironmentWarning
from mockfed.http import HttpRequest, HttpResponse
from mockfed.state.account import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from mockfed.transports.active import Door, active_state, doors

__all__ = [
    "body_bytes",
    "install_botocore_handler",
    "start_guard",
    "stop_guard",
]

_original_send: Any = None


class _RawBody(io.BytesIO):
    """The raw stream botocore reads a response body from."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def body_bytes(body: Any) -> bytes:
    """A transport's request body as bytes: bytes or another buffer (``bytearray``, ``memoryview``), text, a file-like
    object (read and rewound), an iterable of chunks (a body sent chunked: consumed), or None."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        position = _position(body)  # None for a stream that cannot go back (a pipe, a socket): read once
        data = body.read()
        if position is not None:
            body.seek(position)
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    try:
        return bytes(memoryview(body))
    except TypeError:  # not a buffer: an iterable of chunks (or of byte values)
        chunks = list(body)
    if all(isinstance(chunk, int) for chunk in chunks):
        return bytes(chunks)  # byte values (0-255), never a count of zero bytes to make
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(memoryview(chunk)) for chunk in chunks)


def _position(body: Any) -> int | None:
    """Where a file-like body stands, to put it back after reading it; None when it cannot be put back."""
    try:
        seekable = body.seekable() if hasattr(body, "seekable") else hasattr(body, "seek") and hasattr(body, "tell")
        return int(body.tell()) if seekable else None
    except (OSError, ValueError):  # a pipe or socket file says it is not seekable; some raise instead
        return None


def _http_request(request: Any) -> HttpRequest:
    """botocore's prepared request as the pipeline reads it."""
    stored = getattr(request.headers, "_dict", None)  # botocore's HeadersDict: keys that know their lower-case name
    try:
        lowered = {  # botocore keeps most header values as bytes
            key._lower: value.decode("latin-1") if value.__class__ is bytes else value
            for key, value in stored.items()  # type: ignore[union-attr]
        }
    except AttributeError:  # another kind of mapping
        return HttpRequest.build(request.method, request.url, dict(request.headers), body_bytes(request.body))
    return HttpRequest(request.method.upper(), request.url, lowered, body_bytes(request.body))


def _answer_botocore(door: Door, request: Any) -> AWSResponse:
    _warn_of_hand_set_web_identity(door, request)
    return _to_aws_response(request.url, door.answer(_http_request(request)))


def _warn_of_hand_set_web_identity(door: Door, request: Any) -> None:
    """Warn once per activation when ``AWS_WEB_IDENTITY_TOKEN_FILE`` and ``AWS_ROLE_ARN`` are set by hand: the mock's
    environment keys come first in botocore's chain, so a request signed with them never assumes the role."""
    if door.warned_web_identity or "AWS_ROLE_ARN" not in os.environ:
        return
    if "AWS_WEB_IDENTITY_TOKEN_FILE" not in os.environ or os.environ.get("AWS_ACCESS_KEY_ID") != DEFAULT_ACCESS_KEY_ID:
        return
    authorization = request.headers.get("Authorization", b"")
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    if f"Credential={DEFAULT_ACCESS_KEY_ID}/" not in authorization:
        return
    door.warned_web_identity = True
    warnings.warn(
        f"AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set, but this request is signed with the mock's environment "
        f"keys ({DEFAULT_ACCESS_KEY_ID}, user/mockfed-default), which come first in botocore's credential chain: it "
        f"does not assume {os.environ['AWS_ROLE_ARN'][:120]}. Set web identity up with the pytest fixture "
        "mockfed_web_identity, or `with mockfed.web_identity(provider, role_arn, token_file, **claims):`, which "
        "take the mock's keys out of the environment while they last.",
        WebIdentityEnvironmentWarning,
        stacklevel=2,
    )


def _to_aws_response(url: str, response: HttpResponse) -> AWSResponse:
    return AWSResponse(url, response.status, response.headers, _RawBody(response.body))


def _on_before_send(request: Any, **_: Any) -> AWSResponse | None:
    """botocore's ``before-send.sts`` handler: answer from the active mock, if any."""
    door = active_state()  # one read: another thread may stop the last mock meanwhile
    if door is None or getattr(request, "_mockfed_answered", False):
        return None  # inactive, or answered already by a second registration of this handler
    request._mockfed_answered = True
    answer = _answer_botocore(door, request)
    if "moto.core.models" in sys.modules:
        # botocore runs every before-send handler, answered or not: moto's (on all of before-send) would
        # answer STS too, recording sessions of its own or refusing STS outside its service whitelist.
        # Its pattern matching finds no service at this address; botocore makes a new request per attempt.
        request.url = _ANSWERED_URL
    return answer


_ANSWERED_URL = "https://answered-by-mockfed.invalid/"


def _on_before_sign(request: Any, request_signer: Any = None, **_: Any) -> None:
    """botocore's ``before-sign.sts`` handler: while a mock is active, an STS client that has no credentials (a
    machine without any, as most CI) signs with the default user's fake keys instead of raising
    ``NoCredentialsError`` before the mock can answer. Only that request: the client keeps having none."""
    if doors and getattr(request_signer, "_credentials", True) is None:
        request.context.setdefault("signing", {}).setdefault("request_credentials", _DEFAULT_CREDENTIALS)


_DEFAULT_CREDENTIALS = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)


def _on_before_send_iam(request: Any, **_: Any) -> AWSResponse | None:
    """IAM called with credentials of a federated session of the active mock: denied, as AWS does."""
    door = active_state()
    if door is None:
        return None
    denied = deny_session_iam(_http_request(request), door.backend)
    return None if denied is None else _to_aws_response(request.url, denied)


def _guarded_send(endpoint: Any, request: Any) -> Any:
    """``Endpoint._send`` while a mock is active: STS answered (clients older than mockfed), AWS never reached."""
    door = active_state()
    if door is not None:
        url = request.url or ""
        going = destination(url)
        if going == "sts":
            return _answer_botocore(door, request)
        if not door.allow_passthrough and going is not None:
            raise UnmockedRequestError(getattr(endpoint, "_endpoint_prefix", "") or "an AWS service", url)
    return _original_send(endpoint, request)


def install_botocore_handler() -> None:
    """Put the ``before-send.sts`` handler first among botocore's built-in handlers (idempotent)."""
    for spec in (
        ("before-send.sts", _on_before_send, botocore.handlers.REGISTER_FIRST),
        ("before-send.iam", _on_before_send_iam, botocore.handlers.REGISTER_FIRST),
        ("before-sign.sts", _on_before_sign, botocore.handlers.REGISTER_FIRST),
    ):
        if spec not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(spec)
    _register_on_existing_default_session()


def _register_on_existing_default_session() -> None:
    """boto3's default session may predate mockfed: give it the handler (its future clients get it)."""
    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
    core = getattr(session, "_session", None)
    if core is not None and not getattr(core, "_mockfed_registered", False):
        events = core.get_component("event_emitter")
        events.register_first("before-send.sts", _on_before_send, unique_id="mockfed-before-send")
        events.register_first("before-send.iam", _on_before_send_iam, unique_id="mockfed-before-send-iam")
        events.register_first("before-sign.sts", _on_before_sign, unique_id="mockfed-before-sign")
        core._mockfed_registered = True


def start_guard() -> None:
    """Answer STS and stop unmocked AWS requests in ``Endpoint._send`` (the first activation calls it)."""
    global _original_send
    _original_send = botocore.endpoint.Endpoint._send
    botocore.endpoint.Endpoint._send = _guarded_send
    _register_on_existing_default_session()


def stop_guard() -> None:
    """Restore ``Endpoint._send`` (the last deactivation calls it). The saved original stays: a thread already inside
    the guard when the last mock stops goes on to it, as an unmocked request."""
    if _original_send is not None:
        botocore.endpoint.Endpoint._send = _original_send
