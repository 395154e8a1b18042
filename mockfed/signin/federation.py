"""The federation endpoint's two actions, as rules on the account's state: ``getSigninToken`` and ``login``.

``getSigninToken`` takes temporary credentials (``sessionId``, ``sessionKey``, ``sessionToken``)
and answers a sign-in token. The credentials must be ones this backend issued, unaltered and
unexpired by its clock; IAM users' and root's long-term keys have no session to sign in with.
``SessionDuration`` (900 to 43,200 seconds) is allowed only for role credentials taken with an
IAM user's long-term keys: not for GetFederationToken credentials ("Doing so will cause the
operation to fail."), not for a role taken with temporary credentials (role chaining: AWS
Knowledge Center "invalid-credentials-parameter"). Every refusal is the captured
"Invalid credentials parameter" status page.

``login`` takes the sign-in token (valid 15 minutes by the backend clock, usable once), the
``Destination`` (a console URL of the credentials' partition) and an optional ``Issuer``, records
the :class:`~mockfed.state.records.ConsoleSession` and sends the browser to the destination.
GetSessionToken credentials get a token but cannot log in ("Only federation tokens or assume
role tokens may be used for federated login.", captured in aws-vault issue 1191).

docs/console-signin.md lists what is captured, documented, inferred, and chosen where unpublished.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from mockfed.auth.endpoints import console_home, console_partition_of_url, federation_endpoint, partition_of
from mockfed.errors import SigninError
from mockfed.state import State
from mockfed.state.console import SIGNIN_TOKEN_LIFETIME_SECONDS, SigninGrant
from mockfed.state.records import ConsoleSession, FederatedSession, RoleSession, Session

__all__ = [
    "CHAINED_CONSOLE_SECONDS",
    "SESSION_DURATION_MAX",
    "SESSION_DURATION_MIN",
    "get_signin_token",
    "invalid_credentials",
    "login",
    "signin_url",
]

#: ``SessionDuration``: "from 900 seconds (15 minutes) to 43200 seconds (12 hours)" (IAM User Guide).
SESSION_DURATION_MIN = 900
SESSION_DURATION_MAX = 43200
#: A role taken with temporary credentials signs in for at most about an hour (brokers' measurements).
CHAINED_CONSOLE_SECONDS = 3600

INVALID_CREDENTIALS = "Invalid credentials parameter"
INVALID_LOGIN_LINK = "The credentials in your login link were invalid. Please contact your administrator."
NOT_FEDERATED = (
    "Only federation tokens or assume role tokens may be used for federated login. Please contact your administrator."
)
#: Unpublished: mockfed's own sentence, in the sign-in page's manner.
INVALID_DESTINATION = (
    "The destination in your login link is not an AWS Management Console address. Please contact your administrator."
)


def get_signin_token(state: State, session: Mapping[str, Any], session_duration: str | int | None = None) -> str:
    """A sign-in token for the temporary credentials in ``session`` (the ``Session`` parameter, decoded).

    Example::

        >>> from mockfed.sts import invoke
        >>> state = State("123456789012")
        >>> creds = invoke(state, "GetFederationToken", {"Name": "Bob"}, None, "us-east-1")["Credentials"]
        >>> session = {"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"],
        ...            "sessionToken": creds["SessionToken"]}
        >>> len(get_signin_token(state, session))
        320
        >>> get_signin_token(state, session, session_duration=3600)
        Traceback (most recent call last):
        ...
        mockfed.errors.SigninError: InvalidCredentialsParameter: SessionDuration is not allowed with \
GetFederationToken credentials (their console session lasts as long as they do): leave it out
    """
    return _grant(state, session, session_duration)[0]


def login(
    state: State,
    signin_token: str | None,
    destination: str | None,
    issuer: str | None = None,
    *,
    endpoint_partition: str | None = None,
) -> ConsoleSession:
    """Open a console session with ``signin_token`` (once) and record it; ``endpoint_partition`` is the sign-in
    host's partition (None: ``mockfed serve``, any).

    Example::

        >>> from mockfed.sts import invoke
        >>> state = State("123456789012")
        >>> creds = invoke(state, "GetFederationToken", {"Name": "Bob"}, None, "us-east-1")["Credentials"]
        >>> token = get_signin_token(state, {"sessionId": creds["AccessKeyId"],
        ...     "sessionKey": creds["SecretAccessKey"], "sessionToken": creds["SessionToken"]})
        >>> login(state, token, "https://console.aws.amazon.com/", "Example.org").arn
        'arn:aws:sts::123456789012:federated-user/Bob'
        >>> login(state, token, "https://console.aws.amazon.com/")
        Traceback (most recent call last):
        ...
        mockfed.errors.SigninError: InvalidSigninToken: the SigninToken is unknown: altered, used already, or \
