"""The newer actions that need something a simulated account has not enabled.

Each is validated as the service validates it (the model's limits, the region, which
credentials may call it), then answered as AWS answers an account without the feature:

- AssumeRoot needs centralized root access in AWS Organizations: refused as the caller is
  not allowed ``sts:AssumeRoot`` on the target (403 ``AccessDenied``).
- GetDelegatedAccessToken exchanges a trade-in token that only AWS services issue: none was
  issued here, so every token is ``ExpiredTradeInTokenException``.
- GetWebIdentityToken needs outbound identity federation enabled in IAM:
  ``OutboundWebIdentityFederationDisabledException`` (403).
- GetScopedCredentials takes temporary credentials only (``InvalidSubjectCredentialsException``
  for long-term ones, ``InsufficientSessionLifetimeException`` past the caller's lifetime); scoping
  a session is not simulated yet and answers 501 ``NotImplemented``.

The exact messages of these errors are not public; these name the cause and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockfed import errors
from mockfed.errors import StsError
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import Principal
from mockfed.sts.access import refuse_session_credentials
from mockfed.sts.session_policy import access_denied

__all__ = ["ROOT_TASK_POLICIES", "assume_root", "get_delegated_access_token", "get_scoped_credentials",
           "get_web_identity_token"]

#: The task policies AssumeRoot accepts (``arn:aws:iam::aws:policy/root-task/NAME``).
ROOT_TASK_POLICIES = frozenset(
    f"arn:aws:iam::aws:policy/root-task/{name}"
    for name in (
        "IAMAuditRootUserCredentials",
        "IAMCreateRootUserPassword",
        "IAMDeleteRootUserCredentials",
        "S3UnlockBucketPolicy",
        "SQSUnlockQueuePolicy",
    )
)


def _common(state: State, caller: Principal, action: str, params: Mapping[str, Any], region: str) -> None:
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    refuse_session_credentials(caller, action)
    check_request(action, params)


def assume_root(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``AssumeRoot``: validated; refused, as centralized root access is not enabled for the account."""
    _common(state, caller, "AssumeRoot", params, region)
    task = str((params.get("TaskPolicyArn") or {}).get("arn", ""))
    if task not in ROOT_TASK_POLICIES:
        raise errors.validation_error(
            [f"Value '{task}' at 'taskPolicyArn.arn' failed to satisfy constraint: Member must be one of the root "
             f"task policies: {', '.join(sorted(ROOT_TASK_POLICIES))}"]
        )
    target = str(params["TargetPrincipal"])
    resource = target if target.startswith("arn:") else f"arn:aws:iam::{target}:root"
    raise access_denied(
        caller.arn, "sts:AssumeRoot", resource,
        "centralized root access is not enabled for the organization mockfed simulates: AssumeRoot is always refused",
    )  # fmt: skip


def get_delegated_access_token(
    state: State, caller: Principal, params: Mapping[str, Any], region: str
) -> dict[str, Any]:
    """``GetDelegatedAccessToken``: validated; no trade-in token was issued here, so none is current."""
    _common(state, caller, "GetDelegatedAccessToken", params, region)
    raise StsError(
        "ExpiredTradeInTokenException",
        "The trade-in token is expired or was not issued for this account (mockfed issues none).",
        400,
    )


def get_web_identity_token(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetWebIdentityToken``: validated; outbound web identity federation is not enabled for the account."""
    _common(state, caller, "GetWebIdentityToken", params, region)
    raise StsError(
        "OutboundWebIdentityFederationDisabledException",
        f"Outbound web identity federation is not enabled for account {state.account_id}; enable it with IAM "
        "EnableOutboundWebIdentityFederation.",
        403,
    )


def get_scoped_credentials(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetScopedCredentials``: validated and its callers checked; scoping itself is not simulated yet."""
    _common(state, caller, "GetScopedCredentials", params, region)
    session = caller.session
    if session is None:
        raise StsError(
            "InvalidSubjectCredentialsException",
            "GetScopedCredentials takes temporary credentials; long-term credentials of an IAM user or root cannot "
            "be scoped.",
            400,
        )
    remaining = session.expiration.timestamp() - state.clock.timestamp()
    if params.get("DurationSeconds") is not None and int(params["DurationSeconds"]) > remaining:
        raise StsError(
            "InsufficientSessionLifetimeException",
            f"The requested DurationSeconds exceeds the {int(remaining)} seconds left of the calling session.",
            400,
        )
    raise errors.not_implemented("GetScopedCredentials")
