"""GetSessionToken: temporary credentials for a user (or root) itself, with MFA or without."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockfed import errors
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import Principal, SessionTokenSession
from mockfed.sts.access import refuse_session_credentials
from mockfed.sts.mfa import multi_factor
from mockfed.sts.session_policy import answer_credentials, issue

__all__ = ["get_session_token"]

ACTION = "GetSessionToken"
DEFAULT_DURATION_SECONDS = 43200
ROOT_MAX_DURATION_SECONDS = 3600


def get_session_token(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetSessionToken``: 900 to 129,600 seconds (default 43,200); root's are an hour at most, silently.

    With ``SerialNumber`` and ``TokenCode`` of the caller's MFA device the session carries
    ``aws:MultiFactorAuthPresent`` (and may then call IAM, and AssumeRole roles that require MFA).

    Example::

        >>> state = State("123456789012")
        >>> get_session_token(state, state.account.default_user, {}, "us-east-1")["Credentials"]["AccessKeyId"][:4]
        'ASIA'
    """
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    refuse_session_credentials(caller, ACTION)
    check_request(ACTION, params)
    now = state.clock.timestamp()
    mfa_at = multi_factor(state, caller, params, now)
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
    if caller.kind == "root":
        duration = min(duration, ROOT_MAX_DURATION_SECONDS)
    session = issue(
        state,
        SessionTokenSession,
        {},
        caller=caller,
        region=region,
        issued=now,
        duration=duration,
        packed=b"",
        params=params,
        mfa_authenticated_at=mfa_at,
    )
    return answer_credentials(session)
