"""One pipeline for every door: parse, authenticate, run the action, render.

```
transport -> Dispatcher.exchange(HttpRequest)
               protocol.parse_call   form body / query string -> StsCall(action, params)
               auth.authenticate     SigV4, token expiry       -> Principal, region
               sts.invoke            ACTIONS[action]           -> result, or StsError
               protocol.render_*     result -> XML; StsError -> <ErrorResponse>
```

A scenario (``mockfed.scenario``) wraps the dispatcher: for a request it has a recorded
answer for, it gives :meth:`Dispatcher.answer` its own answer step instead of the actions.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable
from typing import Any, NamedTuple

from mockfed import auth, errors, protocol, signin, sts
from mockfed.backend import FederationBackend
from mockfed.errors import SigninError, StsError
from mockfed.http import HttpRequest, HttpResponse
from mockfed.protocol import StsCall
from mockfed.state.records import FederatedSession, Principal, SessionTokenSession

__all__ = [
    "IAM_NAMESPACE",
    "Act",
    "Dispatcher",
    "Exchange",
    "console_exchange",
    "deny_session_iam",
    "handle",
    "internal_failure",
    "new_request_id",
]

logger = logging.getLogger("mockfed")

class Exchange(NamedTuple):
    """One request answered: the response, and what the pipeline made of it (for a server's log line)."""

    response: HttpResponse
    action: str | None = None
    caller_arn: str | None = None
    error_code: str | None = None
    access_key_id: str | None = None


class Dispatcher:
    """Answers STS requests from one backend: always an STS response or an STS error, never a traceback.

    Example::

        >>> request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                             b"Action=GetCallerIdentity&Version=2011-06-15")
        >>> Dispatcher(FederationBackend()).handle(request).status
        200
    """

    def __init__(self, backend: FederationBackend, *, strict_auth: bool = False) -> None:
        self.backend = backend
        self.strict_auth = strict_auth

    def handle(self, request: HttpRequest) -> HttpResponse:
        """The HTTP answer to ``request``."""
        return self.exchange(request).response

    def exchange(self, request: HttpRequest) -> Exchange:
        """The HTTP answer to ``request``, with the action, caller and error code it came to."""
        return self.answer(request, self._invoke)

    def _invoke(self, call: StsCall, caller: Principal | None, region: str) -> dict[str, Any]:
        return sts.invoke(self.backend.state, call.action, call.params, caller, region)

    def answer(self, request: HttpRequest, act: Act) -> Exchange:
        """``request`` parsed and authenticated, then answered with what ``act(call, caller, region)`` returns, or
        with the ``StsError`` it raises: the pipeline's every step but the answer step, which a layer around the
        dispatcher (a scenario) may give itself.

        Example::

            >>> request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
            ...                             b"Action=GetCallerIdentity&Version=2011-06-15")
            >>> def act(call, caller, region):
            ...     raise StsError("Throttling", "Rate exceeded", 400)
            >>> exchange = Dispatcher(FederationBackend()).answer(request, act)
            >>> exchange.response.status, exchange.action, exchange.error_code
            (400, 'GetCallerIdentity', 'Throttling')
        """
        request_id = new_request_id()
        action: str | None = None
        caller_arn: str | None = None
        call: StsCall | None = None
        acting = False
        try:
            call = protocol.parse_call(request)
            action = call.action
            caller, region = auth.authenticate(request, self.backend.state, strict=self.strict_auth, action=call.action)
            caller_arn = caller.arn if caller is not None else None
            acting = True  # from here on the answer step logs the call itself
            response = protocol.render_result(call.action, act(call, caller, region), request_id)
        except StsError as error:
            key = None if acting else self._log_refused(request, call, error)
            return Exchange(protocol.render_error(error, request_id), action, caller_arn, error.code, key)
        except Exception as exc:  # a mockfed bug must reach the test as an STS error, not a traceback from inside
            return internal_failure(exc, action, caller_arn, request_id)
        return Exchange(response, action, caller_arn)

    def _log_refused(self, request: HttpRequest, call: StsCall | None, error: StsError) -> str | None:
        """Log a request refused before any action ran (unreadable, or refused in authentication) with what could
        be read of it: the action, its parameters, the signature's key id and region. Returns the key id."""
        try:
            credential = auth.credential_of(request)
        except StsError:  # the signature itself is what was refused
            credential = None
        key = credential.access_key_id[:128] if credential is not None else None
        region = credential.region[:64] if credential is not None else ""
        action = call.action if call is not None else _raw_action(request)
        params = _bounded(call.params) if call is not None else {}
        state = self.backend.state
        at = state.clock.now()
        # the message may quote what the client sent: the record keeps it cut
        kept = StsError(error.code, _cut(error.message), error.status, reason=error.reason)
        sts.log_call(state, action, params, region, None, at, error.status, error=kept, access_key_id=key)
        return key


#: How much of a text a request refused before any action ran keeps in the record (nobody vouched for it).
_KEPT = 2048


def _cut(text: str) -> str:
    """``text`` as the record keeps it: at most :data:`_KEPT` characters, and how many more there were."""
    return text if len(text) <= _KEPT else f"{text[:_KEPT]}... ({len(text) - _KEPT} more characters)"


def _bounded(value: Any) -> Any:
    """A refused request's parameters as the record keeps them: every text cut (:func:`_cut`), the structure kept.

    Example::

        >>> kept = _bounded({"Name": "Bob", "Tags": [{"Key": "k", "Value": "v" * 2049}]})
        >>> kept["Name"], kept["Tags"][0]["Value"][-26:]
        ('Bob', 'v... (1 more characters)')
    """
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, dict):
        return {key: _bounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bounded(item) for item in value]
    return value


