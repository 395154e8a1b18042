"""What a credential may do: the IAM decision for a principal of the account, as AWS computes it.

- A user (or root, allowed everything) acts by its identity policies (inline and managed).
- A role session acts by its role's policies, limited by the session policies passed when it was
  taken (none passed: the role's policies alone) and by the role's permissions boundary.
- A federated user acts by the intersection of its IAM user's policies and its session policies
  (none passed: nothing at all); it may call no IAM action, and of STS only GetCallerIdentity,
  GetScopedCredentials and GetDelegatedAccessToken.
- A GetSessionToken session acts as its user; without MFA it may call no IAM action, and of STS
  only AssumeRole, GetCallerIdentity, GetScopedCredentials, GetWebIdentityToken and
  GetDelegatedAccessToken.
- A role session may not call GetFederationToken or GetSessionToken.
- Expired credentials may do nothing; an explicit Deny anywhere wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from mockfed import errors
from mockfed.iam import policy
from mockfed.iam.grammar import parse_policy
from mockfed.iam.policy import Effect, LazyContext, context_values
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal, RoleSession, Session, SessionTokenSession

__all__ = [
    "decide",
    "denial_reason",
    "explain",
    "is_allowed",
    "principal_context",
    "refuse_session_credentials",
    "time_context",
    "verdict",
    "why",
]

ContextValues = Mapping[str, str | Sequence[str]] | LazyContext

#: The STS actions a federated user's and a GetSessionToken session's credentials may call (the model's
#: documentation), and those a role session's may not.
_FEDERATED_STS = frozenset({"sts:getcalleridentity", "sts:getscopedcredentials", "sts:getdelegatedaccesstoken"})
_SESSION_TOKEN_STS = frozenset(
    {
        "sts:assumerole",
        "sts:getcalleridentity",
        "sts:getscopedcredentials",
        "sts:getwebidentitytoken",
        "sts:getdelegatedaccesstoken",
    }
)
_ROLE_SESSION_NEVER = frozenset({"sts:getfederationtoken", "sts:getsessiontoken"})


def is_allowed(
    state: State,
    access_key_id: str,
    action: str,
    resource: str = "*",
    context: ContextValues | None = None,
) -> bool:
    """Would AWS allow the holder of ``access_key_id`` to do ``action`` on ``resource``?

    ``access_key_id`` may also be a console session's ``session_id`` (``backend.console_sessions``): the
    console session acts as the credentials it signed in with, for as long as it lasts.

    ``context`` adds to (and overrides) the condition keys mockfed knows of the principal
    (``aws:PrincipalArn``, ``aws:PrincipalTag/…``, ``aws:MultiFactorAuthPresent``, ...).

    Example (``backend.is_allowed(...)`` is this function on the backend's state)::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {
        ...     "Name": "Bob", "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]})
        >>> key = out["Credentials"]["AccessKeyId"]
        >>> backend.is_allowed(key, "s3:GetObject", "arn:aws:s3:::bucket/key")
        True
        >>> backend.is_allowed(key, "s3:PutObject", "arn:aws:s3:::bucket/key")
        False
        >>> backend.is_allowed("AKIAUNKNOWNUNKNOWN00", "s3:GetObject")
        False
    """
    _check_question(access_key_id, action, resource, context)
    principal = state.principal(access_key_id) or state.console_principal(access_key_id)
    return principal is not None and decide(state, principal, action, resource, context) == "Allow"


def why(
    state: State,
    access_key_id: str,
    action: str,
    resource: str = "*",
    context: ContextValues | None = None,
) -> policy.Verdict:
    """:func:`is_allowed`'s answer with its reason: a :class:`~mockfed.iam.policy.Verdict` whose ``allowed`` is
    what :func:`is_allowed` answers and whose ``reason`` names the policy and statement that allowed or denied, or
    what is missing (no Allow; the Allow whose ``Resource`` or condition key did not match).

    Example (``backend.explain(...)`` is this function on the backend's state)::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {
        ...     "Name": "Bob", "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]})
        >>> key = out["Credentials"]["AccessKeyId"]
        >>> backend.explain(key, "s3:GetObject", "arn:aws:s3:::bucket/key").allowed
        True
        >>> print(backend.explain(key, "s3:PutObject", "arn:aws:s3:::bucket/key").reason)  # doctest: +ELLIPSIS
        no session policy allows s3:PutObject on arn:aws:s3:::bucket/key: no statement of the session policy ...
        >>> backend.explain("AKIAUNKNOWNUNKNOWN00", "s3:GetObject").reason
        'no credentials of the account have the access key id AKIAUNKNOWNUNKNOWN00'
    """
    _check_question(access_key_id, action, resource, context, asked="explain")
    principal = state.principal(access_key_id) or state.console_principal(access_key_id)
    if principal is None:
        return policy.Verdict(None, f"no credentials of the account have the access key id {access_key_id[:128]}")
    return verdict(state, principal, action, resource, context)


def _check_question(
    access_key_id: object, action: object, resource: object, context: object, asked: str = "is_allowed"
) -> None:
    """``is_allowed``'s arguments as it reads them, or a ``TypeError`` naming the argument and what it must be."""
    for name, value, example in (
        ("access_key_id", access_key_id, "a key id such as AKIA... or a console session's session_id"),
        ("action", action, "'s3:GetObject'"),
        ("resource", resource, "an ARN such as 'arn:aws:s3:::reports/q3.csv', or '*'"),
    ):
        if not isinstance(value, str):
            raise TypeError(f"{asked}: {name} must be a string, {example}; got {type(value).__name__}")
    if context is None or isinstance(context, LazyContext):
        return
    if not isinstance(context, Mapping) or not all(
        isinstance(key, str)
        and (isinstance(value, str) or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)))
        for key, value in context.items()
    ):
        raise TypeError(
            f"{asked}: context must be a dict of condition keys to a string or a list of strings, such as "
            '{"aws:SourceIp": "10.0.0.1"}'
        )


