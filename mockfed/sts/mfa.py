"""MFA in a request: ``SerialNumber`` and ``TokenCode`` checked against the caller's virtual MFA device."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mockfed import errors
from mockfed.state import State
from mockfed.state.records import MfaDevice, Principal

__all__ = ["MFA_INCOMPLETE", "MFA_INVALID_CODE", "MFA_UNKNOWN_DEVICE", "multi_factor"]

MFA_INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
MFA_UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid "
    "and associated with this user."
)
MFA_INCOMPLETE = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."


def multi_factor(state: State, caller: Principal, params: Mapping[str, Any], now: float) -> float | None:
    """When the caller proved MFA (POSIX seconds): now, with a valid ``SerialNumber`` and ``TokenCode``; its
    session's time when it gives none and its session had MFA; otherwise None. A code is valid one 30-second
    step either side of the clock's now, and once: a code used already is refused as a wrong one is."""
    serial, code = params.get("SerialNumber"), params.get("TokenCode")
    if serial is None and code is None:
        session = caller.session
        return session.mfa_authenticated_at.timestamp() if session and session.mfa_authenticated_at else None
    if serial is None or code is None:
        given, missing = ("SerialNumber", "TokenCode") if code is None else ("TokenCode", "SerialNumber")
        raise errors.access_denied(MFA_INCOMPLETE, f"the request gives {given} without {missing}")
    device = state.account.mfa_device(serial)
    if device is None:
        raise errors.access_denied(MFA_UNKNOWN_DEVICE, f"the account has no MFA device {serial[:200]}")
    if not _belongs_to(device, caller):
        owner = f"user {device.user_name}" if device.user_name else "the root user"
        reason = f"the MFA device {serial[:200]} is {owner}'s, not {caller.arn}'s"
        raise errors.access_denied(MFA_UNKNOWN_DEVICE, reason)
    if not device.verify(code, datetime.fromtimestamp(now, UTC)):
        raise errors.access_denied(
            MFA_INVALID_CODE, f"TokenCode is not the code of {serial[:200]} within 30 seconds of the backend clock"
        )
    if not state.account.spend_mfa_code(device.serial_number, code, now):  # STS takes each code once
        raise errors.access_denied(
            MFA_INVALID_CODE, f"TokenCode was used already with {serial[:200]}: STS takes each code once"
        )
    return now


def _belongs_to(device: MfaDevice, caller: Principal) -> bool:
    if caller.kind == "root":
        return device.user_name is None
    return caller.kind == "user" and device.user_name == caller.name
