"""GetFederationToken: a federated user's session for an IAM user (or root), with the real service's checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mockfed import errors
from mockfed.auth.endpoints import partition_of
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal
from mockfed.sts.access import decide, denial_reason, refuse_session_credentials
from mockfed.sts.session_policy import (
    LIST_MAX,
    Requested,
    access_denied,
    answer_credentials,
    issue,
    requested_session,
)

__all__ = ["DEFAULT_DURATION_SECONDS", "answer_federation_token", "federated_session_fields", "get_federation_token"]

ACTION = "GetFederationToken"
DEFAULT_DURATION_SECONDS = 43200
ROOT_MAX_DURATION_SECONDS = 3600


def get_federation_token(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetFederationToken`` with the real service's checks, in the real service's order.

    Example::

        >>> state = State("123456789012")
        >>> out = get_federation_token(state, state.account.default_user, {"Name": "Bob"}, "us-east-1")
        >>> out["FederatedUser"]["Arn"], out["PackedPolicySize"]
        ('arn:aws:sts::123456789012:federated-user/Bob', 0)
    """
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    refuse_session_credentials(caller, ACTION)
    check_request(ACTION, params, list_max=LIST_MAX)
    _authorize(state, caller, str(params["Name"]), region)
    requested = requested_session(state, params)
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
    if caller.kind == "root":
        duration = min(duration, ROOT_MAX_DURATION_SECONDS)
    session = issue(
        state,
        FederatedSession,
        federated_session_fields(state, caller, params, region, requested, requested.packed.percent),
        caller=caller,
        region=region,
        issued=state.clock.timestamp(),
        duration=duration,
        packed=requested.packed.data,
        params=params,
    )
    return answer_federation_token(session)


def _authorize(state: State, caller: Principal, name: str, region: str) -> None:
    """The caller's own policies must allow ``sts:GetFederationToken`` on the federated user it names."""
    resource = f"arn:{partition_of(region)}:sts::{state.account_id}:federated-user/{name}"
    context = {"aws:RequestedRegion": region}
    if decide(state, caller, "sts:GetFederationToken", resource, context) != "Allow":
        reason = denial_reason(state, caller, "sts:GetFederationToken", resource, context)
        raise access_denied(caller.arn, "sts:GetFederationToken", resource, reason)


def federated_session_fields(
    state: State,
    caller: Principal,
    params: Mapping[str, Any],
    region: str,
    requested: Requested,
    packed_policy_size: int,
    *,
    arn: str | None = None,
    federated_user_id: str | None = None,
) -> dict[str, Any]:
    """The federated session's own fields: its name, session policies, tags (the caller's, overridden by the
    session's) and packed size, and who it is (``arn`` and ``federated_user_id``: a recording gives them)."""
    name = str(params.get("Name", ""))
    return {
        "name": name,
        "policy": requested.policy,
        "policy_arns": requested.policy_arns,
        "tags": _merge_tags(caller.tags, requested.tags),
        "packed_policy_size": packed_policy_size,
        "federated_user_id": federated_user_id or f"{state.account_id}:{name}",
        "arn": arn or f"arn:{partition_of(region)}:sts::{state.account_id}:federated-user/{name}",
    }


def answer_federation_token(session: FederatedSession) -> dict[str, Any]:
    """GetFederationToken's answer for an issued session: credentials, the federated user, the packed size."""
    answer = answer_credentials(session)
    answer["FederatedUser"] = {"FederatedUserId": session.federated_user_id, "Arn": session.arn}
    answer["PackedPolicySize"] = session.packed_policy_size
    return answer


def _merge_tags(
    inherited: Iterable[tuple[str, str]], session: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """User tags, overridden case-insensitively by session tags (the session's spelling wins)."""
    overriding = {key.lower() for key, _ in session}
    return tuple((k, v) for k, v in inherited if k.lower() not in overriding) + tuple(session)
