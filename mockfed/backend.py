"""The simulated STS: principals, issued federation sessions, the call log.

Plain Python values in, dataclasses and plain dicts out, :class:`StsError`
raised. Nothing here knows about HTTP, XML, botocore's transport or pytest;
tests read and shape this object directly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mockfed import errors, packing, policy, validation
from mockfed.clock import Clock
from mockfed.credentials import KeyFactory, TokenClaims, TokenCodec
from mockfed.errors import StsError
from mockfed.policy import parse_policy

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "DEFAULT_USER_NAME",
    "Call",
    "FederatedSession",
    "FederationBackend",
    "Principal",
]

DEFAULT_ACCOUNT_ID = "123456789012"
#: The well-known keys of every backend's default IAM user (the fake environment credentials).
DEFAULT_ACCESS_KEY_ID = "AKIAMOCKFEDEXAMPLE01"
DEFAULT_SECRET_ACCESS_KEY = "mockfed/DEFAULT/secret+key/EXAMPLEKEY000"
DEFAULT_USER_NAME = "mockfed-default"
ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
DEFAULT_DURATION_SECONDS = 43200
ROOT_MAX_DURATION_SECONDS = 3600


def partition_of(region: str) -> str:
    """The ARN partition of a region: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Principal:
    """Who signs a request: an IAM user, the account root, or a federated session.

    Example::

        >>> backend = FederationBackend()
        >>> backend.default_user.arn
        'arn:aws:iam::123456789012:user/mockfed-default'
    """

    kind: Literal["user", "root", "federated"]
    name: str
    arn: str
    user_id: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    policies: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    session: FederatedSession | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FederatedSession:
    """One token issued by GetFederationToken, as the test inspects it."""

    name: str
    policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    duration_seconds: int
    issued_at: datetime
    expiration: datetime
    packed_policy_size: int
    session_token_size: int
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    caller_arn: str = ""
    region: str = "us-east-1"
    federated_user_id: str = ""
    arn: str = ""
    caller: Principal | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
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


@dataclass
class _InjectedError:
    action: str
    error: StsError
    remaining: int


