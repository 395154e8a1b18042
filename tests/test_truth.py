"""Every answer is worked out from the account as it is now: a change counts from the next request on.

A session acts for its user or role as they are at each request (AWS evaluates temporary
credentials' permissions on every request, from "the current permissions of the associated IAM
user or role"); a key deleted, or a session whose user or role was deleted, is refused as AWS
refuses it (docs/sts_messages.md); asking the same question before a change never changes the
answer after it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import FederationBackend, StsError, mock_federation

moto = pytest.importorskip("moto")

ACCOUNT = "123456789012"
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
FEDERATE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:GetFederationToken"], "Resource": "*"}],
}
TRUST_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
}
INVALID_TOKEN = ("InvalidClientTokenId", "The security token included in the request is invalid")
OBJECT = "arn:aws:s3:::reports/q3.csv"


def client(key: dict[str, Any] | Any) -> Any:
    if not isinstance(key, dict):  # a Principal
        key = {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key}
    return boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
    )


def refusal(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# ---- what the issue found -------------------------------------------------------------------------------------


@pytest.mark.parametrize("asked_before", [True, False], ids=["asked-before", "not-asked-before"])
def test_a_moto_role_sessions_permissions_are_the_roles_current_ones(asked_before: bool) -> None:
    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName="Reader", AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT))
        iam.put_role_policy(RoleName="Reader", PolicyName="s3", PolicyDocument=json.dumps(S3_ALL))
        role_arn = iam.get_role(RoleName="Reader")["Role"]["Arn"]
        session = boto3.client("sts", region_name="us-east-1").assume_role(RoleArn=role_arn, RoleSessionName="reader")
        key = session["Credentials"]["AccessKeyId"]
        if asked_before:
            assert backend.is_allowed(key, "s3:GetObject", OBJECT)
        iam.delete_role_policy(RoleName="Reader", PolicyName="s3")
        assert not backend.is_allowed(key, "s3:GetObject", OBJECT)


def test_a_federated_session_loses_what_its_user_loses(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", FEDERATE)
    creds = client(alice).get_federation_token(Name="Bob", Policy=json.dumps(S3_ALL))["Credentials"]
    assert mockfed.is_allowed(creds["AccessKeyId"], "s3:GetObject", OBJECT)
    mockfed.delete_user_policy("alice", "policy")
    assert not mockfed.is_allowed(creds["AccessKeyId"], "s3:GetObject", OBJECT)
    mockfed.put_user_policy("alice", "back", S3_ALL)  # and gains what it gains
    assert mockfed.is_allowed(creds["AccessKeyId"], "s3:GetObject", OBJECT)


@pytest.mark.parametrize("action", ["get_federation_token", "get_session_token"])
def test_the_sessions_of_a_deleted_user_are_refused(mockfed: FederationBackend, action: str) -> None:
    alice = mockfed.create_user("alice", FEDERATE)
    params = {"Name": "Bob"} if action == "get_federation_token" else {}
    creds = getattr(client(alice), action)(**params)["Credentials"]
    assert client(creds).get_caller_identity()["Account"] == ACCOUNT
    mockfed.delete_user("alice")
    assert refusal(client(creds).get_caller_identity) == INVALID_TOKEN
    assert not mockfed.is_allowed(creds["AccessKeyId"], "s3:GetObject", OBJECT)


def test_a_deleted_moto_key_is_refused_not_taken_for_the_default_user() -> None:
    with moto.mock_aws(), mock_federation():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        assert client(key).get_caller_identity()["Arn"].endswith(":user/alice")
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
        assert refusal(client(key).get_caller_identity) == INVALID_TOKEN


def test_a_deleted_moto_users_keys_are_refused() -> None:
    with moto.mock_aws(), mock_federation():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        iam.delete_user(UserName="alice")
        assert refusal(client(key).get_caller_identity) == INVALID_TOKEN


# ---- keys --------------------------------------------------------------------------------------------------


def test_a_deleted_key_is_refused_and_the_users_other_key_goes_on(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", FEDERATE)
    second = mockfed.create_access_key("alice")
    mockfed.delete_access_key(alice.access_key_id)
    assert refusal(client(alice).get_caller_identity) == INVALID_TOKEN
    assert client(second).get_caller_identity()["Arn"] == alice.arn
    mockfed.create_access_key("alice")  # two again
    with pytest.raises(StsError) as raised:
        mockfed.create_access_key("alice")
    assert (raised.value.code, raised.value.message) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )


def test_a_deleted_key_is_refused_even_unstrict_and_once_asked_before(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice")
    for _ in range(2):
        assert client(alice).get_caller_identity()["Arn"] == alice.arn
    mockfed.delete_access_key(alice.access_key_id)
    for _ in range(2):
        assert refusal(client(alice).get_caller_identity) == INVALID_TOKEN


def test_an_inactive_key_is_refused_until_it_is_active_again(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice")
    mockfed.update_access_key(alice.access_key_id, "Inactive")
    assert refusal(client(alice).get_caller_identity) == INVALID_TOKEN
    mockfed.update_access_key(alice.access_key_id, "Active")
    assert client(alice).get_caller_identity()["Arn"] == alice.arn


def test_sessions_outlive_the_key_that_asked_for_them(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", FEDERATE)
    creds = client(alice).get_session_token()["Credentials"]
    mockfed.delete_access_key(alice.access_key_id)
    assert client(creds).get_caller_identity()["Arn"] == alice.arn
    assert mockfed.is_allowed(creds["AccessKeyId"], "s3:GetObject", OBJECT)


def test_keys_that_mockfed_never_knew_still_act_as_the_default_user(mockfed: FederationBackend) -> None:
    for key in ("testing", "AKIAIOSFODNN7EXAMPLE"):
        sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key="x")
        assert sts.get_caller_identity()["Arn"] == mockfed.default_user.arn


# ---- roles -------------------------------------------------------------------------------------------------


def test_a_role_sessions_permissions_follow_the_role(mockfed: FederationBackend) -> None:
    role = mockfed.create_role("Deployer", TRUST_ACCOUNT)
    creds = boto3.client("sts", region_name="us-east-1").assume_role(RoleArn=role.arn, RoleSessionName="ci")
    key = creds["Credentials"]["AccessKeyId"]
    assert not mockfed.is_allowed(key, "s3:GetObject", OBJECT)
    mockfed.attach_role_policy("Deployer", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert mockfed.is_allowed(key, "s3:GetObject", OBJECT)
    mockfed.detach_role_policy("Deployer", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert not mockfed.is_allowed(key, "s3:GetObject", OBJECT)


def test_the_sessions_of_a_deleted_role_are_refused_even_once_it_is_made_again(mockfed: FederationBackend) -> None:
    role = mockfed.create_role("Deployer", TRUST_ACCOUNT, policy=S3_ALL)
    sts = boto3.client("sts", region_name="us-east-1")
    creds = sts.assume_role(RoleArn=role.arn, RoleSessionName="ci")["Credentials"]
    mockfed.delete_role("Deployer")
    assert refusal(client(creds).get_caller_identity) == INVALID_TOKEN
    assert refusal(sts.assume_role, RoleArn=role.arn, RoleSessionName="ci") == (
        "AccessDenied",
        f"User: {mockfed.default_user.arn} is not authorized to perform: sts:AssumeRole on resource: {role.arn}",
    )
    again = mockfed.create_role("Deployer", TRUST_ACCOUNT, policy=S3_ALL)
    assert again.role_id != role.role_id
    assert refusal(client(creds).get_caller_identity) == INVALID_TOKEN
    fresh = sts.assume_role(RoleArn=again.arn, RoleSessionName="ci")["Credentials"]
    assert client(fresh).get_caller_identity()["UserId"] == f"{again.role_id}:ci"


# ---- IAM's answers for what is not there ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "arguments", "code", "message"),
    [
        ("delete_user", ("nobody",), "NoSuchEntity", "The user with name nobody cannot be found."),
        ("delete_role", ("Nobody",), "NoSuchEntity", "The role with name Nobody cannot be found."),
        ("delete_access_key", ("AKIAIOSFODNN7EXAMPLE",), "NoSuchEntity",
         "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found."),
        ("delete_user_policy", ("alice", "nope"), "NoSuchEntity", "The user policy with name nope cannot be found."),
        ("detach_user_policy", ("alice", "arn:aws:iam::aws:policy/ReadOnlyAccess"), "NoSuchEntity",
         "Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found."),
        ("attach_user_policy", ("alice", "arn:aws:iam::aws:policy/Nope"), "NoSuchEntity",
         "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."),
        ("update_access_key", ("AKIAIOSFODNN7EXAMPLE", "Off"), "ValidationError",
         "1 validation error detected: Value 'Off' at 'status' failed to satisfy constraint: Member must satisfy "
         "enum value set: [Active, Inactive]"),
        ("delete_user", ("mockfed-default",), "DeleteConflict", None),
    ],
)
def test_changes_of_what_is_not_there_answer_as_iam(
    change: str, arguments: tuple[str, ...], code: str, message: str | None
) -> None:
    backend = FederationBackend()
    backend.create_user("alice")
    with pytest.raises(StsError) as raised:
        getattr(backend, change)(*arguments)
    assert raised.value.code == code
    if message is not None:
        assert raised.value.message == message


def test_a_policy_in_use_cannot_be_deleted() -> None:
    backend = FederationBackend()
    arn = backend.create_policy("Reports", S3_ALL)
    backend.create_user("alice", managed=[arn])
    with pytest.raises(StsError) as raised:
        backend.delete_policy(arn)
    assert (raised.value.code, raised.value.message) == (
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
    )
    backend.detach_user_policy("alice", arn)
    backend.delete_policy(arn)
    assert backend.managed_policy(arn) is None


@pytest.mark.parametrize("which", ["default_user", "root_user"])
def test_the_keys_the_account_keeps_cannot_be_deleted_and_the_error_says_why(which: str) -> None:
    backend = FederationBackend()
    key = getattr(backend, which).access_key_id
    for change, arguments in (("delete_access_key", (key,)), ("update_access_key", (key, "Inactive"))):
        with pytest.raises(StsError) as raised:
            getattr(backend, change)(*arguments)
        assert raised.value.code == "InvalidInput"
        assert "create_user" in raised.value.message
    assert backend.principal(key) is not None


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ((None, "s3:GetObject"), "access_key_id"),
        (("AKIABZPUZDIKAMOCKFED", 5), "action"),
        (("AKIABZPUZDIKAMOCKFED", "s3:GetObject", ["arn:aws:s3:::b/k"]), "resource"),
        (("AKIABZPUZDIKAMOCKFED", "s3:GetObject", "*", {"aws:SourceIp": 10}), "context"),
        (("AKIABZPUZDIKAMOCKFED", "s3:GetObject", "*", ["aws:SourceIp"]), "context"),
    ],
)
def test_a_question_asked_with_the_wrong_types_names_the_argument(arguments: tuple[object, ...], named: str) -> None:
    with pytest.raises(TypeError, match=f"is_allowed: {named} must be"):
        FederationBackend().is_allowed(*arguments)  # type: ignore[arg-type]


def test_an_error_injected_for_an_action_that_does_not_exist_fails_loudly() -> None:
    with pytest.raises(StsError) as raised:
        FederationBackend().inject_error("GetFederationTokn", "Throttling")
    assert raised.value.code == "ValidationError"
    assert "at 'action'" in raised.value.message
    assert "GetFederationToken" in raised.value.message  # the choices
