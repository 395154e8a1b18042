"""Drive a running ``mockfed serve`` from Python through its admin API (standard library HTTP only).

The requests are built from the routes of :mod:`mockfed.server.admin`, the same objects the
server answers with. :class:`RemoteBackend` has the method names of
:class:`~mockfed.backend.FederationBackend` where they apply, so a test written against the
in-process backend reads the same against a server in another process or container; what it reads back are plain
dicts (JSON), without secrets or tokens.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockfed.clock import ClockControls
from mockfed.server import admin
from mockfed.server.admin import Route

__all__ = ["RemoteBackend", "RemoteClock", "RemoteError", "RemoteUser"]


class RemoteError(RuntimeError):
    """The server refused an admin request (``status`` and its ``{"error": ...}`` message), or was unreachable.

    Example::

        >>> str(RemoteError("unknown field(s) minute", 400))
        'unknown field(s) minute (HTTP 400)'
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} (HTTP {status})" if status is not None else message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class RemoteUser:
    """An IAM user created on the server: its ARN and keys (as :class:`~mockfed.backend.Principal` names them)."""

    name: str
    arn: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


class RemoteClock(ClockControls):
    """The server backend's clock: ``now()``, ``advance()``, ``set()``, as :class:`~mockfed.clock.Clock` has them.

    Example::

        >>> from mockfed.server import FederationServer
        >>> with FederationServer() as server:
        ...     clock = RemoteBackend(server.url).clock
        ...     clock.set(datetime(2030, 1, 1))
        ...     clock.advance(hours=1)
        ...     clock.now().isoformat()[:16]
        '2030-01-01T01:00'
    """

    def __init__(self, backend: RemoteBackend) -> None:
        self._backend = backend

    def now(self) -> datetime:
        """The server clock's now, an aware UTC datetime."""
        return datetime.fromisoformat(self._backend.state()["clock"]["now"])

    def _shift(self, seconds: float) -> None:
        self._backend._call(admin.CLOCK_ADVANCE, {"seconds": seconds})

    def _move_to(self, when: datetime) -> None:
        self._backend._call(admin.CLOCK_SET, {"time": when.isoformat()})


class RemoteBackend:
    """A :class:`~mockfed.backend.FederationBackend` served by ``mockfed serve``, driven over HTTP.

    ``url`` is the server's URL (what it prints, e.g. ``http://127.0.0.1:5566``).

    Example::

        >>> from mockfed.server import FederationServer
        >>> with FederationServer() as server:
        ...     remote = RemoteBackend(server.url)
        ...     alice = remote.create_user("alice", tags={"team": "blue"})
        ...     remote.inject_error("GetFederationToken", "Throttling", count=2)
        ...     remote.disable_region("ap-east-1")
        ...     (alice.arn, remote.sessions, remote.calls)
        ('arn:aws:iam::123456789012:user/alice', [], [])
    """

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.clock = RemoteClock(self)

    # ---- reading ---------------------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything at once: ``account_id``, ``sessions``, ``calls`` and ``clock`` (``now``, ``offset``)."""
        return self._call(admin.STATE)

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """Every issued federation session, oldest first: name, access_key_id, arn, expiration, ... (no secrets)."""
        sessions: list[dict[str, Any]] = self.state()["sessions"]
        return sessions

    @property
    def console_sessions(self) -> list[dict[str, Any]]:
        """Every console sign-in through ``/federation``, oldest first: session_id, arn, policy, signed_in_at,
        expiration, destination, ... (no secrets)."""
        consoles: list[dict[str, Any]] = self.state()["console_sessions"]
        return consoles

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every request received, in order: action, region, caller_arn, status, error_code, at, params."""
        calls: list[dict[str, Any]] = self.state()["calls"]
        return calls

    # ---- shaping ---------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every session, call, user, disabled region and injected error on the server."""
        self._call(admin.RESET, {})

    def create_user(self, name: str, policy: str | None = None, *, tags: Mapping[str, str] | None = None) -> RemoteUser:
        """Add an IAM user with its own keys; ``policy`` is its identity policy (none: it may do nothing)."""
        body: dict[str, Any] = {"name": name}
        if policy is not None:
            body["policy"] = policy
        if tags:
            body["tags"] = dict(tags)
        created = self._call(admin.USERS, body)
        return RemoteUser(name, created["arn"], created["access_key_id"], created["secret_access_key"])

    def disable_region(self, region: str) -> None:
        """Make the server answer ``RegionDisabledException`` in ``region``."""
        self._call(admin.REGIONS_DISABLE, {"region": region})

    def enable_region(self, region: str) -> None:
        """Undo :meth:`disable_region`."""
        self._call(admin.REGIONS_ENABLE, {"region": region})

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (or ``"*"``) fail with ``code``."""
        body: dict[str, Any] = {"action": action, "code": code, "count": count}
        if message is not None:
            body["message"] = message
        if status is not None:
            body["status"] = status
        self._call(admin.ERRORS_INJECT, body)

    # ---- transport -------------------------------------------------------------------------------------------

    def _call(self, route: Route, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + route.url_path, data=data, method=route.method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as err:
            raise RemoteError(_error_message(err.read()), err.code) from None
        except urllib.error.URLError as err:
            raise RemoteError(
                f"cannot reach the mockfed server at {self.url} ({err.reason}); is `mockfed serve` running?"
            ) from None

    def __repr__(self) -> str:
        return f"RemoteBackend({self.url!r})"


def _error_message(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip() or "no message"
