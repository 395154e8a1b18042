"""moto's IAM as mockfed's principal store: fixtures made through moto are principals of the simulated STS."""

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
ASSUME = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def sts_for(key: dict[str, Any]) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
    )


def moto_user(iam: Any, name: str, policy: dict[str, Any]) -> dict[str, Any]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


@pytest.mark.parametrize("moto_first", [True, False], ids=["moto-outside", "moto-inside"])
def test_a_moto_user_is_a_principal(moto_first: bool) -> None:
    outer, inner = (moto.mock_aws(), mock_federation()) if moto_first else (mock_federation(), moto.mock_aws())
    with outer as first, inner as second:
        backend = first if isinstance(first, FederationBackend) else second
        iam = boto3.client("iam", region_name="us-east-1")
        key = moto_user(iam, "alice", S3_ALL)
        identity = sts_for(key).get_caller_identity()
        assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
        assert identity["UserId"] == iam.get_user(UserName="alice")["User"]["UserId"]
        assert backend.is_allowed(key["AccessKeyId"], "s3:GetObject", "arn:aws:s3:::b/k")
        assert not backend.is_allowed(key["AccessKeyId"], "ec2:RunInstances")


def test_federation_tokens_of_a_moto_user_intersect_its_moto_policies() -> None:
    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        policy_arn = iam.create_policy(
            PolicyName="ReadReports",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
            ),
        )["Policy"]["Arn"]
        key = moto_user(
            iam,
            "broker",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:*", "ec2:Describe*", "sts:GetFederationToken"], "Resource": "*"}
                ],
            },
        )
        out = sts_for(key).get_federation_token(Name="Bob", PolicyArns=[{"arn": policy_arn}])
        federated = out["Credentials"]["AccessKeyId"]
        assert out["FederatedUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:federated-user/Bob"
        assert backend.sessions[-1].caller_arn == f"arn:aws:iam::{ACCOUNT}:user/broker"
        assert backend.is_allowed(federated, "s3:GetObject", "arn:aws:s3:::b/k")  # both allow it
        assert not backend.is_allowed(federated, "s3:PutObject", "arn:aws:s3:::b/k")  # the session policy does not
        assert not backend.is_allowed(federated, "ec2:DescribeInstances")


def test_a_moto_role_is_assumed_through_mockfed_and_moto_records_nothing() -> None:
    from moto.sts.models import sts_backends

    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        key = moto_user(iam, "alice", ASSUME)
        alice_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
        role = iam.create_role(
            RoleName="Reader",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "sts:AssumeRole"}],
                }
            ),
            MaxSessionDuration=7200,
        )["Role"]
        iam.put_role_policy(RoleName="Reader", PolicyName="s3", PolicyDocument=json.dumps(S3_ALL))
        out = sts_for(key).assume_role(RoleArn=role["Arn"], RoleSessionName="run", DurationSeconds=7200)
        assert out["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:run"
        assert backend.is_allowed(out["Credentials"]["AccessKeyId"], "s3:PutObject", "arn:aws:s3:::b/k")
        assert sts_for(out["Credentials"]).get_caller_identity()["Arn"].endswith("assumed-role/Reader/run")
        with pytest.raises(ClientError) as info:
            sts_for(key).assume_role(RoleArn=role["Arn"], RoleSessionName="run", DurationSeconds=7201)
        assert info.value.response["Error"]["Message"] == (
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
        assert dict.get(dict.get(sts_backends, ACCOUNT) or {}, "aws") is None or not (
            sts_backends[ACCOUNT]["aws"].assumed_roles
        )


def test_an_inactive_moto_key_is_refused() -> None:
    with moto.mock_aws(), mock_federation():
        iam = boto3.client("iam", region_name="us-east-1")
        key = moto_user(iam, "alice", S3_ALL)
        iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
        with pytest.raises(ClientError) as info:
            sts_for(key).get_caller_identity()
        assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_a_name_defined_in_both_is_the_backends_own() -> None:
    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        open_trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
        }
        iam.create_role(RoleName="Twin", AssumeRolePolicyDocument=json.dumps(open_trust), MaxSessionDuration=3600)
        mine = backend.create_role("Twin", open_trust, max_session_duration=7200)
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=backend.default_user.access_key_id,
            aws_secret_access_key=backend.default_user.secret_access_key,
        )
        out = sts.assume_role(RoleArn=mine.arn, RoleSessionName="twin", DurationSeconds=7200)
        assert out["AssumedRoleUser"]["AssumedRoleId"].startswith(mine.role_id)


def test_moto_with_a_service_whitelist_without_sts_still_gets_sts_from_mockfed() -> None:
    with moto.mock_aws(config={"core": {"service_whitelist": ["iam", "s3"]}}), mock_federation():
        iam = boto3.client("iam", region_name="us-east-1")
        key = moto_user(iam, "alice", S3_ALL)
        assert sts_for(key).get_caller_identity()["Arn"].endswith(":user/alice")


# ---- moto's IAM read as it is at each request ----


def test_an_assume_role_remembered_without_moto_is_checked_afresh_once_moto_is_active_again() -> None:
    role_trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]}
    with mock_federation() as backend:
        role = backend.create_role("Deployer", role_trust)
        mock = moto.mock_aws()
        mock.start()
        try:
            iam = boto3.client("iam", region_name="us-east-1")
            iam.create_user(UserName="bob")
            iam.put_user_policy(UserName="bob", PolicyName="sts", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}))
            deny = iam.create_policy(PolicyName="NoDeployer", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": role.arn}]}))
            iam.attach_user_policy(UserName="bob", PolicyArn=deny["Policy"]["Arn"])
            key = iam.create_access_key(UserName="bob")["AccessKey"]
            session = sts_for(key).get_session_token()["Credentials"]
        finally:
            mock.stop(remove_data=False)
        sts = sts_for(session)
        params = {"RoleArn": role.arn, "RoleSessionName": "ci"}
        # Without moto, bob is nowhere: his session acts for nobody, as a session of a deleted user.
        for _ in range(2):
            with pytest.raises(ClientError) as gone:
                sts.assume_role(**params)
            assert gone.value.response["Error"]["Code"] == "InvalidClientTokenId"
        mock.start(reset=False)
        try:
            with pytest.raises(ClientError) as raised:
                sts.assume_role(**params)
        finally:
            mock.stop()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


def test_an_mfa_device_may_belong_to_a_moto_user_and_only_to_a_user_that_exists() -> None:
    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        key = moto_user(iam, "carol", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}]})
        device = backend.create_mfa_device("carol-phone", user="carol")
        out = sts_for(key).get_session_token(SerialNumber=device.serial_number, TokenCode=backend.mfa_code(device))
        assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
        with pytest.raises(StsError, match=r"^NoSuchEntity: The user with name dave cannot be found\.$"):
            backend.create_mfa_device("dave-phone", user="dave")
