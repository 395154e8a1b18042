"""AssumeRole: a role session for a user, a role session (role chaining) or a GetSessionToken session.

Checked as the service checks it: the model's limits; the role ARN's form; the session
policies, tags (transitive tags through a chain) and packed size; MFA against the caller's
virtual MFA device; the role's trust policy (and, where the trust policy names only the
account, the caller's own policies) for ``sts:AssumeRole``, ``sts:TagSession`` when the
session has tags and ``sts:SetSourceIdentity`` when a source identity is set; the duration
against the role's ``MaxSessionDuration`` and the one-hour limit of role chaining.
:func:`issue_role_session` makes the session; the web-identity and SAML forms use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mockfed import errors
from mockfed.auth.endpoints import partition_of
from mockfed.errors import StsError, validation_error
from mockfed.iam import trust
from mockfed.iam.grammar import parse_policy
from mockfed.iam.policy import Context, LazyContext
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import Principal, Role, RoleSession
from mockfed.sts.access import decide, denial_reason, principal_context, refuse_session_credentials
from mockfed.sts.mfa import multi_factor
from mockfed.sts.session_policy import (
    LIST_MAX,
    Requested,
    access_denied,
    answer_credentials,
    issue,
    requested_session,
    tag_context,
)

__all__ = [
    "answer_role_session",
    "assume_role",
    "authorize",
    "issue_role_session",
    "requester_of",
    "role_arn_checked",
    "role_duration",
    "role_session_fields",
]

ACTION = "AssumeRole"
DEFAULT_DURATION_SECONDS = 3600
CHAINED_MAX_DURATION_SECONDS = 3600
#: ``arn:PARTITION:iam::ACCOUNT:role/PATH/NAME``
_ROLE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role/(?:[\x21-\x7e]+/)*[\w+=,.@-]{1,64}", re.ASCII)

def assume_role(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``AssumeRole``, with the real service's checks in its order.

    Example::

        >>> state = State("123456789012")
        >>> role = state.account.create_role("Reader", {"Version": "2012-10-17", "Statement": [
        ...     {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
        >>> out = assume_role(state, state.account.default_user, {"RoleArn": role.arn, "RoleSessionName": "ci"},
        ...                   "us-east-1")
        >>> out["AssumedRoleUser"]["Arn"]
        'arn:aws:sts::123456789012:assumed-role/Reader/ci'
    """
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    refuse_session_credentials(caller, ACTION)
    check_request(ACTION, params, list_max=LIST_MAX)
    role_arn = role_arn_checked(params["RoleArn"])
    if caller.kind == "root":  # its long-term keys, or a GetSessionToken session of them: still the root user
        raise errors.access_denied(
            "Roles may not be assumed by root accounts.", "the request is signed with the root user's credentials"
        )
    calling = caller.session if isinstance(caller.session, RoleSession) else None
    inherited = _transitive_tags(calling)
    _check_tags(params, inherited)
    requested = requested_session(state, params, inherited_tags=inherited)
    source_identity = _source_identity(params, calling)
    now = state.clock.timestamp()
    mfa_at = multi_factor(state, caller, params, now)
    role = state.account.role(role_arn)
    context = LazyContext(
        lambda: _request_context(state, caller, params, requested, source_identity, mfa_at, region, now)
    )
    if role is None:
        raise access_denied(caller.arn, "sts:AssumeRole", role_arn, f"the account has no role {role_arn}")
    authorize(state, caller, role, "sts:AssumeRole", context)
    if requested.tags:
        authorize(state, caller, role, "sts:TagSession", context)
    if params.get("SourceIdentity") is not None:
        if params["SourceIdentity"] != source_identity:  # the chain carries another: it cannot be changed
            raise access_denied(
                caller.arn, "sts:SetSourceIdentity", role.arn,
                f"the calling session carries the source identity {source_identity!r}, which a chain cannot change",
            )  # fmt: skip
        authorize(state, caller, role, "sts:SetSourceIdentity", context)
    session = issue_role_session(
        state,
        caller,
        role,
        params,
        region,
        requested,
        duration=role_duration(params, role, chained=calling is not None),
        source_identity=source_identity,
        transitive_tag_keys=_transitive_keys(params, inherited),
        mfa_authenticated_at=mfa_at,
        chained=calling is not None,
    )
    return answer_role_session(session, params)


