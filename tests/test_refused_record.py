"""A request refused before any action ran (in authentication, or unreadable) is in the record with its outcome:
``backend.calls``, ``GET /_mockfed/state`` and the server's log line, with what could be read of it."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from mockfed import FederationBackend, mock_federation
from mockfed.remote import RemoteBackend
from mockfed.server import FederationServer


def client(key: str, secret: str, token: str | None = None, region: str = "us-east-1", **extra: Any) -> Any:
    return boto3.session.Session().client(
        "sts", region_name=region, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        **extra,
    )  # fmt: skip


def refused_code(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    code: str = info.value.response["Error"]["Code"]
    return code


def test_a_wrong_signature_is_logged_with_its_action_key_and_region() -> None:
    with mock_federation() as backend:
        alice = backend.create_user("alice")
        sts = client(alice.access_key_id, "wrong" * 8, region="eu-west-1")
        assert refused_code(sts.get_caller_identity) == "SignatureDoesNotMatch"
    call = backend.calls[-1]
    assert (call.action, call.status, call.error_code, call.region) == (
        "GetCallerIdentity", 403, "SignatureDoesNotMatch", "eu-west-1")
    assert (call.access_key_id, call.caller_arn, call.ok) == (alice.access_key_id, None, False)
    assert call.error_message is not None
    assert call.error_message.startswith("The request signature we calculated does not match")


def test_an_expired_session_is_logged_with_the_sessions_key() -> None:
    with mock_federation() as backend:
        creds = client(backend.default_user.access_key_id, backend.default_user.secret_access_key).get_federation_token(
            Name="Bob", DurationSeconds=900)["Credentials"]
        backend.clock.advance(seconds=901)
        sts = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        assert refused_code(lambda: sts.get_federation_token(Name="Eve")) == "ExpiredToken"
    call = backend.calls[-1]
    assert (call.action, call.params, call.status, call.error_code, call.access_key_id) == (
        "GetFederationToken", {"Name": "Eve"}, 403, "ExpiredToken", creds["AccessKeyId"])


def test_a_deleted_key_is_logged_as_invalid_client_token_id() -> None:
    with mock_federation() as backend:
        alice = backend.create_user("alice")
        backend.delete_access_key(alice.access_key_id)
        sts = client(alice.access_key_id, alice.secret_access_key)
        assert refused_code(sts.get_caller_identity) == "InvalidClientTokenId"
    assert [(c.action, c.error_code, c.access_key_id) for c in backend.calls] == [
        ("GetCallerIdentity", "InvalidClientTokenId", alice.access_key_id)]


def test_an_unreadable_request_is_logged_with_the_action_it_names() -> None:
    with mock_federation() as backend:
        unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
        requests.post("https://sts.amazonaws.com/", data="Action=NoSuchThing&Version=2011-06-15", headers=unsigned,
                      timeout=5)
        requests.post("https://sts.amazonaws.com/", data="Version=2011-06-15", headers=unsigned, timeout=5)
    assert [(c.action, c.status, c.error_code, c.access_key_id) for c in backend.calls] == [
        ("NoSuchThing", 400, "InvalidAction", None),
        ("", 400, "MissingAction", None),
    ]


def test_the_server_logs_and_shows_a_refused_request_with_its_action(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockfed.server")
    backend = FederationBackend()
    with FederationServer(backend=backend, port=0) as server:
        default = backend.default_user
        creds = client(default.access_key_id, default.secret_access_key, endpoint_url=server.url).get_session_token(
            DurationSeconds=900)["Credentials"]
        RemoteBackend(server.url).clock.advance(seconds=901)
        sts = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], endpoint_url=server.url)
        assert refused_code(sts.get_caller_identity) == "ExpiredToken"
        state = requests.get(f"{server.url}/_mockfed/state", timeout=5).json()
    lines = [record.getMessage() for record in caplog.records if record.name == "mockfed.server"]
    assert f"GetCallerIdentity {creds['AccessKeyId']} 403 ExpiredToken" in [line.rsplit(" ", 2)[0] for line in lines]
    shown = state["calls"][-1]
    assert shown["reason"] is None  # an expired token needs no reason: the message says it
    assert (shown["action"], shown["status"], shown["error_code"], shown["access_key_id"], shown["caller_arn"]) == (
        "GetCallerIdentity", 403, "ExpiredToken", creds["AccessKeyId"], None)


def test_the_record_of_a_refused_request_is_bounded_whatever_the_client_sent() -> None:
    with mock_federation(strict_auth=True) as backend:
        unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
        huge = "A" * 1_000_000
        requests.post("https://sts.amazonaws.com/", data=f"Action={huge}&Version=2011-06-15", headers=unsigned,
                      timeout=5)
        requests.post("https://sts.amazonaws.com/", headers=unsigned, timeout=5,
                      data=f"Action=GetFederationToken&Version=2011-06-15&Name=Bob&Policy={huge}")
    invalid, unsigned_call = backend.calls
    assert (invalid.error_code, len(invalid.action)) == ("InvalidAction", 128)
    assert invalid.error_message is not None
    assert len(invalid.error_message) < 2100
    assert invalid.error_message.endswith("more characters)")
    assert unsigned_call.status == 403
    assert len(unsigned_call.params["Policy"]) < 2100