class FederationBackend:
    """The simulated STS that tests inspect and shape.

    Example::

        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 900})
        >>> out["FederatedUser"]["Arn"], backend.sessions[0].name
        ('arn:aws:sts::123456789012:federated-user/Bob', 'Bob')
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, *, clock: Clock | None = None, seed: int | None = None):
        self.account_id = account_id
        self.clock = clock or Clock()
        self._seed = seed
        self._lock = threading.RLock()
        self.reset()

    # ---- state -------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every session, call, user, policy, disabled region and injected error."""
        with self._lock:
            self._keys = KeyFactory(self._seed)
            self._tokens = TokenCodec(self._keys.token_key())
            self._sessions: dict[str, FederatedSession] = {}
            self._principals: dict[str, Principal] = {}
            self._calls: list[Call] = []
            self._disabled_regions: set[str] = set()
            self._injected: list[_InjectedError] = []
            self._customer_policies: dict[str, str] = {}
            self.default_user = self._add_principal(
                self._user(DEFAULT_USER_NAME, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, (ALLOW_ALL_POLICY,), ())
            )
            self.root_user = self._add_principal(
                Principal(
                    kind="root",
                    name="root",
                    arn=f"arn:aws:iam::{self.account_id}:root",
                    user_id=self.account_id,
                    account_id=self.account_id,
                    access_key_id=self._keys.access_key_id("AKIA"),
                    secret_access_key=self._keys.secret_access_key(),
                    policies=(ALLOW_ALL_POLICY,),
                )
            )

    def _user(
        self, name: str, akid: str, secret: str, policies: tuple[str, ...], tags: tuple[tuple[str, str], ...]
    ) -> Principal:
        return Principal(
            kind="user",
            name=name,
            arn=f"arn:aws:iam::{self.account_id}:user/{name}",
            user_id="AIDA" + self._keys.access_key_id("")[:17],
            account_id=self.account_id,
            access_key_id=akid,
            secret_access_key=secret,
            policies=policies,
            tags=tags,
        )

    def _add_principal(self, principal: Principal) -> Principal:
        self._principals[principal.access_key_id] = principal
        return principal

    @property
    def sessions(self) -> list[FederatedSession]:
        """Every issued federation session, oldest first (a snapshot)."""
        with self._lock:
            return list(self._sessions.values())

    @property
    def calls(self) -> list[Call]:
        """Every request received, in order (a snapshot)."""
        with self._lock:
            return list(self._calls)

    def principal(self, access_key_id: str) -> Principal | None:
        """The principal owning ``access_key_id`` (user, root or federated session), if mockfed knows it."""
        principal = self._principals.get(access_key_id)
        if principal is not None:
            return principal
        session = self._sessions.get(access_key_id)
        return None if session is None else self._federated_principal(session)

    def _federated_principal(self, session: FederatedSession) -> Principal:
        caller = session.caller
        return Principal(
            kind="federated",
            name=session.name,
            arn=session.arn,
            user_id=session.federated_user_id,
            account_id=self.account_id,
            access_key_id=session.access_key_id,
            secret_access_key=session.secret_access_key,
            policies=caller.policies if caller else (),
            tags=session.tags,
            session=session,
        )

    def open_session_token(self, token: str) -> TokenClaims | None:
        """The claims sealed in a session token this backend issued, or None if it is altered or foreign."""
        return self._tokens.open(token)

    # ---- shaping -----------------------------------------------------------------------------------------

    def create_user(self, name: str, policy: str | None = None, *, tags: Mapping[str, str] | None = None) -> Principal:
        """Add an IAM user with its own keys; ``policy`` is its identity policy (none: it may do nothing).

        Example::

            >>> backend = FederationBackend()
            >>> alice = backend.create_user("alice", ALLOW_ALL_POLICY, tags={"team": "blue"})
            >>> alice.arn, alice.access_key_id[:4]
            ('arn:aws:iam::123456789012:user/alice', 'AKIA')
        """
        if policy is not None:
            parse_policy(policy)  # the parameter shadows the policy module here
        with self._lock:
            user = self._user(
                name,
                self._keys.access_key_id("AKIA"),
                self._keys.secret_access_key(),
                (policy,) if policy is not None else (),
                tuple((tags or {}).items()),
            )
            return self._add_principal(user)

    def create_policy(self, name: str, document: str) -> str:
        """Add a customer-managed policy to the account; returns its ARN, usable in ``PolicyArns``.

        Example::

            >>> FederationBackend().create_policy("ReadLogs", ALLOW_ALL_POLICY)
            'arn:aws:iam::123456789012:policy/ReadLogs'
        """
        policy.parse_policy(document)
        arn = f"arn:aws:iam::{self.account_id}:policy/{name}"
        with self._lock:
            self._customer_policies[arn] = document
        return arn

    def managed_policy(self, arn: str) -> str | None:
        """The document behind a managed policy ARN: customer-managed in this account, or AWS-managed."""
        document = self._customer_policies.get(arn)
        if document is not None:
            return document
        return policy.managed_policy_document(arn)

    def disable_region(self, region: str) -> None:
        """Make STS answer ``RegionDisabledException`` in ``region`` (as for an opt-in region not activated)."""
        with self._lock:
            self._disabled_regions.add(region)

    def enable_region(self, region: str) -> None:
        with self._lock:
            self._disabled_regions.discard(region)

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (or ``"*"``) fail with ``code``.

        Example::

            >>> backend = FederationBackend()
            >>> backend.inject_error("GetFederationToken", "Throttling", count=2)
        """
        known = {"Throttling": ("Rate exceeded", 400), "ServiceUnavailable": ("Service unavailable", 503)}
        default_message, default_status = known.get(code, (code, 400))
        error = StsError(code, message or default_message, status or default_status, sender_fault=(status or 400) < 500)
        with self._lock:
            self._injected.append(_InjectedError(action, error, count))

    # ---- the operations ----------------------------------------------------------------------------------

    def invoke(self, action: str, params: Mapping[str, Any], caller: Principal | None, region: str) -> dict[str, Any]:
        """Run ``action`` for ``caller`` in ``region`` and record the call, whatever its outcome."""
        at = self.clock.now()
        try:
            result = self._dispatch(action, params, caller, region)
        except StsError as err:
            self.log_call(action, params, region, caller, at, err.status, error=err)
            raise
        self.log_call(action, params, region, caller, at, 200, result=result)
        return result

    def _dispatch(
        self, action: str, params: Mapping[str, Any], caller: Principal | None, region: str
    ) -> dict[str, Any]:
        if self._injected:
            self._raise_injected(action)
        if caller is not None and caller.kind == "federated" and action != "GetCallerIdentity":
            raise errors.access_denied(f"Cannot call {action} with session credentials")
        if action == "GetFederationToken":
            return self.get_federation_token(caller or self.default_user, params, region)
        if action == "GetCallerIdentity":
            return self.get_caller_identity(caller or self.default_user)
        raise errors.not_implemented(action)

    def _raise_injected(self, action: str) -> None:
        with self._lock:
            for injected in self._injected:
                if injected.action in (action, "*") and injected.remaining > 0:
                    injected.remaining -= 1
                    if injected.remaining == 0:
                        self._injected.remove(injected)
                    raise injected.error

    def get_caller_identity(self, caller: Principal) -> dict[str, Any]:
        """``GetCallerIdentity`` for any principal."""
        return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}

    def get_federation_token(
        self, caller: Principal, params: Mapping[str, Any], region: str = "us-east-1"
    ) -> dict[str, Any]:
        """``GetFederationToken`` with the real service's checks, in the real service's order."""
        if region in self._disabled_regions:
            raise errors.region_disabled(self.account_id)
        if caller.kind == "federated":
            raise errors.access_denied("Cannot call GetFederationToken with session credentials")
        validation.check_request("GetFederationToken", params)
        name: str = params["Name"]
        policy_text: str | None = params.get("Policy")
        if policy_text is not None:
            policy.parse_policy(policy_text, session=True)
        arns = tuple(entry["arn"] for entry in params.get("PolicyArns") or ())
        for arn in arns:
            if self.managed_policy(arn) is None:
                raise errors.malformed_policy(f"Policy {arn} does not exist or is not attachable.")
        duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
        if caller.kind == "root":
            duration = min(duration, ROOT_MAX_DURATION_SECONDS)
        session_tags = tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ())
        packed = packing.pack(policy_text, arns, session_tags)
        if packed.too_large:
            raise errors.packed_policy_too_large(packed.percent, tags=packed.exceeded_by_tags)
        minimum_token_size = int(params.get("MinimumSessionTokenSize") or 0)
        return self._issue(
            caller, name, policy_text, arns, session_tags, duration, packed, region, minimum_token_size
        )

    def _issue(
        self,
        caller: Principal,
        name: str,
        policy_text: str | None,
        arns: tuple[str, ...],
        session_tags: tuple[tuple[str, str], ...],
        duration: int,
        packed: packing.PackedSession,
        region: str,
        minimum_token_size: int,
        *,
        recorded: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Register a new federated session and answer it; ``recorded`` replays a recorded answer's values."""
        issued = self.clock.timestamp()
        recorded = recorded or {}
        recorded_credentials = recorded.get("Credentials") or {}
        recorded_expiration = recorded_credentials.get("Expiration")
        if isinstance(recorded_expiration, datetime):
            expires = recorded_expiration.timestamp()
            duration = max(0, round(expires - issued))
        else:
            expires = float(int(issued) + duration)  # the service answers whole seconds
        partition = partition_of(region)
        recorded_user = recorded.get("FederatedUser") or {}
        federated_user_id = recorded_user.get("FederatedUserId") or f"{self.account_id}:{name}"
        arn = recorded_user.get("Arn") or f"arn:{partition}:sts::{self.account_id}:federated-user/{name}"
        percent = int(recorded.get("PackedPolicySize", packed.percent))
        minimum_token_size = max(minimum_token_size, int(recorded.get("SessionTokenSize") or 0))
        with self._lock:
            akid = self._keys.access_key_id("ASIA")
            while akid in self._sessions or akid in self._principals:
                akid = self._keys.access_key_id("ASIA")
            secret = self._keys.secret_access_key()
        token = self._tokens.seal(TokenClaims(akid, expires, packed.data), minimum_token_size)
        session = FederatedSession(
            name=name,
            policy=policy_text,
            policy_arns=arns,
            tags=_merge_tags(caller.tags, session_tags),
            duration_seconds=duration,
            issued_at=datetime.fromtimestamp(issued, UTC),
            expiration=datetime.fromtimestamp(expires, UTC),
            packed_policy_size=percent,
            session_token_size=len(token),
            access_key_id=akid,
            secret_access_key=secret,
            session_token=token,
            caller_arn=caller.arn,
            region=region,
            federated_user_id=federated_user_id,
            arn=arn,
            caller=caller,
        )
        with self._lock:
            self._sessions[akid] = session
        utilization = min(100, -(-len(token) * 100 // packing.MAX_SESSION_TOKEN_SIZE))
        return {
            "Credentials": {
                "AccessKeyId": akid,
                "SecretAccessKey": secret,
                "SessionToken": token,
                "Expiration": session.expiration,
            },
            "FederatedUser": {"FederatedUserId": session.federated_user_id, "Arn": session.arn},
            "PackedPolicySize": percent,
            "SessionTokenUtilization": int(recorded.get("SessionTokenUtilization", utilization)),
            "SessionTokenSize": len(token),
        }

    # ---- replay ------------------------------------------------------------------------------------------

    def replay(
        self,
        action: str,
        params: Mapping[str, Any],
        caller: Principal | None,
        region: str,
        recorded: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Answer ``action`` with a recorded result, logged like any call.

        A recorded ``GetFederationToken`` becomes a real session of this backend, with the recorded
        federated user, ``PackedPolicySize`` and expiry but fresh credentials, so later calls made
        with them authenticate as they did when recorded.
        """
        at = self.clock.now()
        if action == "GetFederationToken":
            arns = tuple(entry["arn"] for entry in params.get("PolicyArns") or ())
            session_tags = tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ())
            try:
                packed = packing.pack(params.get("Policy"), arns, session_tags)
            except (ValueError, TypeError):
                packed = packing.pack(None, arns, session_tags)
            result = self._issue(
                caller or self.default_user,
                str(params.get("Name", "")),
                params.get("Policy"),
                arns,
                session_tags,
                int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS),
                packed,
                region,
                int(params.get("MinimumSessionTokenSize") or 0),
                recorded=recorded,
            )
        else:
            result = dict(recorded)
        self.log_call(action, params, region, caller, at, 200, result=result)
        return result

    def log_call(
        self,
        action: str,
        params: Mapping[str, Any],
        region: str,
        caller: Principal | None,
        at: datetime,
        status: int,
        *,
        result: Mapping[str, Any] | None = None,
        error: StsError | None = None,
    ) -> None:
        """Append one call to :attr:`calls` (answered here, replayed, or recorded from elsewhere)."""
        call = Call(
            action,
            params,
            region,
            caller.arn if caller else None,
            at,
            status,
            result,
            error.code if error else None,
            error.message if error else None,
        )
        with self._lock:
            self._calls.append(call)

    # ---- permissions ---------------------------------------------------------------------------------------

    def is_allowed(
        self,
        access_key_id: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> bool:
        """Would AWS allow the holder of ``access_key_id`` to do ``action`` on ``resource``?

        For a federated session: the intersection of its IAM user's policies and its session
        policies (inline and managed); no session policy allows nothing; an explicit Deny wins;
        IAM and STS (but ``sts:GetCallerIdentity``) are never allowed; expired credentials
        allow nothing. Keys mockfed does not know allow nothing.

        Example::

            >>> backend = FederationBackend()
            >>> out = backend.get_federation_token(backend.default_user, {
            ...     "Name": "Bob", "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]})
            >>> key = out["Credentials"]["AccessKeyId"]
            >>> backend.is_allowed(key, "s3:GetObject", "arn:aws:s3:::bucket/key")
            True
            >>> backend.is_allowed(key, "s3:PutObject", "arn:aws:s3:::bucket/key")
            False
        """
        principal = self.principal(access_key_id)
        if principal is None:
            return False
        if action.lower() == "sts:getcalleridentity":
            return principal.session is None or self.clock.timestamp() < principal.session.expiration.timestamp()
        if principal.kind == "root":
            return True
        identity = [policy.parse_policy(document) for document in principal.policies]
        session = principal.session
        if session is None:
            return policy.is_allowed(identity, None, action, resource, context)
        if self.clock.timestamp() >= session.expiration.timestamp():
            return False
        if action.split(":", 1)[0].lower() in ("iam", "sts"):
            return False
        documents = [session.policy] if session.policy is not None else []
        documents += [self.managed_policy(arn) or "" for arn in session.policy_arns]
        session_policies = [policy.parse_policy(document, session=True) for document in documents]
        return policy.is_allowed(identity, session_policies, action, resource, context)

    def __repr__(self) -> str:
        return (
            f"FederationBackend(account_id={self.account_id!r}, sessions={len(self._sessions)}, "
            f"calls={len(self._calls)})"
        )


def _merge_tags(
    inherited: Iterable[tuple[str, str]], session: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """User tags, overridden case-insensitively by session tags (the session's spelling wins)."""
    overriding = {key.lower() for key, _ in session}
    return tuple((k, v) for k, v in inherited if k.lower() not in overriding) + tuple(session)