issued by another backend
    """
    grant = state.console.peek(signin_token) if signin_token else None
    now = state.clock.timestamp()
    if grant is None:
        raise _invalid_link("the SigninToken is unknown: altered, used already, or issued by another backend")
    if grant.expired(now):
        state.console.take(signin_token or "")
        expired_at = _iso(grant.issued_at + SIGNIN_TOKEN_LIFETIME_SECONDS)
        raise _invalid_link(f"the SigninToken expired at {expired_at}, 15 minutes after it was made (backend clock)")
    principal = state.principal(grant.access_key_id)
    credentials = principal.session if principal is not None else None
    if credentials is None:  # defensive: a grant is only made for an issued session
        raise _invalid_link("the credentials the SigninToken was made from are no longer known to the backend")
    if now >= credentials.expiration.timestamp():
        raise _invalid_link(f"the credentials behind the SigninToken expired at {_iso(credentials.expiration)}")
    if not isinstance(credentials, FederatedSession | RoleSession):
        raise SigninError(
            "NotFederationOrRoleCredentials",
            NOT_FEDERATED,
            page="signin",
            reason="GetSessionToken credentials cannot sign in to the console: use GetFederationToken or AssumeRole",
        )
    partition = partition_of(credentials.region)
    if endpoint_partition is not None and endpoint_partition != partition:
        raise _invalid_link(f"credentials of the {partition} partition, at a sign-in host of {endpoint_partition}")
    if destination is None or not _printable_ascii(destination) or console_partition_of_url(destination) != partition:
        raise SigninError(
            "InvalidDestination",
            INVALID_DESTINATION,
            page="signin",
            reason=f"Destination must be an https URL of the {partition} partition's console, "
            f"like {console_home(partition)}; got {destination!r}",
        )
    if state.console.take(signin_token or "") is None:  # another login took it first
        raise _invalid_link("the SigninToken was used already")
    return state.console.add(
        ConsoleSession(
            session_id=state.console.session_id(),
            kind="federated" if isinstance(credentials, FederatedSession) else "role",
            name=credentials.name if isinstance(credentials, FederatedSession) else credentials.session_name,
            arn=credentials.arn,
            role_arn=credentials.role_arn if isinstance(credentials, RoleSession) else None,
            policy=credentials.policy,
            policy_arns=credentials.policy_arns,
            access_key_id=credentials.access_key_id,
            signed_in_at=datetime.fromtimestamp(now, UTC),
            expiration=datetime.fromtimestamp(_console_expiration(credentials, grant, now), UTC),
            session_duration=grant.session_duration,
            issuer=issuer,
            destination=destination,
            partition=partition,
            credentials=credentials,
        )
    )


def signin_url(
    state: State,
    credentials: Mapping[str, Any] | Session,
    *,
    destination: str | None = None,
    issuer: str | None = None,
    session_duration: int | None = None,
) -> str:
    """The login URL for ``credentials`` (STS's ``Credentials`` answer, or a session record), made as AWS's broker
    example makes it: a sign-in token, then ``?Action=login&Issuer=...&Destination=...&SigninToken=...`` on the
    federation endpoint of the credentials' partition. ``destination`` defaults to the console's home page.

    Example (``backend.signin_url(...)`` is this function on the backend's state)::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {"Name": "Bob"})
        >>> url = backend.signin_url(out["Credentials"], issuer="Example.org")
        >>> endpoint, _, query = url.partition("?")
        >>> endpoint, query.split("&")[:3], query.split("&")[3][:12]
        ('https://signin.aws.amazon.com/federation', ['Action=login', 'Issuer=Example.org', \
'Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F'], 'SigninToken=')
    """
    values: tuple[Any, ...]
    if isinstance(credentials, Session):
        values = (credentials.access_key_id, credentials.secret_access_key, credentials.session_token)
    else:
        values = tuple(credentials.get(name) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken"))
    session = dict(zip(("sessionId", "sessionKey", "sessionToken"), values, strict=True))
    token, issued = _grant(state, session, session_duration)
    partition = partition_of(issued.region)
    url = federation_endpoint(partition) + "?Action=login"
    if issuer is not None:
        url += "&Issuer=" + quote_plus(issuer)
    url += "&Destination=" + quote_plus(destination if destination is not None else console_home(partition))
    return url + "&SigninToken=" + token


# ---- the rules -----------------------------------------------------------------------------------------------


def _grant(state: State, session: Mapping[str, Any], session_duration: str | int | None) -> tuple[str, Session]:
    """A sign-in token for the credentials ``session`` names, and their issued session."""
    credentials = _credentials(state, session)
    duration = _session_duration(session_duration, credentials)
    return state.console.grant(SigninGrant(credentials.access_key_id, duration, state.clock.timestamp())), credentials


def _credentials(state: State, session: Mapping[str, Any]) -> Session:
    """The issued session ``session`` names, if its secret and token are right and it has not expired."""
    key, secret, token = (session.get(name) for name in ("sessionId", "sessionKey", "sessionToken"))
    if not (isinstance(key, str) and isinstance(secret, str) and isinstance(token, str) and key and secret and token):
        raise invalid_credentials("Session must be JSON with the strings sessionId, sessionKey and sessionToken")
    principal = state.principal(key)
    if principal is None:
        raise invalid_credentials(f"mockfed knows no access key {key[:40]!r} (sessionId)")
    credentials = principal.session
    if credentials is None:
        raise invalid_credentials(
            f"sessionId {key!r} is an IAM user's or root's long-term access key: there is no session to sign in "
            "with; call GetFederationToken or AssumeRole and use their credentials"
        )
    if secret != credentials.secret_access_key:
        raise invalid_credentials(f"sessionKey is not the secret access key of {key}")
    claims = state.sessions.open_token(token)
    if claims is None or claims.access_key_id != key:
        raise invalid_credentials(f"sessionToken is not the session token of {key}: altered, or another session's")
    if state.clock.timestamp() >= claims.expires_at:
        raise invalid_credentials(f"the credentials {key} expired at {_iso(claims.expires_at)} (backend clock)")
    return credentials


def _session_duration(asked: str | int | None, credentials: Session) -> int | None:
    """The console session length asked for, if these credentials may ask for one."""
    if asked is None:
        return None
    text = str(asked)
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not (
        SESSION_DURATION_MIN <= int(text) <= SESSION_DURATION_MAX
    ):
        raise invalid_credentials(
            f"SessionDuration must be a whole number of seconds from {SESSION_DURATION_MIN} to "
            f"{SESSION_DURATION_MAX}; got {text[:40]!r}"
        )
    if isinstance(credentials, FederatedSession):
        raise invalid_credentials(
            "SessionDuration is not allowed with GetFederationToken credentials (their console session lasts as "
            "long as they do): leave it out"
        )
    if not _role_from_long_term_keys(credentials):
        raise invalid_credentials(
            "SessionDuration is allowed only with role credentials taken with an IAM user's long-term keys; "
            "these were taken with temporary credentials (role chaining): leave it out (about an hour applies)"
        )
    return int(text)


def _role_from_long_term_keys(credentials: Session) -> bool:
    caller = credentials.caller
    return isinstance(credentials, RoleSession) and caller is not None and caller.session is None


def _console_expiration(credentials: Session, grant: SigninGrant, now: float) -> float:
    """When the console session ends: ``SessionDuration`` after login if given, else with the credentials (and
    within about an hour for a role taken with temporary credentials)."""
    if grant.session_duration is not None:
        return now + grant.session_duration
    ends = credentials.expiration.timestamp()
    if isinstance(credentials, RoleSession) and not _role_from_long_term_keys(credentials):
        ends = min(ends, now + CHAINED_CONSOLE_SECONDS)
    return ends


def invalid_credentials(reason: str) -> SigninError:
    """``getSigninToken``'s refusal, whatever is wrong: the captured "Invalid credentials parameter" page.

    Example::

        >>> invalid_credentials("the Session parameter is missing").message
        'Invalid credentials parameter'
    """
    return SigninError("InvalidCredentialsParameter", INVALID_CREDENTIALS, reason=reason)


def _invalid_link(reason: str) -> SigninError:
    return SigninError("InvalidSigninToken", INVALID_LOGIN_LINK, page="signin", reason=reason)


def _printable_ascii(text: str) -> bool:
    """Whether ``text`` is printable ASCII: a URL the Location header can carry (``urlsplit`` drops CR, LF and tab)."""
    return all(" " <= char <= "~" for char in text)


def _iso(moment: float | datetime) -> str:
    stamp = moment.timestamp() if isinstance(moment, datetime) else moment
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
