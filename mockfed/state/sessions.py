"""Issued sessions: fresh credentials (:meth:`Sessions.credentials`) and the sessions made with them.

The action that grants a session (or a replayed recording) asks for credentials, makes the
session's record, and adds it; a session's token seals its key id, expiry and packed policies.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from mockfed.state.keys import KeyFactory, MessageSealer, TokenClaims, TokenCodec
from mockfed.state.records import Session

__all__ = ["Sessions"]

_S = TypeVar("_S", bound=Session)


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
        self._by_key: dict[str, Session] = {}
        self._messages = MessageSealer(keys.token_key())

    def get(self, access_key_id: str) -> Session | None:
        return self._by_key.get(access_key_id)

    def all(self) -> list[Session]:
        """Every issued session, oldest first (a snapshot)."""
        with self._lock:
            return list(self._by_key.values())

    def of_kind(self, kind: type[_S]) -> list[_S]:
        """The issued sessions of one kind (``FederatedSession``, ``RoleSession``, ...), oldest first."""
        with self._lock:
            return [session for session in self._by_key.values() if isinstance(session, kind)]

    def __len__(self) -> int:
        return len(self._by_key)

    def seal_message(self, data: bytes) -> str:
        """An opaque message only this account can open again (an encoded authorization message)."""
        return self._messages.seal(data)

    def open_message(self, text: str) -> bytes | None:
        """What :meth:`seal_message` sealed, or None for anything else."""
        return self._messages.open(text)

    def open_token(self, token: str) -> TokenClaims | None:
        """The claims sealed in a session token issued here, or None if it is altered or foreign."""
        return self._tokens.open(token)

    def credentials(
        self, expires_at: float, *, packed: bytes = b"", minimum_token_size: int = 0
    ) -> tuple[str, str, str]:
        """Fresh temporary credentials: a key id no session has, a secret, and a token sealing the key id,
        ``expires_at`` and the ``packed`` policies, padded to at least ``minimum_token_size`` characters.

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory, TokenCodec
            >>> keys = KeyFactory(seed=1)
            >>> sessions = Sessions(keys, TokenCodec(keys.token_key()), threading.RLock())
            >>> akid, secret, token = sessions.credentials(2.0e9)
            >>> sessions.open_token(token).access_key_id == akid
            True
        """
        with self._lock:
            akid, secret = self._keys.access_key_id("ASIA"), self._keys.secret_access_key()
            while akid in self._by_key:
                akid, secret = self._keys.access_key_id("ASIA"), self._keys.secret_access_key()
        return akid, secret, self._tokens.seal(TokenClaims(akid, expires_at, packed), minimum_token_size)

    def add(self, session: _S) -> _S:
        """Register an issued session under its key id; returns it."""
        with self._lock:
            self._by_key[session.access_key_id] = session
        return session
