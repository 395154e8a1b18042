"""Issued sessions: :meth:`Sessions.issue` gives a session its keys and its sealed token.

A session is drafted first (who it is, what it carries, when it ends; no credentials yet),
by the action that grants it or by a replayed recording; issuing is the same for both.
"""

from __future__ import annotations

import dataclasses
import threading

from mockfed.state.keys import KeyFactory, TokenClaims, TokenCodec
from mockfed.state.records import FederatedSession

__all__ = ["Sessions"]


class Sessions:
    """The sessions an account issued, by access key id, oldest first.

    Example::

        >>> import threading
        >>> from mockfed.state.keys import KeyFactory, TokenCodec
        >>> keys = KeyFactory(seed=1)
        >>> sessions = Sessions(keys, TokenCodec(keys.token_key()), threading.RLock())
        >>> len(sessions.all())
        0
    """

    def __init__(self, keys: KeyFactory, tokens: TokenCodec, lock: threading.RLock) -> None:
        self._keys = keys
        self._tokens = tokens
        self._lock = lock
        self._by_key: dict[str, FederatedSession] = {}

    def get(self, access_key_id: str) -> FederatedSession | None:
        return self._by_key.get(access_key_id)

    def all(self) -> list[FederatedSession]:
        """Every issued session, oldest first (a snapshot)."""
        with self._lock:
            return list(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def open_token(self, token: str) -> TokenClaims | None:
        """The claims sealed in a session token issued here, or None if it is altered or foreign."""
        return self._tokens.open(token)

    def issue(self, draft: FederatedSession, *, packed: bytes = b"", minimum_token_size: int = 0) -> FederatedSession:
        """``draft`` with fresh temporary keys and a token sealing its key id, expiry and ``packed`` policies.

        The token is padded to at least ``minimum_token_size`` characters.
        """
        with self._lock:
            akid = self._keys.access_key_id("ASIA")
            while akid in self._by_key:
                akid = self._keys.access_key_id("ASIA")
            secret = self._keys.secret_access_key()
        token = self._tokens.seal(TokenClaims(akid, draft.expiration.timestamp(), packed), minimum_token_size)
        session = dataclasses.replace(
            draft,
            access_key_id=akid,
            secret_access_key=secret,
            session_token=token,
            session_token_size=len(token),
        )
        with self._lock:
            self._by_key[akid] = session
        return session
