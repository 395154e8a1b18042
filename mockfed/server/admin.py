"""The admin API of ``mockfed serve``, defined once: each route's method, path and fields, and its handler.

The server answers with :func:`answer`; :class:`mockfed.server.client.RemoteBackend`
builds its requests from the same :class:`Route` objects, so the two cannot drift apart.
JSON in, JSON out; a refused request answers ``{"error": ...}`` with 400 or 404.

Example::

    >>> from mockfed.backend import FederationBackend
    >>> answer("POST", "clock/advance", b'{"minute": 1}', FederationBackend())
    (400, {'error': 'unknown field(s) minute; expected seconds, minutes, hours, days'})
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockfed.backend import FederationBackend
from mockfed.clock import Clock
from mockfed.errors import StsError
from mockfed.state.records import Call, ConsoleSession, FederatedSession

__all__ = [
    "ADMIN_PREFIX",
    "CLOCK_ADVANCE",
    "CLOCK_SET",
    "ERRORS_INJECT",
    "REGIONS_DISABLE",
    "REGIONS_ENABLE",
    "RESET",
    "ROUTES",
    "STATE",
    "USERS",
    "Route",
    "answer",
]

#: Paths under this prefix are the admin API; every other path is STS.
ADMIN_PREFIX = "/_mockfed/"

logger = logging.getLogger("mockfed.server")


@dataclass(frozen=True)
class Route:
    """One admin endpoint: ``method``, ``path`` (under :data:`ADMIN_PREFIX`), and the body fields it takes."""

    method: str
    path: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def url_path(self) -> str:
        return ADMIN_PREFIX + self.path

    def check_fields(self, body: Mapping[str, Any]) -> None:
        """Refuse a body with a field the route does not take, or without one it needs."""
        unknown = sorted(set(body) - set(self.required) - set(self.optional))
        if unknown:
            expected = ", ".join(self.required + self.optional)
            raise AdminError(400, f"unknown field(s) {', '.join(unknown)}; expected {expected}")
        missing = [name for name in self.required if name not in body]
        if missing:
            raise AdminError(400, f"missing field(s) {', '.join(missing)}")


class AdminError(Exception):
    """An admin request the server refuses: its HTTP status and the message of ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


#: How far one clock move may go, per unit: a century (further breaks datetime arithmetic, not tests).
_MAX_ADVANCE = {"seconds": 100 * 366 * 86400, "minutes": 100 * 366 * 1440, "hours": 100 * 366 * 24, "days": 100 * 366}

STATE = Route("GET", "state")
CLOCK_ADVANCE = Route("POST", "clock/advance", optional=tuple(_MAX_ADVANCE))
CLOCK_SET = Route("POST", "clock/set", required=("time",))
RESET = Route("POST", "reset")
USERS = Route("POST", "users", required=("name",), optional=("policy", "tags"))
REGIONS_DISABLE = Route("POST", "regions/disable", required=("region",))
REGIONS_ENABLE = Route("POST", "regions/enable", required=("region",))
ERRORS_INJECT = Route("POST", "errors/inject", required=("action", "code"), optional=("message", "count", "status"))


# ---- reading a body ------------------------------------------------------------------------------------------


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError; nesting Python cannot follow
        raise AdminError(400, f"the request body is not JSON mockfed can read: {type(err).__name__}: {err}") from None
    if not isinstance(value, dict):
        raise AdminError(400, f"the request body must be a JSON object, not {type(value).__name__}")
    return value