def decide(
    state: State, principal: Principal, action: str, resource: str = "*", context: ContextValues | None = None
) -> Effect | None:
    """The IAM verdict on ``principal`` doing ``action``: ``"Allow"``, ``"Deny"`` (explicit) or None."""
    asked = _question(state, principal, action, context)
    if isinstance(asked, policy.Verdict):
        return asked.effect
    session = None if asked.session is None else [found for _, found in asked.session]
    decision = policy.decide_request([found for _, found in asked.identity], session, action, resource, asked.values)
    if decision == "Allow" and asked.boundary is not None:
        return policy.decide_request([asked.boundary[1]], None, action, resource, asked.values)
    return decision


def verdict(
    state: State, principal: Principal, action: str, resource: str = "*", context: ContextValues | None = None
) -> policy.Verdict:
    """:func:`decide`'s verdict with its reason, from the same policies (the reason names the policy and
    statement, or the element or condition key, that decided).

    Example::

        >>> state = State("123456789012")
        >>> alice = state.account.create_user("alice", {"Version": "2012-10-17", "Statement": [
        ...     {"Sid": "Reports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
        >>> verdict(state, alice, "s3:GetObject", "arn:aws:s3:::reports/q3.csv").reason
        "allowed by statement 'Reports' of inline policy 1 of arn:aws:iam::123456789012:user/alice"
        >>> print(verdict(state, alice, "s3:PutObject", "arn:aws:s3:::reports/q3.csv").reason)  # doctest: +ELLIPSIS
        no identity-based policy allows s3:PutObject on ...: no statement of inline policy 1 of ... matches the action
    """
    asked = _question(state, principal, action, context)
    if isinstance(asked, policy.Verdict):
        return asked
    decided = policy.explain_request(asked.identity, asked.session, action, resource, asked.values)
    if decided.effect == "Allow" and asked.boundary is not None:
        bounded = policy.explain_request([asked.boundary], None, action, resource, asked.values)
        if bounded.effect != "Allow":
            return policy.Verdict(bounded.effect, bounded.reason.replace("identity-based policy", "boundary", 1))
    return decided


class _Question(NamedTuple):
    """What IAM weighs for a principal's request, each policy with the name a reason gives it."""

    identity: list[tuple[str, policy.Policy]]
    session: list[tuple[str, policy.Policy]] | None  # None: no session policies limit it
    boundary: tuple[str, policy.Policy] | None
    values: LazyContext


