"""``FederationBackend``: the simulated STS that tests hold, inspect and shape.

A facade: every method delegates to the account's state (:mod:`mockfed.state`), the
actions (:mod:`mockfed.sts`) or the IAM logic. Plain Python values in, dataclasses and
plain dicts out, :class:`~mockfed.errors.StsError` raised. Nothing here knows about HTTP,
XML, botocore's transport or pytest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from mockfed import signin, sts
from mockfed.clock import Clock
from mockfed.errors import StsError
from mockfed.idp import OidcIdentityProvider, SamlIdentityProvider, create_oidc_provider, create_saml_provider
from mockfed.state import State
from mockfed.state.account import DEFAULT_ACCOUNT_ID, Account, PolicyDocument
from mockfed.state.keys import TokenClaims
from mockfed.state.records import (
    Call,
    ConsoleSession,
    FederatedSession,
    MfaDevice,
    Principal,
    Role,
    RoleSession,
    SessionTokenSession,
)
from mockfed.sts.access import explain as authorization_context
from mockfed.sts.access import is_allowed, why
from mockfed.sts.identity import encode_authorization_message

__all__ = ["FederationBackend"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class _Delegated(Generic[T, P, R]):
    """A function of one part of the backend, read as a method of the backend: ``backend.f(...)`` is
    ``f(part(backend), ...)`` with ``part`` the state or its account, its signature declared once (on
    the function) and its docstring the function's own unless the backend has one to give."""

    def __init__(
        self, function: Callable[Concatenate[T, P], R], part: Callable[[FederationBackend], T], doc: str | None = None
    ) -> None:
        self._function = function
        self._part = part
        self.__doc__ = doc if doc is not None else function.__doc__

    @overload
    def __get__(self, backend: None, owner: type) -> Self: ...

    @overload
    def __get__(self, backend: FederationBackend, owner: type) -> Callable[P, R]: ...

    def __get__(self, backend: FederationBackend | None, owner: type) -> Self | Callable[P, R]:
        if backend is None:
            return self
        return functools.partial(self._function, self._part(backend))


def _state(backend: FederationBackend) -> State:
    return backend.state


def _account(backend: FederationBackend) -> Account:
    return backend.state.account