def _string(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise AdminError(400, f"{name} must be a string, not {json.dumps(value)}")
    return value


def _number(body: Mapping[str, Any], name: str, limit: float) -> float:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= limit:  # NaN fails too
        raise AdminError(400, f"{name} must be a number from {-limit:g} to {limit:g}, not {json.dumps(value)}")
    return float(value)


def _integer(body: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AdminError(400, f"{name} must be an integer from {low} to {high}, not {json.dumps(value)}")
    return value


# ---- views ---------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """A time as the admin API writes it: ISO 8601, UTC, ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: What the admin API shows of a session (never its secret key or token) and of a call (never its response,
#: which holds credentials).
_SESSION_FIELDS = (
    "name",
    "access_key_id",
    "arn",
    "federated_user_id",
    "caller_arn",
    "region",
    "issued_at",
    "expiration",
    "duration_seconds",
    "packed_policy_size",
    "session_token_size",
    "policy",
    "policy_arns",
    "tags",
)
_CALL_FIELDS = (
    "action", "region", "caller_arn", "access_key_id", "status", "error_code", "error_message", "reason", "at", "params"
)
#: What it shows of a console session (the credentials it signed in with only by their key id).
_CONSOLE_FIELDS = (
    "session_id",
    "kind",
    "name",
    "arn",
    "role_arn",
    "policy",
    "policy_arns",
    "access_key_id",
    "signed_in_at",
    "expiration",
    "session_duration",
    "issuer",
    "destination",
    "partition",
)


def _view(record: FederatedSession | Call | ConsoleSession, names: tuple[str, ...]) -> dict[str, Any]:
    """A record as JSON: the named fields, times in ISO 8601, tags as an object, sequences as lists."""
    view: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif name == "tags":
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        view[name] = value
    return view


def _clock_view(clock: Clock) -> dict[str, Any]:
    return {"now": iso(clock.now()), "offset": clock.offset}


# ---- handlers ------------------------------------------------------------------------------------------------


def _state(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": backend.account_id,
        "sessions": [_view(session, _SESSION_FIELDS) for session in backend.sessions],
        "calls": [_view(call, _CALL_FIELDS) for call in backend.calls],
        "console_sessions": [_view(console, _CONSOLE_FIELDS) for console in backend.console_sessions],
        "clock": _clock_view(backend.clock),
        "account": backend.describe_account(),  # users, roles, policies, providers, MFA devices, regions; no secret
    }


def _advance_clock(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    if not body:
        raise AdminError(400, 'say how far to move the clock, e.g. {"seconds": 901}')
    amounts = {unit: _number(body, unit, limit) for unit, limit in _MAX_ADVANCE.items()}
    try:
        backend.clock.advance(**amounts)
    except ValueError as err:  # the clock would leave the years it can issue credentials in
        raise AdminError(400, str(err)) from None
    return _clock_view(backend.clock)


def _set_clock(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    text = _string(body, "time") or ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AdminError(400, f"time {text!r} is not an ISO-8601 date-time (e.g. 2030-01-01T00:00:00Z)") from None
    try:
        backend.clock.set(moment)
    except ValueError as err:
        raise AdminError(400, str(err)) from None
    return _clock_view(backend.clock)


def _reset(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.reset()
    return {"ok": True}


def _create_user(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    name = _string(body, "name")
    if not name:
        raise AdminError(400, "name must be a non-empty string")
    if isinstance(body.get("policy"), dict):  # a policy document written inline as JSON
        body["policy"] = json.dumps(body["policy"])
    policy = _string(body, "policy")
    tags = body.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise AdminError(400, f"tags must be an object of strings, not {json.dumps(tags)}")
    user = backend.create_user(name, policy, tags=tags)
    return {"access_key_id": user.access_key_id, "secret_access_key": user.secret_access_key, "arn": user.arn}


def _region(body: Mapping[str, Any]) -> str:
    region = _string(body, "region")
    if not region:
        raise AdminError(400, "region must be a non-empty string")
    return region


def _disable_region(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.disable_region(_region(body))
    return {"ok": True}


def _enable_region(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.enable_region(_region(body))
    return {"ok": True}


def _inject_error(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    action, code = _string(body, "action"), _string(body, "code")
    if not action or not code:
        raise AdminError(400, "action and code must be non-empty strings")
    backend.inject_error(
        action,
        code,
        _string(body, "message"),
        count=_integer(body, "count", 1, 1_000_000) or 1,
        status=_integer(body, "status", 400, 599),
    )
    return {"ok": True}


_Handler = Callable[[FederationBackend, dict[str, Any]], dict[str, Any]]

#: Every admin endpoint and what answers it.
ROUTES: dict[Route, _Handler] = {
    STATE: _state,
    CLOCK_ADVANCE: _advance_clock,
    CLOCK_SET: _set_clock,
    RESET: _reset,
    USERS: _create_user,
    REGIONS_DISABLE: _disable_region,
    REGIONS_ENABLE: _enable_region,
    ERRORS_INJECT: _inject_error,
}
_BY_REQUEST = {(route.method, route.path): route for route in ROUTES}


def answer(method: str, path: str, body: bytes, backend: FederationBackend) -> tuple[int, dict[str, Any]]:
    """Answer one admin request (``path`` under the prefix): JSON in, JSON out, errors as ``{"error": ...}``."""
    try:
        route = _BY_REQUEST.get((method, path))
        if route is None:
            known = ", ".join(f"{r.method} {r.url_path}" for r in ROUTES)
            raise AdminError(404, f"no admin endpoint {method} {ADMIN_PREFIX}{path}; the admin API has {known}")
        fields = _json_object(body)
        route.check_fields(fields)
        return 200, ROUTES[route](backend, fields)
    except AdminError as err:
        return err.status, {"error": err.message}
    except StsError as err:  # the backend refused (an invalid policy for a new user, say)
        return 400, {"error": str(err)}
    except Exception as exc:  # a mockfed bug: say so in JSON, keep the traceback in the server's log
        logger.exception("mockfed admin API failed on %s %s", method, path)
        return 500, {"error": f"mockfed internal error ({type(exc).__name__}: {exc}); please report it"}
