"""Regions are AWS's, spelled as AWS spells them: in a credential's scope, and in what a test disables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, StsError
from mockfed.server import FederationServer


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer(port=0) as running:
        yield running


def client(server: FederationServer, region: str) -> Any:
    return boto3.client(
        "sts",
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )


@pytest.mark.parametrize("region", ["EU-WEST-1", "mars-north-9"])
def test_a_scope_that_is_no_aws_region_is_refused_on_a_custom_endpoint(server: FederationServer, region: str) -> None:
    server.backend.disable_region("eu-west-1")
    with pytest.raises(ClientError) as raised:
        client(server, region).get_federation_token(Name="Bob")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "SignatureDoesNotMatch",
        f"Credential should be scoped to a valid region, not '{region}'. ",
    )
    assert server.backend.sessions == []


def test_a_region_of_another_partition_is_answered_on_a_custom_endpoint(server: FederationServer) -> None:
    out = client(server, "cn-north-1").get_federation_token(Name="Bob")
    assert out["FederatedUser"]["Arn"] == "arn:aws-cn:sts::123456789012:federated-user/Bob"


@pytest.mark.parametrize("region", ["mars-1", "EU-WEST-1", "eu-west-1\x00", "x" * 100_000, ""])
def test_disabling_what_is_no_region_fails_loudly(region: str) -> None:
    backend = FederationBackend()
    with pytest.raises(StsError) as raised:
        backend.disable_region(region)
    assert raised.value.code == "ValidationError"
    assert "at 'region'" in raised.value.message
    assert "such as eu-west-1" in raised.value.message
    assert len(raised.value.message) < 400


def test_the_admin_api_refuses_what_is_no_region(server: FederationServer) -> None:
    from mockfed.remote import RemoteBackend, RemoteError

    with pytest.raises(RemoteError) as raised:
        RemoteBackend(server.url).disable_region("mars-1")
    assert raised.value.status == 400
    assert "at 'region'" in raised.value.message
