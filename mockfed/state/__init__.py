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
from typing import Literal

from mockfed.clock import Clock
from mockfed.state.account import Account, check_account_id
from mockfed.state.console import Console
from mockfed.state.keys import KeyFactory, TokenCodec, account_of_access_key_id
from mockfed.state.records import FederatedSession, Principal, Role, RoleSession, Session
from mockfed.state.sessions import Sessions

__all__ = ["State"]


class State:
    """One account's store: ``account``, ``sessions``, ``console``, ``clock``; :meth:`reset` starts it afresh."""

    def __init__(self, account_id: str, *, clock: Clock | None = None, seed: int | None = None) -> None:
        self.account_id = check_account_id(account_id)
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

    def principal(self, access_key_id: str) -> Principal | None:
        """Who owns ``access_key_id`` now: a user or root of the account, an issued session (acting for its role or
        user as they are now), or (while a moto mock is active) a user of moto's IAM. None for a key that is no
        principal's: never issued, deleted, or a session whose role or user was deleted since.

        A key mockfed knows is never looked up in moto.
        """
        principal = self.account.principal(access_key_id)
        if principal is not None:
            return principal
        session = self.sessions.get(access_key_id)
        if session is not None:
            return self._session_principal(session)
        return self.account.directory.principal(access_key_id)

    def answers_for(self, access_key_id: str) -> bool:
        """Whether ``access_key_id`` is a key this account answers for, principal or not: a session issued here,
        or a key id encoding the account (or an account moto's IAM holds, while a moto mock is active). Such a
        key that is no principal now (deleted, or its session's role or user deleted) is refused, never taken
        for a key mockfed does not know.

        Example::

            >>> state = State("111122223333", seed=1)
            >>> alice = state.account.create_user("alice")
            >>> state.answers_for(alice.access_key_id), state.answers_for("AKIAIOSFODNN7EXAMPLE")
            (True, False)
        """
        if self.sessions.get(access_key_id) is not None:
            return True
        account = account_of_access_key_id(access_key_id)
        return account == self.account_id or self.account.directory.holds_account(account)

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

    def _session_principal(self, session: Session) -> Principal | None:
        """The principal a session's credentials act as, made from its role or user as they are now; None when
        that role or user is gone (deleted, or deleted and made again: another unique id)."""
        if isinstance(session, RoleSession):  # the role's policies; session tags win over the role's own
            role = self.account.role(session.role_arn)
            if role is None or not session.assumed_role_id.startswith(f"{role.role_id}:"):
                return None
            tags = dict(role.tags)
            tags.update(session.tags)
            return _acting(session, "role", session.session_name, session.assumed_role_id, role, tuple(tags.items()))
        caller = session.caller
        holder = self.account.holder(caller.arn, caller.user_id) if caller is not None else None
        if holder is None:
            return None
        if isinstance(session, FederatedSession):  # its user's policies (limited by the session's)
            return _acting(session, "federated", session.name, session.federated_user_id, holder, session.tags)
        return dataclasses.replace(  # a GetSessionToken session: the user itself
            holder, access_key_id=session.access_key_id, secret_access_key=session.secret_access_key, session=session
        )


def _acting(
    session: RoleSession | FederatedSession,
    kind: Literal["role", "federated"],
    name: str,
    user_id: str,
    holder: Role | Principal,
    tags: tuple[tuple[str, str], ...],
) -> Principal:
    """A session's principal, acting by the policies ``holder`` has now (its role, or the user who asked)."""
    return Principal(
        kind=kind,
        name=name,
        arn=session.arn,
        user_id=user_id,
        account_id=holder.account_id,
        access_key_id=session.access_key_id,
        secret_access_key=session.secret_access_key,
        policies=holder.policies,
        managed=holder.managed,
        tags=tags,
        session=session,
    )
