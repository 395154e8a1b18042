"""Roles: AssumeRole with trust policies, external ids, MFA, session policies and tags, chaining, expiry.

Written as a broker's test is written: fixtures in the backend, calls through boto3, every
refusal checked for the real code, message and HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import FederationBackend, StsError, mock_federation
from mockfed.state.records import MfaDevice, Principal, Role

ACCOUNT = "123456789012"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ALLOW_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def client_of(credentials: Any, **extra: Any) -> Any:
    """An STS client signing with a user's keys (a Principal) or issued credentials (a dict)."""
    if isinstance(credentials, Principal):
        keys = {"aws_access_key_id": credentials.access_key_id, "aws_secret_access_key": credentials.secret_access_key}
    else:
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    return boto3.client("sts", region_name="us-east-1", **keys, **extra)


def refusal(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def denied(caller_arn: str, action: str, role_arn: str) -> tuple[str, str, int]:
    return "AccessDenied", f"User: {caller_arn} is not authorized to perform: {action} on resource: {role_arn}", 403


@pytest.fixture
def broker(mockfed: FederationBackend) -> tuple[Principal, Role, MfaDevice]:
    """A broker user whose MFA device and external id open the Reporting role."""
    user = mockfed.create_user("broker", ALLOW_ASSUME)
    device = mockfed.create_mfa_device("broker-phone", user="broker")
    role = mockfed.create_role(
        "Reporting",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": user.arn},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"sts:ExternalId": "acme-7"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        ),
        managed=[S3_READ],
        max_session_duration=7200,
    )
    return user, role, device


def assume(mockfed: FederationBackend, user: Principal, role: Role, device: MfaDevice, **extra: Any) -> Any:
    return client_of(user).assume_role(
        RoleArn=role.arn,
        RoleSessionName="report-run",
        ExternalId="acme-7",
        SerialNumber=device.serial_number,
        TokenCode=mockfed.mfa_code(device),
        **extra,
    )


# ---- the broker's story ------------------------------------------------------------------------------------------


def test_broker_assumes_with_external_id_and_mfa_then_hands_role_credentials_on(
    mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]
) -> None:
    user, role, device = broker
    out = assume(mockfed, user, role, device, DurationSeconds=3600)

    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Reporting/report-run"
    assert out["AssumedRoleUser"]["AssumedRoleId"] == f"{role.role_id}:report-run"
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert "PackedPolicySize" not in out  # no session policy, no tags: the service leaves it out
    session = mockfed.role_sessions[-1]
    assert (session.role_arn, session.session_name, session.caller_arn) == (role.arn, "report-run", user.arn)
    assert session.mfa_authenticated_at is not None

    role_client = client_of(out["Credentials"])
    identity = role_client.get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (out["AssumedRoleUser"]["Arn"], f"{role.role_id}:report-run")

    key = out["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")  # the role's managed policy
    assert not mockfed.is_allowed(key, "s3:PutObject", "arn:aws:s3:::reports/q3.csv")
    assert mockfed.is_allowed(key, "s3:GetObject", "*", {"aws:MultiFactorAuthPresent": "true"})

    # Real STS refuses a role session's GetFederationToken: the broker must use a user's keys for that.
    assert refusal(lambda: role_client.get_federation_token(Name="Bob")) == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )
    mockfed.clock.advance(seconds=3601)
    assert refusal(role_client.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )
    assert not mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")


