"""The typed records a test reads: principals, issued sessions, received calls (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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
]

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
    access_key_id: str | None = None
    """The key id the request was signed with, as read from it (also for a request refused in authentication)."""
    reason: str | None = None
    """Why mockfed refused it, in its own words (a denial's policy, statement, element or condition key)."""

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
