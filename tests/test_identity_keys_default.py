"""The default user's key id is a well-formed AWS key id: code that reads the account out of it works."""

from __future__ import annotations

import base64
import os

import boto3
import pytest

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, mock_federation


def _account_of(key_id: str) -> str:
    """A user's own decoding, as published (base32 after the prefix, 6 bytes, mask, shift)."""
    raw = base64.b32decode(key_id[4:])
    return f"{(int.from_bytes(raw[:6], 'big') & 0x7FFFFFFFFF80) >> 7:012d}"


def test_the_mock_s_environment_key_decodes_to_the_default_account() -> None:
    with mock_federation():
        sts = boto3.client("sts", region_name="us-east-1")
        assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT_ID
        assert os.environ["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
        assert _account_of(os.environ["AWS_ACCESS_KEY_ID"]) == DEFAULT_ACCOUNT_ID
        assert sts.get_access_key_info(AccessKeyId=DEFAULT_ACCESS_KEY_ID)["Account"] == DEFAULT_ACCOUNT_ID


def test_in_another_account_the_default_key_answers_that_account() -> None:
    with mock_federation(account_id="111122223333"):
        sts = boto3.client("sts", region_name="us-east-1")
        assert sts.get_access_key_info(AccessKeyId=DEFAULT_ACCESS_KEY_ID)["Account"] == "111122223333"
        assert sts.get_caller_identity()["Account"] == "111122223333"


@pytest.mark.parametrize("key_id", ["ZZZZBZPUZDIKAMOCKFED", "AIDABZPUZDIKAMOCKFED", "AROABZPUZDIKAMOCKFED"])
def test_a_key_id_without_an_access_key_prefix_encodes_no_account(key_id: str) -> None:
    with mock_federation():
        sts = boto3.client("sts", region_name="us-east-1")
        with pytest.raises(sts.exceptions.ClientError) as info:
            sts.get_access_key_info(AccessKeyId=key_id)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert info.value.response["Error"]["Message"] == f"The access key ID '{key_id}' is not a valid access key ID."
