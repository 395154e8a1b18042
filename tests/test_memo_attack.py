"""Attacks on the memos added for speed: each test shows a case where a remembered answer differed from
checking the request afresh (fixed since)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import mock_federation

ACCOUNT = "123456789012"


def sts_for(key: dict[str, Any]) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
    )


def test_an_assume_role_remembered_without_moto_is_checked_afresh_once_moto_is_active_again() -> None:
    moto = pytest.importorskip("moto")
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
        # Without moto, bob's managed policy is nowhere to be read: nothing denies it.
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/ci")
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deployer/ci")
        mock.start(reset=False)
        try:
            with pytest.raises(ClientError) as raised:
                sts.assume_role(**params)
        finally:
            mock.stop()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