def role_arn_checked(arn: str) -> str:
    """``arn`` if it has a role ARN's form; the service's ``ValidationError`` otherwise."""
    if not _ROLE_ARN.fullmatch(arn):
        raise StsError("ValidationError", f"{arn} is invalid", 400)
    return arn


def authorize(state: State, caller: Principal, role: Role, action: str, context: Context) -> None:
    """Refuse ``action`` on ``role`` unless its trust policy allows the caller (and, where it names only the
    caller's account or the role is in another account, the caller's own policies allow it too)."""
    requester = requester_of(caller)
    policy = parse_policy(role.trust_policy, trust=True)
    verdict = trust.decide(policy, action, role.arn, requester, context)
    reason = None
    if verdict in ("principal", "account"):
        identity = decide(state, caller, action, role.arn, context)
        if identity == "Deny" or (
            identity is None and (verdict == "account" or role.account_id != caller.account_id)
        ):
            why = denial_reason(state, caller, action, role.arn, context)
            if identity == "Deny":
                reason = f"the caller's own policies deny it: {why}"
            elif verdict == "account":
                reason = f"the trust policy names only the caller's account, so its own policies must allow it: {why}"
            else:
                reason = f"the role is in another account, so the caller's own policies must allow it: {why}"
            verdict = None
    if verdict not in ("principal", "account"):
        reason = reason or trust.refusal_reason(policy, action, role.arn, requester, context)
        raise access_denied(caller.arn, action, role.arn, reason)


def requester_of(caller: Principal) -> trust.Requester:
    """The names a trust policy can give ``caller``: its own ARN, and a role session's role."""
    session = caller.session
    if isinstance(session, RoleSession):
        return trust.Requester("AWS", (session.role_arn, session.arn), caller.account_id)
    return trust.Requester("AWS", (caller.arn,), caller.account_id)


def issue_role_session(
    state: State,
    caller: Principal | None,
    role: Role,
    params: Mapping[str, Any],
    region: str,
    requested: Requested,
    *,
    duration: int,
    source_identity: str | None = None,
    transitive_tag_keys: tuple[str, ...] = (),
    mfa_authenticated_at: float | None = None,
    chained: bool = False,
    caller_arn: str = "",
    extra: Mapping[str, Any] | None = None,
) -> RoleSession:
    """A new session of ``role`` named by the request's ``RoleSessionName``, lasting ``duration`` seconds."""
    fields = role_session_fields(
        role,
        params,
        region,
        requested,
        source_identity=source_identity,
        transitive_tag_keys=transitive_tag_keys,
        chained=chained,
        extra=extra,
    )
    return issue(
        state,
        RoleSession,
        fields,
        caller=caller,
        caller_arn=caller_arn,
        region=region,
        issued=state.clock.timestamp(),
        duration=duration,
        packed=requested.packed.data,
        params=params,
        mfa_authenticated_at=mfa_authenticated_at,
    )


def role_session_fields(
    role: Role,
    params: Mapping[str, Any],
    region: str,
    requested: Requested,
    *,
    source_identity: str | None = None,
    transitive_tag_keys: tuple[str, ...] = (),
    chained: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A role session's own fields: who it is (named by the request's ``RoleSessionName``) and what it carries.

    Example::

        >>> from mockfed.iam import packing
        >>> role = Role("R", "arn:aws:iam::123456789012:role/R", "AROAEXAMPLE", "123456789012", "{}")
        >>> requested = Requested(None, (), (), packing.pack(None, (), ()))
        >>> fields = role_session_fields(role, {"RoleSessionName": "ci"}, "us-east-1", requested)
        >>> fields["arn"], fields["assumed_role_id"]
        ('arn:aws:sts::123456789012:assumed-role/R/ci', 'AROAEXAMPLE:ci')
    """
    name = str(params.get("RoleSessionName", ""))
    role_name = role.arn.rpartition("/")[2]
    fields = {
        "role_arn": role.arn,
        "session_name": name,
        "arn": f"arn:{partition_of(region)}:sts::{role.account_id}:assumed-role/{role_name}/{name}",
        "assumed_role_id": f"{role.role_id}:{name}",
        "policy": requested.policy,
        "policy_arns": requested.policy_arns,
        "tags": requested.tags,
        "transitive_tag_keys": transitive_tag_keys,
        "source_identity": source_identity,
        "packed_policy_size": requested.packed.percent,
        "chained": chained,
    }
    if extra:
        fields.update(extra)
    return fields


def answer_role_session(session: RoleSession, params: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of the AssumeRole family: credentials, the assumed-role user, and what was asked."""
    answer = answer_credentials(session)
    answer["AssumedRoleUser"] = {"AssumedRoleId": session.assumed_role_id, "Arn": session.arn}
    if params.get("Policy") is not None or params.get("PolicyArns") or session.tags:
        answer["PackedPolicySize"] = session.packed_policy_size  # the service leaves it out otherwise
    if session.source_identity is not None:
        answer["SourceIdentity"] = session.source_identity
    return answer


