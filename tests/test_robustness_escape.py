"""No escape: while a mock is active (and no scenario records), no STS or sign-in request ever opens a socket.

A guard replaces ``socket.getaddrinfo``, ``socket.create_connection`` and ``socket.socket.connect`` /
``connect_ex`` with functions that record the attempt and raise. Every endpoint variant, the
``requests`` and urllib doors, presigned URLs, the console federation endpoint and error answers go
through it; a request to another AWS
service that nothing answers raises :class:`mockfed.UnmockedRequestError` before any socket
exists, unless ``allow_passthrough=True``, which is also the guard's own positive control.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote_plus

import boto3
import botocore.session
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import FederationBackend, UnmockedRequestError, mock_federation
from tests.conftest import SocketGuard

MODULE_LEVEL_CLIENT = boto3.client("sts", region_name="ca-central-1")  # older than any mock


ENDPOINTS = [
    pytest.param({"region_name": "us-east-1"}, id="regional-us-east-1"),
    pytest.param({"region_name": "ap-southeast-2"}, id="regional"),
    pytest.param({"region_name": "aws-global"}, id="global"),
    pytest.param({"region_name": "us-west-2", "legacy": True}, id="legacy-global"),
    pytest.param({"region_name": "us-east-2", "config": Config(use_fips_endpoint=True)}, id="fips"),
    pytest.param({"region_name": "eu-central-1", "config": Config(use_dualstack_endpoint=True)}, id="dual-stack"),
    pytest.param(
        {"region_name": "us-west-2", "config": Config(use_dualstack_endpoint=True, use_fips_endpoint=True)},
        id="fips-dual-stack",
    ),
    pytest.param({"region_name": "cn-north-1"}, id="china"),
    pytest.param({"region_name": "cn-northwest-1", "config": Config(use_dualstack_endpoint=True)}, id="china-dual"),
    pytest.param({"region_name": "us-gov-west-1"}, id="govcloud"),
    pytest.param({"region_name": "us-gov-east-1", "config": Config(use_fips_endpoint=True)}, id="govcloud-fips"),
]


@pytest.mark.parametrize("client_args", ENDPOINTS)
def test_no_endpoint_variant_opens_a_socket(
    socket_guard: SocketGuard, monkeypatch: pytest.MonkeyPatch, client_args: dict[str, Any]
) -> None:
    if client_args.pop("legacy", False):
        monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    with mock_federation() as backend:
        sts = botocore.session.get_session().create_client("sts", **client_args)
        creds = sts.get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
        federated = botocore.session.get_session().create_client(
            "sts",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            **client_args,
        )
        assert federated.get_caller_identity()["Arn"].endswith(":federated-user/Bob")
        with pytest.raises(ClientError, match="ValidationError"):
            sts.get_federation_token(Name="B b")  # errors are answered locally too
        url = federated.generate_presigned_url("get_caller_identity", HttpMethod="GET")
        assert requests.get(url, timeout=5).status_code == 200  # the requests door
        wrong = botocore.session.get_session().create_client(
            "sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key="wrong" * 8,
            aws_session_token=creds["SessionToken"], **client_args,
        )  # fmt: skip
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            wrong.get_caller_identity()
    actions = [(c.action, c.status) for c in backend.calls]
    assert actions == [
        ("GetFederationToken", 200),
        ("GetCallerIdentity", 200),
        ("GetFederationToken", 400),
        ("GetCallerIdentity", 200),  # the presigned URL
        ("GetCallerIdentity", 403),  # the wrong secret: refused in authentication, and in the record
    ]
    assert backend.calls[-1].error_code == "SignatureDoesNotMatch"
    assert socket_guard.attempts == []


@pytest.mark.parametrize(
    "host",
    [
        "sts.amazonaws.com",
        "sts.us-east-1.amazonaws.com",
        "sts-fips.us-east-1.amazonaws.com",
        "sts.eu-west-3.api.aws",
        "sts-fips.us-west-2.api.aws",
        "sts.cn-north-1.amazonaws.com.cn",
        "sts.us-gov-west-1.amazonaws.com",
    ],
)
def test_the_requests_door_opens_no_socket(socket_guard: SocketGuard, host: str) -> None:
    with mock_federation() as backend:
        ok = requests.post(f"https://{host}/", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, timeout=5)
        bad = requests.get(f"https://{host}/?Action=GetFederationToken&Name=x", timeout=5)
        with requests.Session() as session:
            again = session.post(
                f"https://{host}:443/", data={"Action": "GetFederationToken", "Name": "Bob"}, timeout=5
            )
    assert (ok.status_code, bad.status_code, again.status_code) == (200, 400, 200)
    assert len(backend.calls) == 3
    assert socket_guard.attempts == []


def test_clients_older_than_the_mock_open_no_socket(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        MODULE_LEVEL_CLIENT.get_federation_token(Name="Early")
        with pytest.raises(ClientError, match=r"ExpiredToken|InvalidClientTokenId"):
            boto3.client(
                "sts",
                region_name="ca-central-1",
                aws_access_key_id="ASIAFORGEDFORGED0000",
                aws_secret_access_key="x" * 40,
                aws_session_token="IQoJb3JpZ2luX2VjGm1vY2tmZWQ6forged",
            ).get_caller_identity()
    assert [s.name for s in backend.sessions] == ["Early"]
    assert socket_guard.attempts == []


def test_strict_auth_refusals_open_no_socket(socket_guard: SocketGuard) -> None:
    with mock_federation(strict_auth=True):
        sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="x")
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            sts.get_caller_identity()
    assert socket_guard.attempts == []


OTHER_SERVICES = [
    ("s3", "list_buckets", {}),
    ("dynamodb", "list_tables", {}),
    ("sqs", "list_queues", {}),
    ("lambda", "list_functions", {}),
    ("iam", "list_users", {}),
    ("ec2", "describe_regions", {}),
    ("kms", "list_keys", {}),
]


@pytest.mark.parametrize(("service", "operation", "kwargs"), OTHER_SERVICES)
def test_other_services_raise_unmocked_request_error(
    socket_guard: SocketGuard, service: str, operation: str, kwargs: dict[str, Any]
) -> None:
    with mock_federation():
        client = boto3.client(service, region_name="eu-west-1")
        with pytest.raises(UnmockedRequestError) as info:
            getattr(client, operation)(**kwargs)
    message = str(info.value)
    assert info.value.service == client.meta.service_model.endpoint_prefix
    assert f"mockfed stopped a request to {info.value.service} (https://" in message
    assert "moto" in message
    assert "allow_passthrough=True" in message
    assert socket_guard.attempts == []


def test_allow_passthrough_lets_other_services_reach_the_network(socket_guard: SocketGuard) -> None:
    """Opt-in passthrough really goes to the network: the guard's own positive control."""
    with mock_federation(allow_passthrough=True) as backend:
        s3 = boto3.client("s3", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(Exception) as info:  # whatever botocore makes of the guard's refusal
            s3.list_buckets()
        boto3.client("sts", region_name="us-east-1").get_caller_identity()  # STS still answered locally
    assert any("s3.amazonaws.com" in attempt for attempt in socket_guard.attempts), (socket_guard.attempts, info)
    assert not any("sts" in attempt for attempt in socket_guard.attempts)
    assert [c.action for c in backend.calls] == ["GetCallerIdentity"]


def test_federated_credentials_against_iam_are_answered_locally(socket_guard: SocketGuard) -> None:
    with mock_federation():
        creds = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob")["Credentials"]
        iam = boto3.client(
            "iam",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            iam.list_users()
    assert socket_guard.attempts == []


def test_a_backend_given_to_the_mock_is_answered_without_a_socket(socket_guard: SocketGuard) -> None:
    backend = FederationBackend(seed=1)
    with mock_federation(backend=backend):
        boto3.client("sts", region_name="eu-west-1").get_federation_token(Name="Given")
    assert backend.sessions[0].name == "Given"
    assert socket_guard.attempts == []


# ---- the console federation endpoint, through requests and urllib ---------------------------------------------

SIGNIN_ENDPOINTS = [
    ("https://signin.aws.amazon.com/federation", "us-east-1"),
    ("https://us-east-1.signin.aws.amazon.com/federation", "us-east-1"),
    ("https://eu-west-2.signin.aws.amazon.com/federation", "eu-west-2"),
    ("https://signin.amazonaws.cn/federation", "cn-north-1"),
    ("https://signin.amazonaws-us-gov.com/federation", "us-gov-west-1"),
]


@pytest.mark.parametrize(("endpoint", "region"), SIGNIN_ENDPOINTS)
def test_the_sign_in_flow_opens_no_socket(socket_guard: SocketGuard, endpoint: str, region: str) -> None:
    with mock_federation() as backend:
        creds = boto3.client("sts", region_name=region).get_federation_token(Name="Bob")["Credentials"]
        session = json.dumps(
            {"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"],
             "sessionToken": creds["SessionToken"]}
        )  # fmt: skip
        answer = requests.get(f"{endpoint}?Action=getSigninToken&Session={quote_plus(session)}", timeout=5)
        console = backend.signin_url(creds).partition("Destination=")[2].partition("&")[0]
        login = f"{endpoint}?Action=login&Destination={console}&SigninToken={answer.json()['SigninToken']}"
        followed = requests.get(login, timeout=5)  # the redirect is followed to the console: answered too
        with urllib.request.urlopen(f"{endpoint}?Action=getSigninToken&Session={quote_plus(session)}") as again:
            assert again.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(login)  # used already
        assert requests.get(endpoint.replace("/federation", "/oauth"), timeout=5).status_code == 404
    assert (answer.status_code, followed.history[0].status_code, followed.status_code) == (200, 302, 200)
    assert len(backend.console_sessions) == 1
    assert socket_guard.attempts == []


def test_urllib_to_sts_opens_no_socket_and_other_aws_hosts_are_stopped(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        with urllib.request.urlopen(urllib.request.Request("https://sts.amazonaws.com/", data=body)) as answer:
            assert b"<GetCallerIdentityResult>" in answer.read()
        with pytest.raises(UnmockedRequestError, match=r"mockfed stopped a request to s3 \(https://s3"):
            urllib.request.urlopen("https://s3.amazonaws.com/bucket")
    assert [call.action for call in backend.calls] == ["GetCallerIdentity"]
    assert socket_guard.attempts == []


def test_urllib_passthrough_and_after_the_mock_reach_the_network(socket_guard: SocketGuard) -> None:
    """The positive control of the urllib door: what it does not answer really goes out."""
    with mock_federation(allow_passthrough=True), pytest.raises(socket_guard.error):
        urllib.request.urlopen("https://s3.amazonaws.com/bucket")
    with pytest.raises(socket_guard.error):
        urllib.request.urlopen("https://signin.aws.amazon.com/federation")
    assert socket_guard.attempts == [
        "create_connection ('s3.amazonaws.com', 443)",
        "create_connection ('signin.aws.amazon.com', 443)",
    ]


HOST_SPELLINGS = [
    pytest.param("https://sts.amazonaws.com./?Action=GetCallerIdentity&Version=2011-06-15", id="trailing-dot"),
    pytest.param("https://sts.amazonaws.com%2e/?Action=GetCallerIdentity&Version=2011-06-15", id="escaped-dot"),
    pytest.param("https://STS.AMAZONAWS.COM/?Action=GetCallerIdentity&Version=2011-06-15", id="upper-case"),
    pytest.param("https://user@sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", id="userinfo"),
    pytest.param(
        "https://sts.us-east-1.vpce.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", id="vpc-endpoint"
    ),
    pytest.param(
        "https://vpce-0a1b2c3d-4e5f.sts.eu-west-1.vpce.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        id="vpc-endpoint-id",
    ),
    pytest.param("https://signin.aws.amazon.com./federation?Action=getSigninToken&Session=%7B%7D", id="signin-dot"),
    pytest.param("https://SIGNIN.aws.amazon.com/federation?Action=getSigninToken&Session=%7B%7D", id="signin-upper"),
]


@pytest.mark.parametrize("url", HOST_SPELLINGS)
def test_no_spelling_of_an_aws_host_opens_a_socket_through_requests(socket_guard: SocketGuard, url: str) -> None:
    with mock_federation():
        answer = requests.get(url, timeout=5)
    assert answer.status_code in (200, 400), answer.text  # answered by mockfed: the STS answer or the endpoint's
    assert socket_guard.attempts == []


@pytest.mark.parametrize("url", HOST_SPELLINGS)
def test_no_spelling_of_an_aws_host_opens_a_socket_through_urllib(socket_guard: SocketGuard, url: str) -> None:
    with mock_federation():
        try:
            status = urllib.request.urlopen(url, timeout=5).status
        except urllib.error.HTTPError as refused:  # mockfed's answer, an error status
            status = refused.code
    assert status in (200, 400)
    assert socket_guard.attempts == []


#: Names beyond ASCII that the socket layer maps onto an STS host (IDNA): urllib connects to what they map to.
IDNA_SPELLINGS = [
    pytest.param("https://sts.amazon\xadaws.com/?Action=GetCallerIdentity&Version=2011-06-15", id="soft-hyphen"),
    pytest.param("https://sts\u200b.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", id="zero-width"),
    pytest.param("https://\uff33\uff34\uff33.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", id="wide"),
]


@pytest.mark.parametrize("url", IDNA_SPELLINGS)
def test_a_name_the_socket_layer_maps_to_sts_is_answered_by_urllib(socket_guard: SocketGuard, url: str) -> None:
    with mock_federation() as backend:
        answer = urllib.request.urlopen(url, timeout=5)
    assert answer.status == 200
    assert [call.action for call in backend.calls] == ["GetCallerIdentity"]
    assert socket_guard.attempts == []


def test_a_host_padded_past_any_length_limit_still_maps_to_sts(socket_guard: SocketGuard) -> None:
    """The codec drops soft hyphens before it checks lengths: 300 of them make a name of 317 characters that the
    socket layer still sends to sts.amazonaws.com."""
    url = "https://sts.amazon" + "\xad" * 300 + "aws.com/?Action=GetCallerIdentity&Version=2011-06-15"
    with mock_federation() as backend:
        assert urllib.request.urlopen(url, timeout=5).status == 200
    assert [call.action for call in backend.calls] == ["GetCallerIdentity"]
    assert socket_guard.attempts == []


def test_a_long_host_beyond_ascii_is_read_in_time_linear_in_it() -> None:
    """Punycode is quadratic (8,000 CJK characters in a label took 7 s); only the mapping to ASCII is needed."""
    from mockfed.auth.endpoints import destination

    started = time.perf_counter()
    assert destination("https://" + "\u4e00" * 8000 + ".com/") is None
    assert destination("https://" + "\xe9" * 60_000 + "/") is None
    assert time.perf_counter() - started < 2


def test_another_aws_service_spelled_otherwise_is_still_stopped(socket_guard: SocketGuard) -> None:
    with mock_federation(), pytest.raises(UnmockedRequestError):
        urllib.request.urlopen("https://S3.AMAZONAWS.COM./bucket", timeout=5)
    assert socket_guard.attempts == []
