"""Who is calling: a request's SigV4 signature checked and resolved to a principal of the account.

Credentials mockfed issued or knows (the default user, created users, root,
federated sessions) are always fully verified. Keys it never issued (a
conftest's ``testing``/``testing``, a developer's own) act as the account's
default IAM user, so existing suites keep working, unless ``strict`` is set.
An action the model marks unsigned (AssumeRoleWithWebIdentity, AssumeRoleWithSAML)
needs no credentials at all: unsigned, its caller is nobody (``None``), strict or not;
signed, the signature is checked as any other.

Example::

    >>> from mockfed.http import HttpRequest
    >>> from mockfed.state import State
    >>> state = State("123456789012")
    >>> request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, b"Action=GetCallerIdentity")
    >>> caller, region = authenticate(request, state)
    >>> caller.name, region
    ('mockfed-default', 'us-east-1')
"""

from __future__ import annotations

from typing import NamedTuple

from mockfed import errors, model
from mockfed.auth.endpoints import region_of_host
from mockfed.auth.sigv4 import (
    Credential,
    check_request_time,
    check_scope,
    check_signature,
    credential_of,
    missing_authentication_token,
)
from mockfed.http import HttpRequest
from mockfed.state import State
from mockfed.state.keys import looks_like_mockfed_token
from mockfed.state.records import Principal

__all__ = ["Credential", "Verified", "authenticate", "authenticate_again", "credential_of", "verify"]


def authenticate(
    request: HttpRequest, state: State, *, strict: bool = False, action: str | None = None
) -> tuple[Principal | None, str]:
    """The calling principal and the region of ``request`` (for ``action``), or the service's authentication error.

    The principal is None for an unsigned request of an action that needs no signature. In the
    service's order: the signature read (:func:`~mockfed.auth.sigv4.credential_of`), the time it
    was signed, its scope, whose key it is, the signature itself, the session token.
    """
    principal, region, _ = verify(request, state, strict=strict, action=action)
    return principal, region


class Verified(NamedTuple):
    """What checking a signed request found that holds for an identical request later: its signature, and the
    secret it was verified with (None: a key mockfed never issued, acting as the default user)."""

    credential: Credential
    secret: str | None
    expires_at: float | None = None
    """When the session token it carries expires (None: long-term keys)."""


def verify(
    request: HttpRequest, state: State, *, strict: bool = False, action: str | None = None
) -> tuple[Principal | None, str, Verified | None]:
    """:func:`authenticate`, with what :func:`authenticate_again` needs to check an identical request later
    (None for an unsigned request).

    Example::

        >>> from mockfed.state import State
        >>> request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, b"Action=GetCallerIdentity")
        >>> caller, region, verified = verify(request, State("123456789012"))
        >>> caller.name, region, verified
        ('mockfed-default', 'us-east-1', None)
    """
    credential = credential_of(request)
    if credential is None:
        if action is not None and not model.needs_signature(action):
            return None, region_of_host(request.host), None
        if strict:
            raise missing_authentication_token()
        return state.account.default_user, region_of_host(request.host), None
    check_request_time(credential)
    check_scope(request, credential)
    principal = state.principal(credential.access_key_id)
    if principal is None:
        _refuse_unknown(credential, strict)
        return state.account.default_user, credential.region, Verified(credential, None)
    expires_at = None
    if principal.session is not None:
        expires_at = _check_session_token(credential, state)
    elif not principal.key_active:  # a key made inactive in IAM
        raise errors.invalid_client_token_id()
    check_signature(request, credential, principal.secret_access_key)
    return principal, credential.region, Verified(credential, principal.secret_access_key, expires_at)


def authenticate_again(verified: Verified, state: State, *, strict: bool = False) -> tuple[Principal, str] | None:
    """The caller and region of a request identical to one :func:`verify` accepted (the same method, URL, body
    and signed headers): only what can have changed since is checked again (the time it was signed, whose key
    it is now, the session token's expiry). None when that cannot be told without checking it afresh.

    Example::

        >>> from mockfed.state import State
        >>> from botocore.auth import SigV4Auth
        >>> from botocore.awsrequest import AWSRequest
        >>> from botocore.credentials import Credentials
        >>> state = State("123456789012")
        >>> user = state.account.default_user
        >>> aws = AWSRequest("POST", "https://sts.amazonaws.com/", data=b"Action=GetCallerIdentity")
        >>> SigV4Auth(Credentials(user.access_key_id, user.secret_access_key), "sts", "us-east-1").add_auth(aws)
        >>> caller, region, verified = verify(HttpRequest.build("POST", aws.url, dict(aws.headers), aws.body), state)
        >>> authenticate_again(verified, state) == (caller, region)
        True
    """
    credential = verified.credential
    check_request_time(credential)
    principal = state.principal(credential.access_key_id)
    if verified.secret is None:  # a key mockfed never issued: still unknown, and not strict?
        return None if principal is not None or strict else (state.account.default_user, credential.region)
    if principal is None or principal.secret_access_key != verified.secret:
        return None
    if verified.expires_at is not None:  # the same token, opened before: only its expiry can have come
        _check_expiry(state, verified.expires_at)
    elif principal.session is not None:
        return None
    elif not principal.key_active:
        raise errors.invalid_client_token_id()
    return principal, credential.region


def _refuse_unknown(credential: Credential, strict: bool) -> None:
    """A key this account does not know: refused when strict, and when its token has mockfed's shape (forged,
    altered or stale) or a temporary key comes without one; otherwise it acts as the default user."""
    token = credential.session_token or ""
    if strict or looks_like_mockfed_token(token) or (credential.access_key_id.startswith("ASIA") and not token):
        raise errors.invalid_client_token_id()


def _check_session_token(credential: Credential, state: State) -> float:
    """The session token sealed here for this key, and not expired: its expiry (POSIX seconds)."""
    if not credential.session_token:
        raise errors.invalid_client_token_id()
    claims = state.sessions.open_token(credential.session_token)
    if claims is None or claims.access_key_id != credential.access_key_id:
        raise errors.invalid_client_token_id()
    _check_expiry(state, claims.expires_at)
    return claims.expires_at


def _check_expiry(state: State, expires_at: float) -> None:
    if state.clock.timestamp() >= expires_at:
        raise errors.expired_token()
