"""Drive a running ``mockfed serve`` from Python through its admin API (standard library HTTP only).

The requests are built from the routes of :mod:`mockfed.server.admin`, the same objects the
server answers with, and their answers read back by the same routes. :class:`RemoteBackend` has
every shaping and minting method of :class:`~mockfed.backend.FederationBackend`, with its name,
parameters and result shape, so a test written against the in-process backend reads the same
against a server in another process or container. What it reads of the state (``sessions``,
``calls``) are plain dicts (JSON), without secrets or tokens.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from mockfed.clock import ClockControls
from mockfed.iam.policy import Verdict
from mockfed.server import admin
from mockfed.server.admin import RemoteOidcProvider, RemoteSamlProvider, RemoteUser, Route
from mockfed.state.account import PolicyDocument
from mockfed.state.records import MfaDevice, Role, Session

__all__ = [
    "RemoteBackend",
    "RemoteClock",
    "RemoteError",
    "RemoteOidcProvider",
    "RemoteSamlProvider",
    "RemoteUser",
]

T = TypeVar("T")


class RemoteError(RuntimeError):
    """The server refused an admin request (``status``, its ``{"error": ...}`` message and, when the backend refused
    it, the error ``code`` such as ``NoSuchEntity``), or was unreachable (``status`` None).

    Example::

        >>> str(RemoteError("unknown field(s) minute", 400))
        'unknown field(s) minute (HTTP 400)'
        >>> RemoteError("NoSuchEntity: The role with name Nope cannot be found.", 404, "NoSuchEntity").code
        'NoSuchEntity'
    """

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(f"{message} (HTTP {status})" if status is not None else message)
        self.message = message
        self.status = status
        self.code = code


class RemoteClock(ClockControls):
    """The server backend's clock: ``now()``, ``timestamp()``, ``offset``, ``advance()``, ``set()`` and ``reset()``,
    as :class:`~mockfed.clock.Clock` has them.

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

    @property
    def offset(self) -> float:
        """Seconds the server's clock is ahead of the server process's time (what ``advance``/``set`` made)."""
        return float(self._backend.state()["clock"]["offset"])

    def now(self) -> datetime:
        """The server clock's now, an aware UTC datetime."""
        return datetime.fromisoformat(self._backend.state()["clock"]["now"])

    def timestamp(self) -> float:
        """The server clock's now as POSIX seconds."""
        return self.now().timestamp()

    def reset(self) -> None:
        """Back to the server process's time: the offset ``advance`` and ``set`` made is dropped."""
        self._backend._call(admin.CLOCK_RESET, {})

    def _shift(self, seconds: float) -> None:
        self._backend._call(admin.CLOCK_ADVANCE, {"seconds": seconds})

    def _move_to(self, when: datetime) -> None:
        self._backend._call(admin.CLOCK_SET, {"time": when.isoformat()})


