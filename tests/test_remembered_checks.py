"""A request asked again is checked again in full: never an answer kept from the first time.

Each test sends a request that succeeds (some twice, byte for byte), then changes one thing the
answer depends on (the time, a condition of a policy, the caller, a fault, a region, an MFA code,
the session's expiry, strictness) and expects the real service's answer to the same request.
These tests were written against an earlier design that remembered checks between calls; they
stay, as the promise they pin holds for any design.
"""

from __future__ import annotations

from typing import Any

import boto3
import freezegun
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from botocore.exceptions import ClientError

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, mock_federation
from mockfed.dispatch import handle
from mockfed.http import HttpRequest, HttpResponse

ACCOUNT = "123456789012"
SEED_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'


def client_of(key_id: str, secret: str, region: str = "us-east-1") -> Any:
    return boto3.client("sts", region_name=region, aws_access_key_id=key_id, aws_secret_access_key=secret)


def trust(principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def allow(action: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def refusal(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_time_condition_of_the_callers_policy_is_checked_on_every_call() -> None:
    until = {"DateLessThan": {"aws:CurrentTime": "2026-06-01T12:30:00Z"}}
    with freezegun.freeze_time("2026-06-01 12:00:00"), mock_federation() as backend:
        alice = backend.create_user("alice", allow("sts:GetFederationToken", until))
        sts = client_of(alice.access_key_id, alice.secret_access_key)
        params = {"Name": "Bob", "Policy": SEED_POLICY, "DurationSeconds": 900}
        assert sts.get_federation_token(**params)["FederatedUser"]["Arn"].endswith(":federated-user/Bob")
        assert sts.get_federation_token(**params)["FederatedUser"]["Arn"].endswith(":federated-user/Bob")
        backend.clock.advance(hours=1)
        assert refusal(sts.get_federation_token, **params) == (
            "AccessDenied",
            f"User: {alice.arn} is not authorized to perform: sts:GetFederationToken on resource: "
            f"arn:aws:sts::{ACCOUNT}:federated-user/Bob",
        )


def test_a_time_condition_of_a_trust_policy_is_checked_on_every_call() -> None:
    until = {"NumericLessThan": {"aws:EpochTime": "1780317000"}}  # 2026-06-01T12:30:00Z
    with freezegun.freeze_time("2026-06-01 12:00:00"), mock_federation() as backend:
        alice = backend.create_user("alice", allow("sts:AssumeRole"))
        role = backend.create_role("Deployer", trust(alice.arn, until))
        sts = client_of(alice.access_key_id, alice.secret_access_key)
        params = {"RoleArn": role.arn, "RoleSessionName": "ci", "DurationSeconds": 900}
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/ci")
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/ci")
        backend.clock.advance(hours=1)
        assert refusal(sts.assume_role, **params) == (
            "AccessDenied",
            f"User: {alice.arn} is not authorized to perform: sts:AssumeRole on resource: {role.arn}",
        )


def test_what_one_caller_was_allowed_is_not_remembered_for_another() -> None:
    with mock_federation() as backend:
        alice = backend.create_user("alice", allow("sts:*"))
        bob = backend.create_user("bob", allow("s3:*"))
        role = backend.create_role("Deployer", trust(ACCOUNT))
        params = {"RoleArn": role.arn, "RoleSessionName": "ci"}
        for _ in range(2):
            client_of(alice.access_key_id, alice.secret_access_key).assume_role(**params)
            client_of(alice.access_key_id, alice.secret_access_key).get_federation_token(Name="Bob")
        bobs = client_of(bob.access_key_id, bob.secret_access_key)
        assert refusal(bobs.assume_role, **params) == (
            "AccessDenied",
            f"User: {bob.arn} is not authorized to perform: sts:AssumeRole on resource: {role.arn}",
        )
        assert refusal(bobs.get_federation_token, Name="Bob")[0] == "AccessDenied"


def test_a_disabled_region_and_an_injected_fault_win_over_a_remembered_request() -> None:
    with mock_federation() as backend:
        role = backend.create_role("Deployer", trust(ACCOUNT))
        sts = boto3.client("sts", region_name="eu-west-1")
        params = {"RoleArn": role.arn, "RoleSessionName": "ci"}
        sts.assume_role(**params)
        sts.assume_role(**params)
        backend.inject_error("AssumeRole", "PackedPolicyTooLarge", "injected")
        assert refusal(sts.assume_role, **params) == ("PackedPolicyTooLarge", "injected")
        backend.disable_region("eu-west-1")
        assert refusal(sts.assume_role, **params)[0] == "RegionDisabledException"
        backend.enable_region("eu-west-1")
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/ci")


def test_a_remembered_request_still_issues_fresh_credentials_and_sessions_every_time() -> None:
    with mock_federation() as backend:
        sts = boto3.client("sts", region_name="us-east-1")
        answers = [sts.get_federation_token(Name="Bob", Policy=SEED_POLICY, DurationSeconds=900) for _ in range(3)]
        keys = {answer["Credentials"]["AccessKeyId"] for answer in answers}
        assert len(keys) == 3
        assert len(backend.sessions) == 3
        backend.clock.advance(seconds=60)
        later = sts.get_federation_token(Name="Bob", Policy=SEED_POLICY, DurationSeconds=900)
        assert (later["Credentials"]["Expiration"] - answers[0]["Credentials"]["Expiration"]).total_seconds() >= 60
        assert {answer["PackedPolicySize"] for answer in [*answers, later]} == {backend.sessions[0].packed_policy_size}


def test_an_mfa_code_is_never_remembered() -> None:
    with freezegun.freeze_time("2026-06-01 12:00:00"), mock_federation() as backend:
        alice = backend.create_user("alice", allow("sts:AssumeRole"))
        device = backend.create_mfa_device("alice", user="alice")
        role = backend.create_role("Deployer", trust(alice.arn, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
        sts = client_of(alice.access_key_id, alice.secret_access_key)
        params = {
            "RoleArn": role.arn,
            "RoleSessionName": "ci",
            "SerialNumber": device.serial_number,
            "TokenCode": backend.mfa_code(device),
        }
        sts.assume_role(**params)
        assert refusal(sts.assume_role, **params) == (
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        )


# ---- a request sent again, byte for byte: read and verified once, authenticated again every time ----------------


def signed_request(key_id: str, secret: str, body: str, token: str | None = None) -> HttpRequest:
    aws = AWSRequest(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(BotocoreCredentials(key_id, secret, token), "sts", "us-east-1").add_auth(aws)
    return HttpRequest.build(aws.method, aws.url, dict(aws.headers.items()), aws.body)


def error_of(response: HttpResponse) -> tuple[int, str]:
    code = response.body.decode().split("<Code>")[1].split("</Code>")[0]
    return response.status, code


GCI = "Action=GetCallerIdentity&Version=2011-06-15"


def sent_twice_with_session_credentials(backend: FederationBackend) -> HttpRequest:
    """GetCallerIdentity signed with a federated user's credentials (900 s), answered twice."""
    answer = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 900})
    credentials = answer["Credentials"]
    request = signed_request(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], GCI, credentials["SessionToken"]
    )
    for _ in range(2):
        assert handle(request, backend).status == 200
    return request


def test_the_same_request_with_session_credentials_expires_with_them() -> None:
    backend = FederationBackend()
    request = sent_twice_with_session_credentials(backend)
    backend.clock.advance(seconds=901)
    assert error_of(handle(request, backend)) == (403, "ExpiredToken")


def test_the_same_request_after_a_reset_is_refused_as_a_token_the_account_never_issued() -> None:
    backend = FederationBackend()
    request = sent_twice_with_session_credentials(backend)
    backend.reset()
    assert error_of(handle(request, backend)) == (403, "InvalidClientTokenId")


def test_the_same_request_signed_too_long_ago_is_refused() -> None:
    with freezegun.freeze_time("2026-06-01 12:00:00") as frozen:
        backend = FederationBackend()
        request = signed_request(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, GCI)
        for _ in range(2):
            assert handle(request, backend).status == 200
        frozen.tick(16 * 60)
        response = handle(request, backend)
    assert error_of(response) == (403, "SignatureDoesNotMatch")
    assert b"Signature expired: 20260601T120000Z is now earlier than" in response.body


def test_an_unknown_key_acting_as_the_default_user_is_refused_once_strict() -> None:
    backend = FederationBackend()
    request = signed_request("AKIATESTINGTESTING01", "testing", GCI)
    for _ in range(2):
        assert handle(request, backend).status == 200
    assert error_of(handle(request, backend, strict_auth=True)) == (403, "InvalidClientTokenId")


def test_what_a_test_does_to_logged_parameters_does_not_reach_the_next_identical_request() -> None:
    backend = FederationBackend()
    body = (
        "Action=GetFederationToken&Version=2011-06-15&Name=Bob&DurationSeconds=900"
        "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonS3ReadOnlyAccess"
    )
    request = signed_request(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, body)
    for _ in range(2):
        assert handle(request, backend).status == 200
    backend.calls[0].params["PolicyArns"].append({"arn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    backend.calls[1].params["Name"] = "Eve"
    assert handle(request, backend).status == 200
    assert backend.calls[2].params == {
        "Name": "Bob",
        "DurationSeconds": 900,
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}],
    }
    assert backend.sessions[2].policy_arns == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
