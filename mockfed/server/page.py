"""The live page of ``mockfed serve``: ``GET /_mockfed/`` in a browser.

One self-contained HTML document (``page.html`` beside this module: its CSS and script inline,
nothing fetched from elsewhere) that polls ``GET /_mockfed/state`` and ``GET /_mockfed/page/account``
every second and shows the account's principals, its sessions with their time to expiry on the
backend's clock, and the call log with its errors; its clock controls post to the admin API's
``clock/advance`` and ``clock/set``. Everything it shows is set as text, never parsed as HTML: the
call log holds what clients sent. Its ``Content-Security-Policy`` lets it run only its own inline
script and style (by their hashes) and talk only to the server it came from.

:func:`answer` is what the server asks first for a path under ``/_mockfed``: an answer for the page's
own paths, None for every other (the admin API's, then STS's).

Example::

    >>> from mockfed.backend import FederationBackend
    >>> status, headers, body = answer("GET", "/_mockfed/", "text/html", FederationBackend())
    >>> status, headers["Content-Type"], body.startswith(b"<!DOCTYPE html>")
    (200, 'text/html; charset=utf-8', True)
    >>> answer("GET", "/_mockfed/state", "text/html", FederationBackend()) is None
    True
    >>> answer("GET", "/_mockfed", "*/*", FederationBackend())[:2]
    (308, {'Location': '/_mockfed/', 'Content-Type': 'text/plain; charset=utf-8'})
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime
from importlib import resources
from typing import Any

from mockfed.backend import FederationBackend
from mockfed.server.admin import ADMIN_PREFIX, iso
from mockfed.state.records import FederatedSession, Principal, Role, RoleSession, Session

__all__ = ["ACCOUNT_PATH", "PAGE_PATH", "answer", "page_html"]

#: Where the page is; ``/_mockfed`` (no slash) redirects here.
PAGE_PATH = ADMIN_PREFIX
#: The page's own JSON: the principals and every session, which ``/_mockfed/state`` does not show.
ACCOUNT_PATH = ADMIN_PREFIX + "page/account"

_HTML = resources.files("mockfed.server").joinpath("page.html").read_bytes()


def _hashes(tag: str) -> str:
    """The CSP sources allowing exactly the page's inline ``<tag>`` blocks."""
    blocks = re.findall(rb"<" + tag.encode() + rb">(.*?)</" + tag.encode() + rb">", _HTML, re.DOTALL)
    if not blocks:  # pragma: no cover - page.html is part of the package
        raise RuntimeError(f"page.html has no <{tag}>")
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'" for block in blocks)


#: Nothing from another origin; only the page's own inline script and style; requests only to this server;
#: no images, fonts, frames, forms or plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src {_hashes('script')}",
        f"style-src {_hashes('style')}",
        "connect-src 'self'",
        "img-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

_PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page_html() -> bytes:
    """The page itself (the same bytes for every request: all it shows it fetches)."""
    return _HTML


def _wants_html(accept: str | None) -> bool:
    """Whether a request's ``Accept`` admits HTML: a browser's does, as does none at all or ``*/*`` (curl's);
    ``application/json`` alone leaves ``GET /_mockfed/`` to the admin API (a 404 listing its endpoints)."""
    if not accept:
        return True
    for item in accept.split(","):
        media, _, params = item.partition(";")
        if re.search(r"(?:^|;)\s*q\s*=\s*0(?:\.0*)?\s*(?:;|$)", params):  # q=0: not acceptable
            continue
        if media.strip().lower() in ("text/html", "text/*", "*/*"):
            return True
    return False


def _principal(kind: str, record: Principal | Role) -> dict[str, Any]:
    inline = [f"{len(record.policies)} inline"] if record.policies else []
    return {"kind": kind, "name": record.name, "arn": record.arn, "policies": inline + list(record.managed)}


def _principals(backend: FederationBackend) -> list[dict[str, Any]]:
    """The root user, every IAM user of the account (the default user first), every role."""
    users = [
        {
            "kind": "user",
            "name": user["name"],
            "arn": user["arn"],
            "policies": ([f"{len(user['policies'])} inline"] if user["policies"] else []) + list(user["managed"]),
        }
        for user in backend.describe_account()["users"]
    ]
    return [
        _principal("root", backend.root_user),
        *users,
        *(_principal("role", role) for role in backend.roles),
    ]


def _session(session: Session, now: datetime) -> dict[str, Any]:
    if isinstance(session, FederatedSession):
        kind, name, arn = "federated user", session.name, session.arn
    elif isinstance(session, RoleSession):
        kind, name, arn = "role", session.session_name, session.arn
    else:
        kind, name, arn = "session token", session.caller_arn.rpartition("/")[2], session.caller_arn
    return {
        "kind": kind,
        "name": name,
        "arn": arn,
        "access_key_id": session.access_key_id,
        "issued_at": iso(session.issued_at),
        "expiration": iso(session.expiration),
        "expires_in_seconds": (session.expiration - now).total_seconds(),
    }


def account_view(backend: FederationBackend) -> dict[str, Any]:
    """What ``GET /_mockfed/page/account`` answers: ``principals`` and ``sessions`` of every kind, each with its
    ``expires_in_seconds`` on the backend clock's ``now`` (negative once expired), newest first.

    Example::

        >>> backend = FederationBackend()
        >>> _ = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 900})
        >>> view = account_view(backend)
        >>> [p["name"] for p in view["principals"]], view["sessions"][0]["expires_in_seconds"] <= 900
        (['root', 'mockfed-default'], True)
        >>> _ = backend.create_user("alice")
        >>> [p["name"] for p in account_view(backend)["principals"]]
        ['root', 'mockfed-default', 'alice']
    """
    now = backend.clock.now()
    sessions: list[Session] = [*backend.sessions, *backend.role_sessions, *backend.session_tokens]
    sessions.sort(key=lambda session: session.issued_at, reverse=True)
    return {
        "now": iso(now),
        "principals": _principals(backend),
        "sessions": [_session(session, now) for session in sessions],
    }


def answer(
    method: str, path: str, accept: str | None, backend: FederationBackend
) -> tuple[int, dict[str, str], bytes] | None:
    """The answer to a request for one of the page's paths (``path`` without its query), or None for any other:
    ``GET``/``HEAD /_mockfed/`` when ``accept`` admits HTML, ``/_mockfed`` (a redirect to it), and
    ``GET /_mockfed/page/account``."""
    if method not in ("GET", "HEAD"):
        return None
    if path == PAGE_PATH.rstrip("/"):
        return 308, {"Location": PAGE_PATH, "Content-Type": "text/plain; charset=utf-8"}, b"see /_mockfed/\n"
    if path == PAGE_PATH and _wants_html(accept):
        return 200, dict(_PAGE_HEADERS), _HTML
    if path == ACCOUNT_PATH:
        body = json.dumps(account_view(backend)).encode("utf-8")
        return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, body
    return None
