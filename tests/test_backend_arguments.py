"""The backend's Python API met with odd arguments: every refusal is a clear error naming the field.

A test writes ``backend.create_role(...)`` by hand, and a typo (a number for a tag value, a list
where a dict goes) must fail there, with the field's name, not later as a ``TypeError`` from deep
inside a policy evaluation or as a 500 from the pipeline.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from mockfed import FederationBackend, mock_federation
from mockfed.errors import StsError

ACCOUNT = "123456789012"
OPEN_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
}


def refused(call: Any, *args: Any, **kwargs: Any) -> StsError:
    with pytest.raises(StsError) as info:
        call(*args, **kwargs)
    return info.value


# ---- tags ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"team": 1},
        {"team": None},
        {5: "blue"},
        [("team", "blue")],
        "team=blue",
        {"k" * 129: "v"},
        {"team": "v" * 257},
        {"": "v"},
        {"team!": "v"},
        {"aws:team": "v"},
        {f"k{i}": "v" for i in range(51)},
    ],
)
def test_principal_tags_that_iam_refuses_are_refused_naming_the_field(tags: Any) -> None:
    backend = FederationBackend()
    for error in (
        refused(backend.create_role, "Tagged", OPEN_TRUST, tags=tags),
        refused(backend.create_user, "tagged", tags=tags),
    ):
        assert (error.code, error.status) == ("ValidationError", 400)
        assert "at 'tags'" in error.message


def test_tags_iam_accepts_still_work_and_conditions_on_them_evaluate() -> None:
    backend = FederationBackend()
    allow_blue = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            }
        ],
    }
    role = backend.create_role("Blue", OPEN_TRUST, policy=allow_blue, tags={"team": "blue", "cost-center": ""})
    user = backend.create_user("blue", allow_blue, tags={"team": "blue", "Département": "7"})
    out = backend.invoke("AssumeRole", {"RoleArn": role.arn, "RoleSessionName": "ci"}, None, "us-east-1")
    assert backend.is_allowed(out["Credentials"]["AccessKeyId"], "s3:GetObject")
    assert backend.is_allowed(user.access_key_id, "s3:GetObject")


# ---- roles, users and policies: each argument of the wrong type or form -------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"trust_policy": None}, "assumeRolePolicyDocument"),
        ({"trust_policy": 5}, "assumeRolePolicyDocument"),
        ({"trust_policy": [OPEN_TRUST]}, "assumeRolePolicyDocument"),
        ({"policy": 5}, "policyDocument"),
        ({"policy": [1]}, "policyDocument"),
        ({"path": None}, "path"),
        ({"path": 5}, "path"),
        ({"path": "/a b/"}, "path"),
        ({"path": "/" + "a" * 511 + "/"}, "path"),
        ({"max_session_duration": "3600"}, "maxSessionDuration"),
        ({"max_session_duration": None}, "maxSessionDuration"),
        ({"max_session_duration": 3600.5}, "maxSessionDuration"),
        ({"managed": None}, "policyArn"),
        ({"managed": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, "policyArn"),
        ({"managed": [1]}, "policyArn"),
        ({"permissions_boundary": 5}, "permissionsBoundary"),
    ],
)
def test_create_role_refuses_odd_arguments_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    options = {"trust_policy": OPEN_TRUST, **arguments}
    error = refused(FederationBackend().create_role, "Odd", **options)
    assert (error.code, error.status) == ("ValidationError", 400)
    assert f"at '{field}'" in error.message


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"policy": 5}, "policyDocument"),
        ({"managed": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, "policyArn"),
        ({"managed": None}, "policyArn"),
    ],
)
def test_create_user_refuses_odd_arguments_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    error = refused(FederationBackend().create_user, "odd", **arguments)
    assert (error.code, f"at '{field}'" in error.message) == ("ValidationError", True)


@pytest.mark.parametrize("document", [None, 5, ["x"]])
def test_create_policy_refuses_a_document_that_is_not_one(document: Any) -> None:
    error = refused(FederationBackend().create_policy, "Odd", document)
    assert (error.code, "at 'policyDocument'" in error.message) == ("ValidationError", True)


def test_a_role_with_a_path_iam_accepts() -> None:
    role = FederationBackend().create_role("Pathed", OPEN_TRUST, path="/team-a/ci/")
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/team-a/ci/Pathed"


# ---- names taken already ---------------------------------------------------------------------------------------


def test_a_user_name_taken_already_is_entity_already_exists() -> None:
    backend = FederationBackend()
    backend.create_user("alice")
    for name in ("alice", "ALICE", "mockfed-default"):
        error = refused(backend.create_user, name)
        assert (error.code, error.status) == ("EntityAlreadyExists", 409)
        assert error.message == f"User with name {name} already exists."


def test_a_policy_name_taken_already_is_entity_already_exists() -> None:
    backend = FederationBackend()
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    arn = backend.create_policy("Storage", allow)
    error = refused(backend.create_policy, "Storage", deny)
    assert (error.code, error.status, error.message) == (
        "EntityAlreadyExists", 409, "A policy called Storage already exists. Duplicate names are not allowed."
    )
    assert "Allow" in (backend.managed_policy(arn) or "")  # the first document stays


def test_an_mfa_device_name_taken_already_is_entity_already_exists() -> None:
    backend = FederationBackend()
    alice = backend.create_user("alice")
    backend.create_user("bob")
    first = backend.create_mfa_device("phone", user="alice")
    error = refused(backend.create_mfa_device, "phone", user="bob")
    assert (error.code, error.status, error.message) == (
        "EntityAlreadyExists", 409, "MFADevice entity at the same path and name already exists."
    )
    code = backend.mfa_code(first)
    out = backend.invoke(
        "GetSessionToken", {"SerialNumber": first.serial_number, "TokenCode": code}, alice, "us-east-1"
    )  # still alice's device
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"user": 5}, "userName"),
        ({"user": "a b"}, "userName"),
        ({"secret": 5}, "secret"),
        ({"secret": "!!!!"}, "secret"),
        ({"secret": "AAAA"}, "secret"),
    ],
)
def test_create_mfa_device_refuses_odd_arguments_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    error = refused(FederationBackend().create_mfa_device, "phone", **arguments)
    assert (error.code, f"at '{field}'" in error.message) == ("ValidationError", True)


# ---- identity providers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"client_ids": None}, "clientIDList"),
        ({"client_ids": 5}, "clientIDList"),
        ({"client_ids": (audience for audience in ["sts.amazonaws.com"])}, "clientIDList"),
        ({"thumbprints": None}, "thumbprintList"),
        ({"url": "https:////"}, "url"),
        ({"url": "https://issuer.example.com/?tenant=1"}, "url"),
        ({"url": "https://issuer.example.com/#fragment"}, "url"),
        ({"url": "https://issuer example.com"}, "url"),
    ],
)
def test_create_oidc_provider_refuses_odd_arguments_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    options = {"url": "https://issuer.example.com", "client_ids": ["sts.amazonaws.com"], **arguments}
    error = refused(FederationBackend().create_oidc_provider, **options)
    assert (error.code, f"at '{field}'" in error.message) == ("ValidationError", True)


@pytest.mark.parametrize(("arguments", "field"), [({"metadata": 5}, "samlMetadataDocument"), ({"issuer": 5}, "issuer")])
def test_create_saml_provider_refuses_odd_arguments_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    error = refused(FederationBackend().create_saml_provider, "Okta", **arguments)
    assert (error.code, f"at '{field}'" in error.message) == ("ValidationError", True)


def test_an_mfa_device_of_a_user_that_does_not_exist_is_no_such_entity() -> None:
    backend = FederationBackend()
    error = refused(backend.create_mfa_device, "phone", user="nobody")
    assert (error.code, error.status) == ("NoSuchEntity", 404)
    assert error.message == "The user with name nobody cannot be found."
    backend.create_user("Nobody")  # IAM user names are unique whatever their case
    assert backend.create_mfa_device("phone", user="nobody").serial_number.endswith(":mfa/phone")


@pytest.mark.parametrize("account_id", ["12", "12345678901x", "\uff11" * 12, "1234567890123"])
def test_an_account_id_that_is_not_twelve_digits_is_refused_everywhere(account_id: str) -> None:
    message = rf"^{re.escape(repr(account_id))} is not an AWS account id: account_id is 12 digits"
    with pytest.raises(ValueError, match=message):
        FederationBackend(account_id)
    with pytest.raises(ValueError, match=message):
        mock_federation(account_id=account_id)
    with pytest.raises(TypeError, match="account_id is text of 12 digits, such as '123456789012', not a int"):
        FederationBackend(123456789012)  # type: ignore[arg-type]


def test_an_mfa_device_named_for_a_user_in_another_case_belongs_to_that_user() -> None:
    backend = FederationBackend()
    alice = backend.create_user("Alice", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}]})
    device = backend.create_mfa_device("phone", user="alice")  # IAM's user names are case-insensitive
    out = backend.invoke("GetSessionToken", {"SerialNumber": device.serial_number,
                                             "TokenCode": backend.mfa_code(device)}, alice, "us-east-1")
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
