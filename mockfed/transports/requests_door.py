"""The requests door: ``requests`` calls to STS hosts, answered through the ``responses`` library.

A door only translates transport objects to :class:`HttpRequest` and back; it knows no
STS action. ``requests`` and ``responses`` are imported on the first activation, keeping
``import mockfed`` light.
"""

from __future__ import annotations

from typing import Any

from mockfed.auth.endpoints import STS_URL
from mockfed.http import HttpRequest
from mockfed.transports.active import active_state, doors
from mockfed.transports.botocore_door import body_bytes

__all__ = ["start", "stop"]

_requests_mock: Any = None


def _answer_requests(prepared: Any) -> tuple[int, dict[str, str], bytes]:
    door = active_state()
    if door is None:  # deactivated between match and answer: refuse rather than reach the network
        raise ConnectionError("mockfed is no longer active")
    request = HttpRequest.build(
        prepared.method or "GET", prepared.url, dict(prepared.headers), body_bytes(prepared.body)
    )
    response = door.answer(request)
    return response.status, response.headers, response.body


_StsAdapter: Any = None  # requests' adapter for STS hosts while a mock is active (made on first use)
_sts_adapter: Any = None
_original_get_adapter: Any = None


def _get_adapter(session: Any, url: str) -> Any:
    """``requests.Session.get_adapter`` while a mock is active: STS hosts get mockfed's adapter."""
    if doors and STS_URL.match(url):
        return _sts_adapter
    return _original_get_adapter(session, url)


def start() -> None:
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
        mock.add_callback(method, STS_URL, callback=_answer_requests)
    mock.start()
    _requests_mock = mock
    _original_get_adapter = requests.Session.get_adapter
    requests.Session.get_adapter = _get_adapter  # type: ignore[method-assign,assignment]


def stop() -> None:
    """Undo :func:`start` (the last deactivation calls it)."""
    global _requests_mock, _original_get_adapter
    import requests

    if _original_get_adapter is not None:
        requests.Session.get_adapter = _original_get_adapter  # type: ignore[method-assign]
        _original_get_adapter = None
    if _requests_mock is not None:
        _requests_mock.stop(allow_assert=False)
        _requests_mock = None
