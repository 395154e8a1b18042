"""Credentials that live: SigV4 verification, expiry, callers, and every authentication failure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import freezegun
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import FederationBackend, mock_federation
from mockfed.dispatch import handle
from tests.conftest import FEDERATING_POLICY, SIMPLE_POLICY, signed_at

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)


def client(**credentials: Any) -> Any:
    return boto3.client("sts", region_name="us-east-1", **credentials)


def federated_client(creds: dict[str, Any], **extra: Any) -> Any:
    return client(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **extra,
    )


def error_of(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_federated_credentials_work_until_expiration_then_expire(mockfed: FederationBackend) -> None:
    creds = client().get_federation_token(Name="Bob", Policy=SIMPLE_POLICY, DurationSeconds=900)["Credentials"]
    bob = federated_client(creds)
    assert bob.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    mockfed.clock.advance(seconds=898)
    assert bob.get_caller_identity()["UserId"] == "123456789012:Bob"
    mockfed.clock.advance(seconds=3)
    assert error_of(bob.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


def test_expiry_under_freezegun_moves_botocore_time_too() -> None:
    with freezegun.freeze_time("2026-06-01T00:00:00Z"), mock_federation() as backend:
        creds = client().get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
        bob = federated_client(creds)
        backend.clock.advance(seconds=899)
        assert bob.get_caller_identity()["Arn"].endswith("federated-user/Bob")
        backend.clock.advance(seconds=1)
        assert error_of(bob.get_caller_identity)[0] == "ExpiredToken"
        assert datetime.now(UTC) == datetime(2026, 6, 1, 0, 15, tzinfo=UTC)


def test_botocore_refreshable_credentials_refresh_through_get_federation_token() -> None:
    from botocore.credentials import RefreshableCredentials
    from botocore.session import get_session

    with freezegun.freeze_time("2026-06-01T00:00:00Z"), mock_federation() as backend:
        broker = client()

        def fetch() -> dict[str, str]:
            creds = broker.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY, DurationSeconds=3600)["Credentials"]
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        session = get_session()
        session._credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "mockfed-broker")
        federated = session.create_client("sts", region_name="us-east-1")
        assert federated.get_caller_identity()["UserId"] == "123456789012:Bob"
        backend.clock.advance(minutes=55)  # inside botocore's mandatory refresh window
        assert federated.get_caller_identity()["UserId"] == "123456789012:Bob"
        backend.clock.advance(minutes=30)  # past the first token's expiry: only a refreshed one works
        assert federated.get_caller_identity()["UserId"] == "123456789012:Bob"
    assert len(backend.sessions) >= 2
    assert all(call.ok for call in backend.calls)


def test_wrong_secret_is_signature_does_not_match(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", SIMPLE_POLICY)
    impostor = client(aws_access_key_id=alice.access_key_id, aws_secret_access_key="not-the-secret")
    assert error_of(impostor.get_caller_identity) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)


def test_created_user_is_the_caller(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", FEDERATING_POLICY)
    sts = client(aws_access_key_id=alice.access_key_id, aws_secret_access_key=alice.secret_access_key)
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/alice"
    sts.get_federation_token(Name="Bob")
    assert mockfed.sessions[0].caller_arn == alice.arn


def test_root_caller_identity(mockfed: FederationBackend) -> None:
    root = mockfed.root_user
    sts = client(aws_access_key_id=root.access_key_id, aws_secret_access_key=root.secret_access_key)
    assert sts.get_caller_identity() | {"ResponseMetadata": None} == {
        "UserId": "123456789012",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:root",
        "ResponseMetadata": None,
    }


def test_altered_session_token_is_invalid(mockfed: FederationBackend) -> None:
    creds = client().get_federation_token(Name="Bob")["Credentials"]
    token = creds["SessionToken"]
    creds["SessionToken"] = token[:60] + ("A" if token[60] != "A" else "B") + token[61:]
    assert error_of(federated_client(creds).get_caller_identity) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid",
        403,
    )


def test_token_from_another_backend_is_invalid() -> None:
    with mock_federation():
        creds = client().get_federation_token(Name="Bob")["Credentials"]
    with mock_federation():
        assert error_of(federated_client(creds).get_caller_identity)[0] == "InvalidClientTokenId"


def test_session_key_without_its_token_is_invalid(mockfed: FederationBackend) -> None:
    creds = client().get_federation_token(Name="Bob")["Credentials"]
    bare = client(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"])
    assert error_of(bare.get_caller_identity)[0] == "InvalidClientTokenId"


def test_foreign_keys_act_as_the_default_user(mockfed: FederationBackend) -> None:
    testing = client(aws_access_key_id="testing", aws_secret_access_key="testing")
    assert testing.get_caller_identity()["Arn"] == mockfed.default_user.arn


@pytest.mark.mockfed(strict_auth=True)
def test_foreign_keys_are_refused_under_strict_auth(mockfed: FederationBackend) -> None:
    testing = client(aws_access_key_id="testing", aws_secret_access_key="testing")
    assert error_of(testing.get_caller_identity)[0] == "InvalidClientTokenId"
    assert client().get_caller_identity()["Arn"] == mockfed.default_user.arn  # the mock's own keys still work


@pytest.mark.mockfed(strict_auth=True)
def test_unsigned_request_under_strict_auth(mockfed: FederationBackend) -> None:
    unsigned = client(config=Config(signature_version=UNSIGNED))
    assert error_of(unsigned.get_caller_identity) == (
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
        403,
    )


def test_credential_scoped_to_the_wrong_region(mockfed: FederationBackend) -> None:
    sts = boto3.client("sts", region_name="us-west-1", endpoint_url="https://sts.us-east-2.amazonaws.com")
    assert error_of(sts.get_caller_identity) == (
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'us-west-1'. ",
        403,
    )


def test_request_signed_too_long_ago() -> None:
    backend = FederationBackend()
    with freezegun.freeze_time("2022-01-27T01:59:28Z"):
        response = handle(signed_at(backend, "2022-01-27T00:14:27Z"), backend)
    assert response.status == 403
    assert (
        b"<Message>Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z "
        b"(20220127T015928Z - 15 min.)</Message>" in response.body
    )


def test_request_signed_in_the_future() -> None:
    backend = FederationBackend()
    with freezegun.freeze_time("2022-01-27T00:00:00Z"):
        response = handle(signed_at(backend, "2022-01-27T00:16:00Z"), backend)
    assert response.status == 403
    assert (
        b"<Message>Signature not yet current: 20220127T001600Z is still later than 20220127T001500Z "
        b"(20220127T000000Z + 15 min.)</Message>" in response.body
    )


def test_clock_advance_without_freezegun_never_breaks_signing(mockfed: FederationBackend) -> None:
    mockfed.clock.advance(days=30)
    assert client().get_caller_identity()["Arn"] == mockfed.default_user.arn


def test_presigned_url_signed_for_post_but_fetched_with_get(mockfed: FederationBackend) -> None:
    url = client().generate_presigned_url("get_caller_identity")  # botocore signs it for POST
    response = requests.get(url, timeout=5)
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text
    assert "The Canonical String for this request should have been\n'GET\n/\nAction=GetCallerIdentity" in response.text


def test_presigned_url_of_federated_credentials(mockfed: FederationBackend) -> None:
    creds = client().get_federation_token(Name="Bob")["Credentials"]
    url = federated_client(creds).generate_presigned_url("get_caller_identity", HttpMethod="GET")
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    assert "<Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn>" in response.text


def test_region_disabled(mockfed: FederationBackend) -> None:
    mockfed.disable_region("ap-east-1")
    sts = boto3.client("sts", region_name="ap-east-1")
    with pytest.raises(sts.exceptions.RegionDisabledException) as info:
        sts.get_federation_token(Name="Bob")
    assert info.value.response["Error"]["Message"] == (
        "STS is not activated in this region for account:123456789012. Your account administrator can activate STS "
        "in this region using the IAM Console."
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert client().get_federation_token(Name="Bob")["FederatedUser"]["FederatedUserId"] == "123456789012:Bob"


def test_throttling_is_retried_by_botocore(mockfed: FederationBackend) -> None:
    mockfed.inject_error("GetFederationToken", "Throttling", count=2)
    sts = client(config=Config(retries={"mode": "standard", "max_attempts": 3}))
    out = sts.get_federation_token(Name="Bob")
    assert out["ResponseMetadata"]["RetryAttempts"] == 2
    assert [(c.error_code, c.error_message) for c in mockfed.calls] == [
        ("Throttling", "Rate exceeded"),
        ("Throttling", "Rate exceeded"),
        (None, None),
    ]


def test_user_tags_are_inherited_and_overridden_case_insensitively(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", FEDERATING_POLICY, tags={"Team": "blue", "CostCenter": "42"})
    sts = client(aws_access_key_id=alice.access_key_id, aws_secret_access_key=alice.secret_access_key)
    sts.get_federation_token(Name="Bob", Tags=[{"Key": "team", "Value": "red"}])
    assert mockfed.sessions[0].tags == (("CostCenter", "42"), ("team", "red"))


S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
USER_S3_ONLY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
ALLOW_FEDERATE = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}'
)
DENY_DELETE = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},'
    '{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}'
)
BUCKET_ONLY = (
    '{"Version":"2012-10-17","Statement":['
    '{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"},'
    '{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}'
)

INTERSECTION = [
    # user policy, session inline policy, session ARNs, action, resource, allowed
    pytest.param(USER_S3_ONLY, None, [S3_READ], "s3:GetObject", "arn:aws:s3:::b/k", True, id="both-allow"),
    pytest.param(USER_S3_ONLY, None, [S3_READ], "s3:PutObject", "arn:aws:s3:::b/k", False, id="session-lacks"),
    pytest.param(USER_S3_ONLY, None, [], "s3:GetObject", "arn:aws:s3:::b/k", False, id="no-session-policy"),
    pytest.param(USER_S3_ONLY, BUCKET_ONLY, [], "ec2:DescribeInstances", "*", False, id="user-lacks"),
    pytest.param(DENY_DELETE, USER_S3_ONLY, [], "s3:DeleteObject", "arn:aws:s3:::b/k", False, id="user-deny-wins"),
    pytest.param(DENY_DELETE, USER_S3_ONLY, [], "s3:PutObject", "arn:aws:s3:::b/k", True, id="user-allow-all"),
    pytest.param(DENY_DELETE, BUCKET_ONLY, [S3_READ], "s3:GetObject", "arn:aws:s3:::o/k", True, id="any-session"),
    pytest.param(DENY_DELETE, BUCKET_ONLY, [], "s3:GetObject", "arn:aws:s3:::other/k", False, id="resource-mismatch"),
    pytest.param(DENY_DELETE, DENY_DELETE, [], "iam:ListUsers", "*", False, id="iam-never"),
    pytest.param(DENY_DELETE, DENY_DELETE, [], "sts:AssumeRole", "*", False, id="sts-never"),
    pytest.param(DENY_DELETE, None, [], "sts:GetCallerIdentity", "*", True, id="get-caller-identity-always"),
]


@pytest.mark.parametrize(("user_policy", "inline", "arns", "action", "resource", "allowed"), INTERSECTION)
def test_effective_permissions_are_the_intersection(
    mockfed: FederationBackend,
    user_policy: str,
    inline: str | None,
    arns: list[str],
    action: str,
    resource: str,
    allowed: bool,
) -> None:
    federate = mockfed.create_policy("Federate", ALLOW_FEDERATE)
    user = mockfed.create_user("broker", user_policy, managed=[federate])
    sts = client(aws_access_key_id=user.access_key_id, aws_secret_access_key=user.secret_access_key)
    params: dict[str, Any] = {"Name": "Bob", "PolicyArns": [{"arn": arn} for arn in arns]}
    if inline is not None:
        params["Policy"] = inline
    key = sts.get_federation_token(**params)["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(key, action, resource) is allowed


def test_expired_credentials_allow_nothing(mockfed: FederationBackend) -> None:
    key = client().get_federation_token(Name="Bob", PolicyArns=[{"arn": S3_READ}], DurationSeconds=900)[
        "Credentials"
    ]["AccessKeyId"]
    assert mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::b/k")
    mockfed.clock.advance(seconds=900)
    assert not mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::b/k")


def test_conditions_use_the_request_context(mockfed: FederationBackend) -> None:
    inline = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",'
        '"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}'
    )
    key = client().get_federation_token(Name="Bob", Policy=inline)["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(key, "s3:GetObject", "*", {"aws:SourceIp": "10.1.2.3"})
    assert not mockfed.is_allowed(key, "s3:GetObject", "*", {"aws:SourceIp": "192.0.2.1"})


def test_unknown_keys_are_allowed_nothing(mockfed: FederationBackend) -> None:
    assert not mockfed.is_allowed("AKIAUNKNOWNUNKNOWN00", "s3:GetObject")


def test_federated_credentials_may_call_no_other_sts_action(mockfed: FederationBackend) -> None:
    creds = client().get_federation_token(Name="Bob")["Credentials"]
    assert error_of(lambda: federated_client(creds).get_session_token()) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        403,
    )


def test_principal_in_a_session_policy(mockfed: FederationBackend) -> None:
    inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}'
    sts = client()
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException) as info:
        sts.get_federation_token(Name="Bob", Policy=inline)
    assert info.value.response["Error"]["Message"] == "Policy document should not specify a principal."
