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

import dataclasses
import threading
from collections.abc import Iterable
from typing import Literal

from mockfed.clock import Clock
from mockfed.state.account import Account
from mockfed.state.console import Console
from mockfed.state.keys import KeyFactory, TokenCodec
from mockfed.state.records import FederatedSession, Principal, Role, RoleSession, Session
from mockfed.state.sessions import Sessions

__all__ = ["State"]


class State:
    """One account's store: ``account``, ``sessions``, ``console``, ``clock``; :meth:`reset` starts it afresh."""

    def __init__(self, account_id: str, *, clock: Clock | None = None, seed: int | None = None) -> None:
        self.account_id = account_id
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self._seed = seed
        self._start_afresh()

    def reset(self) -> None:
        """Forget every session, call, user, policy, disabled region and injected fault, and the clock's offset:
        the state of a new account (with ``seed``, the very same keys).

        Example::

            >>> state = State("111122223333")
            >>> state.clock.advance(days=2)
            >>> state.reset()
            >>> state.clock.offset, state.account.calls
            (0.0, [])
        """
        with self.lock:
            self._start_afresh()
            self.clock.reset()

    def _start_afresh(self) -> None:
        with self.lock:
            keys = KeyFactory(self._seed, self.account_id)
            tokens = TokenCodec(keys.token_key())  # first, so a seed gives the same keys as it always has
            self.account = Account(self.account_id, keys, self.lock)
            self.sessions = Sessions(keys, tokens, self.lock)
            self.console = Console(keys, self.lock)
            self._session_principals: dict[str, Principal] = {}  # made once per session

    def principal(self, access_key_id: str) -> Principal | None:
        """Who owns ``access_key_id``: a user or root of the account, an issued session, or (while a moto mock
        is active) a user of moto's IAM. A key mockfed knows is never looked up in moto."""
        principal = self.account.principal(access_key_id) or self._session_principals.get(access_key_id)
        if principal is not None:
            return principal
        session = self.sessions.get(access_key_id)
        if session is None:
            return self.account.directory.principal(access_key_id)
        principal = self._session_principals[access_key_id] = self._session_principal(session)
        return principal

    def console_principal(self, session_id: str) -> Principal | None:
        """Who a console session acts as: its credentials' principal, for as long as the console session lasts.

        Example::

            >>> State("123456789012").console_principal("console-UNKNOWN") is None
            True
        """
        console = self.console.get(session_id)
        principal = self.principal(console.access_key_id) if console is not None else None
        if console is None or principal is None:
            return None
        lasting = dataclasses.replace(console.credentials, expiration=console.expiration)
        return dataclasses.replace(principal, session=lasting)

    def _session_principal(self, session: Session) -> Principal:
        """The principal a session's credentials act as."""
        caller = session.caller
        if isinstance(session, RoleSession):  # the role's policies; session tags win over the role's own
            role = self.account.role(session.role_arn)
            tags = dict(role.tags if role else ())
            tags.update(session.tags)
            return self._acting(session, "role", session.session_name, session.assumed_role_id, role, tags.items())
        if isinstance(session, FederatedSession):  # its user's policies (limited by the session's)
            return self._acting(session, "federated", session.name, session.federated_user_id, caller, session.tags)
        assert caller is not None, "a GetSessionToken session has the user who asked for it"
        return dataclasses.replace(
            caller, access_key_id=session.access_key_id, secret_access_key=session.secret_access_key, session=session
        )

    def _acting(
        self,
        session: RoleSession | FederatedSession,
        kind: Literal["role", "federated"],
        name: str,
        user_id: str,
        holder: Role | Principal | None,
        tags: Iterable[tuple[str, str]],
    ) -> Principal:
        """A session's principal, acting by the policies of ``holder`` (its role, or the user who asked)."""
        return Principal(
            kind=kind,
            name=name,
            arn=session.arn,
            user_id=user_id,
            account_id=self.account_id,
            access_key_id=session.access_key_id,
            secret_access_key=session.secret_access_key,
            policies=holder.policies if holder else (),
            managed=holder.managed if holder else (),
            tags=tuple(tags),
            session=session,
        )
