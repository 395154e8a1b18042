"""mockfed: a faithful, fast, offline AWS STS ``GetFederationToken`` for tests.

Example::

    >>> import boto3
    >>> from mockfed import mock_federation
    >>> with mock_federation() as backend:
    ...     sts = boto3.client("sts", region_name="us-east-1")
    ...     creds = sts.get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
    >>> creds["AccessKeyId"].startswith("ASIA")
    True
"""

from mockfed.backend import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    Call,
    FederatedSession,
    FederationBackend,
    Principal,
)
from mockfed.clock import Clock
from mockfed.doors import install_botocore_handler as _install_botocore_handler
from mockfed.errors import ScenarioMismatchError, StsError, UnmockedRequestError, UnusedInteractionsError
from mockfed.mock import FederationMock, active_backend, mock_federation
from mockfed.packing import packed_policy_size

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "Call",
    "Clock",
    "FederatedSession",
    "FederationBackend",
    "FederationMock",
    "FederationServer",
    "Principal",
    "RemoteBackend",
    "ScenarioMismatchError",
    "StsError",
    "UnmockedRequestError",
    "UnusedInteractionsError",
    "__version__",
    "active_backend",
    "mock_federation",
    "packed_policy_size",
]

__version__ = "0.1.0"

_install_botocore_handler()


def __getattr__(name: str) -> object:
    """The HTTP server and its client load on first use, keeping ``import mockfed`` light."""
    if name == "FederationServer":
        from mockfed.server import FederationServer

        return FederationServer
    if name == "RemoteBackend":
        from mockfed.remote import RemoteBackend

        return RemoteBackend
    raise AttributeError(f"module 'mockfed' has no attribute {name!r}")
