"""GetFederationToken: a federated user's session for an IAM user (or root), with the real service's checks.

Also how a recorded GetFederationToken answer becomes a live session again on replay
(:func:`replay_federation_token`): the recorded identity, size and expiry, fresh credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mockfed import errors
from mockfed.auth.endpoints import partition_of
from mockfed.iam import packing
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal
from mockfed.sts.access import decide, refuse_session_credentials
from mockfed.sts.session_policy import (
    LIST_MAX,
    Requested,
    access_denied,
    answer_credentials,
    issue,
    requested_session,
)

__all__ = ["get_federation_token", "replay_federation_token"]

ACTION = "GetFederationToken"
DEFAULT_DURATION_SECONDS = 43200
ROOT_MAX_DURATION_SECONDS = 3600


def get_federation_token(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetFederationToken`` with the real service's checks, in the real service's order.

    Example::

        >>> state = State("123456789012")
        >>> out = get_federation_token(state, state.account.default_user, {"Name": "Bob"}, "us-east-1")
        >>> out["FederatedUser"]["Arn"], out["PackedPolicySize"]
        ('arn:aws:sts::123456789012:federated-user/Bob', 1)
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
        _session_fields(state, caller, params, region, requested, requested.packed.percent),
        caller=caller,
        region=region,
        issued=state.clock.timestamp(),
        duration=duration,
        packed=requested.packed.data,
        params=params,
    )
    return _answer(session)


def _authorize(state: State, caller: Principal, name: str, region: str) -> None:
    """The caller's own policies must allow ``sts:GetFederationToken`` on the federated user it names."""
    resource = f"arn:{partition_of(region)}:sts::{state.account_id}:federated-user/{name}"
    context = {"aws:RequestedRegion": region}
    if decide(state, caller, "sts:GetFederationToken", resource, context) != "Allow":
        raise access_denied(caller.arn, "sts:GetFederationToken", resource)


def replay_federation_token(
    state: State, caller: Principal, params: Mapping[str, Any], region: str, recorded: Mapping[str, Any]
) -> dict[str, Any]:
    """A recorded answer made live: the recorded federated user, size and expiry, with fresh credentials.

    Later calls signed with them authenticate as they did when recorded. ``recorded`` has
    ``Credentials.Expiration`` as a datetime already moved onto today.
    """
    arns = tuple(entry["arn"] for entry in params.get("PolicyArns") or ())
    tags = tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ())
    try:
        packed = packing.pack(params.get("Policy"), arns, tags)
    except (ValueError, TypeError):
        packed = packing.pack(None, arns, tags)
    requested = Requested(params.get("Policy"), arns, tags, packed)
    issued = state.clock.timestamp()
    expiration = (recorded.get("Credentials") or {}).get("Expiration")
    if isinstance(expiration, datetime):
        expires = expiration.timestamp()
        duration = max(0, round(expires - issued))
    else:
        duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
        expires = float(int(issued) + duration)
    user = recorded.get("FederatedUser") or {}
    percent = int(recorded.get("PackedPolicySize", packed.percent))
    fields = _session_fields(
        state, caller, params, region, requested, percent, arn=user.get("Arn"),
        federated_user_id=user.get("FederatedUserId"),
    )
    session = issue(
        state,
        FederatedSession,
        fields,
        caller=caller,
        region=region,
        issued=issued,
        duration=duration,
        packed=requested.packed.data,
        params=params,
        expires=expires,
        minimum_token_size=int(recorded.get("SessionTokenSize") or 0),
    )
    answer = _answer(session)
    if "SessionTokenUtilization" in recorded:
        answer["SessionTokenUtilization"] = int(recorded["SessionTokenUtilization"])
    return answer


def _session_fields(
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
    """The federated session's own fields (a replay passes the recorded identity)."""
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


def _answer(session: FederatedSession) -> dict[str, Any]:
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
