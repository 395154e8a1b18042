"""The doors: botocore's ``before-send`` event and the ``responses`` library, into one pipeline.

A door only translates transport objects to :class:`HttpRequest` and back; it
knows no STS action. The botocore handler is installed once, at import, in
``botocore.handlers.BUILTIN_HANDLERS`` (so every session created afterwards has
it, in every client) and is inert while no mock is active: one list check per
STS request. Clients whose session predates ``import mockfed`` are caught by a
guard on ``Endpoint._send`` installed only while a mock is active.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.endpoint
import botocore.handlers
from botocore.awsrequest import AWSResponse

from mockfed import pipeline
from mockfed.auth import STS_HOST_PATTERN
from mockfed.errors import UnmockedRequestError
from mockfed.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from mockfed.backend import FederationBackend

__all__ = ["Door", "activate", "active_state", "deactivate", "install_botocore_handler"]

_STS_URL = re.compile(rf"^https?://{STS_HOST_PATTERN}(?::\d+)?(?:/|\?|$)")

#: Any AWS endpoint (the hosts a request must not reach unmocked).
_AWS_URL = re.compile(
    r"^https?://(?:[^/?#]*\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws|amazonwebservices\.com\.cn)(?::\d+)?(?:[/?#]|$)"
)


@dataclass
class Door:
    """What an active mock answers with: its backend and options."""

    backend: FederationBackend
    strict_auth: bool = False
    allow_passthrough: bool = False
    replay: pipeline.Replay | None = None

    def answer(self, request: HttpRequest) -> HttpResponse:
        return pipeline.handle(request, self.backend, strict_auth=self.strict_auth, scenario=self.replay)


_stack: list[Door] = []
_lock = threading.Lock()
_original_send: Any = None
_requests_mock: Any = None


def active_state() -> Door | None:
    """The innermost active mock, or None."""
    return _stack[-1] if _stack else None


class _RawBody(io.BytesIO):
    """The raw stream botocore reads a response body from."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        position = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if position is not None and hasattr(body, "seek"):
            body.seek(position)
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    return bytes(body)


def _answer_botocore(door: Door, request: Any) -> AWSResponse:
    http_request = HttpRequest.build(request.method, request.url, dict(request.headers), _body_bytes(request.body))
    return _to_aws_response(request.url, door.answer(http_request))


def _to_aws_response(url: str, response: HttpResponse) -> AWSResponse:
    return AWSResponse(url, response.status, response.headers, _RawBody(response.body))


def _on_before_send(request: Any, **_: Any) -> AWSResponse | None:
    """botocore's ``before-send.sts`` handler: answer from the active mock, if any."""
    if not _stack or getattr(request, "_mockfed_answered", False):
        return None  # inactive, or answered already by a second registration of this handler
    request._mockfed_answered = True
    return _answer_botocore(_stack[-1], request)


def _on_before_send_iam(request: Any, **_: Any) -> AWSResponse | None:
    """IAM called with credentials of a federated session of the active mock: denied, as AWS does."""
    if not _stack:
        return None
    door = _stack[-1]
    http_request = HttpRequest.build(request.method, request.url, dict(request.headers), _body_bytes(request.body))
    denied = pipeline.deny_federated_iam(http_request, door.backend)
    return None if denied is None else _to_aws_response(request.url, denied)


def _guarded_send(endpoint: Any, request: Any) -> Any:
    """``Endpoint._send`` while a mock is active: STS answered (clients older than mockfed), AWS never reached."""
    door = active_state()
    if door is not None:
        url = request.url or ""
        if _STS_URL.match(url):
            return _answer_botocore(door, request)
        if not door.allow_passthrough and _AWS_URL.match(url):
            raise UnmockedRequestError(getattr(endpoint, "_endpoint_prefix", "") or "an AWS service", url)
    return _original_send(endpoint, request)


def install_botocore_handler() -> None:
    """Put the ``before-send.sts`` handler first among botocore's built-in handlers (idempotent)."""
    for spec in (
        ("before-send.sts", _on_before_send, botocore.handlers.REGISTER_FIRST),
        ("before-send.iam", _on_before_send_iam, botocore.handlers.REGISTER_FIRST),
    ):
        if spec not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(spec)
    _register_on_existing_default_session()


