"""The only mutable store of a simulated account, under one lock.

:class:`State` holds the :class:`~mockfed.state.account.Account` (principals, policies,
regions, faults, the call log), the issued :class:`~mockfed.state.sessions.Sessions`, the
key factory and the :class:`~mockfed.clock.Clock`. The actions (``mockfed.sts``) read and
change it; nothing here knows about HTTP, the wire, pytest or botocore.

Example::

    >>> state = State("111122223333", seed=1)
    >>> state.principal(state.account.default_user.access_key_id).name
    'mockfed-default'
"""

from __future__ import annotations

import threading

from mockfed.clock import Clock
from mockfed.state.account import Account
from mockfed.state.keys import KeyFactory, TokenCodec
from mockfed.state.records import FederatedSession, Principal
from mockfed.state.sessions import Sessions

__all__ = ["State"]


class State:
    """One account's store: ``account``, ``sessions``, ``clock``; :meth:`reset` starts it afresh."""

    def __init__(self, account_id: str, *, clock: Clock | None = None, seed: int | None = None) -> None:
        self.account_id = account_id
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget every session, call, user, policy, disabled region and injected fault."""
        with self.lock:
            keys = KeyFactory(self._seed, self.account_id)
            tokens = TokenCodec(keys.token_key())  # first, so a seed gives the same keys as it always has
            self.account = Account(self.account_id, keys, self.lock)
            self.sessions = Sessions(keys, tokens, self.lock)
            self._federated: dict[str, Principal] = {}  # a session's principal, made once

    def principal(self, access_key_id: str) -> Principal | None:
        """Who owns ``access_key_id``: a user or root of the account, or an issued federated session."""
        principal = self.account.principal(access_key_id) or self._federated.get(access_key_id)
        if principal is not None:
            return principal
        session = self.sessions.get(access_key_id)
        if session is None:
            return None
        principal = self._federated[access_key_id] = _federated_principal(session, self.account_id)
        return principal


def _federated_principal(session: FederatedSession, account_id: str) -> Principal:
    caller = session.caller
    return Principal(
        kind="federated",
        name=session.name,
        arn=session.arn,
        user_id=session.federated_user_id,
        account_id=account_id,
        access_key_id=session.access_key_id,
        secret_access_key=session.secret_access_key,
        policies=caller.policies if caller else (),
        tags=session.tags,
        session=session,
    )
