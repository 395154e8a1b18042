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

from mockfed.backend import FederationBackend
from mockfed.clock import Clock
from mockfed.errors import (
    ScenarioMismatchError,
    SigninError,
    StsError,
    UnmockedRequestError,
    UnusedInteractionsError,
    WebIdentityEnvironmentWarning,
    WorldFileError,
)
from mockfed.iam.packing import packed_policy_size
from mockfed.mock import FederationMock, active_backend, mock_federation, web_identity
from mockfed.state.account import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_ACCESS_KEY
from mockfed.state.keys import access_key_id_for
from mockfed.state.records import Call, ConsoleSession, FederatedSession, Principal
from mockfed.transports import install_botocore_handler as _install_botocore_handler
from mockfed.version import __version__
from mockfed.world import World, load_world, read_world

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "Call",
    "Clock",
    "ConsoleSession",
    "FederatedSession",
    "FederationBackend",
    "FederationMock",
    "FederationServer",
    "Principal",
    "RemoteBackend",
    "ScenarioMismatchError",
    "SigninError",
    "StsError",
    "UnmockedRequestError",
    "UnusedInteractionsError",
    "WebIdentityEnvironmentWarning",
    "World",
    "WorldFileError",
    "__version__",
    "access_key_id_for",
    "active_backend",
    "load_world",
    "mock_federation",
    "packed_policy_size",
    "read_world",
    "web_identity",
]

_install_botocore_handler()


def __getattr__(name: str) -> object:
    """The HTTP server and its client load on first use, keeping ``import mockfed`` light."""
    if name == "FederationServer":
        from mockfed.server import FederationServer

        return FederationServer
    if name == "RemoteBackend":
        from mockfed.server.client import RemoteBackend

        return RemoteBackend
    raise AttributeError(f"module 'mockfed' has no attribute {name!r}")