def test_wrong_external_id_is_denied(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    user, role, device = broker
    call = client_of(user).assume_role
    assert refusal(
        lambda: call(
            RoleArn=role.arn,
            RoleSessionName="s1",
            ExternalId="acme-8",
            SerialNumber=device.serial_number,
            TokenCode=mockfed.mfa_code(device),
        )
    ) == denied(user.arn, "sts:AssumeRole", role.arn)


def test_missing_mfa_is_denied(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    user, role, _ = broker
    assert refusal(
        lambda: client_of(user).assume_role(RoleArn=role.arn, RoleSessionName="s1", ExternalId="acme-7")
    ) == denied(user.arn, "sts:AssumeRole", role.arn)


def test_wrong_mfa_code(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    user, role, device = broker
    good = mockfed.mfa_code(device)
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    assert refusal(
        lambda: client_of(user).assume_role(
            RoleArn=role.arn,
            RoleSessionName="s1",
            ExternalId="acme-7",
            SerialNumber=device.serial_number,
            TokenCode=wrong,
        )
    ) == ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", 403)


def test_mfa_device_of_another_user(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    user, role, _ = broker
    mockfed.create_user("someone")
    other = mockfed.create_mfa_device("someone-else", user="someone")
    assert refusal(
        lambda: client_of(user).assume_role(
            RoleArn=role.arn,
            RoleSessionName="s1",
            ExternalId="acme-7",
            SerialNumber=other.serial_number,
            TokenCode=mockfed.mfa_code(other),
        )
    ) == (
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is "
        "valid and associated with this user.",
        403,
    )


def test_mfa_code_without_serial(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    user, role, _ = broker
    assert refusal(
        lambda: client_of(user).assume_role(
            RoleArn=role.arn, RoleSessionName="s1", ExternalId="acme-7", TokenCode="123456"
        )
    ) == (
        "AccessDenied",
        "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
        403,
    )


def test_mfa_codes_follow_the_backend_clock(
    mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]
) -> None:
    user, role, device = broker
    stale = mockfed.mfa_code(device)
    mockfed.clock.advance(minutes=5)
    code, message, status = refusal(
        lambda: client_of(user).assume_role(
            RoleArn=role.arn,
            RoleSessionName="s1",
            ExternalId="acme-7",
            SerialNumber=device.serial_number,
            TokenCode=stale,
        )
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith("MultiFactorAuthentication failed with invalid MFA")
    assert assume(mockfed, user, role, device)["AssumedRoleUser"]["Arn"].endswith("/report-run")


# ---- who may assume ----------------------------------------------------------------------------------------------


def test_trust_naming_the_account_needs_the_callers_own_permission(mockfed: FederationBackend) -> None:
    role = mockfed.create_role(
        "Shared", trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    )
    allowed = mockfed.create_user("allowed", ALLOW_ASSUME)
    idle = mockfed.create_user("idle", ALLOW_S3)
    assert client_of(allowed).assume_role(RoleArn=role.arn, RoleSessionName="ok")["AssumedRoleUser"]
    assert refusal(lambda: client_of(idle).assume_role(RoleArn=role.arn, RoleSessionName="no")) == denied(
        idle.arn, "sts:AssumeRole", role.arn
    )


def test_trust_naming_the_user_is_enough_but_an_explicit_deny_wins(mockfed: FederationBackend) -> None:
    plain = mockfed.create_user("plain")
    denier = mockfed.create_user(
        "denier",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]},
    )
    role = mockfed.create_role(
        "Named",
        trust({"Effect": "Allow", "Principal": {"AWS": [plain.arn, denier.arn]}, "Action": "sts:AssumeRole"}),
    )
    assert client_of(plain).assume_role(RoleArn=role.arn, RoleSessionName="ok")["AssumedRoleUser"]
    assert refusal(lambda: client_of(denier).assume_role(RoleArn=role.arn, RoleSessionName="no")) == denied(
        denier.arn, "sts:AssumeRole", role.arn
    )


def test_a_role_that_does_not_exist_is_denied_like_any_other(sts: Any) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/Nowhere"
    assert refusal(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s1")) == denied(
        f"arn:aws:iam::{ACCOUNT}:user/mockfed-default", "sts:AssumeRole", arn
    )


def test_root_may_not_assume_roles(mockfed: FederationBackend) -> None:
    role = mockfed.create_role("Any", trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    assert refusal(lambda: client_of(mockfed.root_user).assume_role(RoleArn=role.arn, RoleSessionName="s1")) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
        403,
    )


def test_root_may_not_assume_roles_with_its_session_token_either(mockfed: FederationBackend) -> None:
    role = mockfed.create_role("Any", trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    root_session = client_of(client_of(mockfed.root_user).get_session_token()["Credentials"])
    assert refusal(lambda: root_session.assume_role(RoleArn=role.arn, RoleSessionName="s1")) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
        403,
    )  # was a role session: the temporary credentials are still the root user's


def test_federated_users_may_not_assume_roles(mockfed: FederationBackend, sts: Any) -> None:
    role = mockfed.create_role("Any", trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    federated = client_of(sts.get_federation_token(Name="Bob")["Credentials"])
    assert refusal(lambda: federated.assume_role(RoleArn=role.arn, RoleSessionName="s1")) == (
        "AccessDenied",
        "Cannot call AssumeRole with session credentials",
        403,
    )


@pytest.mark.parametrize("arn", ["nothing-valid-in-here", "arn:aws:iam::12345678901x:role/R", "arn:aws:s3:::bucket/x"])
def test_malformed_role_arn(sts: Any, arn: str) -> None:
    assert refusal(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s1")) == (
        "ValidationError",
        f"{arn} is invalid",
        400,
    )


def test_session_name_pattern(raw_sts: Any) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/R"
    assert refusal(lambda: raw_sts.assume_role(RoleArn=arn, RoleSessionName="Session1:2")) == (
        "ValidationError",
        "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        400,
    )


def test_region_disabled(mockfed: FederationBackend, sts: Any) -> None:
    mockfed.disable_region("us-east-1")
    assert refusal(lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/R", RoleSessionName="s1")) == (
        "RegionDisabledException",
        f"STS is not activated in this region for account:{ACCOUNT}. Your account administrator can activate STS "
        "in this region using the IAM Console.",
        403,
    )


# ---- duration -----------------------------------------------------------------------------------------------------


def open_role(mockfed: FederationBackend, name: str = "Open", **options: Any) -> Role:
    return mockfed.create_role(
        name,
        trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["sts:AssumeRole", "sts:TagSession"]}),
        **options,
    )


def test_duration_defaults_to_an_hour_and_stops_at_the_roles_maximum(mockfed: FederationBackend, sts: Any) -> None:
    role = open_role(mockfed, max_session_duration=7200)
    sts.assume_role(RoleArn=role.arn, RoleSessionName="default")
    assert mockfed.role_sessions[-1].duration_seconds == 3600
    sts.assume_role(RoleArn=role.arn, RoleSessionName="longest", DurationSeconds=7200)
    assert mockfed.role_sessions[-1].duration_seconds == 7200
    assert refusal(lambda: sts.assume_role(RoleArn=role.arn, RoleSessionName="over", DurationSeconds=7201)) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )


def test_role_chaining_is_limited_to_an_hour(mockfed: FederationBackend, sts: Any) -> None:
    first = open_role(mockfed, "First", max_session_duration=43200, policy=ALLOW_ASSUME)
    second = open_role(mockfed, "Second", max_session_duration=43200)
    chained = client_of(sts.assume_role(RoleArn=first.arn, RoleSessionName="hop1")["Credentials"])
    assert refusal(lambda: chained.assume_role(RoleArn=second.arn, RoleSessionName="hop2", DurationSeconds=3601)) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        400,
    )