def _raw_action(request: HttpRequest) -> str:
    """The ``Action`` a request names, as sent (cut to 128 characters), or "" when it names none or cannot be read."""
    try:
        return protocol.form_fields(request).get("Action", "")[:128]
    except Exception:  # a body that cannot be read as a form names no action
        return ""


#: The answer step of the pipeline: (the parsed call, who makes it, the region) -> the result's fields.
Act = Callable[[StsCall, Principal | None, str], dict[str, Any]]


def internal_failure(
    exc: Exception, action: str | None = None, caller_arn: str | None = None, request_id: str | None = None
) -> Exchange:
    """A failure inside mockfed, logged with its traceback and answered as STS's 500 ``InternalFailure``."""
    logger.exception("mockfed failed to answer an STS request")
    failure = errors.internal_failure(exc)
    return Exchange(protocol.render_error(failure, request_id or new_request_id()), action, caller_arn, failure.code)


def _request_id_prefix() -> str:
    h = os.urandom(10).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-"


#: Request ids are version 4 UUIDs: random in the first 64 bits (once per process), a counter in the last 48.
_REQUEST_ID_PREFIX = _request_id_prefix()
_request_numbers = itertools.count(int.from_bytes(os.urandom(5), "big"))


def new_request_id() -> str:
    """A unique version 4 UUID, as STS writes its request ids.

    Example::

        >>> import uuid
        >>> uuid.UUID(new_request_id()).version, new_request_id() != new_request_id()
        (4, True)
    """
    return f"{_REQUEST_ID_PREFIX}{next(_request_numbers) & 0xFFFFFFFFFFFF:012x}"


def handle(request: HttpRequest, backend: FederationBackend, *, strict_auth: bool = False) -> HttpResponse:
    """Answer one STS request from ``backend`` (a :class:`Dispatcher` used once).

    Example::

        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                         b"Action=GetCallerIdentity&Version=2011-06-15")
        >>> handle(req, FederationBackend()).status
        200
    """
    return Dispatcher(backend, strict_auth=strict_auth).handle(request)


def console_exchange(request: HttpRequest, backend: FederationBackend) -> Exchange:
    """Answer one request for the console federation endpoint (or a console page) from ``backend``'s state:
    always the endpoint's answer or refusal page, never a traceback.

    Example::

        >>> req = HttpRequest.build("GET", "https://signin.aws.amazon.com/federation?Action=login", {}, b"")
        >>> exchange = console_exchange(req, FederationBackend())
        >>> exchange.response.status, exchange.action, exchange.error_code
        (400, 'login', 'InvalidSigninToken')
    """
    try:
        return Exchange(*signin.answer(backend.state, request))
    except Exception as exc:  # a mockfed bug must reach the test as the endpoint's error page, not a traceback
        logger.exception("mockfed failed to answer a console federation request")
        failure = SigninError(
            "InternalFailure",
            f"mockfed internal error ({type(exc).__name__}); please report it with this request",
            500,
            reason=f"{type(exc).__name__}: {exc}",
        )
        return Exchange(signin.pages.refusal(failure), error_code=failure.code)


IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


def deny_session_iam(request: HttpRequest, backend: FederationBackend) -> HttpResponse | None:
    """The IAM answer to a request signed with session credentials that may not call IAM; None otherwise.

    Federated users cannot call IAM at all, and GetSessionToken sessions only with MFA, whatever
    their policies say. IAM does not answer ``AccessDenied`` but refuses the session token
    itself: 403 ``InvalidClientTokenId``, as captured from real IAM for such credentials
    (aws-cli issue 8918, aws-vault issue 15, cloudyr/aws.iam issue 15). Role sessions call IAM
    as their policies allow: another mock (moto) answers them.
    """
    try:
        credential = auth.credential_of(request)
    except StsError:
        return None
    principal = backend.principal(credential.access_key_id) if credential else None
    session = principal.session if principal is not None else None
    refused = isinstance(session, FederatedSession) or (
        isinstance(session, SessionTokenSession) and session.mfa_authenticated_at is None
    )
    if not refused:
        return None
    return protocol.render_error(errors.invalid_client_token_id(), new_request_id(), namespace=IAM_NAMESPACE)
