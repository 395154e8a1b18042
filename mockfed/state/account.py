"""The account's principals and settings: users, root, customer-managed policies, regions, faults, the call log.

:class:`Account` holds them, guarded by the state's one lock. Nothing here knows about
HTTP or about any STS action.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from mockfed.errors import StsError
from mockfed.iam import managed_policy_document, parse_policy
from mockfed.state.keys import KeyFactory
from mockfed.state.records import Call, Principal

__all__ = [
    "ALLOW_ALL_POLICY",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "DEFAULT_USER_NAME",
    "Account",
]

DEFAULT_ACCOUNT_ID = "123456789012"
#: The well-known keys of every backend's default IAM user (the fake environment credentials).
DEFAULT_ACCESS_KEY_ID = "AKIAMOCKFEDEXAMPLE01"
DEFAULT_SECRET_ACCESS_KEY = "mockfed/DEFAULT/secret+key/EXAMPLEKEY000"
DEFAULT_USER_NAME = "mockfed-default"
ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

#: Messages and statuses of the errors tests inject most, when the test gives none.
_KNOWN_FAULTS = {"Throttling": ("Rate exceeded", 400), "ServiceUnavailable": ("Service unavailable", 503)}


@dataclass
class _Fault:
    action: str
    error: StsError
    remaining: int


class Account:
    """One simulated AWS account: its principals by access key, its policies, regions, faults and call log.

    Example::

        >>> import threading
        >>> from mockfed.state.keys import KeyFactory
        >>> account = Account("111122223333", KeyFactory(seed=1), threading.RLock())
        >>> account.create_user("alice").arn
        'arn:aws:iam::111122223333:user/alice'
    """

    def __init__(self, account_id: str, keys: KeyFactory, lock: threading.RLock) -> None:
        self.account_id = account_id
        self._keys = keys
        self._lock = lock
        self._principals: dict[str, Principal] = {}
        self._customer_policies: dict[str, str] = {}
        self._disabled_regions: set[str] = set()
        self._faults: list[_Fault] = []
        self.calls: list[Call] = []
        self.default_user = self._add(
            self._user(DEFAULT_USER_NAME, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, (ALLOW_ALL_POLICY,), ())
        )
        self.root_user = self._add(
            Principal(
                kind="root",
                name="root",
                arn=f"arn:aws:iam::{account_id}:root",
                user_id=account_id,
                account_id=account_id,
                access_key_id=keys.access_key_id("AKIA"),
                secret_access_key=keys.secret_access_key(),
                policies=(ALLOW_ALL_POLICY,),
            )
        )

    # ---- principals ------------------------------------------------------------------------------------------

    def _user(
        self, name: str, akid: str, secret: str, policies: tuple[str, ...], tags: tuple[tuple[str, str], ...]
    ) -> Principal:
        return Principal(
            kind="user",
            name=name,
            arn=f"arn:aws:iam::{self.account_id}:user/{name}",
            user_id=self._keys.unique_id("AIDA"),
            account_id=self.account_id,
            access_key_id=akid,
            secret_access_key=secret,
            policies=policies,
            tags=tags,
        )

    def _add(self, principal: Principal) -> Principal:
        self._principals[principal.access_key_id] = principal
        return principal

    def principal(self, access_key_id: str) -> Principal | None:
        """The user or root owning the long-term key ``access_key_id``, if the account has it."""
        return self._principals.get(access_key_id)

    def create_user(self, name: str, policy: str | None = None, *, tags: Mapping[str, str] | None = None) -> Principal:
        """Add an IAM user with its own keys; ``policy`` is its identity policy (none: it may do nothing)."""
        if policy is not None:
            parse_policy(policy)
        with self._lock:
            user = self._user(
                name,
                self._keys.access_key_id("AKIA"),
                self._keys.secret_access_key(),
                (policy,) if policy is not None else (),
                tuple((tags or {}).items()),
            )
            return self._add(user)

    # ---- policies ----------------------------------------------------------------------------------------

    def create_policy(self, name: str, document: str) -> str:
        """Add a customer-managed policy; returns its ARN."""
        parse_policy(document)
        arn = f"arn:aws:iam::{self.account_id}:policy/{name}"
        with self._lock:
            self._customer_policies[arn] = document
        return arn

    def managed_policy(self, arn: str) -> str | None:
        """The document behind a managed policy ARN: customer-managed in this account, or AWS-managed."""
        document = self._customer_policies.get(arn)
        if document is not None:
            return document
        return managed_policy_document(arn)

    # ---- regions -----------------------------------------------------------------------------------------

    def disable_region(self, region: str) -> None:
        with self._lock:
            self._disabled_regions.add(region)

    def enable_region(self, region: str) -> None:
        with self._lock:
            self._disabled_regions.discard(region)

    def region_disabled(self, region: str) -> bool:
        return region in self._disabled_regions

    # ---- faults ------------------------------------------------------------------------------------------

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (or ``"*"``) fail with ``code``."""
        default_message, default_status = _KNOWN_FAULTS.get(code, (code, 400))
        error = StsError(code, message or default_message, status or default_status, sender_fault=(status or 400) < 500)
        with self._lock:
            self._faults.append(_Fault(action, error, count))

    def take_fault(self, action: str) -> StsError | None:
        """The injected error the next call of ``action`` answers, used up by this call; None if there is none."""
        if not self._faults:  # the common case, without the lock
            return None
        with self._lock:
            for fault in self._faults:
                if fault.action in (action, "*") and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault.error
        return None

    # ---- the call log ------------------------------------------------------------------------------------

    def log(self, call: Call) -> None:
        """Append one call to the log (answered here, replayed, or recorded from elsewhere)."""
        with self._lock:
            self.calls.append(call)