def test_chaining_needs_the_first_roles_permission(mockfed: FederationBackend, sts: Any) -> None:
    second = open_role(mockfed, "Second")
    powerless = open_role(mockfed, "Powerless")
    empowered = open_role(mockfed, "Empowered", policy=ALLOW_ASSUME)
    hop = client_of(sts.assume_role(RoleArn=powerless.arn, RoleSessionName="hop1")["Credentials"])
    assert refusal(lambda: hop.assume_role(RoleArn=second.arn, RoleSessionName="hop2")) == denied(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Powerless/hop1", "sts:AssumeRole", second.arn
    )
    hop = client_of(sts.assume_role(RoleArn=empowered.arn, RoleSessionName="hop1")["Credentials"])
    out = hop.assume_role(RoleArn=second.arn, RoleSessionName="hop2")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Second/hop2"
    assert mockfed.role_sessions[-1].chained


# ---- session policies and tags ----------------------------------------------------------------------------------


def test_session_policy_limits_the_role(mockfed: FederationBackend, sts: Any) -> None:
    role = open_role(mockfed, policy=ALLOW_S3)
    out = sts.assume_role(RoleArn=role.arn, RoleSessionName="s1", PolicyArns=[{"arn": S3_READ}])
    key = out["Credentials"]["AccessKeyId"]
    assert isinstance(out["PackedPolicySize"], int)
    assert mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::b/k")
    assert not mockfed.is_allowed(key, "s3:PutObject", "arn:aws:s3:::b/k")  # the role could, the session may not
    plain = sts.assume_role(RoleArn=role.arn, RoleSessionName="s2")["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(plain, "s3:PutObject", "arn:aws:s3:::b/k")


def test_permissions_boundary_limits_the_role(mockfed: FederationBackend, sts: Any) -> None:
    role = open_role(mockfed, policy=ALLOW_S3, permissions_boundary=S3_READ)
    key = sts.assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(key, "s3:ListBucket", "arn:aws:s3:::b")
    assert not mockfed.is_allowed(key, "s3:DeleteBucket", "arn:aws:s3:::b")


def test_session_tags_need_tag_session_in_the_trust_policy(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("tagger", ALLOW_ASSUME)
    role = mockfed.create_role(
        "NoTags", trust({"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"})
    )
    call = client_of(user).assume_role
    assert refusal(
        lambda: call(RoleArn=role.arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "red"}])
    ) == denied(user.arn, "sts:TagSession", role.arn)
    assert call(RoleArn=role.arn, RoleSessionName="s2")["AssumedRoleUser"]


