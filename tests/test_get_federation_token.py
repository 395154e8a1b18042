"""GetFederationToken through boto3: the answer's fields and every constraint with the real code and message."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import FederationBackend
from tests.conftest import S3_READ_ONLY, SEEDS_POLICY, SIMPLE_POLICY

NAME_PATTERN = r"[\w+=,.@-]*"
POLICY_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
TAG_KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
TAG_VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"


def one(value: str, path: str, constraint: str) -> str:
    prefix = "1 validation error detected: Value"
    return f"{prefix} '{value}' at '{path}' failed to satisfy constraint: Member must {constraint}"


def error_of(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_docs_example_answers_every_field(sts: Any, mockfed: FederationBackend) -> None:
    before = mockfed.clock.now().replace(microsecond=0)
    out = sts.get_federation_token(
        Name="Bob", Policy=SEEDS_POLICY, PolicyArns=[{"arn": S3_READ_ONLY}], DurationSeconds=900
    )
    creds = out["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["SessionToken"].startswith("IQoJb3JpZ2luX2Vj")
    assert before + timedelta(seconds=900) <= creds["Expiration"] <= before + timedelta(seconds=902)
    assert out["FederatedUser"] == {
        "FederatedUserId": "123456789012:Bob",
        "Arn": "arn:aws:sts::123456789012:federated-user/Bob",
    }
    assert 34 <= out["PackedPolicySize"] <= 38  # the docs' real answer is 36
    assert out["SessionTokenSize"] == len(creds["SessionToken"])
    assert 0 < out["SessionTokenUtilization"] <= 100
    session = mockfed.sessions[0]
    assert (session.name, session.duration_seconds, session.policy_arns) == ("Bob", 900, (S3_READ_ONLY,))
    assert session.access_key_id == creds["AccessKeyId"]
    assert session.expiration == creds["Expiration"]
    assert session.packed_policy_size == out["PackedPolicySize"]
    assert session.caller_arn == "arn:aws:iam::123456789012:user/mockfed-default"


def test_duration_defaults_to_twelve_hours(sts: Any, mockfed: FederationBackend) -> None:
    out = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY)
    session = mockfed.sessions[0]
    assert session.duration_seconds == 43200
    assert out["Credentials"]["Expiration"] - session.issued_at.replace(microsecond=0) == timedelta(seconds=43200)


def test_root_caller_is_capped_at_one_hour_silently(mockfed: FederationBackend) -> None:
    root = mockfed.root_user
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=root.access_key_id,
        aws_secret_access_key=root.secret_access_key,
    )
    sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY, DurationSeconds=7200)
    assert mockfed.sessions[0].duration_seconds == 3600
    assert mockfed.sessions[0].caller_arn == "arn:aws:iam::123456789012:root"


def test_minimum_session_token_size_pads_the_token(sts: Any) -> None:
    small = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY)
    padded = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY, MinimumSessionTokenSize=3000)
    assert len(small["Credentials"]["SessionToken"]) < 3000 <= len(padded["Credentials"]["SessionToken"])
    assert padded["SessionTokenSize"] == len(padded["Credentials"]["SessionToken"])


def test_token_grows_with_the_policy(sts: Any) -> None:
    small = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY)
    large = sts.get_federation_token(Name="Bob", Policy=SEEDS_POLICY, PolicyArns=[{"arn": S3_READ_ONLY}])
    assert large["SessionTokenSize"] > small["SessionTokenSize"]
    assert large["PackedPolicySize"] > small["PackedPolicySize"]


def test_each_token_has_unique_keys(sts: Any) -> None:
    keys = {sts.get_federation_token(Name="Bob")["Credentials"]["AccessKeyId"] for _ in range(20)}
    assert len(keys) == 20


def test_tags_are_recorded_on_the_session(sts: Any, mockfed: FederationBackend) -> None:
    sts.get_federation_token(
        Name="Bob", Tags=[{"Key": "Project", "Value": "Pegasus"}, {"Key": "Cost-Center", "Value": "98765"}]
    )
    assert mockfed.sessions[0].tags == (("Project", "Pegasus"), ("Cost-Center", "98765"))


ARNS_11 = [{"arn": f"arn:aws:iam::aws:policy/P{i:02d}xxxxxxxx"} for i in range(11)]
TAGS_51 = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]

CONSTRAINTS = [
    pytest.param(
        {"Name": "chris.kings-lynne@healthengine.com.au"},
        one("chris.kings-lynne@healthengine.com.au", "name", "have length less than or equal to 32"),
        id="name-long",
    ),
    pytest.param({"Name": "B"}, one("B", "name", "have length greater than or equal to 2"), id="name-short"),
    pytest.param(
        {"Name": "Bob Smith"},
        one("Bob Smith", "name", f"satisfy regular expression pattern: {NAME_PATTERN}"),
        id="name-space",
    ),
    pytest.param(
        {"Name": "a:b"}, one("a:b", "name", f"satisfy regular expression pattern: {NAME_PATTERN}"), id="name-colon"
    ),
    pytest.param(
        {"Name": "Bob", "DurationSeconds": 345600},
        one("345600", "durationSeconds", "have value less than or equal to 129600"),
        id="duration-high",
    ),
    pytest.param(
        {"Name": "Bob", "DurationSeconds": 899},
        one("899", "durationSeconds", "have value greater than or equal to 900"),
        id="duration-low",
    ),
    pytest.param(
        {"Name": "Bob", "Policy": "x" * 2049},
        one("x" * 2049, "policy", "have length less than or equal to 2048"),
        id="policy-long",
    ),
    pytest.param(
        {"Name": "Bob", "Policy": '{"Version": "2012-10-17\u0100"}'},
        one('{"Version": "2012-10-17\u0100"}', "policy", f"satisfy regular expression pattern: {POLICY_PATTERN}"),
        id="policy-charset",
    ),
    pytest.param(
        {"Name": "Bob", "PolicyArns": ARNS_11},
        one(
            "[" + ", ".join(f"{{arn={a['arn']}}}" for a in ARNS_11) + "]",
            "policyArns",
            "have length less than or equal to 10",
        ),
        id="arns-11",
    ),
    pytest.param(
        {"Name": "Bob", "PolicyArns": [{"arn": "arn:aws:iam::aws"}]},
        one("arn:aws:iam::aws", "policyArns.1.member.arn", "have length greater than or equal to 20"),
        id="arn-short",
    ),
    pytest.param(
        {"Name": "Bob", "Tags": TAGS_51},
        one(
            "[" + ", ".join(f"{{Key={t['Key']}, Value=v}}" for t in TAGS_51) + "]",
            "tags",
            "have length less than or equal to 50",
        ),
        id="tags-51",
    ),
    pytest.param(
        {"Name": "Bob", "Tags": [{"Key": "k" * 129, "Value": "v"}]},
        one("k" * 129, "tags.1.member.key", "have length less than or equal to 128"),
        id="tag-key-long",
    ),
    pytest.param(
        {"Name": "Bob", "Tags": [{"Key": "a*b", "Value": "v"}]},
        one("a*b", "tags.1.member.key", f"satisfy regular expression pattern: {TAG_KEY_PATTERN}"),
        id="tag-key-pattern",
    ),
    pytest.param(
        {"Name": "Bob", "Tags": [{"Key": "ok", "Value": "v" * 257}]},
        one("v" * 257, "tags.1.member.value", "have length less than or equal to 256"),
        id="tag-value-long",
    ),
    pytest.param(
        {"Name": "Bob", "Tags": [{"Key": "ok", "Value": "a;b"}]},
        one("a;b", "tags.1.member.value", f"satisfy regular expression pattern: {TAG_VALUE_PATTERN}"),
        id="tag-value-pattern",
    ),
    pytest.param(
        {"Name": "Bob", "MinimumSessionTokenSize": 4097},
        one("4097", "minimumSessionTokenSize", "have value less than or equal to 4096"),
        id="min-token-size",
    ),
]


@pytest.mark.parametrize(("request_params", "message"), CONSTRAINTS)
def test_each_constraint_is_a_validation_error(raw_sts: Any, request_params: dict[str, Any], message: str) -> None:
    assert error_of(lambda: raw_sts.get_federation_token(**request_params)) == ("ValidationError", message, 400)


def test_several_violations_are_reported_together(raw_sts: Any) -> None:
    code, message, status = error_of(
        lambda: raw_sts.get_federation_token(Name="chris.kings-lynne@healthengine.com.au", DurationSeconds=200000)
    )
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        "2 validation errors detected: Value 'chris.kings-lynne@healthengine.com.au' at 'name' failed to satisfy "
        "constraint: Member must have length less than or equal to 32; Value '200000' at 'durationSeconds' failed to "
        "satisfy constraint: Member must have value less than or equal to 129600"
    )


def test_missing_name_is_null(raw_sts: Any) -> None:
    message = "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    assert error_of(lambda: raw_sts.get_federation_token()) == ("ValidationError", message, 400)


def test_unicode_letters_are_valid_in_tags(sts: Any, mockfed: FederationBackend) -> None:
    sts.get_federation_token(Name="Bob", Tags=[{"Key": "Département", "Value": "Ingénierie 7"}])
    assert mockfed.sessions[0].tags == (("Département", "Ingénierie 7"),)


def test_duplicate_tag_keys_differing_in_case(sts: Any) -> None:
    tags = [{"Key": "Department", "Value": "a"}, {"Key": "department", "Value": "b"}]
    assert error_of(lambda: sts.get_federation_token(Name="Bob", Tags=tags)) == (
        "InvalidParameterValue",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )


def test_inline_and_managed_text_together_over_2048(sts: Any) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "b" * 1900}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert len(policy) <= 2048
    code, message, status = error_of(
        lambda: sts.get_federation_token(Name="Bob", Policy=policy, PolicyArns=[{"arn": S3_READ_ONLY}] * 3)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "at 'policy'" in message
    assert "less than or equal to 2048" in message


def test_policy_that_is_not_json(sts: Any) -> None:
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException) as info:
        sts.get_federation_token(Name="Bob", Policy="{not json")
    assert info.value.response["Error"]["Message"] == "The policy is not in the valid JSON format."
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_policy_that_is_not_an_iam_policy(sts: Any) -> None:
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}'
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException) as info:
        sts.get_federation_token(Name="Bob", Policy=policy)
    assert info.value.response["Error"]["Message"] == "Syntax errors in policy."


def test_unknown_managed_policy_arn(sts: Any) -> None:
    arn = "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException) as info:
        sts.get_federation_token(Name="Bob", PolicyArns=[{"arn": arn}])
    assert info.value.response["Error"]["Message"] == f"Policy {arn} does not exist or is not attachable."


def test_customer_managed_policy_arn_is_accepted(sts: Any, mockfed: FederationBackend) -> None:
    arn = mockfed.create_policy("ReadLogs", SIMPLE_POLICY)
    sts.get_federation_token(Name="Bob", PolicyArns=[{"arn": arn}])
    assert mockfed.sessions[0].policy_arns == (arn,)


def distinct_actions_policy(size: int = 2048) -> str:
    actions: list[str] = []
    document = ""
    index = 0
    while True:
        candidate = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": [*actions, f"svc{index}:Op{index * 7919}"], "Resource": "*"}
                ],
            },
            separators=(",", ":"),
        )
        if len(candidate) > size:
            return document
        actions.append(f"svc{index}:Op{index * 7919}")
        document = candidate
        index += 1


def test_packed_policy_too_large(sts: Any, mockfed: FederationBackend) -> None:
    policy = distinct_actions_policy()
    assert len(policy) <= 2048
    with pytest.raises(sts.exceptions.PackedPolicyTooLargeException) as info:
        sts.get_federation_token(Name="Bob", Policy=policy)
    message = info.value.response["Error"]["Message"]
    match = re.fullmatch(r"Packed policy consumes (\d+)% of allotted space, please use smaller policy\.", message)
    assert match is not None
    assert int(match.group(1)) > 100
    assert mockfed.sessions == []
    assert mockfed.calls[-1].error_code == "PackedPolicyTooLarge"


def test_tags_too_large_use_the_tag_wording(sts: Any) -> None:
    tags = [{"Key": f"key-{i:02d}-" + "k" * 100, "Value": f"{i}" + "v" * 200} for i in range(50)]
    with pytest.raises(sts.exceptions.PackedPolicyTooLargeException) as info:
        sts.get_federation_token(Name="Bob", Tags=tags)
    message = info.value.response["Error"]["Message"]
    assert re.fullmatch(r"Packed size of session tags consumes \d+% of allotted space\.", message)


def test_federated_credentials_cannot_call_it(sts: Any) -> None:
    creds = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY)["Credentials"]
    federated = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert error_of(lambda: federated.get_federation_token(Name="Eve")) == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )


def user_client(user: Any, region: str = "us-east-1") -> Any:
    return boto3.client(
        "sts", region_name=region, aws_access_key_id=user.access_key_id, aws_secret_access_key=user.secret_access_key
    )


def test_the_caller_needs_permission_for_the_federated_user(mockfed: FederationBackend) -> None:
    reader = mockfed.create_user("reader", SIMPLE_POLICY)
    assert error_of(lambda: user_client(reader).get_federation_token(Name="Bob")) == (
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: sts:GetFederationToken on "
        "resource: arn:aws:sts::123456789012:federated-user/Bob",
        403,
    )
    only_partners = mockfed.create_user(
        "broker",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:GetFederationToken",
                    "Resource": "arn:aws:sts::123456789012:federated-user/partner-*",
                }
            ],
        },
    )
    out = user_client(only_partners).get_federation_token(Name="partner-acme")
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/partner-acme"
    assert error_of(lambda: user_client(only_partners, "cn-north-1").get_federation_token(Name="partner-acme"))[
        1
    ].endswith("on resource: arn:aws-cn:sts::123456789012:federated-user/partner-acme")
    assert error_of(lambda: user_client(only_partners).get_federation_token(Name="admin"))[0] == "AccessDenied"
    assert [call.error_code for call in mockfed.calls] == ["AccessDenied", None, "AccessDenied", "AccessDenied"]
    assert len(mockfed.sessions) == 1


def test_calls_are_logged_with_their_outcome(raw_sts: Any, mockfed: FederationBackend) -> None:
    raw_sts.get_federation_token(Name="Bob", DurationSeconds=900)
    with pytest.raises(ClientError):
        raw_sts.get_federation_token(Name="B")
    ok, failed = mockfed.calls
    assert (ok.action, ok.params["Name"], ok.region, ok.status, ok.ok) == (
        "GetFederationToken",
        "Bob",
        "us-east-1",
        200,
        True,
    )
    assert ok.response is not None
    assert ok.response["FederatedUser"]["FederatedUserId"] == "123456789012:Bob"
    assert (failed.status, failed.error_code, failed.ok) == (400, "ValidationError", False)


def test_account_id_is_configurable() -> None:
    from mockfed import mock_federation

    with mock_federation(account_id="111122223333"):
        out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob")
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::111122223333:federated-user/Bob"


AGREEMENT = [
    pytest.param({"Policy": SEEDS_POLICY, "PolicyArns": [{"arn": S3_READ_ONLY}]}, id="cli-docs-example"),
    pytest.param(
        {
            "Policy": SIMPLE_POLICY,
            "Tags": [{"Key": "Project", "Value": "Pegasus"}, {"Key": "Cost-Center", "Value": "98765"}],
        },
        id="botocore-example",
    ),
    pytest.param({}, id="empty"),
    pytest.param({"Tags": [{"Key": f"k{i}", "Value": "v" * 40} for i in range(20)]}, id="tags-only"),
]


@pytest.mark.parametrize("extra", AGREEMENT)
def test_packed_policy_size_function_agrees_with_the_service(sts: Any, extra: dict[str, Any]) -> None:
    from mockfed import packed_policy_size

    out = sts.get_federation_token(Name="Bob", **extra)
    expected = packed_policy_size(
        extra.get("Policy"),
        [entry["arn"] for entry in extra.get("PolicyArns", [])],
        {tag["Key"]: tag["Value"] for tag in extra.get("Tags", [])},
    )
    assert out["PackedPolicySize"] == expected


def test_public_data_points_through_the_service(sts: Any) -> None:
    docs = sts.get_federation_token(Name="Bob", Policy=SEEDS_POLICY, PolicyArns=[{"arn": S3_READ_ONLY}])
    botocore_example = sts.get_federation_token(
        Name="Bob",
        Policy=SIMPLE_POLICY,
        Tags=[{"Key": "Project", "Value": "Pegasus"}, {"Key": "Cost-Center", "Value": "98765"}],
    )
    assert (docs["PackedPolicySize"], botocore_example["PackedPolicySize"]) == (36, 8)


def test_a_request_with_nothing_to_pack_answers_zero(sts: Any, mockfed: FederationBackend) -> None:
    # Recorded from the real service: no Policy, no PolicyArns, no Tags -> PackedPolicySize 0.
    out = sts.get_federation_token(Name="Bob")
    assert out["PackedPolicySize"] == 0
    assert mockfed.sessions[-1].packed_policy_size == 0


@pytest.mark.parametrize("operation", ["get_federation_token", "assume_role"])
def test_a_session_tag_key_with_the_aws_prefix_is_refused(mockfed: FederationBackend, operation: str) -> None:
    role = mockfed.create_role("Tagged", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
    params: dict[str, Any] = {"Name": "Bob"} if operation == "get_federation_token" else {
        "RoleArn": role.arn, "RoleSessionName": "ci"}
    sts = boto3.client("sts", region_name="us-east-1")
    with pytest.raises(ClientError) as raised:
        getattr(sts, operation)(**params, Tags=[{"Key": "team", "Value": "a"}, {"Key": "AWS:team", "Value": "b"}])
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        "1 validation error detected: Value 'AWS:team' at 'tags.2.member.key' failed to satisfy constraint: Member "
        "must not begin with 'aws:'",
    )
    assert mockfed.sessions == []
    assert mockfed.role_sessions == []
