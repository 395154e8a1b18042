"""mockfed.policy: the IAM grammar STS enforces, the evaluation logic, the shipped AWS-managed documents."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest

import mockfed.iam.policy
from mockfed.errors import StsError
from mockfed.iam import (
    Condition,
    Policy,
    Statement,
    aws_managed_policy_arns,
    is_allowed,
    managed_policy_document,
    parse_policy,
)

NOT_JSON = "The policy is not in the valid JSON format."
SYNTAX = "Syntax errors in policy."
MISSING_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ARN = "arn:aws:iam::aws:policy/"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17", **top: Any) -> str:
    """A policy document's JSON text."""
    document: dict[str, Any] = {} if version is None else {"Version": version}
    document["Statement"] = list(statements)
    document.update(top)
    return json.dumps(document)


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def cond(operator: str, key: str, values: Any, action: str = "s3:GetObject") -> dict[str, Any]:
    return allow(action, Condition={operator: {key: values}})


# --- grammar ---------------------------------------------------------------------------------------------------

GRAMMAR_ERRORS = [
    ("not-json", "this is not json", NOT_JSON),
    ("empty-text", "", NOT_JSON),
    ("truncated", '{"Version": "2012-10-17", "Statement": [', NOT_JSON),
    ("nan-constant", '{"Version": "2012-10-17", "Statement": NaN}', NOT_JSON),
    ("top-level-list", "[]", SYNTAX),
    ("top-level-string", '"policy"', SYNTAX),
    ("unknown-top-key", doc(allow(), Extra="x"), SYNTAX),
    ("missing-statement", json.dumps({"Version": "2012-10-17"}), SYNTAX),
    ("empty-statement-list", doc(), SYNTAX),
    ("statement-string", json.dumps({"Version": "2012-10-17", "Statement": "Allow"}), SYNTAX),
    ("statement-item-not-object", json.dumps({"Version": "2012-10-17", "Statement": [1]}), SYNTAX),
    ("unknown-version", doc(allow(), version="2020-01-01"), SYNTAX),
    ("version-not-string", json.dumps({"Version": 2012, "Statement": [allow()]}), SYNTAX),
    ("id-not-string", doc(allow(), Id=5), SYNTAX),
    ("effect-unknown", doc({**allow(), "Effect": "Permit"}), SYNTAX),
    ("effect-lowercase", doc({**allow(), "Effect": "allow"}), SYNTAX),
    ("effect-missing", doc({"Action": "s3:GetObject", "Resource": "*"}), SYNTAX),
    ("action-and-notaction", doc(allow(NotAction="s3:PutObject")), SYNTAX),
    ("resource-and-notresource", doc(allow(NotResource="arn:aws:s3:::b")), SYNTAX),
    ("unknown-statement-key", doc(allow(Actions=["s3:GetObject"])), SYNTAX),
    ("action-number", doc(allow(5)), SYNTAX),
    ("action-list-with-number", doc(allow(["s3:GetObject", 5])), SYNTAX),
    ("resource-object", doc(allow(resource={"arn": "x"})), SYNTAX),
    ("sid-number", doc(allow(Sid=1)), SYNTAX),
    ("condition-not-object", doc(allow(Condition=["StringEquals"])), SYNTAX),
    ("condition-block-not-object", doc(allow(Condition={"StringEquals": "aws:username"})), SYNTAX),
    ("condition-value-null", doc(cond("StringEquals", "aws:username", None)), SYNTAX),
    ("condition-value-object", doc(cond("StringEquals", "aws:username", {"a": "b"})), SYNTAX),
    ("condition-unknown-operator", doc(cond("StringSorta", "aws:username", "bob")), SYNTAX),
    (
        "duplicate-sid",
        doc(allow(Sid="Same"), allow("s3:PutObject", Sid="Same")),
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    ("no-action", doc({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions."),
    ("empty-action-list", doc(allow([])), "Policy statement must contain actions."),
    ("no-resource", doc({"Effect": "Allow", "Action": "s3:GetObject"}), "Policy statement must contain resources."),
    ("empty-resource-list", doc(allow(resource=[])), "Policy statement must contain resources."),
    ("resource-not-arn", doc(allow(resource="my-bucket")), 'Resource my-bucket must be in ARN format or "*".'),
    ("action-without-vendor", doc(allow("GetObject")), MISSING_VENDOR),
    ("notaction-without-vendor", doc({"Effect": "Allow", "NotAction": "iam", "Resource": "*"}), MISSING_VENDOR),
    ("action-two-colons", doc(allow("s3:Get:Object")), "Actions/Condition can contain only one colon."),
    ("action-bad-vendor", doc(allow("s 3:GetObject")), "Vendor s 3 is not valid"),
    ("condition-key-without-vendor", doc(cond("StringEquals", "username", "bob")), MISSING_VENDOR),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in GRAMMAR_ERRORS], ids=[c[0] for c in GRAMMAR_ERRORS])
def test_grammar_errors_answer_malformed_policy_document_with_the_real_message(text: str, message: str) -> None:
    with pytest.raises(StsError) as caught:
        parse_policy(text, session=True)
    assert (caught.value.code, caught.value.message, caught.value.status) == ("MalformedPolicyDocument", message, 400)


@pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
def test_a_principal_is_refused_in_a_session_policy_but_accepted_elsewhere(element: str) -> None:
    text = doc(allow(**{element: {"AWS": "arn:aws:iam::123456789012:root"}}))
    with pytest.raises(StsError) as caught:
        parse_policy(text, session=True)
    assert caught.value.code == "MalformedPolicyDocument"
    assert caught.value.message == "Policy document should not specify a principal."
    assert parse_policy(text).evaluate("s3:GetObject") == "Allow"


ACCEPTED = [
    ("statement-object", json.dumps({"Version": "2012-10-17", "Statement": allow()})),
    ("no-version", doc(allow(), version=None)),
    ("legacy-version", doc(allow(), version="2008-10-17")),
    ("id-and-sids", doc(allow(Sid="One"), allow(Sid="Two"), Id="policy-1")),
    ("empty-sids-repeat", doc(allow(Sid=""), allow(Sid=""))),
    ("boolean-condition-value", doc(cond("Bool", "aws:SecureTransport", True))),
    ("numeric-condition-value", doc(cond("NumericLessThan", "s3:max-keys", 10))),
    ("unknown-operator-empty-block", doc(allow(Condition={"StringSorta": {}}))),
    ("notaction-notresource", doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::x"})),
    ("wildcard-action", doc(allow("*"))),
]


@pytest.mark.parametrize("text", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_valid_documents_parse(text: str) -> None:
    policy = parse_policy(text, session=True)
    assert isinstance(policy, Policy)
    assert len(policy.statements) >= 1


def test_parsed_policy_records_version_id_and_statement_fields() -> None:
    text = doc(
        allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/*", Sid="Read"),
        {
            "Effect": "Deny",
            "NotAction": "s3:*",
            "NotResource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": False}, "StringEquals": {"aws:username": ["a", "b"]}},
        },
        Id="Example",
    )
    policy = parse_policy(text)
    assert (policy.version, policy.id) == ("2012-10-17", "Example")
    first, second = policy.statements
    assert first == Statement(
        "Allow", actions=("s3:GetObject", "s3:ListBucket"), resources=("arn:aws:s3:::b/*",), sid="Read"
    )
    assert second.effect == "Deny"
    assert (second.actions, second.not_actions, second.resources) == (None, ("s3:*",), None)
    assert second.not_resources == ("arn:aws:s3:::b", "arn:aws:s3:::b/*")
    assert second.conditions == (
        Condition("Bool", "aws:SecureTransport", ("false",)),
        Condition("StringEquals", "aws:username", ("a", "b")),
    )
    assert parse_policy(doc(allow(), version=None)).version == "2008-10-17"


def test_parse_is_cached_per_text() -> None:
    text = doc(allow("s3:ListBucket"))
    assert parse_policy(text) is parse_policy(text)
    assert parse_policy(text, session=True) == parse_policy(text)


# --- evaluation ------------------------------------------------------------------------------------------------

OBJ = "arn:aws:s3:::bucket/key"

# (case, statements, action, resource, context, expected)
EVALUATION: list[tuple[str, list[dict[str, Any]], str, str, dict[str, Any], str | None]] = [
    ("allow-exact", [allow()], "s3:GetObject", OBJ, {}, "Allow"),
    ("no-statement-applies", [allow()], "s3:PutObject", OBJ, {}, None),
    ("explicit-deny-wins", [allow("s3:*"), deny("s3:GetObject")], "s3:GetObject", OBJ, {}, "Deny"),
    ("deny-order-irrelevant", [deny("s3:Get*"), allow("*")], "s3:GetObject", OBJ, {}, "Deny"),
    ("deny-elsewhere-allow-here", [allow("s3:*"), deny("s3:DeleteBucket")], "s3:GetObject", OBJ, {}, "Allow"),
    ("action-list", [allow(["s3:PutObject", "s3:GetObject"])], "s3:GetObject", OBJ, {}, "Allow"),
    ("action-case-insensitive", [allow("S3:getobject")], "s3:GetObject", OBJ, {}, "Allow"),
    ("action-star", [allow("*")], "ec2:RunInstances", OBJ, {}, "Allow"),
    ("action-prefix-wildcard", [allow("s3:Get*")], "s3:GetObjectAcl", OBJ, {}, "Allow"),
    ("action-prefix-wildcard-miss", [allow("s3:Get*")], "s3:PutObject", OBJ, {}, None),
    ("action-question-mark", [allow("s3:Get?bject")], "s3:GetObject", OBJ, {}, "Allow"),
    ("action-question-mark-one-char", [allow("s3:Get?bject")], "s3:GetXXbject", OBJ, {}, None),
    ("action-service-wildcard", [allow("s3:*")], "s3-object-lambda:GetObject", OBJ, {}, None),
    ("notaction-allows-others", [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "s3:GetObject", OBJ,
     {}, "Allow"),
    ("notaction-excludes-listed", [{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}], "IAM:CreateUser",
     OBJ, {}, None),
    ("deny-notaction", [allow("*"), {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"}], "s3:PutObject",
     OBJ, {}, "Deny"),
    ("resource-exact", [allow(resource=OBJ)], "s3:GetObject", OBJ, {}, "Allow"),
    ("resource-wildcard-path", [allow(resource="arn:aws:s3:::bucket/*")], "s3:GetObject", "arn:aws:s3:::bucket/a/b",
     {}, "Allow"),
    ("resource-other-bucket", [allow(resource="arn:aws:s3:::bucket/*")], "s3:GetObject", "arn:aws:s3:::other/a", {},
     None),
    ("resource-case-sensitive", [allow(resource="arn:aws:s3:::bucket/*")], "s3:GetObject", "arn:aws:s3:::Bucket/a",
     {}, None),
    ("resource-question-mark", [allow(resource="arn:aws:s3:::bucket/k?y")], "s3:GetObject", OBJ, {}, "Allow"),
    ("resource-list", [allow(resource=["arn:aws:s3:::x", OBJ])], "s3:GetObject", OBJ, {}, "Allow"),
    ("resource-segment-wildcards", [allow("ec2:*", "arn:aws:ec2:*:*:instance/*")], "ec2:StopInstances",
     "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", {}, "Allow"),
    ("resource-mid-segment-wildcard-stays-in-segment", [allow("ec2:*", "arn:aws:ec2:eu-*-1:*:instance/*")],
     "ec2:StopInstances", "arn:aws:ec2:eu-west:2-1:123456789012:instance/i-0abc", {}, None),
    ("resource-mid-segment-wildcard", [allow("ec2:*", "arn:aws:ec2:eu-*-1:*:instance/*")], "ec2:StopInstances",
     "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", {}, "Allow"),
    ("resource-star-default", [allow("s3:List*", "*")], "s3:ListAllMyBuckets", "*", {}, "Allow"),
    ("specific-resource-vs-unspecified", [allow(resource=OBJ)], "s3:GetObject", "*", {}, None),
    ("notresource-allows-others", [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}],
     "s3:GetObject", OBJ, {}, "Allow"),
    ("notresource-excludes-listed", [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}],
     "s3:GetObject", "arn:aws:s3:::secret/x", {}, None),
    ("deny-notresource", [allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": OBJ}], "s3:GetObject",
     "arn:aws:s3:::bucket/other", {}, "Deny"),
    # String operators
    ("StringEquals-match", [cond("StringEquals", "aws:username", "bob")], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, "Allow"),
    ("StringEquals-case-sensitive-value", [cond("StringEquals", "aws:username", "bob")], "s3:GetObject", OBJ,
     {"aws:username": "Bob"}, None),
    ("StringEquals-key-case-insensitive", [cond("StringEquals", "AWS:UserName", "bob")], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, "Allow"),
    ("StringEquals-missing-key", [cond("StringEquals", "aws:username", "bob")], "s3:GetObject", OBJ, {}, None),
    ("StringEquals-values-ORed", [cond("StringEquals", "aws:username", ["alice", "bob"])], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, "Allow"),
    ("StringNotEquals-match", [cond("StringNotEquals", "aws:username", "bob")], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, None),
    ("StringNotEquals-other", [cond("StringNotEquals", "aws:username", ["bob", "eve"])], "s3:GetObject", OBJ,
     {"aws:username": "alice"}, "Allow"),
    ("StringNotEquals-missing-key", [cond("StringNotEquals", "aws:username", "bob")], "s3:GetObject", OBJ, {},
     "Allow"),
    ("StringEqualsIgnoreCase", [cond("StringEqualsIgnoreCase", "aws:username", "BOB")], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, "Allow"),
    ("StringNotEqualsIgnoreCase", [cond("StringNotEqualsIgnoreCase", "aws:username", "BOB")], "s3:GetObject", OBJ,
     {"aws:username": "bob"}, None),
    ("StringLike-question-mark", [cond("StringLike", "s3:prefix", ["home/*", "pub?ic"])], "s3:GetObject", OBJ,
     {"s3:prefix": "public"}, "Allow"),
    ("StringLike-match", [cond("StringLike", "s3:prefix", ["home/*", "pub?ic"], "s3:ListBucket")], "s3:ListBucket",
     OBJ, {"s3:prefix": "home/bob/x"}, "Allow"),
    ("StringLike-miss", [cond("StringLike", "s3:prefix", "home/*", "s3:ListBucket")], "s3:ListBucket", OBJ,
     {"s3:prefix": "etc/passwd"}, None),
    ("StringNotLike", [cond("StringNotLike", "s3:prefix", "home/*", "s3:ListBucket")], "s3:ListBucket", OBJ,
     {"s3:prefix": "etc/passwd"}, "Allow"),
    # Numeric operators
    ("NumericEquals", [cond("NumericEquals", "s3:max-keys", "10")], "s3:GetObject", OBJ, {"s3:max-keys": "10.0"},
     "Allow"),
    ("NumericNotEquals", [cond("NumericNotEquals", "s3:max-keys", "10")], "s3:GetObject", OBJ,
     {"s3:max-keys": "10"}, None),
    ("NumericLessThan", [cond("NumericLessThan", "s3:max-keys", 10)], "s3:GetObject", OBJ, {"s3:max-keys": "9"},
     "Allow"),
    ("NumericLessThan-equal", [cond("NumericLessThan", "s3:max-keys", 10)], "s3:GetObject", OBJ,
     {"s3:max-keys": "10"}, None),
    ("NumericLessThanEquals", [cond("NumericLessThanEquals", "s3:max-keys", 10)], "s3:GetObject", OBJ,
     {"s3:max-keys": "10"}, "Allow"),
    ("NumericGreaterThan", [cond("NumericGreaterThan", "s3:max-keys", "10")], "s3:GetObject", OBJ,
     {"s3:max-keys": "11"}, "Allow"),
    ("NumericGreaterThanEquals", [cond("NumericGreaterThanEquals", "s3:max-keys", "10")], "s3:GetObject", OBJ,
     {"s3:max-keys": "9"}, None),
    ("Numeric-not-a-number", [cond("NumericLessThan", "s3:max-keys", "10")], "s3:GetObject", OBJ,
     {"s3:max-keys": "few"}, None),
    # Date operators
    ("DateLessThan", [cond("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z")], "s3:GetObject", OBJ,
     {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, "Allow"),
    ("DateLessThan-after", [cond("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z")], "s3:GetObject", OBJ,
     {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, None),
    ("DateGreaterThan-date-only", [cond("DateGreaterThan", "aws:CurrentTime", "2026-01-01")], "s3:GetObject", OBJ,
     {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, "Allow"),
    ("DateEquals-offset", [cond("DateEquals", "aws:CurrentTime", "2026-06-01T14:00:00+02:00")], "s3:GetObject", OBJ,
     {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, "Allow"),
    ("DateNotEquals", [cond("DateNotEquals", "aws:CurrentTime", "2026-06-01T12:00:00Z")], "s3:GetObject", OBJ,
     {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, None),
    ("DateLessThanEquals-epoch", [cond("DateLessThanEquals", "aws:EpochTime", "1780315200")], "s3:GetObject", OBJ,
     {"aws:EpochTime": "2026-06-01T12:00:00Z"}, "Allow"),
    ("DateGreaterThanEquals", [cond("DateGreaterThanEquals", "aws:CurrentTime", "2026-06-01T12:00:01Z")],
     "s3:GetObject", OBJ, {"aws:CurrentTime": "2026-06-01T12:00:00Z"}, None),
    # Bool
    ("Bool-true", [cond("Bool", "aws:SecureTransport", "true")], "s3:GetObject", OBJ,
     {"aws:SecureTransport": "true"}, "Allow"),
    ("Bool-json-boolean", [cond("Bool", "aws:SecureTransport", True)], "s3:GetObject", OBJ,
     {"aws:SecureTransport": "TRUE"}, "Allow"),
    ("Bool-mismatch", [cond("Bool", "aws:SecureTransport", "true")], "s3:GetObject", OBJ,
     {"aws:SecureTransport": "false"}, None),
    ("Bool-missing-key", [cond("Bool", "aws:MultiFactorAuthPresent", "false")], "s3:GetObject", OBJ, {}, None),
    # IP addresses
    ("IpAddress-cidr", [cond("IpAddress", "aws:SourceIp", ["203.0.113.0/24"])], "s3:GetObject", OBJ,
     {"aws:SourceIp": "203.0.113.9"}, "Allow"),
    ("IpAddress-outside", [cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "198.51.100.1"}, None),
    ("IpAddress-single", [cond("IpAddress", "aws:SourceIp", "198.51.100.1")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "198.51.100.1"}, "Allow"),
    ("IpAddress-ipv6", [cond("IpAddress", "aws:SourceIp", "2001:db8::/32")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "2001:db8::1"}, "Allow"),
    ("IpAddress-garbage", [cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "localhost"}, None),
    ("NotIpAddress", [cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "198.51.100.1"}, "Allow"),
    ("NotIpAddress-inside", [cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24")], "s3:GetObject", OBJ,
     {"aws:SourceIp": "203.0.113.1"}, None),
    # ARN operators
    ("ArnEquals", [cond("ArnEquals", "aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:topic")], "s3:GetObject",
     OBJ, {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:topic"}, "Allow"),
    ("ArnLike", [cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*")], "s3:GetObject", OBJ,
     {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:topic"}, "Allow"),
    ("ArnLike-other-account", [cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*")], "s3:GetObject",
     OBJ, {"aws:SourceArn": "arn:aws:sns:eu-west-1:210987654321:topic"}, None),
    ("ArnNotEquals", [cond("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:topic")],
     "s3:GetObject", OBJ, {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:topic"}, None),
    ("ArnNotLike", [cond("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*")], "s3:GetObject", OBJ,
     {"aws:SourceArn": "arn:aws:sqs:eu-west-1:123456789012:queue"}, "Allow"),
    # Null
    ("Null-true-absent", [cond("Null", "aws:TokenIssueTime", "true")], "s3:GetObject", OBJ, {}, "Allow"),
    ("Null-true-present", [cond("Null", "aws:TokenIssueTime", "true")], "s3:GetObject", OBJ,
     {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, None),
    ("Null-false-present", [cond("Null", "aws:TokenIssueTime", False)], "s3:GetObject", OBJ,
     {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, "Allow"),
    ("Null-false-absent", [cond("Null", "aws:TokenIssueTime", "false")], "s3:GetObject", OBJ, {}, None),
    # IfExists
    ("IfExists-absent", [cond("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", "ec2:RunInstances")],
     "ec2:RunInstances", "*", {}, "Allow"),
    ("IfExists-present-match", [cond("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", "ec2:RunInstances")],
     "ec2:RunInstances", "*", {"ec2:InstanceType": "t3.micro"}, "Allow"),
    ("IfExists-present-mismatch", [cond("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", "ec2:RunInstances")],
     "ec2:RunInstances", "*", {"ec2:InstanceType": "p5.48xlarge"}, None),
    ("BoolIfExists-deny-absent", [allow("*"), {**deny("*"), "Condition": {"BoolIfExists": {
        "aws:MultiFactorAuthPresent": "false"}}}], "s3:GetObject", OBJ, {}, "Deny"),
    # Set operators
    ("ForAnyValue-one-matches", [cond("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"])], "s3:GetObject",
     OBJ, {"aws:TagKeys": ["cost", "team"]}, "Allow"),
    ("ForAnyValue-none-match", [cond("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"])], "s3:GetObject",
     OBJ, {"aws:TagKeys": ["cost"]}, None),
    ("ForAnyValue-missing-key", [cond("ForAnyValue:StringEquals", "aws:TagKeys", ["env"])], "s3:GetObject", OBJ, {},
     None),
    ("ForAllValues-all-match", [cond("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"])], "s3:GetObject",
     OBJ, {"aws:TagKeys": ["team", "env"]}, "Allow"),
    ("ForAllValues-one-outside", [cond("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"])],
     "s3:GetObject", OBJ, {"aws:TagKeys": ["team", "cost"]}, None),
    ("ForAllValues-missing-key", [cond("ForAllValues:StringEquals", "aws:TagKeys", ["env"])], "s3:GetObject", OBJ,
     {}, "Allow"),
    ("ForAllValues-empty-set", [cond("ForAllValues:StringEquals", "aws:TagKeys", ["env"])], "s3:GetObject", OBJ,
     {"aws:TagKeys": []}, "Allow"),
    ("ForAllValues-StringLike", [cond("ForAllValues:StringLike", "aws:TagKeys", ["team-*"])], "s3:GetObject", OBJ,
     {"aws:TagKeys": ["team-a", "team-b"]}, "Allow"),
    ("ForAnyValue-StringNotEquals", [cond("ForAnyValue:StringNotEquals", "aws:TagKeys", ["env"])], "s3:GetObject",
     OBJ, {"aws:TagKeys": ["env", "cost"]}, "Allow"),
    ("ForAllValues-StringNotEquals", [cond("ForAllValues:StringNotEquals", "aws:TagKeys", ["env"])], "s3:GetObject",
     OBJ, {"aws:TagKeys": ["env", "cost"]}, None),
    ("ForAnyValue-IfExists-absent", [cond("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["env"])],
     "s3:GetObject", OBJ, {}, "Allow"),
    # Combining
    ("keys-in-one-operator-ANDed", [allow(Condition={"StringEquals": {"aws:username": "bob", "aws:RequestedRegion":
     "eu-west-1"}})], "s3:GetObject", OBJ, {"aws:username": "bob", "aws:RequestedRegion": "us-east-1"}, None),
    ("keys-in-one-operator-all-true", [allow(Condition={"StringEquals": {"aws:username": "bob",
     "aws:RequestedRegion": "eu-west-1"}})], "s3:GetObject", OBJ,
     {"aws:username": "bob", "aws:RequestedRegion": "eu-west-1"}, "Allow"),
    ("operators-ANDed", [allow(Condition={"StringEquals": {"aws:username": "bob"}, "Bool": {
     "aws:SecureTransport": "true"}})], "s3:GetObject", OBJ, {"aws:username": "bob", "aws:SecureTransport": "false"},
     None),
    # Policy variables
    ("variable-in-resource", [allow(resource="arn:aws:s3:::home/${aws:username}/*")], "s3:GetObject",
     "arn:aws:s3:::home/bob/notes", {"aws:username": "bob"}, "Allow"),
    ("variable-other-user", [allow(resource="arn:aws:s3:::home/${aws:username}/*")], "s3:GetObject",
     "arn:aws:s3:::home/alice/notes", {"aws:username": "bob"}, None),
    ("variable-missing-key", [allow(resource="arn:aws:s3:::home/${aws:username}/*")], "s3:GetObject",
     "arn:aws:s3:::home/bob/notes", {}, None),
    ("variable-default", [allow(resource="arn:aws:s3:::home/${aws:username, 'guest'}/*")], "s3:GetObject",
     "arn:aws:s3:::home/guest/notes", {}, "Allow"),
    ("variable-value-is-literal", [allow(resource="arn:aws:s3:::home/${aws:username}")], "s3:GetObject",
     "arn:aws:s3:::home/bobby", {"aws:username": "bob*"}, None),
    ("variable-special-chars", [allow(resource="arn:aws:s3:::b/${*}")], "s3:GetObject", "arn:aws:s3:::b/*", {},
     "Allow"),
    ("variable-in-condition", [cond("StringLike", "s3:prefix", "home/${aws:username}/*")], "s3:GetObject", OBJ,
     {"s3:prefix": "home/bob/x", "aws:username": "bob"}, "Allow"),
]


@pytest.mark.parametrize(
    ("statements", "action", "resource", "context", "expected"),
    [c[1:] for c in EVALUATION],
    ids=[c[0] for c in EVALUATION],
)
def test_evaluation(
    statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any], expected: str | None
) -> None:
    assert parse_policy(doc(*statements)).evaluate(action, resource, context) == expected


def test_variables_are_literal_text_in_a_2008_policy() -> None:
    text = doc(allow(resource="arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")
    policy = parse_policy(text)
    assert policy.evaluate("s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", {"aws:username": "bob"}) == "Allow"
    assert policy.evaluate("s3:GetObject", "arn:aws:s3:::home/bob/x", {"aws:username": "bob"}) is None


def test_unknown_operator_with_empty_block_does_not_block() -> None:
    assert parse_policy(doc(allow(Condition={"StringSorta": {}}))).evaluate("s3:GetObject") == "Allow"


def test_hand_built_statements_and_conditions() -> None:
    statement = Statement(
        "Allow",
        actions=("s3:Get*",),
        resources=("arn:aws:s3:::b/*",),
        conditions=(Condition("IpAddress", "aws:SourceIp", ("10.0.0.0/8",)),),
    )
    assert statement.applies("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "10.1.2.3"})
    assert not statement.applies("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "11.1.2.3"})
    assert Policy((statement,)).evaluate("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "10.0.0.1"}) == "Allow"
    assert Condition("ForAllValues:StringEquals", "aws:TagKeys", ("a",)).test({"aws:TagKeys": ("a", "a")})


# --- is_allowed: the intersection ------------------------------------------------------------------------------

S3_ALL = doc(allow("s3:*"))
S3_READ = doc(allow(["s3:GetObject", "s3:ListBucket"]))
EC2_ALL = doc(allow("ec2:*"))
DENY_GET = doc(deny("s3:GetObject"))

# (case, identity, session or None, action, expected)
INTERSECTION: list[tuple[str, list[str], list[str] | None, str, bool]] = [
    ("identity-and-session-allow", [S3_ALL], [S3_READ], "s3:GetObject", True),
    ("session-missing-action", [S3_ALL], [S3_READ], "s3:PutObject", False),
    ("empty-session-list", [S3_ALL], [], "s3:GetObject", False),
    ("explicit-deny-in-session", [S3_ALL], [S3_READ, DENY_GET], "s3:GetObject", False),
    ("session-allows-identity-not", [EC2_ALL], [S3_READ], "s3:GetObject", False),
    ("explicit-deny-in-identity", [S3_ALL, DENY_GET], [S3_READ], "s3:GetObject", False),
    ("any-session-policy-may-allow", [S3_ALL], [EC2_ALL, S3_READ], "s3:ListBucket", True),
    ("no-session-identity-allows", [S3_ALL], None, "s3:PutObject", True),
    ("no-session-identity-silent", [EC2_ALL], None, "s3:PutObject", False),
    ("no-identity-policies", [], [S3_READ], "s3:GetObject", False),
]


@pytest.mark.parametrize(
    ("identity", "session", "action", "expected"),
    [c[1:] for c in INTERSECTION],
    ids=[c[0] for c in INTERSECTION],
)
def test_is_allowed_intersects_identity_and_session_policies(
    identity: list[str], session: list[str] | None, action: str, expected: bool
) -> None:
    identity_policies = [parse_policy(t) for t in identity]
    session_policies = None if session is None else [parse_policy(t, session=True) for t in session]
    assert is_allowed(identity_policies, session_policies, action, OBJ) is expected


def test_is_allowed_passes_resource_and_context_through() -> None:
    identity = [parse_policy(S3_ALL)]
    session = [parse_policy(doc(cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")))]
    assert is_allowed(identity, session, "s3:GetObject", OBJ, {"aws:SourceIp": "10.9.9.9"}) is True
    assert is_allowed(identity, session, "s3:GetObject", OBJ, {"aws:SourceIp": "8.8.8.8"}) is False


# --- AWS-managed policies ----------------------------------------------------------------------------------------

REQUIRED = [
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "ReadOnlyAccess",
    "AdministratorAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "PowerUserAccess",
    "IAMReadOnlyAccess",
]
DATA = Path(mockfed.iam.policy.__file__).parent.parent / "data" / "managed_policies"


def test_required_managed_policies_are_shipped() -> None:
    arns = aws_managed_policy_arns()
    assert set(ARN + name for name in REQUIRED) <= set(arns)
    assert list(arns) == sorted(arns)
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in arns


@pytest.mark.parametrize("arn", aws_managed_policy_arns())
def test_every_shipped_document_is_its_file_and_a_valid_session_policy(arn: str) -> None:
    text = managed_policy_document(arn)
    assert text is not None
    name = arn.rsplit("/", 1)[1]
    assert text == (DATA / f"{name}.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["Version"] == "2012-10-17"
    assert parse_policy(text, session=True).statements


@pytest.mark.parametrize(
    ("name", "action", "resource", "expected"),
    [
        ("AmazonS3ReadOnlyAccess", "s3:GetObject", OBJ, "Allow"),
        ("AmazonS3ReadOnlyAccess", "s3:ListBucket", "arn:aws:s3:::bucket", "Allow"),
        ("AmazonS3ReadOnlyAccess", "s3:PutObject", OBJ, None),
        ("AmazonS3ReadOnlyAccess", "ec2:DescribeInstances", "*", None),
        ("AmazonS3FullAccess", "s3:DeleteBucket", "arn:aws:s3:::bucket", "Allow"),
        ("AdministratorAccess", "iam:CreateUser", "*", "Allow"),
        ("PowerUserAccess", "ec2:RunInstances", "*", "Allow"),
        ("PowerUserAccess", "iam:CreateUser", "*", None),
        ("PowerUserAccess", "iam:ListRoles", "*", "Allow"),
        ("IAMReadOnlyAccess", "iam:GetUser", "*", "Allow"),
        ("IAMReadOnlyAccess", "iam:DeleteUser", "*", None),
        ("AmazonEC2ReadOnlyAccess", "ec2:DescribeInstances", "*", "Allow"),
        ("AmazonEC2ReadOnlyAccess", "ec2:TerminateInstances", "*", None),
        ("AmazonDynamoDBReadOnlyAccess", "dynamodb:GetItem", "*", "Allow"),
        ("AmazonDynamoDBReadOnlyAccess", "dynamodb:PutItem", "*", None),
        ("CloudWatchReadOnlyAccess", "cloudwatch:GetMetricData", "*", "Allow"),
        ("CloudWatchReadOnlyAccess", "cloudwatch:PutMetricData", "*", None),
        ("ReadOnlyAccess", "s3:GetObject", OBJ, "Allow"),
        ("ReadOnlyAccess", "dynamodb:Scan", "*", "Allow"),
        ("ReadOnlyAccess", "s3:PutObject", OBJ, None),
    ],
)
def test_managed_documents_behave(name: str, action: str, resource: str, expected: str | None) -> None:
    policy = parse_policy(managed_policy_document(ARN + name) or "", session=True)
    assert policy.evaluate(action, resource) == expected


def test_s3_read_only_as_session_policy_narrows_an_administrator() -> None:
    admin = [parse_policy(managed_policy_document(ARN + "AdministratorAccess") or "")]
    session = [parse_policy(managed_policy_document(ARN + "AmazonS3ReadOnlyAccess") or "", session=True)]
    assert is_allowed(admin, session, "s3:GetObject", OBJ) is True
    assert is_allowed(admin, session, "s3:PutObject", OBJ) is False


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/NoSuchPolicy",
        "arn:aws:iam::123456789012:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/service-role/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole",
        "arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "AmazonS3ReadOnlyAccess",
        "",
    ],
)
def test_unshipped_or_wrong_arns_have_no_document(arn: str) -> None:
    assert managed_policy_document(arn) is None


def test_managed_document_with_a_path() -> None:
    text = managed_policy_document("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert text is not None
    assert parse_policy(text).evaluate("logs:PutLogEvents") == "Allow"


# --- the module itself -------------------------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(mockfed.iam.policy, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_remembered_verdicts_never_cross_contexts_or_requests() -> None:
    static = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::a/*"},'
        '{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/secret"}]}'
    )
    for _ in range(2):  # asked twice: the same answers
        assert static.evaluate("s3:GetObject", "arn:aws:s3:::a/k") == "Allow"
        assert static.evaluate("s3:GetObject", "arn:aws:s3:::a/secret") == "Deny"
        assert static.evaluate("s3:PutObject", "arn:aws:s3:::a/k") is None
    for index in range(3000):  # many distinct requests: still right, memory bounded
        assert static.evaluate("s3:GetObject", f"arn:aws:s3:::b/{index}") is None
    assert static.evaluate("s3:GetObject", "arn:aws:s3:::a/secret") == "Deny"

    conditional = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",'
        '"Condition":{"StringEquals":{"aws:username":"alice"}}}]}'
    )
    variable = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::home/${aws:username}/*"}]}'
    )
    for _ in range(2):
        assert conditional.evaluate("s3:GetObject", "*", {"aws:username": "alice"}) == "Allow"
        assert conditional.evaluate("s3:GetObject", "*", {"aws:username": "bob"}) is None
        assert variable.evaluate("s3:GetObject", "arn:aws:s3:::home/alice/x", {"aws:username": "alice"}) == "Allow"
        assert variable.evaluate("s3:GetObject", "arn:aws:s3:::home/alice/x", {"aws:username": "bob"}) is None


def test_remembered_trust_verdicts_never_cross_requesters_actions_or_roles() -> None:
    from mockfed.iam.trust import Requester, decide

    policy = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
        '"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":'
        '{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"]}]}',
        trust=True,
    )
    alice = Requester("AWS", ("arn:aws:iam::123456789012:user/alice",), "123456789012")
    bob = Requester("AWS", ("arn:aws:iam::123456789012:user/bob",), "123456789012")
    partner = Requester("AWS", ("arn:aws:iam::111122223333:user/carol",), "111122223333")
    role, other = "arn:aws:iam::123456789012:role/R", "arn:aws:iam::123456789012:role/S"
    for _ in range(2):  # asked twice: the same answers
        assert decide(policy, "sts:AssumeRole", role, alice) == "principal"
        assert decide(policy, "sts:AssumeRole", other, alice) == "principal"
        assert decide(policy, "sts:AssumeRole", role, bob) is None
        assert decide(policy, "sts:TagSession", role, alice) is None
        assert decide(policy, "sts:TagSession", role, partner) == "account"
    conditional = parse_policy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},'
        '"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}',
        trust=True,
    )
    for _ in range(2):
        assert decide(conditional, "sts:AssumeRole", role, bob, {"sts:ExternalId": "x"}) == "account"
        assert decide(conditional, "sts:AssumeRole", role, bob, {"sts:ExternalId": "y"}) is None
