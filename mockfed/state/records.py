"""The typed records a test reads: principals, issued sessions, received calls (frozen dataclasses)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

__all__ = [
    "Call",
    "ConsoleSession",
    "FederatedSession",
    "MfaDevice",
    "OidcProvider",
    "Principal",
    "Role",
    "RoleSession",
    "SamlProvider",
    "Session",
    "SessionTokenSession",
    "made",
    "positional_maker",
]

_R = TypeVar("_R")


def made(kind: type[_R], values: dict[str, Any], *leading: Any) -> _R:
    """A frozen record of ``kind`` holding ``values``: what its generated ``__init__`` makes, without setting
    each of a session's twenty-odd fields through ``object.__setattr__`` (most of the cost of issuing one).
    ``leading`` gives the values of the record's first fields, in their order (a session's common fields);
    ``values`` the others by name.

    Every field without a default must be given, and nothing else.

    Example::

        >>> made(MfaDevice, {"serial_number": "arn:aws:iam::1:mfa/p", "secret": "JBSWY3DPEHPK3PXP"})
        MfaDevice(serial_number='arn:aws:iam::1:mfa/p', user_name=None)
        >>> made(MfaDevice, {"secret": "JBSWY3DPEHPK3PXP"}, "arn:aws:iam::1:mfa/p").serial_number
        'arn:aws:iam::1:mfa/p'
        >>> made(MfaDevice, {"serial_number": "s", "user": "alice"})
        Traceback (most recent call last):
        ...
        TypeError: MfaDevice needs secret; has no user
    """
    count = len(leading)
    names = (kind, count, *values)
    if names not in _ACCEPTED:  # the same code makes the same names, in the same order: checked once
        _check_fields(kind, values, count)
        if len(_ACCEPTED) >= _ACCEPTED_MAX:
            _ACCEPTED.clear()
        _ACCEPTED.add(names)
    maker = _MAKERS.get((kind, count))
    if maker is None:
        maker = _MAKERS[kind, count] = _maker_of(kind, count)
    record: _R = maker(values, *leading)
    return record


_MAKERS: dict[tuple[type, int], Callable[..., Any]] = {}


def positional_maker(kind: type[_R]) -> Callable[..., _R]:
    """A function making a record of ``kind`` (a frozen dataclass with slots) from all its fields, in their order:
    what its ``__init__`` does, at half the cost (each slot set by its descriptor, in code generated once).

    Example::

        >>> from datetime import UTC, datetime
        >>> make_call = positional_maker(Call)
        >>> make_call("GetCallerIdentity", {}, "us-east-1", None, datetime(2026, 1, 1, tzinfo=UTC), 200, None, None,
        ...           None).ok
        True
    """
    fill = _maker_of(kind, len(dataclasses.fields(kind)))  # type: ignore[arg-type]
    return functools.partial(fill, {})  # every field given in order: no values by name


def _maker_of(kind: type, count: int) -> Callable[..., Any]:
    """How ``made`` fills a record of ``kind`` whose first ``count`` fields come in order: its ``__dict__`` at once,
    or (a record with slots, which keeps a session in one object instead of two) each slot by its descriptor, in
    straight-line code generated once."""
    fields = dataclasses.fields(kind)
    if "__slots__" not in kind.__dict__:
        first = [item.name for item in fields[:count]]

        def fill_dict(values: dict[str, Any], *leading: Any) -> Any:
            record: Any = object.__new__(kind)
            record.__dict__.update(zip(first, leading, strict=True), **values)
            return record

        return fill_dict
    namespace: dict[str, Any] = {"new": object.__new__, "kind": kind}
    lines = [f"def fill(values{''.join(f', a{index}' for index in range(count))}):", "    record = new(kind)"]
    for index, item in enumerate(fields):
        namespace[f"set{index}"] = getattr(kind, item.name).__set__
        if index < count:
            lines.append(f"    set{index}(record, a{index})")
        elif item.default is dataclasses.MISSING:
            lines.append(f"    set{index}(record, values[{item.name!r}])")
        else:
            namespace[f"default{index}"] = item.default
            lines.append(f"    set{index}(record, values.get({item.name!r}, default{index}))")
    lines.append("    return record")
    exec("\n".join(lines), namespace)  # source generated above, from the record's own fields only
    fill: Callable[..., Any] = namespace["fill"]
    return fill


def _check_fields(kind: type, values: dict[str, Any], count: int = 0) -> None:
    required, known = _fields_of(kind)
    if count:
        first = {item.name for item in dataclasses.fields(kind)[:count]}
        required, known = required - first, known - first
    if not required <= values.keys() or not known >= values.keys():
        missing, unknown = sorted(required - values.keys()), sorted(values.keys() - known)
        raise TypeError(
            f"{kind.__name__} "
            + "; ".join(
                part
                for part in (missing and f"needs {', '.join(missing)}", unknown and f"has no {', '.join(unknown)}")
                if part
            )
        )


#: The lists of field names ``made`` has accepted (bounded: every kind of record is made by a few places).
_ACCEPTED: set[tuple[Any, ...]] = set()
_ACCEPTED_MAX = 256


def _fields_of(kind: type) -> tuple[frozenset[str], frozenset[str]]:
    """A record's fields without a default (which ``made`` must be given) and all of them."""
    known = _FIELDS.get(kind)
    if known is None:
        known = _FIELDS[kind] = _read_fields(kind)
    return known


