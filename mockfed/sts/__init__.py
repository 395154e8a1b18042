"""The simulated STS actions: one function each, registered in :data:`ACTIONS`.

An action is a function of the account's :class:`~mockfed.state.State`, the calling
:class:`~mockfed.state.records.Principal`, the request's parameters (as botocore's model
shapes them) and the region; it returns the result's fields or raises
:class:`~mockfed.errors.StsError`. :func:`invoke` runs one with what every call shares:
injected faults first, then the action, then the call log. Nothing here knows about HTTP.

Example::

    >>> from mockfed.state import State
    >>> state = State("123456789012")
    >>> invoke(state, "GetCallerIdentity", {}, state.account.default_user, "us-east-1")["Account"]
    '123456789012'
    >>> state.account.calls[-1].action
    'GetCallerIdentity'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mockfed import errors
from mockfed.errors import StsError
from mockfed.state import State
from mockfed.state.records import Call, Principal
from mockfed.sts.federation import get_federation_token
from mockfed.sts.identity import decode_authorization_message, get_access_key_info, get_caller_identity
from mockfed.sts.not_enabled import (
    assume_root,
    get_delegated_access_token,
    get_scoped_credentials,
    get_web_identity_token,
)
from mockfed.sts.roles import assume_role
from mockfed.sts.saml import assume_role_with_saml
from mockfed.sts.session_token import get_session_token
from mockfed.sts.web_identity import assume_role_with_web_identity

__all__ = ["ACTIONS", "Action", "invoke", "log_call", "logged"]

Action = Callable[[State, Principal, Mapping[str, Any], str], dict[str, Any]]

#: Every action mockfed simulates, by its AWS name.
ACTIONS: dict[str, Action] = {
    "AssumeRole": assume_role,
    "AssumeRoleWithSAML": assume_role_with_saml,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
    "AssumeRoot": assume_root,
    "DecodeAuthorizationMessage": decode_authorization_message,
    "GetAccessKeyInfo": get_access_key_info,
    "GetCallerIdentity": get_caller_identity,
    "GetDelegatedAccessToken": get_delegated_access_token,
    "GetFederationToken": get_federation_token,
    "GetScopedCredentials": get_scoped_credentials,
    "GetSessionToken": get_session_token,
    "GetWebIdentityToken": get_web_identity_token,
}

def invoke(
    state: State, action: str, params: Mapping[str, Any], caller: Principal | None, region: str
) -> dict[str, Any]:
    """Run ``action`` for ``caller`` (None: the default user) in ``region`` and log the call, whatever its outcome.

    A failure inside mockfed is logged too (500 ``InternalFailure``, naming it) before it is raised on.
    """

    def run() -> dict[str, Any]:
        fault = state.account.take_fault(action)
        if fault is not None:
            raise fault
        act = ACTIONS.get(action)
        if act is None:
            raise errors.not_implemented(action)
        return act(state, caller or state.account.default_user, params, region)

    return logged(state, action, params, region, caller, run)


def logged(
    state: State,
    action: str,
    params: Mapping[str, Any],
    region: str,
    caller: Principal | None,
    run: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """``run()``'s result, with the call logged whatever its outcome (a failure inside mockfed as 500
    ``InternalFailure``, before it is raised on).

    Example::

        >>> state = State("123456789012")
        >>> logged(state, "GetCallerIdentity", {}, "eu-west-1", None, lambda: {"Account": "1"})
        {'Account': '1'}
        >>> state.account.calls[-1].region
        'eu-west-1'
    """
    at = state.clock.now()
    try:
        result = run()
    except Exception as exc:
        error = errors.as_sts_error(exc)
        log_call(state, action, params, region, caller, at, error.status, error=error)
        raise
    log_call(state, action, params, region, caller, at, 200, result=result)
    return result


def log_call(
    state: State,
    action: str,
    params: Mapping[str, Any],
    region: str,
    caller: Principal | None,
    at: datetime,
    status: int,
    *,
    result: Mapping[str, Any] | None = None,
    error: StsError | None = None,
    access_key_id: str | None = None,
) -> None:
    """Append one call to the account's log (answered here, replayed, recorded from elsewhere, or refused before it
    reached an action: then with what could be read of it, ``access_key_id`` among it)."""
    state.account.log(
        Call(
            action,
            params,
            region,
            caller.arn if caller else None,
            at,
            status,
            result,
            error.code if error else None,
            error.message if error else None,
            caller.access_key_id if caller and caller.access_key_id else access_key_id,
            error.reason if error else None,
        )
    )
