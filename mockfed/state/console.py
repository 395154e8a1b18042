"""The console federation endpoint's state: sign-in tokens waiting for their login, and console sessions.

A sign-in token (``getSigninToken``) names the temporary credentials it was made from and the
``SessionDuration`` asked for; ``login`` takes it, once, within 15 minutes of the backend
clock, and records the :class:`~mockfed.state.records.ConsoleSession` it opened.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from mockfed.state.keys import KeyFactory
from mockfed.state.records import ConsoleSession

__all__ = ["SIGNIN_TOKEN_LIFETIME_SECONDS", "Console", "SigninGrant"]

#: "The URL that the federation endpoint provides is valid for 15 minutes after it is created." (IAM User Guide)
SIGNIN_TOKEN_LIFETIME_SECONDS = 900


class SigninGrant(NamedTuple):
    """What a sign-in token stands for: the credentials' key id, the console session asked for, and when.

    Example::

        >>> grant = SigninGrant("ASIAEXAMPLEEXAMPLE00", 3600, issued_at=1000.0)
        >>> grant.expired(1899.0), grant.expired(1900.0)
        (False, True)
    """

    access_key_id: str
    session_duration: int | None
    issued_at: float

    def expired(self, now: float) -> bool:
        """Whether the token is past its 15 minutes at ``now`` (POSIX seconds)."""
        return now >= self.issued_at + SIGNIN_TOKEN_LIFETIME_SECONDS


class Console:
    """Sign-in tokens not used yet, and the console sessions opened, oldest first.

    Example::

        >>> import threading
        >>> console = Console(KeyFactory(seed=1), threading.RLock())
        >>> token = console.grant(SigninGrant("ASIAEXAMPLEEXAMPLE00", None, 0.0))
        >>> console.peek(token).access_key_id, console.take(token) is not None, console.take(token)
        ('ASIAEXAMPLEEXAMPLE00', True, None)
    """

    def __init__(self, keys: KeyFactory, lock: threading.RLock) -> None:
        self._keys = keys
        self._lock = lock
        self._grants: dict[str, SigninGrant] = {}
        self._sessions: dict[str, ConsoleSession] = {}

    def grant(self, grant: SigninGrant) -> str:
        """A new sign-in token for ``grant``."""
        with self._lock:
            token = self._keys.signin_token()
            self._grants[token] = grant
        return token

    def peek(self, token: str) -> SigninGrant | None:
        """What ``token`` stands for, if it was issued here and not used yet (it stays usable)."""
        return self._grants.get(token)

    def take(self, token: str) -> SigninGrant | None:
        """What ``token`` stands for, used up: a second take answers None."""
        with self._lock:
            return self._grants.pop(token, None)

    def session_id(self) -> str:
        """A fresh console session id."""
        with self._lock:
            return self._keys.unique_id("console-")

    def add(self, session: ConsoleSession) -> ConsoleSession:
        """Record an opened console session; returns it."""
        with self._lock:
            self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> ConsoleSession | None:
        return self._sessions.get(session_id)

    def all(self) -> list[ConsoleSession]:
        """Every console session opened, oldest first (a snapshot)."""
        with self._lock:
            return list(self._sessions.values())
