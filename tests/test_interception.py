"""Every door into the simulator: clients of any age and region, botocore sessions, requests, moto alongside."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import boto3
import botocore.session
import pytest
import requests
from botocore.config import Config

from mockfed import FederationBackend, mock_federation
from tests.conftest import SocketGuard

MODULE_LEVEL_CLIENT = boto3.client("sts", region_name="eu-west-1")


def test_client_created_before_the_mock(mockfed: FederationBackend) -> None:
    out = MODULE_LEVEL_CLIENT.get_federation_token(Name="Early")
    assert out["FederatedUser"]["FederatedUserId"] == "123456789012:Early"
    assert mockfed.calls[0].region == "eu-west-1"


ENDPOINTS = [
    pytest.param(
        {"region_name": "us-east-1"}, "sts.us-east-1.amazonaws.com", "us-east-1", "aws", id="regional-us-east-1"
    ),
    pytest.param(
        {"region_name": "ap-southeast-2"}, "sts.ap-southeast-2.amazonaws.com", "ap-southeast-2", "aws", id="regional"
    ),
    pytest.param({"region_name": "aws-global"}, "sts.amazonaws.com", "us-east-1", "aws", id="global"),
    pytest.param(
        {"region_name": "us-west-2", "legacy": True}, "sts.amazonaws.com", "us-east-1", "aws", id="legacy-global"
    ),
    pytest.param(
        {"region_name": "us-east-2", "config": Config(use_fips_endpoint=True)},
        "sts-fips.us-east-2.amazonaws.com",
        "us-east-2",
        "aws",
        id="fips",
    ),
    pytest.param(
        {"region_name": "eu-central-1", "config": Config(use_dualstack_endpoint=True)},
        "sts.eu-central-1.api.aws",
        "eu-central-1",
        "aws",
        id="dual-stack",
    ),
    pytest.param({"region_name": "cn-north-1"}, "sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn", id="china"),
    pytest.param(
        {"region_name": "us-gov-west-1"},
        "sts.us-gov-west-1.amazonaws.com",
        "us-gov-west-1",
        "aws-us-gov",
        id="govcloud",
    ),
]


@pytest.mark.parametrize(("client_args", "host", "region", "partition"), ENDPOINTS)
def test_every_endpoint_variant(
    mockfed: FederationBackend,
    monkeypatch: pytest.MonkeyPatch,
    client_args: dict[str, Any],
    host: str,
    region: str,
    partition: str,
) -> None:
    if client_args.pop("legacy", False):
        monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    sts = botocore.session.get_session().create_client("sts", **client_args)
    assert sts.meta.endpoint_url == f"https://{host}"
    out = sts.get_federation_token(Name="Bob")
    assert out["FederatedUser"]["Arn"] == f"arn:{partition}:sts::123456789012:federated-user/Bob"
    assert mockfed.calls[-1].region == region
    assert mockfed.sessions[-1].region == region


def test_botocore_session_made_directly(mockfed: FederationBackend) -> None:
    client = botocore.session.get_session().create_client("sts", region_name="us-west-1")
    identity = client.get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/mockfed-default"
    assert mockfed.calls[0].action == "GetCallerIdentity"


def test_get_caller_identity_of_the_default_user(mockfed: FederationBackend) -> None:
    identity = boto3.client("sts", region_name="us-east-1").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == mockfed.default_user.arn
    assert identity["UserId"] == mockfed.default_user.user_id


def test_presigned_url_fetched_with_requests(mockfed: FederationBackend) -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    url = sts.generate_presigned_url("get_caller_identity", HttpMethod="GET")
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    assert "<Arn>arn:aws:iam::123456789012:user/mockfed-default</Arn>" in response.text
    assert response.headers["x-amzn-RequestId"]
    assert mockfed.calls[0].action == "GetCallerIdentity"


def test_form_post_with_requests(mockfed: FederationBackend) -> None:
    response = requests.post(
        "https://sts.amazonaws.com/",
        data={"Action": "GetFederationToken", "Version": "2011-06-15", "Name": "Bob", "DurationSeconds": "900"},
        timeout=5,
    )
    assert response.status_code == 200
    assert "<FederatedUserId>123456789012:Bob</FederatedUserId>" in response.text
    assert mockfed.sessions[0].duration_seconds == 900


def test_requests_errors_are_sts_errors(mockfed: FederationBackend) -> None:
    response = requests.post(
        "https://sts.us-west-2.amazonaws.com/", data={"Action": "GetFederationToken", "Name": "B b"}, timeout=5
    )
    assert response.status_code == 400
    assert "<Code>ValidationError</Code>" in response.text


def test_moto_answers_other_services_side_by_side() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), mock_federation() as backend:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="side-by-side")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["side-by-side"]
        out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
    assert out["Credentials"]["Expiration"] == backend.sessions[0].expiration  # mockfed's, not moto's
    assert [c.action for c in backend.calls] == ["GetFederationToken"]


def test_moto_entered_inside_mockfed() -> None:
    moto = pytest.importorskip("moto")
    with mock_federation() as backend, moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="inner")
        boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob")
    assert [s.name for s in backend.sessions] == ["Bob"]


def test_a_client_older_than_mockfed_itself_is_caught(tmp_path: Any) -> None:
    script = textwrap.dedent(
        """
        import boto3
        early = boto3.client("sts", region_name="us-east-1")   # before mockfed is imported
        from mockfed import mock_federation
        with mock_federation() as backend:
            print(early.get_federation_token(Name="Old")["FederatedUser"]["Arn"])
            print(len(backend.sessions))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
    env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["arn:aws:sts::123456789012:federated-user/Old", "1"]


