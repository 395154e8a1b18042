"""Shared helpers for the suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

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


def refusal(error: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[int, str, str]:
    """What a refused call answered: HTTP status, error code, message."""
    response: dict[str, Any] = dict(error.value.response)
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]
