"""GetFederationToken: a federated user's session for an IAM user (or root), with the real service's checks.

Also how a recorded GetFederationToken answer becomes a live session again on replay
(:func:`replay_federation_token`): the recorded identity, size and expiry, fresh credentials.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from mockfed import errors
from mockfed.auth.endpoints import partition_of
from mockfed.errors import StsError, validation_error
from mockfed.iam import packing
from mockfed.iam.grammar import parse_policy
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal

__all__ = ["get_federation_token", "replay_federation_token"]

ACTION = "GetFederationToken"
DEFAULT_DURATION_SECONDS = 43200
ROOT_MAX_DURATION_SECONDS = 3600
#: Limits the documentation states but the service model does not carry.
POLICY_ARNS_MAX = 10
SESSION_POLICY_TEXT_MAX = 2048
_LIST_MAX = (("PolicyArns", POLICY_ARNS_MAX),)


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
    if caller.kind == "federated":
        raise errors.access_denied("Cannot call GetFederationToken with session credentials")
    check_request(ACTION, params, list_max=_LIST_MAX)
    _check_documented_limits(params)
    asked = _asked(params)
    if asked.policy is not None:
        parse_policy(asked.policy, session=True)
    for arn in asked.policy_arns:
        if state.account.managed_policy(arn) is None:
            raise errors.malformed_policy(f"Policy {arn} does not exist or is not attachable.")
    duration = asked.duration
    if caller.kind == "root":
        duration = min(duration, ROOT_MAX_DURATION_SECONDS)
    packed = packing.pack(asked.policy, asked.policy_arns, asked.tags)
    if packed.too_large:
        raise errors.packed_policy_too_large(packed.percent, tags=packed.exceeded_by_tags)
    issued = state.clock.timestamp()
    expires = float(int(issued) + duration)  # the service answers whole seconds
    minimum_token_size = int(params.get("MinimumSessionTokenSize") or 0)
    credentials = state.sessions.credentials(expires, packed=packed.data, minimum_token_size=minimum_token_size)
    session = _session(state, caller, asked, region, credentials, packed.percent, issued, expires, duration)
    return _answer(state.sessions.add(session))


def replay_federation_token(
    state: State, caller: Principal, params: Mapping[str, Any], region: str, recorded: Mapping[str, Any]
) -> dict[str, Any]:
    """A recorded answer made live: the recorded federated user, size and expiry, with fresh credentials.

    Later calls signed with them authenticate as they did when recorded. ``recorded`` has
    ``Credentials.Expiration`` as a datetime already moved onto today.
    """
    asked = _asked(params)
    try:
        packed = packing.pack(asked.policy, asked.policy_arns, asked.tags)
    except (ValueError, TypeError):
        packed = packing.pack(None, asked.policy_arns, asked.tags)
    issued = state.clock.timestamp()
    expiration = (recorded.get("Credentials") or {}).get("Expiration")
    if isinstance(expiration, datetime):
        expires = expiration.timestamp()
        duration = max(0, round(expires - issued))
    else:
        duration = asked.duration
        expires = float(int(issued) + duration)
    minimum_token_size = max(
        int(params.get("MinimumSessionTokenSize") or 0), int(recorded.get("SessionTokenSize") or 0)
    )
    credentials = state.sessions.credentials(expires, packed=packed.data, minimum_token_size=minimum_token_size)
    session = _session(state, caller, asked, region, credentials, packed.percent, issued, expires, duration)
    user = recorded.get("FederatedUser") or {}
    session = dataclasses.replace(
        session,
        arn=user.get("Arn") or session.arn,
        federated_user_id=user.get("FederatedUserId") or session.federated_user_id,
        packed_policy_size=int(recorded.get("PackedPolicySize", session.packed_policy_size)),
    )
    answer = _answer(state.sessions.add(session))
    if "SessionTokenUtilization" in recorded:
        answer["SessionTokenUtilization"] = int(recorded["SessionTokenUtilization"])
    return answer


class _Asked(NamedTuple):
    """What a request asks for, read from its parameters once."""

    name: str
    policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    duration: int


def _asked(params: Mapping[str, Any]) -> _Asked:
    return _Asked(
        str(params.get("Name", "")),
        params.get("Policy"),
        tuple(entry["arn"] for entry in params.get("PolicyArns") or ()),
        tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ()),
        int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS),
    )


def _session(
    state: State,
    caller: Principal,
    asked: _Asked,
    region: str,
    credentials: tuple[str, str, str],
    packed_policy_size: int,
    issued: float,
    expires: float,
    duration: int,
) -> FederatedSession:
    """The federated session a request asked for, with its credentials."""
    name = asked.name
    access_key_id, secret_access_key, session_token = credentials
    return FederatedSession(
        name=name,
        policy=asked.policy,
        policy_arns=asked.policy_arns,
        tags=_merge_tags(caller.tags, asked.tags),
        duration_seconds=duration,
        issued_at=datetime.fromtimestamp(issued, UTC),
        expiration=datetime.fromtimestamp(expires, UTC),
        packed_policy_size=packed_policy_size,
        session_token_size=len(session_token),
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        caller_arn=caller.arn,
        region=region,
        federated_user_id=f"{state.account_id}:{name}",
        arn=f"arn:{partition_of(region)}:sts::{state.account_id}:federated-user/{name}",
        caller=caller,
    )


def _answer(session: FederatedSession) -> dict[str, Any]:
    token_size = session.session_token_size
    return {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expiration,
        },
        "FederatedUser": {"FederatedUserId": session.federated_user_id, "Arn": session.arn},
        "PackedPolicySize": session.packed_policy_size,
        "SessionTokenUtilization": min(100, -(-token_size * 100 // packing.MAX_SESSION_TOKEN_SIZE)),
        "SessionTokenSize": token_size,
    }


def _check_documented_limits(params: Mapping[str, Any]) -> None:
    """Rules the documentation states beyond the model's per-field constraints."""
    policy = params.get("Policy") or ""
    arns: Sequence[Mapping[str, str]] = params.get("PolicyArns") or ()
    plain_text = len(policy) + sum(len(entry.get("arn", "")) for entry in arns)
    if plain_text > SESSION_POLICY_TEXT_MAX:
        # The service's wording for this combined limit is not public; this names the field and the fix.
        raise validation_error(
            [
                f"Value '{plain_text} characters of inline and managed session policy text' at 'policy' failed to "
                f"satisfy constraint: Member must have length less than or equal to {SESSION_POLICY_TEXT_MAX} "
                "(the inline policy and the policy ARNs together)"
            ]
        )
    tags: Sequence[Mapping[str, str]] = params.get("Tags") or ()
    seen: set[str] = set()
    for tag in tags:
        key = tag["Key"].lower()
        if key in seen:
            raise StsError(
                "InvalidParameterValue",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                400,
            )
        seen.add(key)


def _merge_tags(
    inherited: Iterable[tuple[str, str]], session: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """User tags, overridden case-insensitively by session tags (the session's spelling wins)."""
    overriding = {key.lower() for key, _ in session}
    return tuple((k, v) for k, v in inherited if k.lower() not in overriding) + tuple(session)
