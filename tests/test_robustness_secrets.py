"""Secrets: no secret access key or session token in mockfed's logs, nor in the repr of what tests print.

The secrets are the simulator's own (fake) credentials, but a test suite's logs and failure
messages end up in CI output, and a developer's habits carry over to real credentials: mockfed
shows neither a secret nor a token where a test would print or log it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import (
    DEFAULT_SECRET_ACCESS_KEY,
    FederatedSession,
    FederationBackend,
    Principal,
    mock_federation,
)
from mockfed import sts as sts_actions
from mockfed.dispatch import handle
from mockfed.http import HttpRequest

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
FEDERATE_AND_READ = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","sts:GetFederationToken"],'
    '"Resource":"*"}]}'
)


def secrets_of(backend: FederationBackend) -> set[str]:
    """Every secret the backend knows: principals' secret keys, sessions' secret keys and tokens."""
    found = {DEFAULT_SECRET_ACCESS_KEY, backend.root_user.secret_access_key, backend.default_user.secret_access_key}
    for session in backend.sessions:
        found |= {session.secret_access_key, session.session_token}
    return found


def assert_no_secret_in(texts: Iterable[str], secrets: set[str]) -> None:
    """No secret, as it is or URL-encoded (a query string in a logged request line), in any of ``texts``."""
    forms = {form for secret in secrets for form in (secret, quote(secret, safe=""), quote(secret), quote_plus(secret))}
    for text in texts:
        for form in forms:
            leaked = form in text  # not `assert form not in text`: pytest would print the secret it found
            assert not leaked, f"a secret appears in: {text.replace(form, '<SECRET>')[:300]}"


def _log_texts(records: list[logging.LogRecord]) -> list[str]:
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(logging.Formatter().format(record))  # with the traceback, if any
    return texts


def _session_client(creds: dict[str, Any], region: str = "us-east-1", secret: str | None = None) -> Any:
    return boto3.client(
        "sts",
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=secret or creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_logs_hold_no_secret_during_a_run_with_errors(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="mockfed")
    raw = Config(parameter_validation=False, retries={"total_max_attempts": 1})
    with mock_federation() as backend:
        alice = backend.create_user("alice", FEDERATE_AND_READ)
        sts = boto3.client("sts", region_name="us-east-1", config=raw)
        creds = sts.get_federation_token(Name="Bob", Policy=POLICY, DurationSeconds=900)["Credentials"]
        _session_client(creds).get_caller_identity()
        as_alice = boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=alice.access_key_id,
            aws_secret_access_key=alice.secret_access_key,
        )
        as_alice.get_federation_token(Name="AliceSession", Policy=POLICY)
        url = _session_client(creds).generate_presigned_url("get_caller_identity", HttpMethod="GET")
        assert requests.get(url, timeout=5).status_code == 200
        assert requests.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=5).status_code == 403
        failures = [
            lambda: sts.get_federation_token(Name="B b", DurationSeconds=10, Policy="{"),  # validation
            lambda: sts.get_federation_token(Name="Bob", Policy='{"Statement": 1}'),  # malformed policy
            lambda: _session_client(creds).get_federation_token(Name="Again"),  # session credentials
            lambda: _session_client(creds, secret="wrong" * 8).get_caller_identity(),  # bad signature
            lambda: _session_client(
                {**creds, "SessionToken": creds["SessionToken"][:-8] + "AAAAAAAA"}
            ).get_caller_identity(),  # altered token
        ]
        for failure in failures:
            with pytest.raises(ClientError):
                failure()
        backend.clock.advance(seconds=901)
        with pytest.raises(ClientError, match="ExpiredToken"):
            _session_client(creds).get_caller_identity()

        # and a crash inside mockfed, which the pipeline logs with its traceback
        def crash(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("simulated mockfed bug")

        monkeypatch.setitem(sts_actions.ACTIONS, "GetFederationToken", crash)
        with pytest.raises(ClientError, match="InternalFailure"):
            sts.get_federation_token(Name="Crash")
    crash_logs = [r for r in caplog.records if r.name == "mockfed" and r.levelno == logging.ERROR]
    assert len(crash_logs) == 1  # the capture works: the crash was logged, with its traceback
    assert "simulated mockfed bug" in logging.Formatter().format(crash_logs[0])
    secrets = secrets_of(backend) | {alice.secret_access_key}
    assert len(secrets) >= 7
    assert_no_secret_in(_log_texts(caplog.records), secrets)


def test_server_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    from mockfed.server import FederationServer

    caplog.set_level(logging.DEBUG, logger="mockfed")
    with FederationServer() as server:
        backend = server.backend
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id=backend.default_user.access_key_id,
            aws_secret_access_key=backend.default_user.secret_access_key,
        )
        creds = sts.get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
        federated = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        federated.get_caller_identity()
        url = federated.generate_presigned_url("get_caller_identity", HttpMethod="GET")
        assert requests.get(url, timeout=5).status_code == 200
        with pytest.raises(ClientError):
            federated.get_federation_token(Name="Again")
    assert_no_secret_in(_log_texts(caplog.records), secrets_of(backend))


def test_reprs_mask_secrets_and_tokens() -> None:
    backend = FederationBackend(seed=11)
    user = backend.create_user("alice", POLICY)
    backend.get_federation_token(backend.default_user, {"Name": "Bob", "Policy": POLICY}, "eu-west-1")
    session = backend.sessions[0]
    federated = backend.principal(session.access_key_id)
    assert isinstance(session, FederatedSession)
    assert isinstance(federated, Principal)
    secrets = secrets_of(backend) | {user.secret_access_key}
    shown = [repr(session), repr(federated), repr(user), repr(backend.default_user), repr(backend.root_user)]
    shown += [repr(backend), str(backend), repr(backend.sessions), repr(backend.clock)]
    assert_no_secret_in(shown, secrets)
    # what stays visible is what a test needs to tell them apart
    assert session.access_key_id in repr(session)
    assert "name='Bob'" in repr(session)
    assert federated.arn in repr(federated)


def test_the_parsed_request_credential_does_not_show_the_token() -> None:
    from mockfed.auth import credential_of

    request = HttpRequest.build(
        "POST",
        "https://sts.amazonaws.com/",
        {
            "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/sts/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=ab",
            "X-Amz-Security-Token": "IQoJb3JpZ2luX2VjTOKEN-SECRET",
            "X-Amz-Date": "20260101T000000Z",
        },
        b"",
    )
    credential = credential_of(request)
    assert credential is not None
    assert credential.session_token == "IQoJb3JpZ2luX2VjTOKEN-SECRET"
    assert "TOKEN-SECRET" not in repr(credential)


def test_call_log_repr_masks_issued_credentials() -> None:
    backend = FederationBackend()
    pipeline_answer = handle(
        HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, b"Action=GetFederationToken&Name=Bob"), backend
    )
    assert pipeline_answer.status == 200
    assert_no_secret_in([repr(backend.calls)], secrets_of(backend))
