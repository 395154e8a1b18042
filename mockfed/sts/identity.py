"""GetCallerIdentity: who signed the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockfed.state import State
from mockfed.state.records import Principal

__all__ = ["get_caller_identity"]


def get_caller_identity(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetCallerIdentity`` for any principal: it needs no permission (an explicit Deny cannot refuse it).

    Example::

        >>> state = State("123456789012")
        >>> get_caller_identity(state, state.account.default_user, {}, "us-east-1")["Arn"]
        'arn:aws:iam::123456789012:user/mockfed-default'
    """
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}