def _question(
    state: State, principal: Principal, action: str, context: ContextValues | None
) -> policy.Verdict | _Question:
    """The verdict, when the credentials alone settle it (expired, a kind of session that may never call
    ``action``, GetCallerIdentity, root); otherwise the policies to weigh, read from the account as it is now."""
    session = principal.session
    now = state.clock.timestamp()
    if session is not None and now >= session.expiration.timestamp():
        return policy.Verdict(None, f"the credentials expired at {session.expiration:%Y-%m-%dT%H:%M:%SZ}")
    lowered = action.lower()
    if lowered == "sts:getcalleridentity":
        return policy.Verdict("Allow", "GetCallerIdentity needs no permission")
    if session is not None and not _session_may_call(session, lowered):
        return policy.Verdict(None, f"{_session_kind(session)} may not call {action}, whatever their policies say")
    if principal.kind == "root":
        return policy.Verdict("Allow", "the account's root user may do everything")
    owner = _owner(principal)
    identity = [(f"inline policy {n} of {owner}", parse_policy(doc)) for n, doc in enumerate(principal.policies, 1)]
    identity += [(arn, parse_policy(doc)) for arn in principal.managed if (doc := state.account.managed_policy(arn))]
    values = LazyContext(lambda: {**principal_context(state, principal, now), **context_values(context)})
    return _Question(identity, _session_policies(state, session), _boundary(state, session), values)


def denial_reason(
    state: State, principal: Principal, action: str, resource: str = "*", context: ContextValues | None = None
) -> str:
    """Why ``principal`` may not do ``action`` (for an ``AccessDenied``: the message stays the service's)."""
    return verdict(state, principal, action, resource, context).reason


def _owner(principal: Principal) -> str:
    """Whose policies a principal acts by: a role session's role, a federated or session-token session's user."""
    session = principal.session
    if isinstance(session, RoleSession):
        return session.role_arn
    if session is not None and session.caller_arn and principal.kind == "federated":
        return session.caller_arn
    return principal.arn


def _session_kind(session: Session) -> str:
    if isinstance(session, FederatedSession):
        return "a federated user's credentials"
    if isinstance(session, SessionTokenSession):
        return "GetSessionToken credentials" + (" without MFA" if session.mfa_authenticated_at is None else "")
    return "a role session's credentials"


def principal_context(state: State, principal: Principal, now: float) -> dict[str, str | Sequence[str]]:
    """The global condition keys AWS sets for requests this principal makes at ``now``."""
    session = principal.session
    values: dict[str, str | Sequence[str]] = {
        "aws:PrincipalAccount": principal.account_id,
        "aws:PrincipalArn": principal.arn,
        "aws:userid": principal.user_id,
        **time_context(now),
    }
    if principal.kind == "user":
        values["aws:username"] = principal.name
        values["aws:PrincipalType"] = "User"
    elif principal.kind == "role" and isinstance(session, RoleSession):
        values["aws:PrincipalArn"] = session.role_arn
        values["aws:PrincipalType"] = "AssumedRole"
        if session.source_identity:
            values["aws:SourceIdentity"] = session.source_identity
        if session.provider:
            values["aws:FederatedProvider"] = session.provider
    elif principal.kind == "federated":
        values["aws:PrincipalType"] = "FederatedUser"
    elif principal.kind == "root":
        values["aws:PrincipalType"] = "Account"
    for key, value in principal.tags:
        values[f"aws:PrincipalTag/{key}"] = value
    if session is not None:
        if session.mfa_authenticated_at is not None:
            values["aws:MultiFactorAuthPresent"] = "true"
            values["aws:MultiFactorAuthAge"] = str(max(0, int(now - session.mfa_authenticated_at.timestamp())))
        else:
            values["aws:MultiFactorAuthPresent"] = "false"  # temporary credentials say so; long-term keys say nothing
    return values


def time_context(now: float) -> dict[str, str]:
    """The condition keys of the moment a request is made (``now``, POSIX seconds).

    Example::

        >>> time_context(1767225600.5)
        {'aws:CurrentTime': '2026-01-01T00:00:00Z', 'aws:EpochTime': '1767225600'}
    """
    return {
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
    }


