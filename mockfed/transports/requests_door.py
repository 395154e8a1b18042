"""The requests door: ``requests`` calls to STS, sign-in and console hosts, answered through ``responses``.

And the URLs where an OpenID Connect issuer the active backend holds publishes its discovery document and keys
(:mod:`mockfed.idp.discovery`), so code that verifies tokens itself runs offline.

A door only translates transport objects to :class:`HttpRequest` and back; it knows no
STS action. ``requests`` and ``responses`` are imported on the first activation, keeping
``import mockfed`` light.
"""

from __future__ import annotations

import re
from typing import Any

from mockfed.auth.endpoints import destination
from mockfed.http import HttpRequest
from mockfed.transports.active import active_state, body_read
from mockfed.transports.botocore_door import body_bytes

__all__ = ["start", "stop"]

_requests_mock: Any = None


def _callback(prepared: Any) -> tuple[int, dict[str, str], bytes]:
    """The ``responses`` callback of mockfed's adapter: the innermost active mock's answer (STS's, or the console
    federation endpoint's), for every URL the adapter was chosen for."""
    door = active_state()
    if door is None:  # deactivated between match and answer: refuse rather than reach the network
        raise ConnectionError("mockfed is no longer active")
    body = body_bytes(prepared.body)
    request = HttpRequest.build(prepared.method or "GET", prepared.url, dict(prepared.headers), body)
    going = destination(prepared.url)
    if going == "sts":
        response = door.answer(request)
    elif going == "console":
        response = door.answer_console(request)
    else:  # an identity provider's document, chosen by _get_adapter
        published = door.answer_identity_provider(request)
        if published is None:  # the issuer went (a reset) between match and answer: refuse, as above
            raise ConnectionError(f"no identity provider of the active mock publishes {prepared.url}")
        response = published
    return response.status, response.headers, body_read(request, response)


#: Every method ``responses`` can match: the pipeline answers each (the federation endpoint: 405 but GET and POST), as
#: through urllib, rather than ``responses`` raising ``ConnectionError`` for a method nothing was registered for.
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Every URL that reaches mockfed's adapter (STS, sign-in and console hosts, however spelled: see ``_get_adapter``).
_EVERY_URL = re.compile(".*", re.DOTALL)


_StsAdapter: Any = None  # requests' adapter for STS hosts while a mock is active (made on first use)
_sts_adapter: Any = None
_original_get_adapter: Any = None


def _get_adapter(session: Any, url: str) -> Any:
    """``requests.Session.get_adapter`` while a mock is active: STS, sign-in and console hosts get mockfed's adapter,
    and so do the URLs where an OpenID Connect issuer the active backend holds publishes its discovery document and
    keys (asked at each request: nothing else of the issuer's host, and nothing once the issuer is gone)."""
    door = active_state()  # one read: another thread may stop the last mock meanwhile
    if door is None:
        return _original_get_adapter(session, url)
    if destination(url) in ("sts", "console") or door.publishes(url):  # however the host is spelled
        return _sts_adapter
    return _original_get_adapter(session, url)


def start() -> None:
    """Route ``requests`` calls to STS, sign-in and console hosts through ``responses``, on an adapter of mockfed's own.

    Neither ``responses`` users nor moto patch ``Session.get_adapter`` or this adapter (they patch
    ``HTTPAdapter.send``, each saving and restoring it), so mocks stopped in any order never
    restore each other's patches, and ``@responses.activate`` in the same test keeps working.
    """
    global _StsAdapter, _sts_adapter, _original_get_adapter, _requests_mock
    import requests
    import requests.adapters
    import responses

    if _StsAdapter is None:  # made once: the adapter, and the routes (fixed: each answers from the active mock)
        _requests_mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in _METHODS:
            _requests_mock.add_callback(method, _EVERY_URL, callback=_callback)
        # The adapter's send is responses' own, set in the class once rather than patched in at each activation:
        # no session is given this adapter while no mock is active (``_get_adapter`` is restored), so nothing
        # outside mockfed changes; and no ``unittest.mock.patch.stopall()`` (a tearDown's) can take it away.
        _StsAdapter = type(
            "_StsAdapter",
            (requests.adapters.HTTPAdapter,),
            {"__module__": __name__, "send": _requests_mock.unbound_on_send()},
        )
        _sts_adapter = _StsAdapter()
    _original_get_adapter = requests.Session.get_adapter
    requests.Session.get_adapter = _get_adapter  # type: ignore[method-assign,assignment]


def stop() -> None:
    """Undo :func:`start` (the last deactivation calls it)."""
    import requests

    if _original_get_adapter is not None:  # kept: a thread already inside _get_adapter goes on to it
        requests.Session.get_adapter = _original_get_adapter  # type: ignore[method-assign]
    if _requests_mock is not None:
        _requests_mock.calls.reset()
        for route in _requests_mock.registered():  # each route keeps its own list of the calls it answered too
            route.calls.reset()  # responses keeps every request it answered: nothing is kept past the mock
