"""The console federation endpoint (``https://signin.aws.amazon.com/federation``), reading the account's state.

The custom identity broker of AWS's docs calls GetFederationToken or AssumeRole, sends the
credentials to ``/federation?Action=getSigninToken&Session=...`` for a sign-in token, and
gives a person's browser ``/federation?Action=login&Issuer=...&Destination=...&SigninToken=...``,
which signs them in to the console. :func:`answer` answers one such request (GET with a query,
or POST with a form) from the same state STS answers from: the rules are in
:mod:`mockfed.signin.federation`, the pages in :mod:`mockfed.signin.pages`. The transports send
it what goes to a sign-in host or console host, and ``mockfed serve`` what goes to ``/federation``.

Example::

    >>> from mockfed.http import HttpRequest
    >>> from mockfed.state import State
    >>> request = HttpRequest.build("GET", "https://signin.aws.amazon.com/federation?Action=getSigninToken", {}, b"")
    >>> outcome = answer(State("123456789012"), request)
    >>> outcome.response.status, outcome.action, outcome.error_code
    (400, 'getSigninToken', 'InvalidCredentialsParameter')
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from mockfed.auth.endpoints import FEDERATION_PATH, is_console_url, signin_partition_of_host
from mockfed.errors import SigninError
from mockfed.http import HttpRequest, HttpResponse
from mockfed.signin import pages
from mockfed.signin.federation import get_signin_token, invalid_credentials, login, signin_url
from mockfed.state import State

__all__ = ["SigninAnswer", "answer", "get_signin_token", "login", "signin_url"]

GET_SIGNIN_TOKEN = "getSigninToken"
LOGIN = "login"


class SigninAnswer(NamedTuple):
    """One request answered: the response, the action it named, who it signed in as, mockfed's refusal code.

    Example::

        >>> SigninAnswer(HttpResponse(302, {"Location": "https://console.aws.amazon.com/"}), "login").action
        'login'
    """

    response: HttpResponse
    action: str | None = None
    caller_arn: str | None = None
    error_code: str | None = None


def answer(state: State, request: HttpRequest) -> SigninAnswer:
    """The answer to a request for a sign-in host (``/federation``; any other path: 404) or a console host.

    Example::

        >>> state = State("123456789012")
        >>> answer(state, HttpRequest.build("GET", "https://signin.aws.amazon.com/oauth", {}, b"")).error_code
        'NotFound'
        >>> answer(state, HttpRequest.build("GET", "https://console.aws.amazon.com/", {}, b"")).response.status
        200
    """
    if is_console_url(request.url):
        return SigninAnswer(pages.console_page(request.url))
    parts = request.parts
    action: str | None = None
    try:
        if parts is None or parts.path != FEDERATION_PATH:
            raise SigninError(
                "NotFound",
                "The requested resource is not available.",
                404,
                reason=f"mockfed simulates only the federation endpoint ({FEDERATION_PATH}) of AWS Sign-In",
            )
        if request.method not in ("GET", "POST"):
            raise SigninError(
                "MethodNotAllowed",
                f"HTTP method {request.method[:20]} is not supported by this URL",
                405,
                reason="the federation endpoint answers GET (a query string) and POST (a form)",
            )
        params = _parameters(request)
        action = params.get("Action")
        if action == GET_SIGNIN_TOKEN:
            token = get_signin_token(state, _session(params.get("Session")), params.get("SessionDuration"))
            return SigninAnswer(pages.signin_token(token), action)
        if action == LOGIN:
            console = login(
                state,
                params.get("SigninToken"),
                params.get("Destination"),
                params.get("Issuer"),
                endpoint_partition=signin_partition_of_host(request.host),
            )
            return SigninAnswer(pages.redirect(console.destination), action, console.arn)
        raise SigninError(
            "InvalidAction",
            "Invalid action parameter",
            reason=f"Action must be {GET_SIGNIN_TOKEN} or {LOGIN} (as written, case and all); got {action!r:.60}",
        )
    except SigninError as error:
        return SigninAnswer(pages.refusal(error), action, None, error.code)


def _parameters(request: HttpRequest) -> dict[str, str]:
    """The query's parameters, then a form body's (a POST's); the first of a repeated name counts, as in servlets."""
    pairs = parse_qsl(request.query, keep_blank_values=True, errors="replace")
    content_type = request.header("content-type").lower()
    if request.method == "POST" and (not content_type or "x-www-form-urlencoded" in content_type):
        pairs += parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)
    return params


def _session(text: str | None) -> dict[str, Any]:
    """The ``Session`` parameter: URL-encoded JSON with ``sessionId``, ``sessionKey`` and ``sessionToken``."""
    if text is None:
        raise invalid_credentials("the Session parameter is missing")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise invalid_credentials('Session must be JSON: {"sessionId": ..., "sessionKey": ..., "sessionToken": ...}')
    return value