class FederationBackend:
    """The simulated STS that tests inspect and shape.

    Example::

        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 900})
        >>> out["FederatedUser"]["Arn"], backend.sessions[0].name
        ('arn:aws:sts::123456789012:federated-user/Bob', 'Bob')
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, *, clock: Clock | None = None, seed: int | None = None):
        self.state = State(account_id, clock=clock, seed=seed)
        # The identity providers this backend made, by ARN: they hold the keys that sign, which the account does
        # not keep (it keeps what IAM keeps: the provider, and the issuer's public keys for STS).
        self._issuers: dict[str, OidcIdentityProvider | SamlIdentityProvider] = {}

    # ---- reading -----------------------------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return self.state.account_id

    @property
    def clock(self) -> Clock:
        """The backend's only source of time (see :class:`~mockfed.clock.Clock`)."""
        return self.state.clock

    @property
    def default_user(self) -> Principal:
        """The IAM user of the fake environment keys, allowed everything."""
        return self.state.account.default_user

    @property
    def root_user(self) -> Principal:
        """The account's root credentials (GetFederationToken capped at 3600 s)."""
        return self.state.account.root_user

    @property
    def sessions(self) -> list[FederatedSession]:
        """Every session issued by GetFederationToken, oldest first (a snapshot)."""
        return self.state.sessions.of_kind(FederatedSession)

    @property
    def role_sessions(self) -> list[RoleSession]:
        """Every role session (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML), oldest first."""
        return self.state.sessions.of_kind(RoleSession)

    @property
    def session_tokens(self) -> list[SessionTokenSession]:
        """Every session issued by GetSessionToken, oldest first."""
        return self.state.sessions.of_kind(SessionTokenSession)

    @property
    def console_sessions(self) -> list[ConsoleSession]:
        """Every console sign-in through the federation endpoint (``Action=login``), oldest first: who, with which
        policies, when and until when (see :class:`~mockfed.state.records.ConsoleSession`).

        Example::

            >>> FederationBackend().console_sessions
            []
        """
        return self.state.console.all()

    @property
    def calls(self) -> list[Call]:
        """Every request received, in order (a snapshot)."""
        with self.state.lock:
            return list(self.state.account.calls)

    def principal(self, access_key_id: str) -> Principal | None:
        """The principal owning ``access_key_id`` now (user, root or a session acting for its user or role as they
        are now), if there is one: None for a key mockfed never issued, a key deleted, or a session whose user
        or role was deleted."""
        return self.state.principal(access_key_id)

    def open_session_token(self, token: str) -> TokenClaims | None:
        """The claims sealed in a session token this backend issued, or None if it is altered or foreign."""
        return self.state.sessions.open_token(token)

    def managed_policy(self, arn: str) -> str | None:
        """The document behind a managed policy ARN: customer-managed in this account, or AWS-managed."""
        return self.state.account.managed_policy(arn)

    # ---- shaping -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every session, call, user, policy, disabled region and injected error, and move the clock back
        to real (or frozen) time: what a new backend is."""
        with self.state.lock:
            self.state.reset()
            self._issuers.clear()

    create_user = _Delegated(
        Account.create_user,
        _account,
        """Add an IAM user with its own keys: ``create_user(name, policy=None, *, tags=None, managed=(),
        access_key_id=None, secret_access_key=None)``; ``policy`` (JSON or a dict) and the ``managed`` policy
        ARNs are its identity policies (none: it may do nothing). Returns the user's
        :class:`~mockfed.state.records.Principal`.

        Its key is made unless ``access_key_id`` and ``secret_access_key`` fix it (both, so that an SDK's
        configuration can name them before the backend exists): the key id is ``AKIA`` and 16 base32 characters
        encoding this backend's account, as AWS's do (``mockfed.access_key_id_for(account_id)`` makes one, and a
        key that encodes another account is refused with one that does), not another user's; the secret is 40
        characters of base64.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, tags={"team": "blue"})
            >>> alice.arn, alice.access_key_id[:4]
            ('arn:aws:iam::123456789012:user/alice', 'AKIA')
            >>> from mockfed import access_key_id_for
            >>> broker = backend.create_user("broker", access_key_id=access_key_id_for("123456789012"),
            ...                              secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            >>> broker.access_key_id
            'AKIABZPUZDIKAAAAAAAA'
        """,
    )

    create_role = _Delegated(
        Account.create_role,
        _account,
        """Add an IAM role: ``create_role(name, trust_policy, *, policy=None, managed=(),
        max_session_duration=3600, path="/", tags=None, permissions_boundary=None)``: who may take it
        (``trust_policy``), what it may do (``policy``, ``managed`` ARNs, limited by a
        ``permissions_boundary`` ARN), for how long (3,600 to 43,200 seconds). Returns the
        :class:`~mockfed.state.records.Role`.

        Policies are JSON or dicts. A trust policy names principals (``AWS``: an account, a user or
        role ARN, ``"*"``; ``Federated``; ``Service``) and may use the conditions of STS
        (``sts:ExternalId``, ``aws:MultiFactorAuthPresent``, ``aws:PrincipalTag/…``,
        ``aws:RequestTag/…``, ``sts:RoleSessionName``, ``sts:SourceIdentity``, ...).

        Example::

            >>> backend = FederationBackend()
            >>> role = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [{
            ...     "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/ci"},
            ...     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "build-42"}}}]},
            ...     managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"], max_session_duration=7200)
            >>> role.arn, role.role_id[:4]
            ('arn:aws:iam::123456789012:role/Deployer', 'AROA')
        """,
    )

    @property
    def roles(self) -> list[Role]:
        """Every role of the account (made with :meth:`create_role`)."""
        return self.state.account.roles

    describe_account = _Delegated(
        Account.describe,
        _account,
        """What the account holds now, as plain JSON values and never a secret: ``users`` (name, arn,
        access_key_ids, policies, managed, tags), ``roles`` (name, arn, policies, managed, max_session_duration,
        permissions_boundary, tags), ``policies`` (name, arn), ``oidc_providers`` (arn, url, client_ids),
        ``saml_providers`` (arn, name), ``mfa_devices`` (serial_number, user) and ``disabled_regions``; what
        ``GET /_mockfed/state`` shows as ``account``.

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_policy("ReadLogs", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}]})
            >>> backend.describe_account()["policies"]
            [{'name': 'ReadLogs', 'arn': 'arn:aws:iam::123456789012:policy/ReadLogs'}]
        """,
    )

    # ---- changing IAM: every answer after a change reads the account as it is then -------------------------

    delete_user = _Delegated(
        Account.delete_user,
        _account,
        """Delete the user ``name`` with its access keys, inline and attached policies and MFA devices (as the IAM
        console does). Requests with its keys, and with the sessions it was issued (GetFederationToken,
        GetSessionToken), are refused from then on: 403 ``InvalidClientTokenId``.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> backend.delete_user("alice")
            >>> backend.principal(alice.access_key_id) is None
            True
        """,
    )
    create_access_key = _Delegated(
        Account.create_access_key,
        _account,
        """Another access key for the user ``user`` (IAM allows two at once); returns the user's
        :class:`~mockfed.state.records.Principal` with it (``access_key_id``, ``secret_access_key``).

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_user("alice")
            >>> backend.create_access_key("alice").access_key_id[:4]
            'AKIA'
        """,
    )
    update_access_key = _Delegated(
        Account.update_access_key,
        _account,
        """Make a user's access key ``"Active"`` or ``"Inactive"`` (IAM's UpdateAccessKey): an inactive key is
        refused, 403 ``InvalidClientTokenId``, until it is active again.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> backend.update_access_key(alice.access_key_id, "Inactive")
            >>> backend.principal(alice.access_key_id).key_active
            False
        """,
    )
    delete_access_key = _Delegated(
        Account.delete_access_key,
        _account,
        """Delete a user's access key: requests signed with it are refused, 403 ``InvalidClientTokenId`` (never
        taken for a key mockfed does not know); sessions issued with it go on, as AWS's do.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> backend.delete_access_key(alice.access_key_id)
            >>> backend.principal(alice.access_key_id) is None
            True
        """,
    )
    put_user_policy = _Delegated(
        Account.put_user_policy,
        _account,
        """Add or replace the inline policy ``name`` (JSON or a dict) of the user ``user``
        (``create_user(name, policy)`` names its policy ``"policy"``).

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> backend.put_user_policy("alice", "s3", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
            >>> backend.is_allowed(alice.access_key_id, "s3:GetObject")
            True
        """,
    )
    delete_user_policy = _Delegated(
        Account.delete_user_policy,
        _account,
        """Delete the inline policy ``name`` of the user ``user``: its keys and sessions lose it at once.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
            >>> backend.delete_user_policy("alice", "policy")
            >>> backend.is_allowed(alice.access_key_id, "s3:GetObject")
            False
        """,
    )
    attach_user_policy = _Delegated(
        Account.attach_user_policy,
        _account,
        """Attach the managed policy ``arn`` (the account's, :meth:`create_policy`, or AWS's) to the user ``user``.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> backend.attach_user_policy("alice", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            >>> backend.is_allowed(alice.access_key_id, "s3:GetObject")
            True
        """,
    )
    detach_user_policy = _Delegated(
        Account.detach_user_policy,
        _account,
        """Detach the managed policy ``arn`` from the user ``user``.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice", managed=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
            >>> backend.detach_user_policy("alice", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            >>> backend.is_allowed(alice.access_key_id, "s3:GetObject")
            False
        """,
    )
    delete_role = _Delegated(
        Account.delete_role,
        _account,
        """Delete the role ``name`` with its policies (as the IAM console does): AssumeRole on it is refused, and
        its sessions are refused from then on, 403 ``InvalidClientTokenId`` (a role made again under the same
        name is another role: the old sessions stay refused).

        Example::

            >>> backend = FederationBackend()
            >>> role = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
            >>> backend.delete_role("Deployer")
            >>> backend.roles
            []
        """,
    )
    put_role_policy = _Delegated(
        Account.put_role_policy,
        _account,
        """Add or replace the inline policy ``name`` (JSON or a dict) of the role ``role``: its sessions have it at
        once.

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
            >>> backend.put_role_policy("Deployer", "s3", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
            >>> len(backend.roles[0].policies)
            1
        """,
    )
    delete_role_policy = _Delegated(
        Account.delete_role_policy,
        _account,
        """Delete the inline policy ``name`` of the role ``role``: its sessions lose it at once.

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]},
            ...     policy={"Version": "2012-10-17", "Statement": [
            ...         {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
            >>> backend.delete_role_policy("Deployer", "policy")
            >>> backend.roles[0].policies
            ()
        """,
    )
    attach_role_policy = _Delegated(
        Account.attach_role_policy,
        _account,
        """Attach the managed policy ``arn`` to the role ``role``.

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
            >>> backend.attach_role_policy("Deployer", "arn:aws:iam::aws:policy/ReadOnlyAccess")
            >>> backend.roles[0].managed
            ('arn:aws:iam::aws:policy/ReadOnlyAccess',)
        """,
    )
    detach_role_policy = _Delegated(
        Account.detach_role_policy,
        _account,
        """Detach the managed policy ``arn`` from the role ``role``.

        Example::

            >>> backend = FederationBackend()
            >>> _ = backend.create_role("Deployer", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]},
            ...     managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
            >>> backend.detach_role_policy("Deployer", "arn:aws:iam::aws:policy/ReadOnlyAccess")
            >>> backend.roles[0].managed
            ()
        """,
    )
    delete_policy = _Delegated(
        Account.delete_policy,
        _account,
        """Delete the customer-managed policy ``arn``; IAM refuses while it is attached to a user or role
        (``DeleteConflict``).

        Example::

            >>> backend = FederationBackend()
            >>> arn = backend.create_policy("ReadLogs", {"Version": "2012-10-17", "Statement": [
            ...     {"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}]})
            >>> backend.delete_policy(arn)
            >>> backend.managed_policy(arn) is None
            True
        """,
    )

    def create_mfa_device(self, name: str, *, user: str | None = None, secret: str | None = None) -> MfaDevice:
        """Add a virtual MFA device of ``user`` (the name of a user of the account, mockfed's or moto's: IAM's
        ``NoSuchEntity`` otherwise; None: the root user's), with a TOTP ``secret`` (base32; made if not given).
        Its ``serial_number`` and :meth:`mfa_code` go in ``SerialNumber`` and ``TokenCode``.

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice")
            >>> device = backend.create_mfa_device("alice-phone", user="alice")
            >>> device.serial_number, len(backend.mfa_code(device))
            ('arn:aws:iam::123456789012:mfa/alice-phone', 6)
        """
        return self.state.account.create_mfa_device(name, user=user, secret=secret)

    def create_oidc_provider(
        self, url: str, client_ids: Sequence[str] = (), thumbprints: Sequence[str] = ()
    ) -> OidcIdentityProvider:
        """Add an IAM OpenID Connect provider for the issuer ``url``, accepting the audiences ``client_ids``, and
        return the issuer itself: it holds an RSA key, publishes it for STS, and mints ID tokens
        (:meth:`~mockfed.idp.oidc.OidcIdentityProvider.token`) for ``AssumeRoleWithWebIdentity``.

        Example::

            >>> backend = FederationBackend()
            >>> github = backend.create_oidc_provider("https://token.actions.githubusercontent.com",
            ...                                       client_ids=["sts.amazonaws.com"])
            >>> github.arn
            'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
            >>> token = github.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com")
        """
        provider = create_oidc_provider(self.state, url, client_ids, thumbprints)
        with self.state.lock:
            self._issuers[provider.arn] = provider
        return provider

    def create_saml_provider(
        self, name: str, metadata: str | None = None, *, issuer: str | None = None
    ) -> SamlIdentityProvider:
        """Add an IAM SAML provider ``name`` and return the identity provider: without ``metadata``, one with a fresh
        key and certificate (entity id ``issuer``) that issues signed SAML responses
        (:meth:`~mockfed.idp.saml.SamlIdentityProvider.assertion`) for ``AssumeRoleWithSAML``; with your IdP's
        ``metadata``, one that only checks. Needs the ``saml`` extra (``pip install 'mockfed[saml]'``).

        Example::

            >>> backend = FederationBackend()
            >>> okta = backend.create_saml_provider("Okta", issuer="http://www.okta.com/exk1abcd")
            >>> okta.arn
            'arn:aws:iam::123456789012:saml-provider/Okta'
            >>> response = okta.assertion("arn:aws:iam::123456789012:role/Admin", subject="alice@example.com")
        """
        provider = create_saml_provider(self.state, name, metadata, issuer=issuer)
        with self.state.lock:
            self._issuers[provider.arn] = provider
        return provider

    def identity_provider(self, arn: str) -> OidcIdentityProvider | SamlIdentityProvider | None:
        """The identity provider this backend made with ``arn`` (:meth:`create_oidc_provider`,
        :meth:`create_saml_provider`, a world file), which mints tokens or assertions; None when the account no
        longer holds it as made (never made here, forgotten by :meth:`reset`, or replaced since).

        Example::

            >>> backend = FederationBackend()
            >>> github = backend.create_oidc_provider("https://token.actions.githubusercontent.com")
            >>> backend.identity_provider(github.arn) is github
            True
            >>> backend.identity_provider("arn:aws:iam::123456789012:oidc-provider/example.com") is None
            True
        """
        with self.state.lock:
            held = self._issuers.get(arn)
        account = self.state.account
        if isinstance(held, OidcIdentityProvider):
            current = account.oidc_provider(arn) is not None and account.signing_keys(held.url) == held.jwks
        elif isinstance(held, SamlIdentityProvider):
            registered = account.saml_provider(arn)
            current = registered is not None and registered.metadata == held.metadata
        else:
            current = False
        return held if current else None

    def mfa_code(self, device: MfaDevice | str) -> str:
        """The code ``device`` (a device, or its serial number) shows at the backend clock's now.

        Example::

            >>> backend = FederationBackend()
            >>> phone = backend.create_mfa_device("root-phone")
            >>> backend.mfa_code(phone) == backend.mfa_code(phone.serial_number)
            True
        """
        if isinstance(device, str):
            found = self.state.account.mfa_device(device)
            if found is None:
                raise StsError("NoSuchEntity", f"VirtualMFADevice with serial {device[:200]} not found.", 404)
            device = found
        return device.code(self.clock.now())

    def authorization_message(
        self,
        access_key_id: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> str:
        """The encoded authorization message AWS services put in their refusals, for this request: what
        ``DecodeAuthorizationMessage`` (through STS) decodes into the decision and its reasons.

        Example::

            >>> backend = FederationBackend()
            >>> message = backend.authorization_message(backend.default_user.access_key_id, "ec2:RunInstances")
            >>> import json; json.loads(backend.decode_authorization_message(message))["allowed"]
            True
        """
        principal = self.state.principal(access_key_id)
        if principal is None:
            raise ValueError(f"mockfed knows no access key {access_key_id!r}")
        return encode_authorization_message(
            self.state, authorization_context(self.state, principal, action, resource, context)
        )

    def decode_authorization_message(self, message: str) -> str:
        """What DecodeAuthorizationMessage answers for ``message`` (as the default user asks)."""
        out = sts.ACTIONS["DecodeAuthorizationMessage"](
            self.state, self.default_user, {"EncodedMessage": message}, "us-east-1"
        )
        return str(out["DecodedMessage"])

    def create_policy(self, name: str, document: PolicyDocument) -> str:
        """Add a customer-managed policy to the account; returns its ARN, usable in ``PolicyArns``.

        Example::

            >>> FederationBackend().create_policy("ReadLogs", '{"Version": "2012-10-17", "Statement": '
            ...     '{"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}}')
            'arn:aws:iam::123456789012:policy/ReadLogs'
        """
        return self.state.account.create_policy(name, document)

    def disable_region(self, region: str) -> None:
        """Make STS answer ``RegionDisabledException`` in ``region`` (as for an opt-in region not activated)."""
        self.state.account.disable_region(region)

    def enable_region(self, region: str) -> None:
        """Undo :meth:`disable_region`."""
        self.state.account.enable_region(region)

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (or ``"*"``) fail with ``code``.

        Example::

            >>> backend = FederationBackend()
            >>> backend.inject_error("GetFederationToken", "Throttling", count=2)
        """
        self.state.account.inject_error(action, code, message, count=count, status=status)

    # ---- the operations and permissions: the state's functions, bound to this backend's state -------------

    invoke = _Delegated(sts.invoke, _state)
    log_call = _Delegated(sts.log_call, _state)
    is_allowed = _Delegated(is_allowed, _state)
    explain = _Delegated(why, _state)
    signin_url = _Delegated(signin.signin_url, _state)

    def get_caller_identity(self, caller: Principal) -> dict[str, Any]:
        """``GetCallerIdentity`` for any principal."""
        return sts.ACTIONS["GetCallerIdentity"](self.state, caller, {}, "us-east-1")

    def get_federation_token(
        self, caller: Principal, params: Mapping[str, Any], region: str = "us-east-1"
    ) -> dict[str, Any]:
        """``GetFederationToken`` with the real service's checks, in the real service's order."""
        return sts.ACTIONS["GetFederationToken"](self.state, caller, params, region)

    def __repr__(self) -> str:
        return (
            f"FederationBackend(account_id={self.account_id!r}, sessions={len(self.state.sessions)}, "
            f"calls={len(self.state.account.calls)})"
        )