def test_tag_conditions_on_request_tags(mockfed: FederationBackend, sts: Any) -> None:
    role = mockfed.create_role(
        "RedOnly",
        trust(
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "sts:TagSession",
                "Condition": {"StringEquals": {"aws:RequestTag/team": "red"}},
            },
        ),
    )
    out = sts.assume_role(RoleArn=role.arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "red"}])
    assert mockfed.is_allowed(out["Credentials"]["AccessKeyId"], "sts:GetCallerIdentity")
    assert (
        refusal(
            lambda: sts.assume_role(RoleArn=role.arn, RoleSessionName="s2", Tags=[{"Key": "team", "Value": "blue"}])
        )[0]
        == "AccessDenied"
    )


def test_transitive_tag_keys_must_be_tags(sts: Any, mockfed: FederationBackend) -> None:
    role = open_role(mockfed)
    assert refusal(
        lambda: sts.assume_role(
            RoleArn=role.arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "red"}], TransitiveTagKeys=["cost"]
        )
    ) == ("InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.", 400)


def test_duplicate_tag_keys(sts: Any, mockfed: FederationBackend) -> None:
    role = open_role(mockfed)
    tags = [{"Key": "Team", "Value": "red"}, {"Key": "team", "Value": "blue"}]
    assert refusal(lambda: sts.assume_role(RoleArn=role.arn, RoleSessionName="s1", Tags=tags)) == (
        "InvalidParameterValue",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )


def test_transitive_tags_pass_along_a_chain_and_cannot_be_overridden(mockfed: FederationBackend, sts: Any) -> None:
    may_tag = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}],
    }
    first = open_role(mockfed, "First", policy=may_tag)
    second = open_role(mockfed, "Second")
    out = sts.assume_role(
        RoleArn=first.arn,
        RoleSessionName="hop1",
        Tags=[{"Key": "project", "Value": "pegasus"}, {"Key": "scratch", "Value": "x"}],
        TransitiveTagKeys=["project"],
    )
    hop = client_of(out["Credentials"])
    assert refusal(
        lambda: hop.assume_role(RoleArn=second.arn, RoleSessionName="hop2", Tags=[{"Key": "Project", "Value": "other"}])
    ) == (
        "InvalidParameterValue",
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from "
        "the calling session.",
        400,
    )
    hop.assume_role(RoleArn=second.arn, RoleSessionName="hop2")
    assert mockfed.role_sessions[-1].tags == (("project", "pegasus"),)
    assert mockfed.role_sessions[-1].transitive_tag_keys == ("project",)


def test_source_identity_needs_permission_and_sticks_through_a_chain(mockfed: FederationBackend, sts: Any) -> None:
    strict = open_role(mockfed, "Strict")
    assert refusal(lambda: sts.assume_role(RoleArn=strict.arn, RoleSessionName="s1", SourceIdentity="alice")) == (
        denied(f"arn:aws:iam::{ACCOUNT}:user/mockfed-default", "sts:SetSourceIdentity", strict.arn)
    )
    first = mockfed.create_role(
        "First",
        trust(
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}
        ),
        policy=ALLOW_ASSUME,
    )
    second = open_role(mockfed, "Second")
    out = sts.assume_role(RoleArn=first.arn, RoleSessionName="hop1", SourceIdentity="alice")
    assert out["SourceIdentity"] == "alice"
    hop = client_of(out["Credentials"])
    chained = hop.assume_role(RoleArn=second.arn, RoleSessionName="hop2")
    assert chained["SourceIdentity"] == "alice"
    assert refusal(
        lambda: hop.assume_role(RoleArn=second.arn, RoleSessionName="hop3", SourceIdentity="mallory")
    ) == denied(f"arn:aws:sts::{ACCOUNT}:assumed-role/First/hop1", "sts:SetSourceIdentity", second.arn)