class RemoteBackend:
    """A :class:`~mockfed.backend.FederationBackend` served by ``mockfed serve``, driven over HTTP.

    ``url`` is the server's URL (what it prints, e.g. ``http://127.0.0.1:5566``). Every shaping and minting
    method of the backend is here under its name, with its parameters, and answers the same shape: a
    :class:`RemoteUser` (a :class:`~mockfed.state.records.Principal`) from :meth:`create_user`, a
    :class:`~mockfed.state.records.Role` from :meth:`create_role`, an OIDC issuer whose ``token()`` the
    server mints from :meth:`create_oidc_provider`, ... (:mod:`mockfed.server.admin` has the routes). A
    refusal raises :class:`RemoteError` with the backend's error ``code``.

    Example::

        >>> from mockfed.server import FederationServer
        >>> with FederationServer() as server:
        ...     remote = RemoteBackend(server.url)
        ...     alice = remote.create_user("alice", tags={"team": "blue"})
        ...     device = remote.create_mfa_device("alice-phone", user="alice")
        ...     code = remote.mfa_code(device)
        ...     remote.inject_error("GetFederationToken", "Throttling", count=2)
        ...     remote.disable_region("ap-east-1")
        ...     (alice.arn, device.serial_number, len(code), remote.sessions, remote.calls)
        ('arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:mfa/alice-phone', 6, [], [])
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
    def account_id(self) -> str:
        """The server's account, as its backend's ``account_id``."""
        account_id: str = self.state()["account_id"]
        return account_id

    def describe_account(self) -> dict[str, Any]:
        """What the server's account holds, as its backend's :meth:`~mockfed.FederationBackend.describe_account`
        (users with their key ids, roles, policies, providers, MFA devices, disabled regions; never a secret)."""
        account: dict[str, Any] = self.state()["account"]
        return account

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

    # ---- shaping: the backend's methods, one route each ------------------------------------------------------

    def reset(self) -> None:
        """Forget every session, call, user, role, policy, provider, disabled region and injected error on the
        server, and move its clock back to the process's time."""
        return self._do(admin.RESET, locals())

    def create_user(
        self,
        name: str,
        policy: PolicyDocument | None = None,
        *,
        tags: Mapping[str, str] | None = None,
        managed: Sequence[str] = (),
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> RemoteUser:
        """Add an IAM user with its own keys; ``policy`` (JSON or a dict) and the ``managed`` policy ARNs are its
        identity policies (none: it may do nothing); ``access_key_id`` and ``secret_access_key`` (both or neither)
        fix its key instead of making one."""
        return self._do(admin.USERS, locals())

    def delete_user(self, name: str) -> None:
        """Delete the user ``name`` with its keys, policies and MFA devices; its keys and sessions are refused."""
        return self._do(admin.USERS_DELETE, locals())

    def create_access_key(self, user: str) -> RemoteUser:
        """Another access key for the user ``user`` (IAM allows two at once): the user acting with it."""
        return self._do(admin.ACCESS_KEYS, locals())

    def update_access_key(self, access_key_id: str, status: str) -> None:
        """Make a user's access key ``"Active"`` or ``"Inactive"``."""
        return self._do(admin.ACCESS_KEYS_UPDATE, locals())

    def delete_access_key(self, access_key_id: str) -> None:
        """Delete a user's access key."""
        return self._do(admin.ACCESS_KEYS_DELETE, locals())

    def put_user_policy(self, user: str, name: str, document: PolicyDocument) -> None:
        """Add or replace the inline policy ``name`` (JSON or a dict) of the user ``user``."""
        return self._do(admin.USER_POLICIES_PUT, locals())

    def delete_user_policy(self, user: str, name: str) -> None:
        """Delete the inline policy ``name`` of the user ``user``."""
        return self._do(admin.USER_POLICIES_DELETE, locals())

    def attach_user_policy(self, user: str, arn: str) -> None:
        """Attach the managed policy ``arn`` to the user ``user``."""
        return self._do(admin.USER_POLICIES_ATTACH, locals())

    def detach_user_policy(self, user: str, arn: str) -> None:
        """Detach the managed policy ``arn`` from the user ``user``."""
        return self._do(admin.USER_POLICIES_DETACH, locals())

    def create_role(
        self,
        name: str,
        trust_policy: PolicyDocument,
        *,
        policy: PolicyDocument | None = None,
        managed: Sequence[str] = (),
        max_session_duration: int = 3600,
        path: str = "/",
        tags: Mapping[str, str] | None = None,
        permissions_boundary: str | None = None,
    ) -> Role:
        """Add an IAM role: who may take it (``trust_policy``), what it may do (``policy``, ``managed`` ARNs, limited
        by a ``permissions_boundary`` ARN), for how long; see
        :meth:`FederationBackend.create_role <mockfed.backend.FederationBackend.create_role>`."""
        return self._do(admin.ROLES, locals())

    def delete_role(self, name: str) -> None:
        """Delete the role ``name`` with its policies; its sessions are refused from then on."""
        return self._do(admin.ROLES_DELETE, locals())

    def put_role_policy(self, role: str, name: str, document: PolicyDocument) -> None:
        """Add or replace the inline policy ``name`` (JSON or a dict) of the role ``role``."""
        return self._do(admin.ROLE_POLICIES_PUT, locals())

    def delete_role_policy(self, role: str, name: str) -> None:
        """Delete the inline policy ``name`` of the role ``role``."""
        return self._do(admin.ROLE_POLICIES_DELETE, locals())

    def attach_role_policy(self, role: str, arn: str) -> None:
        """Attach the managed policy ``arn`` to the role ``role``."""
        return self._do(admin.ROLE_POLICIES_ATTACH, locals())

    def detach_role_policy(self, role: str, arn: str) -> None:
        """Detach the managed policy ``arn`` from the role ``role``."""
        return self._do(admin.ROLE_POLICIES_DETACH, locals())

    def create_policy(self, name: str, document: PolicyDocument) -> str:
        """Add a customer-managed policy (JSON or a dict) to the account; returns its ARN."""
        return self._do(admin.POLICIES, locals())

    def delete_policy(self, arn: str) -> None:
        """Delete the customer-managed policy ``arn`` (``DeleteConflict`` while it is attached)."""
        return self._do(admin.POLICIES_DELETE, locals())

    def create_mfa_device(self, name: str, *, user: str | None = None, secret: str | None = None) -> MfaDevice:
        """Add a virtual MFA device of ``user`` (None: the root user's) with a TOTP ``secret`` (made if not given);
        its ``serial_number`` and :meth:`mfa_code` go in ``SerialNumber`` and ``TokenCode``."""
        return self._do(admin.MFA_DEVICES, locals())

    def mfa_code(self, device: MfaDevice | str) -> str:
        """The code ``device`` (or the device with that serial number) shows at the server clock's now."""
        return self._do(admin.MFA_CODE, locals())

    def create_oidc_provider(
        self, url: str, client_ids: Sequence[str] = (), thumbprints: Sequence[str] = ()
    ) -> RemoteOidcProvider:
        """Add an IAM OpenID Connect provider for the issuer ``url``, accepting the audiences ``client_ids``; returns
        the issuer, whose :meth:`~mockfed.server.admin.RemoteOidcProvider.token` the server mints."""
        return self._do(admin.OIDC_PROVIDERS, locals())

    def create_saml_provider(
        self, name: str, metadata: str | None = None, *, issuer: str | None = None
    ) -> RemoteSamlProvider:
        """Add an IAM SAML provider ``name``; returns the identity provider, whose
        :meth:`~mockfed.server.admin.RemoteSamlProvider.assertion` the server issues (the server needs the
        ``saml`` extra: without it, :class:`RemoteError` 501 names it)."""
        return self._do(admin.SAML_PROVIDERS, locals())

    def is_allowed(
        self,
        access_key_id: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> bool:
        """Would AWS allow the holder of ``access_key_id`` to do ``action`` on ``resource``?"""
        return self._do(admin.IS_ALLOWED, locals())

    def explain(
        self,
        access_key_id: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> Verdict:
        """:meth:`is_allowed`'s answer with its reason: a :class:`~mockfed.iam.policy.Verdict` (``effect``,
        ``reason``, ``allowed``)."""
        return self._do(admin.EXPLAIN, locals())

    def authorization_message(
        self,
        access_key_id: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> str:
        """The encoded authorization message AWS services put in their refusals, for this request."""
        return self._do(admin.AUTHORIZATION_MESSAGE, locals())

    def signin_url(
        self,
        credentials: Mapping[str, Any] | Session,
        *,
        destination: str | None = None,
        issuer: str | None = None,
        session_duration: int | None = None,
    ) -> str:
        """The console login URL for ``credentials`` (STS's ``Credentials`` answer), made by the server."""
        return self._do(admin.SIGNIN_URL, locals())

    def disable_region(self, region: str) -> None:
        """Make the server answer ``RegionDisabledException`` in ``region``."""
        return self._do(admin.REGIONS_DISABLE, locals())

    def enable_region(self, region: str) -> None:
        """Undo :meth:`disable_region`."""
        return self._do(admin.REGIONS_ENABLE, locals())

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (or ``"*"``) fail with ``code``."""
        return self._do(admin.ERRORS_INJECT, locals())

    # ---- transport -------------------------------------------------------------------------------------------

    def _do(self, route: Route[T], arguments: Mapping[str, Any]) -> T:
        """Call ``route`` with a method's ``arguments`` (its ``locals()``): the body has every field, by name."""
        return route.result.from_json(self._call(route, route.body(arguments)), self._call)

    def _call(self, route: Route[Any], body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + route.url_path, data=data, method=route.method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as err:
            message, code = _refusal(err.read())
            raise RemoteError(message, err.code, code) from None
        except urllib.error.URLError as err:
            raise RemoteError(
                f"cannot reach the mockfed server at {self.url} ({err.reason}); is `mockfed serve` running?"
            ) from None

    def __repr__(self) -> str:
        return f"RemoteBackend({self.url!r})"


def _refusal(body: bytes) -> tuple[str, str | None]:
    """The ``error`` and ``code`` of a refusal's JSON (or its text, when a proxy answered)."""
    try:
        refusal = json.loads(body)
        code = refusal.get("code")
        return str(refusal["error"]), code if isinstance(code, str) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return body.decode("utf-8", "replace").strip() or "no message", None