# ---- the request's parts -------------------------------------------------------------------------------------


def _transitive_tags(calling: RoleSession | None) -> tuple[tuple[str, str], ...]:
    """The calling session's transitive tags: they pass to the next session of a chain."""
    if calling is None:
        return ()
    keys = {key.lower() for key in calling.transitive_tag_keys}
    return tuple((key, value) for key, value in calling.tags if key.lower() in keys)


def _check_tags(params: Mapping[str, Any], inherited: Sequence[tuple[str, str]]) -> None:
    requested = {tag["Key"].lower() for tag in params.get("Tags") or ()}
    for key in params.get("TransitiveTagKeys") or ():
        if key.lower() not in requested:
            raise StsError(
                "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.", 400
            )
    if any(key.lower() in requested for key, _ in inherited):
        raise StsError(
            "InvalidParameterValue",
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key "
            "from the calling session.",
            400,
        )


def _transitive_keys(params: Mapping[str, Any], inherited: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return (*(key for key, _ in inherited), *(params.get("TransitiveTagKeys") or ()))


def _source_identity(params: Mapping[str, Any], calling: RoleSession | None) -> str | None:
    """The session's source identity: set once, then carried through every chained session (a different one
    asked for is refused once the role is known, as a ``sts:SetSourceIdentity`` the caller may not do)."""
    asked: str | None = params.get("SourceIdentity")
    if asked is not None and asked.lower().startswith("aws:"):
        raise validation_error(
            [f"Value '{asked}' at 'sourceIdentity' failed to satisfy constraint: Member must not begin with 'aws:'"]
        )
    carried = calling.source_identity if calling is not None else None
    return carried if carried is not None else asked


def _request_context(
    state: State,
    caller: Principal,
    params: Mapping[str, Any],
    requested: Requested,
    source_identity: str | None,
    mfa_at: float | None,
    region: str,
    now: float,
) -> dict[str, Any]:
    """The condition keys a trust policy sees for this request."""
    context: dict[str, Any] = principal_context(state, caller, now)
    context["aws:RequestedRegion"] = region
    context["sts:RoleSessionName"] = params.get("RoleSessionName", "")
    if params.get("ExternalId") is not None:
        context["sts:ExternalId"] = params["ExternalId"]
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    if params.get("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = list(params["TransitiveTagKeys"])
    context.update(tag_context(requested.tags))
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(max(0, int(now - mfa_at)))
    return context


def role_duration(params: Mapping[str, Any], role: Role, *, chained: bool = False) -> int:
    """The session's ``DurationSeconds`` (default an hour), within the role's ``MaxSessionDuration`` and, for role
    chaining, an hour: the service's ``ValidationError`` otherwise.

    Example::

        >>> role = Role("R", "arn:aws:iam::123456789012:role/R", "AROAEXAMPLE", "123456789012", "{}")
        >>> role_duration({}, role), role_duration({"DurationSeconds": 900}, role)
        (3600, 900)
    """
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
    if chained and duration > CHAINED_MAX_DURATION_SECONDS:
        raise StsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            400,
        )
    if duration > role.max_session_duration:
        raise StsError(
            "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400
        )
    return duration

