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
from typing import Any

from mockfed import errors
from mockfed.iam import policy
from mockfed.iam.grammar import parse_policy
from mockfed.iam.policy import Effect, LazyContext, context_values
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal, RoleSession, Session, SessionTokenSession

__all__ = [
    "decide",
    "explain",
    "identity_policies",
    "is_allowed",
    "principal_context",
    "refuse_session_credentials",
    "time_context",
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


def _check_question(access_key_id: object, action: object, resource: object, context: object) -> None:
    """``is_allowed``'s arguments as it reads them, or a ``TypeError`` naming the argument and what it must be."""
    for name, value, example in (
        ("access_key_id", access_key_id, "a key id such as AKIA... or a console session's session_id"),
        ("action", action, "'s3:GetObject'"),
        ("resource", resource, "an ARN such as 'arn:aws:s3:::reports/q3.csv', or '*'"),
    ):
        if not isinstance(value, str):
            raise TypeError(f"is_allowed: {name} must be a string, {example}; got {type(value).__name__}")
    if context is None or isinstance(context, LazyContext):
        return
    if not isinstance(context, Mapping) or not all(
        isinstance(key, str)
        and (isinstance(value, str) or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)))
        for key, value in context.items()
    ):
        raise TypeError(
            "is_allowed: context must be a dict of condition keys to a string or a list of strings, such as "
            '{"aws:SourceIp": "10.0.0.1"}'
        )


def decide(
    state: State, principal: Principal, action: str, resource: str = "*", context: ContextValues | None = None
) -> Effect | None:
    """The IAM verdict on ``principal`` doing ``action``: ``"Allow"``, ``"Deny"`` (explicit) or None."""
    session = principal.session
    now = state.clock.timestamp()
    if session is not None and now >= session.expiration.timestamp():
        return None
    lowered = action.lower()
    if lowered == "sts:getcalleridentity":
        return "Allow"
    if session is not None and not _session_may_call(session, lowered):
        return None
    if principal.kind == "root":
        return "Allow"
    identity = identity_policies(state, principal)
    values = LazyContext(lambda: {**principal_context(state, principal, now), **context_values(context)})
    decision = policy.decide_request(identity, _session_policies(state, session), action, resource, values)
    boundary = _boundary(state, session)
    if decision == "Allow" and boundary is not None:
        return policy.decide_request([boundary], None, action, resource, values)
    return decision


def identity_policies(state: State, principal: Principal) -> list[policy.Policy]:
    """A principal's identity policies, parsed: its inline documents and its managed policies' documents."""
    documents = list(principal.policies)
    documents += [state.account.managed_policy(arn) or "" for arn in principal.managed]
    return [parse_policy(document) for document in documents if document]


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
        raise errors.access_denied(f"Cannot call {action} with session credentials")


def _session_may_call(session: Session, action: str) -> bool:
    service = action.partition(":")[0]
    if isinstance(session, FederatedSession):
        return service != "iam" and (service != "sts" or action in _FEDERATED_STS)
    if isinstance(session, SessionTokenSession):
        if service == "iam":
            return session.mfa_authenticated_at is not None
        return service != "sts" or action in _SESSION_TOKEN_STS
    return action not in _ROLE_SESSION_NEVER


def _session_policies(state: State, session: Session | None) -> list[policy.Policy] | None:
    """The session policies that limit a session: a federated user always has them (none: nothing allowed)."""
    given = isinstance(session, RoleSession) and (session.policy is not None or bool(session.policy_arns))
    if not (isinstance(session, FederatedSession) or given):
        return None
    assert isinstance(session, FederatedSession | RoleSession)
    documents = [session.policy] if session.policy is not None else []
    documents += [state.account.managed_policy(arn) or "" for arn in session.policy_arns]
    return [parse_policy(document, session=True) for document in documents if document]


def _boundary(state: State, session: Session | None) -> policy.Policy | None:
    if not isinstance(session, RoleSession):
        return None
    role = state.account.role(session.role_arn)
    if role is None or role.permissions_boundary is None:
        return None
    document = state.account.managed_policy(role.permissions_boundary)
    return parse_policy(document) if document else None


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
