"""Who and what: GetCallerIdentity, GetAccessKeyInfo, DecodeAuthorizationMessage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockfed.errors import StsError
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.keys import account_of_access_key_id
from mockfed.state.records import Principal
from mockfed.sts.access import decide, denial_reason, refuse_session_credentials
from mockfed.sts.session_policy import access_denied

__all__ = ["decode_authorization_message", "get_access_key_info", "get_caller_identity"]


def get_caller_identity(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetCallerIdentity`` for any principal: it needs no permission (an explicit Deny cannot refuse it).

    Example::

        >>> state = State("123456789012")
        >>> get_caller_identity(state, state.account.default_user, {}, "us-east-1")["Arn"]
        'arn:aws:iam::123456789012:user/mockfed-default'
    """
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}


#: The prefixes of access key ids: long-term (``AKIA``) and temporary (``ASIA``).
_KEY_PREFIXES = ("AKIA", "ASIA")


def get_access_key_info(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``GetAccessKeyInfo``: the account a key id belongs to, as AWS encodes it in the id (any account's key).

    Keys the backend knows answer their owner's account (the default user's well-known key id, the same in every
    backend, encodes the default account ``123456789012``: in a backend of another account it answers that
    backend's). A key id that is not an ``AKIA``/``ASIA`` one encodes no account.

    Example::

        >>> state = State("111122223333")
        >>> key = state.account.create_user("alice").access_key_id
        >>> get_access_key_info(state, state.account.default_user, {"AccessKeyId": key}, "us-east-1")
        {'Account': '111122223333'}
    """
    refuse_session_credentials(caller, "GetAccessKeyInfo")
    check_request("GetAccessKeyInfo", params)
    key_id: str = params["AccessKeyId"]
    known = state.principal(key_id)
    if known is not None:
        account: str | None = known.account_id
    else:
        account = account_of_access_key_id(key_id) if key_id[:4] in _KEY_PREFIXES else None
    if account is None:
        # The service's answer for a key id that encodes no account is not public: this names the field.
        raise StsError("InvalidParameterValue", f"The access key ID '{key_id}' is not a valid access key ID.", 400)
    return {"Account": account}


def decode_authorization_message(
    state: State, caller: Principal, params: Mapping[str, Any], region: str
) -> dict[str, Any]:
    """``DecodeAuthorizationMessage`` for the messages this backend encoded (``backend.authorization_message``).

    The caller needs ``sts:DecodeAuthorizationMessage``; anything the backend did not encode is
    ``InvalidAuthorizationMessageException``.
    """
    refuse_session_credentials(caller, "DecodeAuthorizationMessage")
    check_request("DecodeAuthorizationMessage", params)
    if decide(state, caller, "sts:DecodeAuthorizationMessage") != "Allow":
        reason = denial_reason(state, caller, "sts:DecodeAuthorizationMessage")
        raise access_denied(caller.arn, "sts:DecodeAuthorizationMessage", "*", reason)
    decoded = state.sessions.open_message(params["EncodedMessage"])
    if decoded is None:
        raise StsError(
            "InvalidAuthorizationMessageException",
            "The encoded authorization message is not valid: it was altered, or not issued by this account.",
            400,
        )
    return {"DecodedMessage": decoded.decode("utf-8")}


def encode_authorization_message(state: State, explanation: Mapping[str, Any]) -> str:
    """``explanation`` (:func:`mockfed.sts.access.explain`) as an opaque message only this account decodes."""
    return state.sessions.seal_message(json.dumps(explanation, separators=(",", ":")).encode("utf-8"))
