"""Shared helpers for the suite."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore.exceptions
import freezegun
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mockfed import FederationBackend
from mockfed.http import HttpRequest

SEEDS_POLICY = (Path(__file__).resolve().parents[1] / "mockfed" / "data" / "demo" / "myfile.json").read_text()
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
SIMPLE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"Stmt1","Effect":"Allow","Action":"s3:ListAllMyBuckets",'
    '"Resource":"*"}]}'
)
#: A broker's policy: SIMPLE_POLICY, and the permission GetFederationToken asks of its caller.
FEDERATING_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"Stmt1","Effect":"Allow","Action":["s3:ListAllMyBuckets",'
    '"sts:GetFederationToken"],"Resource":"*"}]}'
)
#: A recorded GetFederationToken interaction of a scenario file, as mockfed writes one (redacted).
GFT_BOB: dict[str, Any] = {
    "offset": 0.0,
    "region": "us-east-1",
    "action": "GetFederationToken",
    "params": {"Name": "Bob", "DurationSeconds": 900},
    "status": 200,
    "response": {
        "Credentials": {
            "AccessKeyId": "ASIA************MPLE",
            "SecretAccessKey": "REDACTED",
            "SessionToken": "REDACTED",
            "Expiration": "2020-01-01T00:15:00Z",
        },
        "FederatedUser": {"FederatedUserId": "111122223333:Bob", "Arn": "arn:aws:sts::111122223333:federated-user/Bob"},
        "PackedPolicySize": 6,
    },
}


@pytest.fixture
def sts(mockfed):  # type: ignore[no-untyped-def]
    """A boto3 STS client inside an active mock."""
    import boto3

    return boto3.client("sts", region_name="us-east-1")


@pytest.fixture
def raw_sts(mockfed):  # type: ignore[no-untyped-def]
    """A client whose requests skip botocore's own validation, so the server-side checks answer."""
    import boto3
    from botocore.config import Config

    return boto3.client("sts", region_name="us-east-1", config=Config(parameter_validation=False))


@pytest.fixture
def anonymous(mockfed):  # type: ignore[no-untyped-def]
    """An STS client without credentials, as a CI job's or a sign-in tool's first call has none."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.client("sts", region_name="us-east-1", config=Config(signature_version=UNSIGNED))


class SocketOpened(Exception):
    """The socket guard's refusal: something tried to reach the network."""


class SocketGuard:
    """What tried to reach the network while :func:`socket_guard` was on, each as ``"getaddrinfo HOST:PORT"``,
    ``"create_connection (HOST, PORT)"``, ``"connect ..."``. ``error`` is the exception the guard raises (take it from
    here: pytest imports this file as ``conftest``, so ``tests.conftest.SocketOpened`` is another class)."""

    error = SocketOpened

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> SocketOpened:
        self.attempts.append(what)
        return SocketOpened(what)


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads every few microseconds instead of every 5 ms, so races show up."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.fixture
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> SocketGuard:
    """No socket for the test: ``socket.getaddrinfo``, ``create_connection`` and ``socket.connect``/``connect_ex``
    record the attempt and raise :class:`SocketOpened`."""
    guard = SocketGuard()

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        raise guard.refuse(f"getaddrinfo {host}:{port}")

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        raise guard.refuse(f"create_connection {address}")

    def connect(self: socket.socket, address: Any) -> None:
        raise guard.refuse(f"connect {address}")

    def connect_ex(self: socket.socket, address: Any) -> int:
        raise guard.refuse(f"connect_ex {address}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return guard


def refusal(error: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[int, str, str]:
    """What a refused call answered: HTTP status, error code, message."""
    response: dict[str, Any] = dict(error.value.response)
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def signed_at(backend: FederationBackend, when: str | datetime) -> HttpRequest:
    """A GetCallerIdentity of ``backend``'s default user, signed by botocore at ``when`` (a frozen time)."""
    request = AWSRequest(
        method="POST",
        url="https://sts.amazonaws.com/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    user = backend.default_user
    with freezegun.freeze_time(when):
        SigV4Auth(Credentials(user.access_key_id, user.secret_access_key), "sts", "us-east-1").add_auth(request)
    return HttpRequest.build("POST", request.url, dict(request.headers), request.body)