def test_other_aws_services_never_reach_the_network(mockfed: FederationBackend) -> None:
    from mockfed import UnmockedRequestError

    s3 = boto3.client("s3", region_name="us-east-1")
    with pytest.raises(UnmockedRequestError, match=r"mockfed stopped a request to s3 .*moto"):
        s3.list_buckets()


def test_passthrough_is_opt_in() -> None:
    from botocore.awsrequest import AWSResponse

    sent: list[str] = []

    def transport(request: Any) -> AWSResponse:  # stands in for the network
        sent.append(request.url)
        raw = type("Raw", (), {"stream": lambda self, **_: iter([b"<ListAllMyBucketsResult/>"])})()
        return AWSResponse(request.url, 200, {}, raw)

    with mock_federation(allow_passthrough=True):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3._endpoint.http_session.send = transport
        s3.list_buckets()
    assert sent == ["https://s3.amazonaws.com/"]


def test_custom_endpoints_are_not_blocked(mockfed: FederationBackend) -> None:
    from botocore.exceptions import EndpointConnectionError

    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(EndpointConnectionError):  # reached the (closed) local port: not stopped by mockfed
        s3.list_buckets()


def test_federated_credentials_cannot_call_iam(mockfed: FederationBackend) -> None:
    creds = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob")["Credentials"]
    iam = boto3.client(
        "iam",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    with pytest.raises(iam.exceptions.ClientError) as info:
        iam.list_users()
    assert info.value.response["Error"] == {
        "Type": "Sender",
        "Code": "InvalidClientTokenId",
        "Message": "The security token included in the request is invalid",
    }
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_users_own_responses_mock_keeps_working_beside_mockfed() -> None:
    import responses

    with responses.RequestsMock() as theirs, mock_federation() as backend:
        theirs.add(responses.GET, "https://api.example.com/ping", json={"pong": True})
        assert requests.get("https://api.example.com/ping", timeout=5).json() == {"pong": True}
        url = boto3.client("sts", region_name="us-east-1").generate_presigned_url(
            "get_caller_identity", HttpMethod="GET"
        )
        assert requests.get(url, timeout=5).status_code == 200
    assert [c.action for c in backend.calls] == ["GetCallerIdentity"]


def test_after_the_mock_stops_requests_to_sts_are_no_longer_answered_by_mockfed() -> None:
    import responses

    with mock_federation() as backend:
        url = boto3.client("sts", region_name="us-east-1").generate_presigned_url(
            "get_caller_identity", HttpMethod="GET"
        )
        assert requests.get(url, timeout=5).status_code == 200
    with responses.RequestsMock() as theirs:  # the user's own mock of STS, after mockfed's: it answers, not mockfed
        theirs.add(responses.GET, url, body="theirs", status=418)
        answer = requests.get(url, timeout=5)
    assert (answer.status_code, answer.text) == (418, "theirs")
    assert [c.action for c in backend.calls] == ["GetCallerIdentity"]
    with mock_federation() as again:  # and a later mock answers again
        assert requests.get(url, timeout=5).status_code == 200
    assert [c.action for c in again.calls] == ["GetCallerIdentity"]


def test_patch_stopall_between_two_mocks_does_not_let_requests_reach_sts(socket_guard: SocketGuard) -> None:
    """A unittest tearDown's ``mock.patch.stopall()`` stops every patch started through ``unittest.mock``: none of
    them may be what answers STS through ``requests`` in the next mock."""
    import unittest.mock

    form = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with mock_federation():
        assert requests.post("https://sts.amazonaws.com/", data=form, headers=headers, timeout=5).status_code == 200
    unittest.mock.patch.stopall()
    with mock_federation() as backend:
        assert requests.post("https://sts.amazonaws.com/", data=form, headers=headers, timeout=5).status_code == 200
    assert [call.action for call in backend.calls] == ["GetCallerIdentity"]
    assert socket_guard.attempts == []
