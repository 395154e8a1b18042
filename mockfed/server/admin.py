"""The admin API of ``mockfed serve``, defined once: each route's method, path, fields, the backend method it calls,
and how its result goes to JSON and back.

The server answers with :func:`answer`; :class:`mockfed.server.client.RemoteBackend` builds its requests
from the same :class:`Route` objects and reads their answers back with the same :class:`Result`, so the
two cannot drift apart. JSON in, JSON out; a refused request answers ``{"error": ...}`` with 400, 404 or
409 (and ``"code"`` when the backend refused it with one, as ``NoSuchEntity``).

Every shaping and minting method of :class:`~mockfed.backend.FederationBackend` has one route
(:data:`FAMILY`): its body's fields are the method's parameters, by name; a value is what the method
takes, written as JSON (policies as a JSON object or text, times as ISO 8601). The identity providers'
own minting methods (an OIDC issuer's ``token``, a SAML IdP's ``assertion``) have a route each too,
naming the provider by its ARN.

Example::

    >>> from mockfed.backend import FederationBackend
    >>> answer("POST", "clock/advance", b'{"minute": 1}', FederationBackend())
    (400, {'error': 'unknown field(s) minute; expected seconds, minutes, hours, days'})
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from mockfed.backend import FederationBackend
from mockfed.clock import EARLIEST, LATEST, Clock
from mockfed.errors import MissingExtraError, SigninError, StsError
from mockfed.iam.policy import Verdict
from mockfed.idp.oidc import DEFAULT_TOKEN_SECONDS, OidcIdentityProvider
from mockfed.idp.saml import AWS_ENTITY_ID, AWS_SAML_ENDPOINT, SamlIdentityProvider
from mockfed.state.records import (
    Call,
    ConsoleSession,
    FederatedSession,
    MfaDevice,
    OidcProvider,
    Principal,
    Role,
    SamlProvider,
    Session,
)

__all__ = [
    "ADMIN_PREFIX",
    "CLOCK_ADVANCE",
    "CLOCK_RESET",
    "CLOCK_SET",
    "ERRORS_INJECT",
    "FAMILY",
    "OIDC_TOKEN",
    "REGIONS_DISABLE",
    "REGIONS_ENABLE",
    "RESET",
    "ROUTES",
    "SAML_ASSERTION",
    "STATE",
    "USERS",
    "Field",
    "Kind",
    "RemoteOidcProvider",
    "RemoteSamlProvider",
    "RemoteUser",
    "Result",
    "Route",
    "Transport",
    "answer",
]

#: Paths under this prefix are the admin API; every other path is STS.
ADMIN_PREFIX = "/_mockfed/"

logger = logging.getLogger("mockfed.server")

T = TypeVar("T")

#: How a remote object reaches its server: the client's ``_call(route, body)``, answering the JSON of the answer.
Transport = Callable[["Route[Any]", Mapping[str, Any]], dict[str, Any]]


class AdminError(Exception):
    """An admin request the server refuses: its HTTP status, the message of ``{"error": ...}``, and a ``code``."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class _Unfit(Exception):
    """A JSON value of the wrong type for its field (the field's reader words the message)."""


def _shown(value: object, limit: int = 120) -> str:
    """A value as JSON, cut short: a hostile value is not echoed whole."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- fields: how a value is read from JSON (server) and written to it (client) ---------------------------------


def _jsonable(value: Any) -> Any:
    """A Python value as JSON can carry it: mappings as objects, sequences as lists, times in ISO 8601."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return iso(value)
    return value


