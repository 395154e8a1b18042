"""Who is calling: a request's SigV4 signature checked and resolved to a principal of the account.

Credentials mockfed issued or knows (the default user, created users, root,
federated sessions) are always fully verified, against the account as it is
now: a key deleted or made inactive, or a session whose role or user was
deleted, is refused. Keys it never knew (a conftest's ``testing``/``testing``,
a developer's own) act as the account's default IAM user, so existing suites
keep working, unless ``strict`` is set.
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

__all__ = ["Credential", "authenticate", "credential_of"]


def authenticate(
    request: HttpRequest, state: State, *, strict: bool = False, action: str | None = None
) -> tuple[Principal | None, str]:
    """The calling principal and the region of ``request`` (for ``action``), or the service's authentication error.

    The principal is None for an unsigned request of an action that needs no signature. In the
    service's order: the signature read (:func:`~mockfed.auth.sigv4.credential_of`), the time it
    was signed, its scope, whose key it is, the signature itself, the session token. Every request is
    checked afresh against the account as it is now.
    """
    credential = credential_of(request)
    if credential is None:
        if action is not None and not model.needs_signature(action):
            return None, region_of_host(request.host)
        if strict:
            raise missing_authentication_token()
        return state.account.default_user, region_of_host(request.host)
    check_request_time(credential, state.clock.timestamp())
    check_scope(request, credential)
    principal = state.principal(credential.access_key_id)
    if principal is None:
        _refuse_unknown(credential, state, strict)
        return state.account.default_user, credential.region
    if principal.session is not None:
        _check_session_token(credential, state)
    elif not principal.key_active:  # a key made inactive in IAM
        raise errors.invalid_client_token_id()
    check_signature(request, credential, principal.secret_access_key)
    return principal, credential.region


def _refuse_unknown(credential: Credential, state: State, strict: bool) -> None:
    """A key that is no principal's: refused when strict; when it is a key the account answers for (one of its
    own, or moto's, deleted; a session whose role or user was deleted); when its token has mockfed's shape
    (forged, altered or stale); when a temporary key comes without one. Otherwise it is a key mockfed never
    knew, and acts as the default user."""
    token = credential.session_token or ""
    key = credential.access_key_id
    if (
        strict
        or looks_like_mockfed_token(token)
        or (key.startswith("ASIA") and not token)
        or state.answers_for(key)
    ):
        raise errors.invalid_client_token_id()


def _check_session_token(credential: Credential, state: State) -> None:
    """The session token sealed here for this key, and not expired."""
    if not credential.session_token:
        raise errors.invalid_client_token_id()
    claims = state.sessions.open_token(credential.session_token)
    if claims is None or claims.access_key_id != credential.access_key_id:
        raise errors.invalid_client_token_id()
    if state.clock.timestamp() >= claims.expires_at:
        raise errors.expired_token()