def test_conditions_on_session_name_and_principal_tags(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("tagged", ALLOW_ASSUME, tags={"team": "red"})
    role = mockfed.create_role(
        "Teams",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/team": "red"},
                    "StringLike": {"sts:RoleSessionName": "${aws:username}-*"},
                },
            }
        ),
    )
    call = client_of(user).assume_role
    assert call(RoleArn=role.arn, RoleSessionName="tagged-1")["AssumedRoleUser"]
    assert refusal(lambda: call(RoleArn=role.arn, RoleSessionName="someone-else"))[0] == "AccessDenied"


# ---- GetSessionToken ---------------------------------------------------------------------------------------------


def test_get_session_token_acts_as_the_user(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("alice", ALLOW_S3)
    out = client_of(user).get_session_token(DurationSeconds=900)
    session_client = client_of(out["Credentials"])
    assert session_client.get_caller_identity()["Arn"] == user.arn
    key = out["Credentials"]["AccessKeyId"]
    assert mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::b/k")
    assert not mockfed.is_allowed(key, "iam:ListUsers")  # no IAM without MFA
    assert mockfed.session_tokens[-1].duration_seconds == 900
    assert refusal(lambda: session_client.get_session_token()) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        403,
    )
    assert refusal(lambda: session_client.get_federation_token(Name="Bob")) == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )


def test_get_session_token_defaults_and_root_is_capped_silently(mockfed: FederationBackend) -> None:
    client_of(mockfed.create_user("u")).get_session_token()
    assert mockfed.session_tokens[-1].duration_seconds == 43200
    client_of(mockfed.root_user).get_session_token(DurationSeconds=7200)
    assert mockfed.session_tokens[-1].duration_seconds == 3600


def test_mfa_session_token_opens_an_mfa_role(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("ops", ALLOW_ASSUME)
    device = mockfed.create_mfa_device("ops-phone", user="ops")
    role = mockfed.create_role(
        "Admin",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": user.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ),
    )
    plain = client_of(client_of(user).get_session_token()["Credentials"])
    assert refusal(lambda: plain.assume_role(RoleArn=role.arn, RoleSessionName="s1")) == denied(
        user.arn, "sts:AssumeRole", role.arn
    )
    mfa = client_of(user).get_session_token(SerialNumber=device.serial_number, TokenCode=mockfed.mfa_code(device))
    assert mockfed.is_allowed(mfa["Credentials"]["AccessKeyId"], "iam:GetUser") is False  # ops has no IAM policy
    out = client_of(mfa["Credentials"]).assume_role(RoleArn=role.arn, RoleSessionName="s2")
    assert out["AssumedRoleUser"]["Arn"].endswith("assumed-role/Admin/s2")
    assert mockfed.role_sessions[-1].mfa_authenticated_at is not None


def test_iam_refuses_session_tokens_without_mfa(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("alice", ALLOW_S3)
    creds = client_of(user).get_session_token()["Credentials"]
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as info:
        iam.list_users()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ---- the small actions ---------------------------------------------------------------------------------------------


def test_get_access_key_info_decodes_the_account(sts: Any) -> None:
    backend = FederationBackend(account_id="111122223333")
    with mock_federation(backend=backend):
        user = backend.create_user("alice")
        session = client_of(user).get_session_token()["Credentials"]["AccessKeyId"]
        local = boto3.client("sts", region_name="us-east-1")
        assert local.get_access_key_info(AccessKeyId=user.access_key_id)["Account"] == "111122223333"
        assert local.get_access_key_info(AccessKeyId=session)["Account"] == "111122223333"
        assert local.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"


def test_decode_authorization_message_round_trip(mockfed: FederationBackend, sts: Any) -> None:
    user = mockfed.create_user(
        "dev",
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "NoEc2", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
        },
    )
    message = mockfed.authorization_message(
        user.access_key_id, "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*"
    )
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=message)["DecodedMessage"])
    assert (decoded["allowed"], decoded["explicitDeny"]) == (False, True)
    assert decoded["matchedStatements"]["items"][0]["statementId"] == "NoEc2"
    assert decoded["matchedStatements"]["items"][0]["effect"] == "DENY"
    assert decoded["context"]["principal"] == {"id": user.user_id, "arn": user.arn}
    assert decoded["context"]["action"] == "RunInstances"
    code, _, status = refusal(lambda: sts.decode_authorization_message(EncodedMessage=message[:-4] + "AAAA"))
    assert (code, status) == ("InvalidAuthorizationMessageException", 400)