@dataclass(frozen=True)
class Kind:
    """What a body field holds: ``describe`` says it in refusals; ``read`` turns the JSON value into the method's
    argument (raising :class:`_Unfit`, or :class:`AdminError` for a reference to nothing); ``write`` turns the
    client's argument into JSON."""

    describe: str
    read: Callable[[Any, FederationBackend], Any]
    write: Callable[[Any], Any] = _jsonable


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _strings_only(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _checked(test: Callable[[Any], bool]) -> Callable[[Any, FederationBackend], Any]:
    def read(value: Any, backend: FederationBackend) -> Any:
        if not test(value):
            raise _Unfit
        return value

    return read


def _integer(low: int, high: int) -> Kind:
    def fits(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return Kind(f"an integer from {low} to {high}", _checked(fits))


def _number(limit: float) -> Kind:
    def fits(value: Any) -> bool:  # NaN fails the comparison too
        return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= limit

    return Kind(f"a number from {-limit:g} to {limit:g}", _checked(fits))


def _choice(*options: str) -> Kind:
    return Kind("one of " + ", ".join(options), _checked(lambda value: value in options))


def _read_time(value: Any, backend: FederationBackend) -> datetime:
    if not isinstance(value, str):
        raise _Unfit
    try:
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        within = EARLIEST <= moment <= LATEST  # where the clock can be, and times written in every SDK's range
    except (ValueError, OverflowError):
        raise _Unfit from None
    if not within:
        raise _Unfit
    return moment


def _read_credentials(value: Any, backend: FederationBackend) -> dict[str, str]:
    """STS's ``Credentials`` (``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``; ``Expiration`` is ignored)."""
    if not isinstance(value, dict):
        raise _Unfit
    credentials = {name: value[name] for name in _CREDENTIAL_NAMES if name in value}
    if not all(isinstance(item, str) for item in credentials.values()):
        raise _Unfit
    return credentials


def _write_credentials(value: Any) -> dict[str, Any]:
    if isinstance(value, Session):
        value = {
            "AccessKeyId": value.access_key_id,
            "SecretAccessKey": value.secret_access_key,
            "SessionToken": value.session_token,
        }
    return {name: value[name] for name in _CREDENTIAL_NAMES if name in value}


_CREDENTIAL_NAMES = ("AccessKeyId", "SecretAccessKey", "SessionToken")


def _read_mfa_device(value: Any, backend: FederationBackend) -> MfaDevice:
    if not isinstance(value, str):
        raise _Unfit
    device = backend.state.account.mfa_device(value)
    if device is None:
        raise AdminError(
            404,
            f"no MFA device has the serial number {_shown(value)}; make one with POST {ADMIN_PREFIX}mfa-devices",
            "NoSuchEntity",
        )
    return device


def _write_reference(attribute: str) -> Callable[[Any], Any]:
    """A remote object named by its ``attribute`` (a device's serial number, a provider's ARN), or that name."""

    def write(value: Any) -> Any:
        return value if isinstance(value, str) else getattr(value, attribute)

    return write


def _issuer(kind: type[T], what: str, route: str) -> Callable[[Any, FederationBackend], T]:
    def read(value: Any, backend: FederationBackend) -> T:
        if not isinstance(value, str):
            raise _Unfit
        held = backend.identity_provider(value)
        if not isinstance(held, kind):
            account = backend.state.account
            exists = account.oidc_provider(value) if kind is OidcIdentityProvider else account.saml_provider(value)
            why = (
                "was not made by this backend (its key is in the process that made it: mint there)"
                if exists is not None
                else "does not exist"
            )
            raise AdminError(
                404, f"the {what} {_shown(value)} {why}; make one with POST {ADMIN_PREFIX}{route}", "NoSuchEntity"
            )
        return held

    return read


STRING = Kind("a string", _checked(_is_string))
STRINGS = Kind("a list of strings", _checked(_strings_only))
STRING_OR_STRINGS = Kind("a string or a list of strings", _checked(lambda v: _is_string(v) or _strings_only(v)))
POLICY = Kind("a policy document: a JSON object, or its JSON text", _checked(lambda v: isinstance(v, str | dict)))
TAGS = Kind(
    "an object of strings",
    _checked(lambda v: isinstance(v, dict) and all(isinstance(item, str) for item in v.values())),
)
CONTEXT = Kind(
    "an object of condition keys to a string or a list of strings",
    _checked(lambda v: isinstance(v, dict) and all(_is_string(item) or _strings_only(item) for item in v.values())),
)
ATTRIBUTES = Kind(
    "an object of attribute names to a string, a list of strings or null",
    _checked(
        lambda v: (
            isinstance(v, dict) and all(item is None or _is_string(item) or _strings_only(item) for item in v.values())
        )
    ),
)
OBJECT = Kind("a JSON object", _checked(lambda v: isinstance(v, dict)))
TIME = Kind(
    "an ISO 8601 date-time such as 2030-01-01T00:00:00Z, from 1970-01-01T00:00:00Z to 9999-12-30T11:59:59Z", _read_time
)
CREDENTIALS = Kind(
    "STS's Credentials: an object of AccessKeyId, SecretAccessKey and SessionToken strings",
    _read_credentials,
    _write_credentials,
)
MFA_DEVICE = Kind("an MFA device's serial number (a string)", _read_mfa_device, _write_reference("serial_number"))
OIDC_ISSUER = Kind(
    "an OpenID Connect provider's ARN (a string)",
    _issuer(OidcIdentityProvider, "OpenID Connect provider", "oidc-providers"),
    _write_reference("arn"),
)
SAML_ISSUER = Kind(
    "a SAML provider's ARN (a string)",
    _issuer(SamlIdentityProvider, "SAML provider", "saml-providers"),
    _write_reference("arn"),
)


@dataclass(frozen=True)
class Field:
    """One field of a route's body: the parameter ``name`` it fills, its :class:`Kind`, whether the body must
    have it, whether it may be null (the parameter's default is None), and whether it is the method's
    ``**keyword`` arguments (an object whose members are passed as they are)."""

    name: str
    kind: Kind
    required: bool = False
    nullable: bool = False
    keywords: bool = False


def _required(name: str, kind: Kind) -> Field:
    return Field(name, kind, required=True)


def _optional(name: str, kind: Kind) -> Field:
    return Field(name, kind)


def _nullable(name: str, kind: Kind) -> Field:
    return Field(name, kind, nullable=True)


# ---- results: the method's answer as JSON (server) and back (client) -------------------------------------------


@dataclass(frozen=True)
class Result(Generic[T]):
    """What a route answers: ``describe`` (for the docs), ``to_json`` (the server's view of the backend's result)
    and ``from_json`` (the client's object, the same shape as the backend's, given the transport that remote
    objects mint through)."""

    describe: str
    to_json: Callable[[Any], dict[str, Any]]
    from_json: Callable[[dict[str, Any], Transport], T]


def iso(moment: datetime) -> str:
    """A time as the admin API writes it: ISO 8601, UTC, ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _fields_of(record: type[Any], python_only: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record) if f.name not in python_only)


def _view(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
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


def _rebuild(record: type[T], view: Mapping[str, Any], names: tuple[str, ...], **extra: Any) -> T:
    """The record of ``view`` (as :func:`_view` wrote it): tags back to pairs, lists back to tuples."""
    values: dict[str, Any] = {}
    for name in names:
        value = view[name]
        if name == "tags":
            value = tuple(dict(value).items())
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return record(**values, **extra)


def _record(record: type[Any], client: type[T], python_only: tuple[str, ...] = ()) -> Result[T]:
    names = _fields_of(record, python_only)
    return Result(
        "{" + ", ".join(names) + "}",
        lambda value: _view(value, names),
        lambda view, transport: _rebuild(client, view, names),
    )


def _one(key: str, kind: type[T]) -> Result[T]:
    def read(view: dict[str, Any], transport: Transport) -> T:
        value = view[key]
        if not isinstance(value, kind):
            raise TypeError(f"the server answered {key} {_shown(value)}, not a {kind.__name__}")
        return value

    return Result(f'{{"{key}"}}', lambda value: {key: value}, read)


OK: Result[None] = Result('{"ok": true}', lambda value: {"ok": True}, lambda view, transport: None)


@dataclass(frozen=True)
class RemoteUser(Principal):
    """An IAM user (and one of its access keys) made on the server: the :class:`~mockfed.state.records.Principal`
    that :meth:`FederationBackend.create_user <mockfed.backend.FederationBackend.create_user>` returns, read back
    from the admin API (``arn``, ``access_key_id``, ``secret_access_key``, ``user_id``, ``tags``, ...)."""


@dataclass(frozen=True, kw_only=True)
class RemoteOidcProvider(OidcProvider):
    """An OpenID Connect issuer made on the server (:class:`~mockfed.idp.oidc.OidcIdentityProvider`'s shape): the IAM
    provider (``arn``, ``url``, ``client_ids``, ``thumbprints``, ``host_path``), its ``key_id`` and published
    ``jwks``. Its private key stays on the server: :meth:`token` asks the server to mint.

    Example::

        >>> from mockfed.server import FederationServer
        >>> from mockfed.server.client import RemoteBackend
        >>> with FederationServer() as server:
        ...     github = RemoteBackend(server.url).create_oidc_provider(
        ...         "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
        ...     token = github.token(sub="repo:acme/app:ref:refs/heads/main")
        >>> github.arn, token.count(".")
        ('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com', 2)
    """

    key_id: str
    jwks: dict[str, Any] = field(repr=False, compare=False)
    _transport: Transport = field(repr=False, compare=False)

    def token(
        self,
        sub: str = "mockfed-subject",
        aud: str | Sequence[str] | None = None,
        expires_in: float = DEFAULT_TOKEN_SECONDS,
        *,
        algorithm: str = "RS256",
        headers: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A signed ID token of this issuer, minted by the server (``iat`` and ``exp`` by its clock); the arguments
        are :meth:`OidcIdentityProvider.token <mockfed.idp.oidc.OidcIdentityProvider.token>`'s."""
        return _send(OIDC_TOKEN, {**locals(), "provider": self}, self._transport)

    def write_token_file(self, path: str | os.PathLike[str], **token: Any) -> Path:
        """Write a fresh :meth:`token` (same arguments) to ``path``, where ``AWS_WEB_IDENTITY_TOKEN_FILE`` points;
        returns the path."""
        target = Path(path)
        target.write_text(self.token(**token), encoding="ascii")
        return target


@dataclass(frozen=True, kw_only=True)
class RemoteSamlProvider(SamlProvider):
    """A SAML identity provider made on the server (:class:`~mockfed.idp.saml.SamlIdentityProvider`'s shape): the IAM
    provider (``arn``, ``name``, ``metadata``), its entity id ``issuer`` and signing ``certificate``. Its key stays
    on the server: :meth:`assertion` asks the server to issue."""

    issuer: str
    certificate: str | None = field(default=None, repr=False)
    _transport: Transport = field(repr=False, compare=False)

    def assertion(
        self,
        role_arn: str | Sequence[str],
        *,
        subject: str = "user@example.com",
        subject_type: str = "persistent",
        session_name: str | None = None,
        attributes: Mapping[str, str | Sequence[str] | None] | None = None,
        session_duration: int | None = None,
        not_on_or_after: datetime | None = None,
        issued_at: datetime | None = None,
        recipient: str = AWS_SAML_ENDPOINT,
        audience: str = AWS_ENTITY_ID,
        sign: Literal["assertion", "response", "both", "none"] = "assertion",
    ) -> str:
        """A base64 SAML response asserting ``subject`` may take ``role_arn``, issued by the server (times by its
        clock); the arguments are
        :meth:`SamlIdentityProvider.assertion <mockfed.idp.saml.SamlIdentityProvider.assertion>`'s."""
        return _send(SAML_ASSERTION, {**locals(), "provider": self}, self._transport)


_OIDC_VIEW = ("arn", "url", "client_ids", "thumbprints", "key_id", "jwks")
_SAML_VIEW = ("arn", "name", "metadata", "issuer", "certificate")

PRINCIPAL: Result[RemoteUser] = _record(Principal, RemoteUser, python_only=("session",))
ROLE: Result[Role] = _record(Role, Role)
DEVICE: Result[MfaDevice] = _record(MfaDevice, MfaDevice)
OIDC_PROVIDER: Result[RemoteOidcProvider] = Result(
    "{" + ", ".join(_OIDC_VIEW) + "}",
    lambda value: _view(value, _OIDC_VIEW),
    lambda view, transport: _rebuild(RemoteOidcProvider, view, _OIDC_VIEW, _transport=transport),
)
SAML_PROVIDER: Result[RemoteSamlProvider] = Result(
    "{" + ", ".join(_SAML_VIEW) + "}",
    lambda value: _view(value, _SAML_VIEW),
    lambda view, transport: _rebuild(RemoteSamlProvider, view, _SAML_VIEW, _transport=transport),
)
VERDICT: Result[Verdict] = Result(
    '{"effect", "reason", "allowed"}',
    lambda value: {"effect": value.effect, "reason": value.reason, "allowed": value.allowed},
    lambda view, transport: Verdict(view["effect"], view["reason"]),
)


# ---- routes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route(Generic[T]):
    """One admin endpoint: ``method`` and ``path`` (under :data:`ADMIN_PREFIX`); the body ``fields`` it takes;
    the method it ``calls`` (of the backend, or of the object in the field named ``on``); and its ``result``."""

    method: str
    path: str
    fields: tuple[Field, ...] = ()
    calls: str | None = None
    on: str | None = None
    result: Result[T] = OK  # type: ignore[assignment]  # a route without a result answers {"ok": true}

    @property
    def url_path(self) -> str:
        return ADMIN_PREFIX + self.path

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.required)

    def check_fields(self, body: Mapping[str, Any]) -> None:
        """Refuse a body with a field the route does not take, or without one it needs."""
        names = [f.name for f in self.fields]
        unknown = sorted(set(body) - set(names))
        if unknown:
            expected = ", ".join(names) if names else "no fields"
            raise AdminError(400, f"unknown field(s) {', '.join(unknown)}; expected {expected}")
        missing = [name for name in self.required if name not in body]
        if missing:
            raise AdminError(400, f"missing field(s) {', '.join(missing)}")

    def body(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The client's side: the JSON body for a call with these ``arguments`` (by parameter name; every field's)."""
        body: dict[str, Any] = {}
        for f in self.fields:
            value = arguments[f.name]
            body[f.name] = None if value is None else f.kind.write(value)
        return body

    def read(self, body: Mapping[str, Any], backend: FederationBackend) -> dict[str, Any]:
        """The server's side: the arguments of the call a body asks for (absent fields: the method's defaults)."""
        arguments: dict[str, Any] = {}
        for f in self.fields:
            if f.name not in body:
                continue
            value = body[f.name]
            if value is None and (f.nullable or f.keywords):
                arguments[f.name] = None
                continue
            try:
                arguments[f.name] = f.kind.read(value, backend)
            except _Unfit:
                raise AdminError(400, f"{f.name} must be {f.kind.describe}, not {_shown(value)}") from None
        return arguments


def _send(route: Route[T], arguments: Mapping[str, Any], transport: Transport) -> T:
    """A call through ``transport`` (the client's side): the body from ``arguments``, the answer read back."""
    return route.result.from_json(transport(route, route.body(arguments)), transport)


#: How far one clock move may go, per unit: a century (further breaks datetime arithmetic, not tests).
_MAX_ADVANCE = {"seconds": 100 * 366 * 86400, "minutes": 100 * 366 * 1440, "hours": 100 * 366 * 24, "days": 100 * 366}

_CLOCK_VIEW = '{"now", "offset"}'
_CLOCK: Result[dict[str, Any]] = Result(_CLOCK_VIEW, lambda value: dict(value), lambda view, transport: view)
_STATE: Result[dict[str, Any]] = Result(
    '{"account_id", "sessions", "calls", "console_sessions", "clock"}',
    lambda value: dict(value),
    lambda view, transport: view,
)

# The clock and what is read as a whole: answered by handlers of their own below.
STATE: Route[dict[str, Any]] = Route("GET", "state", result=_STATE)
CLOCK_ADVANCE: Route[dict[str, Any]] = Route(
    "POST", "clock/advance", tuple(_optional(unit, _number(limit)) for unit, limit in _MAX_ADVANCE.items()),
    result=_CLOCK,
)  # fmt: skip
CLOCK_SET: Route[dict[str, Any]] = Route("POST", "clock/set", (_required("time", STRING),), result=_CLOCK)
CLOCK_RESET: Route[dict[str, Any]] = Route("POST", "clock/reset", result=_CLOCK)

# The family: one route per shaping or minting method of FederationBackend, fields named as its parameters.
RESET: Route[None] = Route("POST", "reset", calls="reset")
USERS: Route[RemoteUser] = Route(
    "POST",
    "users",
    (
        _required("name", STRING),
        _nullable("policy", POLICY),
        _nullable("tags", TAGS),
        _optional("managed", STRINGS),
        _nullable("access_key_id", STRING),
        _nullable("secret_access_key", STRING),
    ),
    calls="create_user",
    result=PRINCIPAL,
)
USERS_DELETE: Route[None] = Route("POST", "users/delete", (_required("name", STRING),), calls="delete_user")
ACCESS_KEYS: Route[RemoteUser] = Route(
    "POST", "users/access-keys", (_required("user", STRING),), calls="create_access_key", result=PRINCIPAL
)
ACCESS_KEYS_UPDATE: Route[None] = Route(
    "POST",
    "users/access-keys/update",
    (_required("access_key_id", STRING), _required("status", _choice("Active", "Inactive"))),
    calls="update_access_key",
)
ACCESS_KEYS_DELETE: Route[None] = Route(
    "POST", "users/access-keys/delete", (_required("access_key_id", STRING),), calls="delete_access_key"
)
USER_POLICIES_PUT: Route[None] = Route(
    "POST",
    "users/policies",
    (_required("user", STRING), _required("name", STRING), _required("document", POLICY)),
    calls="put_user_policy",
)
USER_POLICIES_DELETE: Route[None] = Route(
    "POST", "users/policies/delete", (_required("user", STRING), _required("name", STRING)), calls="delete_user_policy"
)
USER_POLICIES_ATTACH: Route[None] = Route(
    "POST", "users/policies/attach", (_required("user", STRING), _required("arn", STRING)), calls="attach_user_policy"
)
USER_POLICIES_DETACH: Route[None] = Route(
    "POST", "users/policies/detach", (_required("user", STRING), _required("arn", STRING)), calls="detach_user_policy"
)
ROLES: Route[Role] = Route(
    "POST",
    "roles",
    (
        _required("name", STRING),
        _required("trust_policy", POLICY),
        _nullable("policy", POLICY),
        _optional("managed", STRINGS),
        _optional("max_session_duration", _integer(3600, 43200)),
        _optional("path", STRING),
        _nullable("tags", TAGS),
        _nullable("permissions_boundary", STRING),
    ),
    calls="create_role",
    result=ROLE,
)
ROLES_DELETE: Route[None] = Route("POST", "roles/delete", (_required("name", STRING),), calls="delete_role")
ROLE_POLICIES_PUT: Route[None] = Route(
    "POST",
    "roles/policies",
    (_required("role", STRING), _required("name", STRING), _required("document", POLICY)),
    calls="put_role_policy",
)
ROLE_POLICIES_DELETE: Route[None] = Route(
    "POST", "roles/policies/delete", (_required("role", STRING), _required("name", STRING)), calls="delete_role_policy"
)
ROLE_POLICIES_ATTACH: Route[None] = Route(
    "POST", "roles/policies/attach", (_required("role", STRING), _required("arn", STRING)), calls="attach_role_policy"
)
ROLE_POLICIES_DETACH: Route[None] = Route(
    "POST", "roles/policies/detach", (_required("role", STRING), _required("arn", STRING)), calls="detach_role_policy"
)
POLICIES: Route[str] = Route(
    "POST",
    "policies",
    (_required("name", STRING), _required("document", POLICY)),
    calls="create_policy",
    result=_one("arn", str),
)
POLICIES_DELETE: Route[None] = Route("POST", "policies/delete", (_required("arn", STRING),), calls="delete_policy")
MFA_DEVICES: Route[MfaDevice] = Route(
    "POST",
    "mfa-devices",
    (_required("name", STRING), _nullable("user", STRING), _nullable("secret", STRING)),
    calls="create_mfa_device",
    result=DEVICE,
)
MFA_CODE: Route[str] = Route(
    "POST", "mfa-devices/code", (_required("device", MFA_DEVICE),), calls="mfa_code", result=_one("code", str)
)
OIDC_PROVIDERS: Route[RemoteOidcProvider] = Route(
    "POST",
    "oidc-providers",
    (_required("url", STRING), _optional("client_ids", STRINGS), _optional("thumbprints", STRINGS)),
    calls="create_oidc_provider",
    result=OIDC_PROVIDER,
)
OIDC_TOKEN: Route[str] = Route(
    "POST",
    "oidc-providers/token",
    (
        _required("provider", OIDC_ISSUER),
        _optional("sub", STRING),
        _nullable("aud", STRING_OR_STRINGS),
        _optional("expires_in", _number(100 * 366 * 86400)),
        _optional("algorithm", _choice("RS256", "RS384", "RS512")),
        _nullable("headers", OBJECT),
        Field("claims", OBJECT, keywords=True),
    ),
    calls="token",
    on="provider",
    result=_one("token", str),
)
SAML_PROVIDERS: Route[RemoteSamlProvider] = Route(
    "POST",
    "saml-providers",
    (_required("name", STRING), _nullable("metadata", STRING), _nullable("issuer", STRING)),
    calls="create_saml_provider",
    result=SAML_PROVIDER,
)
SAML_ASSERTION: Route[str] = Route(
    "POST",
    "saml-providers/assertion",
    (
        _required("provider", SAML_ISSUER),
        _required("role_arn", STRING_OR_STRINGS),
        _optional("subject", STRING),
        _optional("subject_type", STRING),
        _nullable("session_name", STRING),
        _nullable("attributes", ATTRIBUTES),
        _nullable("session_duration", _integer(0, 10**9)),
        _nullable("not_on_or_after", TIME),
        _nullable("issued_at", TIME),
        _optional("recipient", STRING),
        _optional("audience", STRING),
        _optional("sign", _choice("assertion", "response", "both", "none")),
    ),
    calls="assertion",
    on="provider",
    result=_one("assertion", str),
)
_QUESTION = (
    _required("access_key_id", STRING),
    _required("action", STRING),
    _optional("resource", STRING),
    _nullable("context", CONTEXT),
)
IS_ALLOWED: Route[bool] = Route("POST", "is-allowed", _QUESTION, calls="is_allowed", result=_one("allowed", bool))
EXPLAIN: Route[Verdict] = Route("POST", "explain", _QUESTION, calls="explain", result=VERDICT)
AUTHORIZATION_MESSAGE: Route[str] = Route(
    "POST", "authorization-message", _QUESTION, calls="authorization_message", result=_one("message", str)
)
SIGNIN_URL: Route[str] = Route(
    "POST",
    "signin-url",
    (
        _required("credentials", CREDENTIALS),
        _nullable("destination", STRING),
        _nullable("issuer", STRING),
        _nullable("session_duration", _integer(0, 10**9)),
    ),
    calls="signin_url",
    result=_one("url", str),
)
REGIONS_DISABLE: Route[None] = Route("POST", "regions/disable", (_required("region", STRING),), calls="disable_region")
REGIONS_ENABLE: Route[None] = Route("POST", "regions/enable", (_required("region", STRING),), calls="enable_region")
ERRORS_INJECT: Route[None] = Route(
    "POST",
    "errors/inject",
    (
        _required("action", STRING),
        _required("code", STRING),
        _nullable("message", STRING),
        _optional("count", _integer(1, 1_000_000)),
        _nullable("status", _integer(400, 599)),
    ),
    calls="inject_error",
)

#: The routes that call a method of the backend or of an object it made (the rest read the state or the clock).
FAMILY: tuple[Route[Any], ...] = (
    RESET,
    USERS,
    USERS_DELETE,
    ACCESS_KEYS,
    ACCESS_KEYS_UPDATE,
    ACCESS_KEYS_DELETE,
    USER_POLICIES_PUT,
    USER_POLICIES_DELETE,
    USER_POLICIES_ATTACH,
    USER_POLICIES_DETACH,
    ROLES,
    ROLES_DELETE,
    ROLE_POLICIES_PUT,
    ROLE_POLICIES_DELETE,
    ROLE_POLICIES_ATTACH,
    ROLE_POLICIES_DETACH,
    POLICIES,
    POLICIES_DELETE,
    MFA_DEVICES,
    MFA_CODE,
    OIDC_PROVIDERS,
    OIDC_TOKEN,
    SAML_PROVIDERS,
    SAML_ASSERTION,
    IS_ALLOWED,
    EXPLAIN,
    AUTHORIZATION_MESSAGE,
    SIGNIN_URL,
    REGIONS_DISABLE,
    REGIONS_ENABLE,
    ERRORS_INJECT,
)


# ---- views of the state ----------------------------------------------------------------------------------------

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


def _clock_view(clock: Clock) -> dict[str, Any]:
    return {"now": iso(clock.now()), "offset": clock.offset}


# ---- handlers ------------------------------------------------------------------------------------------------


def _state(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    sessions: list[FederatedSession] = backend.sessions
    calls: list[Call] = backend.calls
    consoles: list[ConsoleSession] = backend.console_sessions
    return {
        "account_id": backend.account_id,
        "sessions": [_view(session, _SESSION_FIELDS) for session in sessions],
        "calls": [_view(call, _CALL_FIELDS) for call in calls],
        "console_sessions": [_view(console, _CONSOLE_FIELDS) for console in consoles],
        "clock": _clock_view(backend.clock),
        "account": backend.describe_account(),  # users, roles, policies, providers, MFA devices, regions; no secret
    }


def _advance_clock(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    if not body:
        raise AdminError(400, 'say how far to move the clock, e.g. {"seconds": 901}')
    amounts = {unit: float(amount) for unit, amount in CLOCK_ADVANCE.read(body, backend).items()}
    try:
        backend.clock.advance(**amounts)
    except ValueError as err:  # the clock would leave the years it can issue credentials in
        raise AdminError(400, str(err)) from None
    return _clock_view(backend.clock)


def _set_clock(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    text = CLOCK_SET.read(body, backend)["time"]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AdminError(400, f"time {text[:100]!r} is not an ISO-8601 date-time (e.g. 2030-01-01T00:00:00Z)") from None
    try:
        backend.clock.set(moment)
    except ValueError as err:
        raise AdminError(400, str(err)) from None
    return _clock_view(backend.clock)


def _reset_clock(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.clock.reset()
    return _clock_view(backend.clock)


def _family(route: Route[Any]) -> Callable[[FederationBackend, dict[str, Any]], dict[str, Any]]:
    """The handler of a family route: read the body into arguments, call the method, show its result."""
    assert route.calls is not None

    def handle(backend: FederationBackend, body: dict[str, Any]) -> dict[str, Any]:
        arguments = route.read(body, backend)
        target: Any = arguments.pop(route.on) if route.on is not None else backend
        keywords = [f.name for f in route.fields if f.keywords]
        extra = (arguments.pop(keywords[0], None) or {}) if keywords else {}
        clash = sorted(set(extra) & {f.name for f in route.fields})
        if clash:
            raise AdminError(400, f"give {', '.join(clash)} as field(s) of the body, not in {keywords[0]}")
        try:
            result = getattr(target, route.calls or "")(**arguments, **extra)
        except (StsError, SigninError, MissingExtraError):
            raise
        except (ValueError, TypeError) as err:  # what the method refuses of values of the right JSON types
            raise AdminError(400, str(err)[:1000]) from None
        except Exception as err:
            import jwt  # loaded only when something failed: a JOSE header PyJWT refuses

            if isinstance(err, jwt.PyJWTError):
                raise AdminError(400, f"the token cannot be made: {str(err)[:1000]}") from None
            raise
        return route.result.to_json(result)

    return handle


_Handler = Callable[[FederationBackend, dict[str, Any]], dict[str, Any]]

#: Every admin endpoint and what answers it.
ROUTES: dict[Route[Any], _Handler] = {
    STATE: _state,
    CLOCK_ADVANCE: _advance_clock,
    CLOCK_SET: _set_clock,
    CLOCK_RESET: _reset_clock,
    **{route: _family(route) for route in FAMILY},
}
_BY_REQUEST = {(route.method, route.path): route for route in ROUTES}
#: What a request for no endpoint is told there is.
_KNOWN = "the admin API has " + "; ".join(
    f"{verb} {ADMIN_PREFIX} + " + ", ".join(route.path for route in ROUTES if route.method == verb)
    for verb in dict.fromkeys(route.method for route in ROUTES)
)

#: The status of a backend refusal: its own when it is IAM's "not found" or "conflict", else a bad request.
_STS_STATUSES = frozenset({404, 409})


def answer(method: str, path: str, body: bytes, backend: FederationBackend) -> tuple[int, dict[str, Any]]:
    """Answer one admin request (``path`` under the prefix): JSON in, JSON out, errors as ``{"error": ...}``."""
    try:
        route = _BY_REQUEST.get((method, path))
        if route is None:
            raise AdminError(404, f"no admin endpoint {method} {ADMIN_PREFIX}{_printable(path)}; {_KNOWN}")
        fields = _json_object(body)
        route.check_fields(fields)
        return 200, ROUTES[route](backend, fields)
    except AdminError as err:
        refusal = {"error": _bounded(err.message)}
        if err.code is not None:
            refusal["code"] = err.code
        return err.status, refusal
    except StsError as err:  # the backend refused (an invalid policy, a user that does not exist, ...)
        status = err.status if err.status in _STS_STATUSES else 400
        return status, {"error": _bounded(str(err)), "code": err.code}
    except SigninError as err:  # the federation endpoint's refusal of the credentials a sign-in URL was asked for
        return 400, {"error": _bounded(str(err)), "code": err.code}
    except MissingExtraError as err:  # SAML without the saml extra on the server's side
        return 501, {"error": str(err), "code": "MissingExtra"}
    except RecursionError:  # a value nested deeper than a check can follow
        return 400, {"error": "a value of the body is nested too deep for mockfed to read"}
    except Exception as exc:  # a mockfed bug: say so in JSON, keep the traceback in the server's log
        logger.exception("mockfed admin API failed on %s %s", method, path)
        return 500, {"error": f"mockfed internal error ({type(exc).__name__}: {exc}); please report it"}


def _bounded(message: str, limit: int = 1000) -> str:
    """A refusal's message, its middle cut when a hostile value made it long (the start and the end say why)."""
    if len(message) <= limit:
        return message
    half = (limit - 5) // 2
    return f"{message[:half]} ... {message[-half:]}"


def _printable(text: str) -> str:
    shown = "".join(char if char.isprintable() else "?" for char in text[:200])
    return shown if len(text) <= 200 else shown + "..."


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
