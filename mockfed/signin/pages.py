"""What the console federation endpoint answers: JSON, a redirect, or an HTML page.

``getSigninToken`` answers ``{"SigninToken": "..."}``; ``login`` a 302 to the destination. A
refusal of ``getSigninToken`` is a plain HTTP status page, as captured from the real endpoint
("HTTP Status 400 - Invalid credentials parameter ... The request sent by the client was
syntactically incorrect.", AWS Knowledge Center; aws-vault issue 77); a refusal of ``login`` is
the AWS Sign-In page a browser shows, with the captured sentence where one is published. Every
refusal also carries mockfed's own reason in an ``x-mockfed-reason`` header, for the test's author.

Example::

    >>> from mockfed.errors import SigninError
    >>> page = refusal(SigninError("InvalidCredentialsParameter", "Invalid credentials parameter"))
    >>> page.status, page.headers["Content-Type"], b"HTTP Status 400 - Invalid credentials parameter" in page.body
    (400, 'text/html;charset=utf-8', True)
"""

from __future__ import annotations

import html
import json

from mockfed.errors import SigninError
from mockfed.http import REASON_HEADER, HttpResponse, reason_header

__all__ = ["REASON_HEADER", "console_page", "redirect", "refusal", "signin_token"]

#: The header that says why mockfed refused (the real endpoint says nothing more than its page).
_HTML = "text/html;charset=utf-8"
#: The descriptions of the servlet container's status pages, by status.
_DESCRIPTIONS = {
    400: "The request sent by the client was syntactically incorrect.",
    404: "The requested resource is not available.",
    405: "The specified HTTP method is not allowed for the requested resource.",
    500: "The server encountered an internal error that prevented it from fulfilling this request.",
}


def signin_token(token: str) -> HttpResponse:
    """``getSigninToken``'s answer: a JSON document with a single element named SigninToken.

    Example::

        >>> signin_token("abc").body
        b'{"SigninToken":"abc"}'
    """
    body = json.dumps({"SigninToken": token}, separators=(",", ":")).encode("ascii")
    return HttpResponse(200, {"Content-Type": "application/json"}, body)


def redirect(location: str) -> HttpResponse:
    """``login``'s answer: the browser sent on to the console page it asked for.

    Example::

        >>> redirect("https://console.aws.amazon.com/").headers["Location"]
        'https://console.aws.amazon.com/'
    """
    return HttpResponse(302, {"Location": location, "Content-Type": _HTML, "Cache-Control": "no-store"}, b"")


def console_page(url: str) -> HttpResponse:
    """A console URL while a mock is active: a placeholder page (mockfed does not simulate the console).

    Example::

        >>> console_page("https://console.aws.amazon.com/").status
        200
    """
    body = (
        "<html><head><title>AWS Management Console (mockfed)</title></head><body>"
        f"<p>mockfed does not simulate the AWS Management Console: {html.escape(url)} is not served. "
        "The sign-in that led here is in <code>backend.console_sessions</code>.</p></body></html>"
    )
    return HttpResponse(200, {"Content-Type": _HTML}, body.encode("utf-8", "replace"))  # a lone surrogate: "?"


def refusal(error: SigninError) -> HttpResponse:
    """The page the endpoint answers ``error`` with, and mockfed's reason in :data:`REASON_HEADER`."""
    message = html.escape(error.message)
    if error.page == "signin":
        body = (
            "<!DOCTYPE html><html><head><title>Amazon Web Services Sign In</title></head><body>"
            f"<h1>Amazon Web Services Sign In</h1><p>{message}</p></body></html>"
        )
    else:
        title = f"HTTP Status {error.status} - {message}"
        description = _DESCRIPTIONS.get(error.status, "")
        body = (
            f"<html><head><title>{title}</title></head><body><h1>{title}</h1><hr/>"
            f"<p><b>type</b> Status report</p><p><b>message</b> <u>{message}</u></p>"
            f"<p><b>description</b> <u>{description}</u></p><hr/></body></html>"
        )
    headers = {"Content-Type": _HTML, REASON_HEADER: reason_header(error.reason)}
    return HttpResponse(error.status, headers, body.encode("utf-8", "replace"))