_FIELDS: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def _read_fields(kind: type) -> tuple[frozenset[str], frozenset[str]]:
    fields = dataclasses.fields(kind)
    required = frozenset(
        f.name for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    assert all(f.default_factory is dataclasses.MISSING for f in fields), "made() needs class-level defaults"
    return required, frozenset(f.name for f in fields)


@dataclass(frozen=True)
class Principal:
    """Who signs a request: an IAM user, the account root, a federated user or a role session.

    ``session`` is set for temporary credentials (their :class:`Session`): a federated user's,
    a role session's, or a user's own ``GetSessionToken`` session (``kind`` stays ``"user"`` or
    ``"root"`` then, as ``GetCallerIdentity`` answers the user).

    Example::

        >>> from mockfed import FederationBackend
        >>> FederationBackend().default_user.arn
        'arn:aws:iam::123456789012:user/mockfed-default'
    """

    kind: Literal["user", "root", "federated", "role"]
    name: str
    arn: str
    user_id: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    policies: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    session: Session | None = field(default=None, repr=False)
    managed: tuple[str, ...] = ()
    """Managed policy ARNs attached to the user (their documents are the account's or AWS's)."""
    key_active: bool = True
    """False for an access key made inactive in IAM: the service refuses it as an invalid token."""


@dataclass(frozen=True)
class Role:
    """An IAM role: who may take it (``trust_policy``), what it may do, for how long.

    Example::

        >>> from mockfed import FederationBackend
        >>> role = FederationBackend().create_role("Deployer", {"Version": "2012-10-17", "Statement": [
        ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
        >>> role.arn, role.role_id[:4], role.max_session_duration
        ('arn:aws:iam::123456789012:role/Deployer', 'AROA', 3600)
    """

    name: str
    arn: str
    role_id: str
    account_id: str
    trust_policy: str
    policies: tuple[str, ...] = ()
    managed: tuple[str, ...] = ()
    max_session_duration: int = 3600
    path: str = "/"
    tags: tuple[tuple[str, str], ...] = ()
    permissions_boundary: str | None = None


@dataclass(frozen=True)
class MfaDevice:
    """A virtual MFA device: its serial number (an ARN) and the TOTP secret an authenticator app would hold.

    Example::

        >>> from datetime import UTC, datetime
        >>> device = MfaDevice("arn:aws:iam::123456789012:mfa/alice", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice")
        >>> device.code(datetime(2026, 1, 1, tzinfo=UTC))
        '452777'
    """

    serial_number: str
    secret: str = field(repr=False)
    user_name: str | None = None

    def code(self, at: datetime) -> str:
        """The six-digit code the device shows at ``at`` (RFC 6238, 30-second steps)."""
        import pyotp  # loaded on first use: most tests have no MFA device

        return pyotp.TOTP(self.secret).at(at)

    def verify(self, code: str, at: datetime) -> bool:
        """Whether ``code`` is the device's code at ``at``, or one step (30 s) either side of it (clock drift)."""
        import pyotp

        return bool(pyotp.TOTP(self.secret).verify(code, for_time=at, valid_window=1))


@dataclass(frozen=True)
class OidcProvider:
    """An IAM OpenID Connect identity provider: its issuer ``url``, the audiences it accepts, its thumbprints.

    Its ARN names the issuer without ``https://``: the name a trust policy's ``Federated`` principal
    gives it, and (as ``host_path``) the prefix of its condition keys (``HOST/PATH:sub``).

    Example::

        >>> provider = OidcProvider("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        ...                         "https://token.actions.githubusercontent.com", ("sts.amazonaws.com",))
        >>> provider.host_path
        'token.actions.githubusercontent.com'
    """

    arn: str
    url: str
    client_ids: tuple[str, ...] = ()
    thumbprints: tuple[str, ...] = ()

    @property
    def host_path(self) -> str:
        """The issuer without its scheme, e.g. ``oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE``."""
        return self.arn.partition(":oidc-provider/")[2]


@dataclass(frozen=True)
class SamlProvider:
    """An IAM SAML identity provider: its name and metadata document (the IdP's entity id and signing certificates).

    Example::

        >>> SamlProvider("arn:aws:iam::123456789012:saml-provider/Okta", "Okta").name
        'Okta'
    """

    arn: str
    name: str
    metadata: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """One request the simulated STS received, in arrival order, with its outcome."""

    action: str
    params: Mapping[str, Any]
    region: str
    caller_arn: str | None
    at: datetime
    status: int
    response: Mapping[str, Any] | None = field(default=None, repr=False)  # holds the issued secret and token
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass(frozen=True, kw_only=True, slots=True)
class Session:
    """What every issued session has: credentials, lifetime, who asked for it and where."""

    duration_seconds: int
    issued_at: datetime
    expiration: datetime
    session_token_size: int = 0
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)
    caller_arn: str = ""
    region: str = "us-east-1"
    caller: Principal | None = field(default=None, repr=False, compare=False)
    mfa_authenticated_at: datetime | None = None
    """When MFA was given for this session or the one it came from (``aws:MultiFactorAuthPresent``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FederatedSession(Session):
    """One token issued by GetFederationToken, as the test inspects it."""

    name: str
    policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    packed_policy_size: int
    federated_user_id: str = ""
    arn: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class RoleSession(Session):
    """One session of a role (AssumeRole and its web-identity and SAML forms), as the test inspects it."""

    role_arn: str
    session_name: str
    arn: str
    assumed_role_id: str
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    packed_policy_size: int = 0
    chained: bool = False
    """Taken with another role session's credentials (role chaining: at most an hour)."""
    provider: str | None = None
    """The identity provider vouching for the session (AssumeRoleWithWebIdentity, AssumeRoleWithSAML): its ARN."""
    issuer: str | None = None
    """The token's ``iss`` claim, or the SAML assertion's ``Issuer``."""
    subject: str | None = None
    """The token's ``sub`` claim, or the SAML assertion's ``NameID``."""
    subject_type: str | None = None
    """The SAML ``NameID`` format, as the service answers it (``persistent``, ``transient``, or the format URI)."""
    audience: str | None = None
    """The token's audience (``aud``) the provider accepted, or the SAML ``Recipient``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionTokenSession(Session):
    """One token issued by GetSessionToken: the user (or root) itself, for a while, MFA or not."""


@dataclass(frozen=True, kw_only=True)
class ConsoleSession:
    """One sign-in to the AWS console through the federation endpoint (``Action=login``), as a test inspects it.

    Who (``arn``, ``kind``, ``name``, ``role_arn``), with which scope (the session ``policy`` and
    ``policy_arns`` its credentials were issued with; the user's or role's own policies apply
    too), when (``signed_in_at``) and until when (``expiration``). ``session_id`` is what
    ``backend.is_allowed`` takes to answer what the console session may do; ``credentials`` is
    the STS session it signed in with.

    Example::

        >>> from mockfed import FederationBackend
        >>> import requests
        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 900})
        >>> url = backend.signin_url(out["Credentials"], destination="https://console.aws.amazon.com/s3/")
        >>> from mockfed import mock_federation
        >>> with mock_federation(backend=backend):
        ...     requests.get(url, allow_redirects=False).status_code
        302
        >>> console = backend.console_sessions[0]
        >>> console.arn, console.destination, console.expiration == backend.sessions[0].expiration
        ('arn:aws:sts::123456789012:federated-user/Bob', 'https://console.aws.amazon.com/s3/', True)
    """

    session_id: str
    kind: Literal["federated", "role"]
    name: str
    """The federated user's name, or the role session's name."""
    arn: str
    role_arn: str | None
    policy: str | None
    policy_arns: tuple[str, ...]
    access_key_id: str
    """The access key id of the temporary credentials it signed in with."""
    signed_in_at: datetime
    expiration: datetime
    session_duration: int | None
    """The ``SessionDuration`` the broker asked for at ``getSigninToken`` (None: not given)."""
    issuer: str | None
    destination: str
    partition: str
    credentials: FederatedSession | RoleSession = field(repr=False, compare=False)