def refuse_session_credentials(caller: Principal, action: str) -> None:
    """The service's refusal when a session's credentials call an STS ``action`` their kind may not call."""
    if caller.session is not None and not _session_may_call(caller.session, f"sts:{action}".lower()):
        raise errors.access_denied(
            f"Cannot call {action} with session credentials",
            f"{_session_kind(caller.session)} may not call sts:{action}, whatever their policies say",
        )


def _session_may_call(session: Session, action: str) -> bool:
    service = action.partition(":")[0]
    if isinstance(session, FederatedSession):
        return service != "iam" and (service != "sts" or action in _FEDERATED_STS)
    if isinstance(session, SessionTokenSession):
        if service == "iam":
            return session.mfa_authenticated_at is not None
        return service != "sts" or action in _SESSION_TOKEN_STS
    return action not in _ROLE_SESSION_NEVER


def _session_policies(state: State, session: Session | None) -> list[tuple[str, policy.Policy]] | None:
    """The session policies that limit a session, each with its name: a federated user always has them (none:
    nothing allowed); a role session when it was taken with some."""
    given = isinstance(session, RoleSession) and (session.policy is not None or bool(session.policy_arns))
    if not (isinstance(session, FederatedSession) or given):
        return None
    assert isinstance(session, FederatedSession | RoleSession)
    labelled = [("the session policy (Policy)", parse_policy(session.policy, session=True))] if session.policy else []
    labelled += [
        (f"the session policy {arn} (PolicyArns)", parse_policy(document, session=True))
        for arn in session.policy_arns
        if (document := state.account.managed_policy(arn))
    ]
    return labelled


def _boundary(state: State, session: Session | None) -> tuple[str, policy.Policy] | None:
    """A role session's permissions boundary (its role's, as the role is now), with its name."""
    if not isinstance(session, RoleSession):
        return None
    role = state.account.role(session.role_arn)
    if role is None or role.permissions_boundary is None:
        return None
    document = state.account.managed_policy(role.permissions_boundary)
    label = f"the permissions boundary {role.permissions_boundary} of {session.role_arn}"
    return (label, parse_policy(document)) if document else None


def explain(
    state: State, principal: Principal, action: str, resource: str = "*", context: ContextValues | None = None
) -> dict[str, Any]:
    """The decision on ``principal`` doing ``action``, in the JSON shape DecodeAuthorizationMessage answers.

    ``allowed``, ``explicitDeny``, the statements of the principal's policies that matched, and
    the request's context: its principal (unique id and ARN), the action (without its service
    prefix), the resource and the condition keys.
    """
    now = state.clock.timestamp()
    values = {**principal_context(state, principal, now), **context_values(context)}
    verdict = decide(state, principal, action, resource, context)
    documents = list(principal.policies) + [state.account.managed_policy(arn) or "" for arn in principal.managed]
    session = principal.session
    if isinstance(session, FederatedSession | RoleSession):
        documents += [session.policy] if session.policy is not None else []
        documents += [state.account.managed_policy(arn) or "" for arn in session.policy_arns]
    matched = [
        _matched_statement(statement, principal)
        for document in documents
        if document
        for statement in parse_policy(document).statements
        if statement.applies(action, resource, values)
    ]
    return {
        "allowed": verdict == "Allow",
        "explicitDeny": verdict == "Deny",
        "matchedStatements": {"items": matched},
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal.user_id, "arn": principal.arn},
            "action": action.partition(":")[2] or action,
            "resource": resource,
            "conditions": {
                "items": [
                    {"key": key, "values": {"items": [{"value": item} for item in _strings(value)]}}
                    for key, value in values.items()
                ]
            },
        },
    }


def _matched_statement(statement: policy.Statement, principal: Principal) -> dict[str, Any]:
    def items(values: Sequence[str] | None) -> dict[str, Any]:
        return {"items": [{"value": value} for value in values or ()]}

    return {
        "statementId": statement.sid or "",
        "effect": statement.effect.upper(),
        "principals": items([principal.user_id.partition(":")[0]]),
        "principalGroups": items(()),
        "actions": items(statement.actions or statement.not_actions),
        "resources": items(statement.resources or statement.not_resources),
        "conditions": {
            "items": [
                {"key": condition.key, "values": items(condition.values)} for condition in statement.conditions
            ]
        },
    }


def _strings(value: str | Sequence[str]) -> Sequence[str]:
    return (value,) if isinstance(value, str) else value