def test_newer_actions_answer_as_an_account_without_the_feature(mockfed: FederationBackend, sts: Any) -> None:
    code, message, status = refusal(
        lambda: sts.assume_root(
            TargetPrincipal="111122223333",
            TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"},
        )
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/mockfed-default is not authorized to perform: sts:AssumeRoot on "
        "resource: arn:aws:iam::111122223333:root"
    )
    assert mockfed.calls[-1].reason == (
        "centralized root access is not enabled for the organization mockfed simulates: AssumeRoot is always refused"
    )
    assert refusal(lambda: sts.get_delegated_access_token(TradeInToken="x" * 40))[::2] == (
        "ExpiredTradeInTokenException",
        400,
    )
    assert refusal(lambda: sts.get_web_identity_token(Audience=["https://example.com"], SigningAlgorithm="RS256"))[
        ::2
    ] == ("OutboundWebIdentityFederationDisabledException", 403)
    assert refusal(lambda: sts.get_scoped_credentials(DurationSeconds=900))[::2] == (
        "InvalidSubjectCredentialsException",
        400,
    )


# ---- the backend's own API ----------------------------------------------------------------------------------------


def test_policies_as_dicts_everywhere(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("dicts", ALLOW_S3, managed=[S3_READ])
    arn = mockfed.create_policy("Dict", ALLOW_S3)
    role = mockfed.create_role(
        "DictRole",
        trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
        policy=ALLOW_S3,
        managed=[arn],
    )
    assert mockfed.is_allowed(user.access_key_id, "s3:PutObject", "arn:aws:s3:::b/k")
    assert json.loads(role.policies[0]) == ALLOW_S3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
            "Missing required field Principal",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}],
            },
            "Has prohibited field Resource",
        ),
    ],
)
def test_create_role_checks_the_trust_policy(document: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message) as info:
        FederationBackend().create_role("Bad", document)
    assert getattr(info.value, "code", None) == "MalformedPolicyDocument"


def test_create_role_checks_its_settings() -> None:
    backend = FederationBackend()
    open_trust = trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})
    with pytest.raises(Exception, match="maxSessionDuration") as info:
        backend.create_role("Long", open_trust, max_session_duration=50000)
    assert getattr(info.value, "code", None) == "ValidationError"
    backend.create_role("Once", open_trust)
    with pytest.raises(Exception, match="Role with name once already exists") as exists:
        backend.create_role("once", open_trust)
    assert getattr(exists.value, "status", None) == 409


@pytest.mark.parametrize(
    "principal",
    [
        "arn:aws:iam::123456789012:user/*",
        "arn:aws:sts::123456789012:assumed-role/PowerUser/*",
        "arn:aws:iam::12345678901?:root",
    ],
)
def test_create_role_refuses_wildcards_in_principals(mockfed: FederationBackend, principal: str) -> None:
    document = trust({"Effect": "Allow", "Principal": {"AWS": [ACCOUNT, principal]}, "Action": "sts:AssumeRole"})
    with pytest.raises(StsError) as info:
        mockfed.create_role("Wild", document)
    assert (info.value.code, info.value.message, info.value.status) == (
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"{principal}"',
        400,
    )
    assert mockfed.roles == []
    everyone = mockfed.create_role(
        "Everyone", trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    )
    assert everyone.name == "Everyone"


def test_an_mfa_code_is_taken_once(mockfed: FederationBackend, broker: tuple[Principal, Role, MfaDevice]) -> None:
    """STS refuses a code it has taken already, as a wrong one (a broker assuming two roles with one code fails)."""
    user, role, device = broker
    code = mockfed.mfa_code(device)
    first = assume_with_code(user, role, device, code)
    assert first["AssumedRoleUser"]["Arn"].endswith("assumed-role/Reporting/report-run")
    assert refusal(lambda: assume_with_code(user, role, device, code)) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        403,
    )
    assert refusal(lambda: client_of(user).get_session_token(SerialNumber=device.serial_number, TokenCode=code))[1] == (
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
    mockfed.clock.advance(seconds=30)
    assert assume_with_code(user, role, device, mockfed.mfa_code(device))["Credentials"]["AccessKeyId"]
    other = mockfed.create_mfa_device("other-phone", user="broker", secret=device.secret)  # same secret, own codes
    assert client_of(user).get_session_token(SerialNumber=other.serial_number, TokenCode=mockfed.mfa_code(other))


def assume_with_code(user: Principal, role: Role, device: MfaDevice, code: str) -> Any:
    return client_of(user).assume_role(
        RoleArn=role.arn, RoleSessionName="report-run", ExternalId="acme-7", SerialNumber=device.serial_number,
        TokenCode=code,
    )
