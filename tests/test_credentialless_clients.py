"""A client created before the mock, on a machine with no AWS credentials (most CI), is answered by the mock.

botocore signs before it sends: a client without credentials used to raise ``NoCredentialsError``
before mockfed saw the request. While a mock is active, such an STS client signs with the
mock's default user's fake keys, for that request only.
"""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import NoCredentialsError

from mockfed import mock_federation


def test_a_client_without_credentials_made_before_the_mock_is_answered() -> None:
    sts = boto3.session.Session().client("sts", region_name="us-east-1")  # conftest: no credentials anywhere
    with mock_federation() as backend:
        out = sts.get_federation_token(Name="Bob", DurationSeconds=900)
        backend.clock.advance(seconds=901)  # README's clock example, as written there
        assert sts.get_caller_identity()["Arn"] == backend.default_user.arn
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert backend.calls[0].caller_arn == backend.default_user.arn


def test_its_presigned_urls_work_inside_the_mock() -> None:
    sts = boto3.session.Session().client("sts", region_name="us-east-1")
    with mock_federation():
        url = sts.generate_presigned_url("get_caller_identity", HttpMethod="GET")
        assert requests.get(url, timeout=5).status_code == 200


def test_the_client_has_no_credentials_again_once_the_mock_stops() -> None:
    sts = boto3.session.Session().client("sts", region_name="us-east-1")
    with mock_federation():
        sts.get_caller_identity()
    with pytest.raises(NoCredentialsError):
        sts.get_caller_identity()


def test_strict_auth_accepts_them_as_the_default_user() -> None:
    sts = boto3.session.Session().client("sts", region_name="us-east-1")
    with mock_federation(strict_auth=True) as backend:
        assert sts.get_caller_identity()["Arn"] == backend.default_user.arn