def _register_on_existing_default_session() -> None:
    """boto3's default session may predate mockfed: give it the handler (its future clients get it)."""
    import sys

    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
    core = getattr(session, "_session", None)
    if core is not None and not getattr(core, "_mockfed_registered", False):
        events = core.get_component("event_emitter")
        events.register_first("before-send.sts", _on_before_send, unique_id="mockfed-before-send")
        events.register_first("before-send.iam", _on_before_send_iam, unique_id="mockfed-before-send-iam")
        core._mockfed_registered = True


# ---- recording: the real endpoint ------------------------------------------------------------------------------

_pool: Any = None


def forward(request: HttpRequest) -> HttpResponse:
    """Send ``request`` where it was going (real AWS, or a local endpoint) and return the answer unchanged.

    Used only while a scenario records: the one time a request leaves the process under a mock.
    """
    global _pool
    import urllib3

    if _pool is None:
        _pool = urllib3.PoolManager()
    answer = _pool.request(
        request.method,
        request.url,
        body=request.body or None,
        headers=dict(request.headers),
        retries=False,
        redirect=False,
        preload_content=True,
    )
    headers = {name: value for name, value in answer.headers.items() if name.lower() != "transfer-encoding"}
    return HttpResponse(answer.status, headers, answer.data)


# ---- the requests door -----------------------------------------------------------------------------------------


def _answer_requests(prepared: Any) -> tuple[int, dict[str, str], bytes]:
    door = active_state()
    if door is None:  # deactivated between match and answer: refuse rather than reach the network
        raise ConnectionError("mockfed is no longer active")
    request = HttpRequest.build(
        prepared.method or "GET", prepared.url, dict(prepared.headers), _body_bytes(prepared.body)
    )
    response = door.answer(request)
    return response.status, response.headers, response.body


_StsAdapter: Any = None  # requests' adapter for STS hosts while a mock is active (made on first use)
_sts_adapter: Any = None
_original_get_adapter: Any = None


def _get_adapter(session: Any, url: str) -> Any:
    """``requests.Session.get_adapter`` while a mock is active: STS hosts get mockfed's adapter."""
    if _stack and _STS_URL.match(url):
        return _sts_adapter
    return _original_get_adapter(session, url)


def _start_requests_door() -> None:
    """Route ``requests`` calls to STS through the ``responses`` library, on an adapter of mockfed's own.

    Neither ``responses`` users nor moto patch ``Session.get_adapter`` or this adapter (they patch
    ``HTTPAdapter.send``, each saving and restoring it), so mocks stopped in any order never
    restore each other's patches, and ``@responses.activate`` in the same test keeps working.
    """
    global _StsAdapter, _sts_adapter, _original_get_adapter, _requests_mock
    import requests
    import requests.adapters
    import responses

    if _StsAdapter is None:
        _StsAdapter = type("_StsAdapter", (requests.adapters.HTTPAdapter,), {"__module__": __name__})
        _sts_adapter = _StsAdapter()
    mock = responses.RequestsMock(assert_all_requests_are_fired=False, target=f"{__name__}._StsAdapter.send")
    for method in ("GET", "POST"):
        mock.add_callback(method, _STS_URL, callback=_answer_requests)
    mock.start()
    _requests_mock = mock
    _original_get_adapter = requests.Session.get_adapter
    requests.Session.get_adapter = _get_adapter  # type: ignore[method-assign,assignment]


def _stop_requests_door() -> None:
    global _requests_mock, _original_get_adapter
    import requests

    if _original_get_adapter is not None:
        requests.Session.get_adapter = _original_get_adapter  # type: ignore[method-assign]
        _original_get_adapter = None
    if _requests_mock is not None:
        _requests_mock.stop(allow_assert=False)
        _requests_mock = None


# ---- activation ------------------------------------------------------------------------------------------------


def activate(door: Door) -> None:
    """Make ``door`` the innermost active mock; the first activation installs the guards."""
    global _original_send
    with _lock:
        if not _stack:
            _original_send = botocore.endpoint.Endpoint._send
            botocore.endpoint.Endpoint._send = _guarded_send
            _register_on_existing_default_session()
            try:
                _start_requests_door()
            except BaseException:
                botocore.endpoint.Endpoint._send = _original_send
                raise
        _stack.append(door)


def deactivate(door: Door) -> None:
    """Remove ``door`` (wherever it is in the stack); the last one out restores what was patched."""
    global _original_send
    with _lock:
        for index in range(len(_stack) - 1, -1, -1):
            if _stack[index] is door:
                del _stack[index]
                break
        if not _stack and _original_send is not None:
            botocore.endpoint.Endpoint._send = _original_send
            _original_send = None
            _stop_requests_door()
