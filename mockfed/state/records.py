"""The typed records a test reads: principals, issued sessions, received calls (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["Call", "FederatedSession", "Principal"]

@dataclass(frozen=True)
class Principal:
    """Who signs a request: an IAM user, the account root, or a federated session.

    Example::

        >>> from mockfed import FederationBackend
        >>> FederationBackend().default_user.arn
        'arn:aws:iam::123456789012:user/mockfed-default'
    """

    kind: Literal["user", "root", "federated"]
    name: str
    arn: str
    user_id: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    policies: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    session: FederatedSession | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Call:
    """One request the simulated STS received, in arrival order, with its outcome."""

    action: str
    params: Mapping[str, Any]
    region: str
    caller_arn: str | None
    at: datetime
    status: int
    response: Mapping[str, Any] | None = field(default=None, repr=False)  # holds the issued secret and token
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass(frozen=True)
class FederatedSession:
    """One token issued by GetFederationToken, as the test inspects it."""

    name: str
    policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    duration_seconds: int
    issued_at: datetime
    expiration: datetime
    packed_policy_size: int
    session_token_size: int = 0
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)
    caller_arn: str = ""
    region: str = "us-east-1"
    federated_user_id: str = ""
    arn: str = ""
    caller: Principal | None = field(default=None, repr=False, compare=False)

