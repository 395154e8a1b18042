"""One clock: while a mock is active, botocore in the process reads the backend clock, without freezegun.

botocore decides when its credentials need refreshing (an assume-role profile,
``RefreshableCredentials``, the web-identity provider) and stamps its SigV4 signatures by the
time it reads; ``backend.clock.advance()`` moves that time for it, and nothing is patched once
no mock is active.
"""

from __future__ import annotations

import email.utils
import http.client
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import botocore.credentials
import botocore.session
import botocore.signers
import freezegun
import pytest
import requests
import time_machine
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, mock_federation
from mockfed.dispatch import handle
from mockfed.mock import web_identity
from mockfed.server import FederationServer
from tests.conftest import signed_at

ACCOUNT = "123456789012"
ALLOW_ASSUME_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
GITHUB = "https://token.actions.githubusercontent.com"
MAIN = "repo:acme/app:ref:refs/heads/main"


def trusting(principal: dict[str, str], action: str = "sts:AssumeRole") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}],
    }


def actions(backend: FederationBackend) -> list[str]:
    return [call.action for call in backend.calls]


def untouched() -> tuple[Any, Any, Any]:
    """What the mock patches, as botocore defines it."""
    return botocore.credentials.tzlocal, botocore.auth.get_current_datetime, botocore.signers.RequestSigner.sign


ORIGINALS = untouched()


# ---- an assume-role profile (role_arn + source_profile) -----------------------------------------------------------


def test_an_assume_role_profile_refreshes_when_the_backend_clock_passes_its_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_federation() as backend:
        dev = backend.create_user("dev", ALLOW_ASSUME_ROLE)
        role = backend.create_role("Deployer", trusting({"AWS": dev.arn}))
        (tmp_path / "credentials").write_text(
            f"[dev]\naws_access_key_id = {dev.access_key_id}\naws_secret_access_key = {dev.secret_access_key}\n"
        )
        (tmp_path / "config").write_text(
            f"[profile x]\nrole_arn = {role.arn}\nsource_profile = dev\nregion = us-east-1\n"
        )
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))

        session = boto3.Session(profile_name="x")
        sts = session.client("sts")
        assert sts.get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/")
        first_key = session.get_credentials().get_frozen_credentials().access_key
        assert backend.role_sessions[0].duration_seconds == 3600

        backend.clock.advance(seconds=3700)  # past the session's expiry; no freezegun: botocore reads the clock
        assert sts.get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/")
        second_key = session.get_credentials().get_frozen_credentials().access_key

    assert actions(backend) == ["AssumeRole", "GetCallerIdentity", "AssumeRole", "GetCallerIdentity"]
    assert all(call.ok for call in backend.calls)
    assert second_key != first_key
    assert [s.access_key_id for s in backend.role_sessions] == [first_key, second_key]
    assert backend.role_sessions[1].issued_at >= backend.role_sessions[0].expiration


# ---- RefreshableCredentials ---------------------------------------------------------------------------------------


def role_refresher(backend: FederationBackend) -> Callable[[], dict[str, str]]:
    """A refresh function as a broker writes one: AssumeRole with its own keys, an hour."""
    broker = backend.create_user("broker", ALLOW_ASSUME_ROLE)
    role = backend.create_role("Reports", trusting({"AWS": broker.arn}))
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=broker.access_key_id,
        aws_secret_access_key=broker.secret_access_key,
    )

    def refresh() -> dict[str, str]:
        creds = sts.assume_role(RoleArn=role.arn, RoleSessionName="reports", DurationSeconds=3600)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    return refresh


def client_with(credentials: Credentials) -> Any:
    session = botocore.session.get_session()
    session._credentials = credentials
    return session.create_client("sts", region_name="us-east-1")


def test_refreshable_credentials_refresh_when_the_backend_clock_passes_their_expiry() -> None:
    with mock_federation() as backend:
        refresh = role_refresher(backend)
        creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "broker")
        sts = client_with(creds)
        first_key = creds.get_frozen_credentials().access_key
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Reports/reports"

        backend.clock.advance(seconds=3700)
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Reports/reports"
        second_key = creds.get_frozen_credentials().access_key

    assert actions(backend) == ["AssumeRole", "GetCallerIdentity", "AssumeRole", "GetCallerIdentity"]
    assert all(call.ok for call in backend.calls)
    assert second_key != first_key


def test_refreshable_credentials_with_a_refresh_function_made_before_the_mock_read_the_clock_too() -> None:
    backend = FederationBackend()
    with mock_federation(backend=backend):
        refresh = role_refresher(backend)
        metadata = refresh()
    creds = RefreshableCredentials.create_from_metadata(metadata, refresh, "broker")  # default time fetcher
    assert not creds.refresh_needed()  # outside a mock: the process's own time, an hour left
    with mock_federation(backend=backend):
        backend.clock.advance(minutes=55)  # inside botocore's advisory window (15 minutes)
        assert creds.refresh_needed()
        fresh = creds.get_frozen_credentials().access_key
    assert fresh != metadata["access_key"]
    assert actions(backend) == ["AssumeRole", "AssumeRole"]
    assert not creds.refresh_needed()  # the mock is gone: an hour left by the process's time again


def test_a_time_fetcher_of_ones_own_is_left_alone() -> None:
    def fixed() -> datetime:
        return datetime(2026, 6, 1, tzinfo=UTC)

    with mock_federation() as backend:
        refresh = role_refresher(backend)
        metadata = refresh()
        creds = RefreshableCredentials(
            metadata["access_key"],
            metadata["secret_key"],
            metadata["token"],
            datetime(2026, 6, 1, 1, tzinfo=UTC),
            refresh,
            "broker",
            time_fetcher=fixed,
        )
        backend.clock.advance(days=400)
        assert not creds.refresh_needed()


# ---- the web-identity provider (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) ---------------------------------------


def test_web_identity_credentials_refresh_when_the_backend_clock_passes_their_expiry(tmp_path: Path) -> None:
    with mock_federation() as backend:
        github = backend.create_oidc_provider(GITHUB, client_ids=["sts.amazonaws.com"])
        role = backend.create_role(
            "GitHubDeploy", trusting({"Federated": github.arn}, "sts:AssumeRoleWithWebIdentity")
        )
        with web_identity(github, role.arn, tmp_path / "token", session_name="GitHubActions", sub=MAIN) as job:
            session = boto3.Session(region_name="us-east-1")
            first = session.client("sts").get_caller_identity()
            first_key = session.get_credentials().get_frozen_credentials().access_key

            backend.clock.advance(seconds=3700)  # past the role session's expiry, and the first token's
            job.write_token()  # the runner's fresh token: botocore reads the file again when it refreshes
            second = session.client("sts").get_caller_identity()
            second_key = session.get_credentials().get_frozen_credentials().access_key

    assert first["Arn"] == second["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/GitHubDeploy/GitHubActions"
    assert actions(backend) == [
        "AssumeRoleWithWebIdentity",
        "GetCallerIdentity",
        "AssumeRoleWithWebIdentity",
        "GetCallerIdentity",
    ]
    assert all(call.ok for call in backend.calls)
    assert second_key != first_key


# ---- SigV4 signing time ---------------------------------------------------------------------------------------------


def amz_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def signed_time_of_presigned(url: str) -> datetime:
    signed = parse_qs(urlsplit(url).query)["X-Amz-Date"][0]
    return datetime.strptime(signed, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def test_botocore_signs_with_the_backend_clock(mockfed: FederationBackend) -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    signed: list[str] = []
    sts.meta.events.register("before-send.sts", lambda request, **_: signed.append(request.headers["X-Amz-Date"]))
    mockfed.clock.advance(days=3)
    before = mockfed.clock.now().replace(microsecond=0)
    assert sts.get_caller_identity()["Arn"] == mockfed.default_user.arn
    after = mockfed.clock.now()
    assert amz_date(before) <= text(signed[0]) <= amz_date(after)
    url = sts.generate_presigned_url("get_caller_identity", HttpMethod="GET")
    assert before <= signed_time_of_presigned(url) <= mockfed.clock.now()
    assert requests.get(url, timeout=5).status_code == 200


def text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_a_request_signed_at_the_clocks_time_is_current() -> None:
    backend = FederationBackend()
    backend.clock.advance(hours=1)
    assert handle(signed_at(backend, backend.clock.now()), backend).status == 200


def test_a_request_signed_at_the_process_time_is_current_whatever_the_clocks_offset() -> None:
    backend = FederationBackend()
    backend.clock.advance(days=30)
    assert handle(signed_at(backend, datetime.now(UTC)), backend).status == 200


def test_a_request_signed_far_from_both_is_refused_counting_from_the_clock() -> None:
    backend = FederationBackend()
    backend.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    response = handle(signed_at(backend, datetime(2030, 1, 1, tzinfo=UTC) - timedelta(minutes=16)), backend)
    assert response.status == 403
    assert (
        b"<Message>Signature expired: 20291231T234400Z is now earlier than 20291231T2345" in response.body
    )
    response = handle(signed_at(backend, datetime(2030, 1, 1, 0, 16, tzinfo=UTC)), backend)
    assert response.status == 403
    assert b"<Message>Signature not yet current: 20300101T001600Z is still later than 20300101T0015" in response.body



def test_requests_to_other_services_keep_the_process_time(mockfed: FederationBackend) -> None:
    """They may leave the process (a local S3 that checks the signing time, allow_passthrough): only STS, which the
    mock answers, is signed by the clock."""
    mockfed.clock.advance(days=1)
    s3 = boto3.client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9000", config=Config(signature_version="s3v4")
    )
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "reports", "Key": "q3.csv"})
    assert abs((signed_time_of_presigned(url) - datetime.now(UTC)).total_seconds()) < 60
    sts = boto3.client("sts", region_name="us-east-1")
    assert abs((signed_time_of_presigned(sts.generate_presigned_url("get_caller_identity"))
                - mockfed.clock.now()).total_seconds()) < 60


def test_a_recording_mock_leaves_botocore_on_the_process_time(tmp_path: Path) -> None:
    """A mock that records sends requests on to the real endpoint, with real credentials: signed by real time."""
    with FederationServer() as real, mock_federation(scenario=tmp_path / "s.json", record_mode="all") as backend:
        backend.clock.advance(hours=2)
        assert abs((botocore.credentials._local_now() - datetime.now(UTC)).total_seconds()) < 60
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=real.url,
            aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
            aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        )
        assert sts.get_caller_identity()["Arn"] == real.backend.default_user.arn  # current where it was sent
        with mock_federation() as inner:  # an answering mock inside it reads its own clock again
            inner.clock.advance(hours=3)
            assert abs((botocore.credentials._local_now() - inner.clock.now()).total_seconds()) < 60


# ---- freezegun and time-machine still agree ------------------------------------------------------------------------


def test_under_freezegun_botocore_and_the_backend_see_one_instant() -> None:
    with freezegun.freeze_time("2026-06-01T00:00:00Z"), mock_federation() as backend:
        backend.clock.advance(minutes=10)
        assert botocore.credentials._local_now() == datetime(2026, 6, 1, 0, 10, tzinfo=UTC)
        assert botocore.auth.get_current_datetime() == datetime(2026, 6, 1, 0, 10)
        assert backend.clock.now() == datetime(2026, 6, 1, 0, 10, tzinfo=UTC)
        url = boto3.client("sts", region_name="us-east-1").generate_presigned_url("get_caller_identity")
        assert signed_time_of_presigned(url) == datetime(2026, 6, 1, 0, 10, tzinfo=UTC)


def test_under_time_machine_botocore_and_the_backend_see_one_instant() -> None:
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False), mock_federation() as backend:
        assert botocore.credentials._local_now() == backend.clock.now() == datetime(2026, 6, 1, tzinfo=UTC)
        backend.clock.advance(hours=2)
        assert botocore.credentials._local_now() == backend.clock.now() == datetime(2026, 6, 1, 2, tzinfo=UTC)
        url = boto3.client("sts", region_name="us-east-1").generate_presigned_url("get_caller_identity")
        assert signed_time_of_presigned(url) == datetime(2026, 6, 1, 2, tzinfo=UTC)


# ---- nothing patched outside a mock; nested mocks; threads ---------------------------------------------------------


def test_nothing_is_patched_outside_a_mock_and_everything_is_restored_after_an_exception() -> None:
    assert untouched() == ORIGINALS
    during: list[tuple[Any, Any, Any]] = []

    def fail_inside_the_mock() -> None:
        with mock_federation() as backend:
            during.append(untouched())
            backend.clock.advance(days=1)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside_the_mock()
    assert all(patched is not original for patched, original in zip(during[0], ORIGINALS, strict=True))
    assert untouched() == ORIGINALS
    assert abs((botocore.credentials._local_now() - datetime.now(UTC)).total_seconds()) < 60
    assert abs((botocore.auth.get_current_datetime() - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 60


def test_nested_mocks_read_the_innermost_clock_and_unwind() -> None:
    with mock_federation() as outer:
        outer.clock.advance(days=1)
        with mock_federation() as inner:
            inner.clock.advance(days=2)
            assert abs((botocore.credentials._local_now() - inner.clock.now()).total_seconds()) < 5
        assert untouched() != ORIGINALS
        assert abs((botocore.credentials._local_now() - outer.clock.now()).total_seconds()) < 5
    assert untouched() == ORIGINALS


def test_start_and_stop_out_of_order_restore_the_originals() -> None:
    first, second = mock_federation(), mock_federation()
    first.start()
    second_backend = second.start()
    first.stop()
    second_backend.clock.advance(days=1)
    assert botocore.credentials._local_now() > datetime.now(UTC) + timedelta(hours=23)
    second.stop()
    assert untouched() == ORIGINALS


def test_threads_read_the_clock_while_mocks_come_and_go() -> None:
    backend = FederationBackend()
    backend.clock.advance(days=10)
    seen: list[float] = []
    problems: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append((botocore.credentials._local_now() - datetime.now(UTC)).total_seconds())
        except BaseException as problem:  # a thread's failure must reach the test
            problems.append(problem)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(50):
            with mock_federation(backend=backend):
                time.sleep(0.001)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not problems
    assert untouched() == ORIGINALS
    # every read is either the process's time or the clock's, ten days ahead: nothing in between
    assert all(abs(lead) < 60 or abs(lead - 10 * 86400) < 60 for lead in seen)


# ---- mockfed serve: the Date header ---------------------------------------------------------------------------------


def test_the_server_dates_its_answers_by_the_backend_clock() -> None:
    """docs/serve.md, "Time seen by other processes": STS, admin and refusals alike; a client signing by its
    own time stays current."""
    with FederationServer() as server:
        server.backend.clock.advance(days=3)
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
            aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        )
        answer = sts.get_caller_identity()  # signed by the process's own time: still current
        dated = email.utils.parsedate_to_datetime(answer["ResponseMetadata"]["HTTPHeaders"]["date"])
        admin = requests.get(f"{server.url}/_mockfed/state", timeout=5)
        admin_dated = email.utils.parsedate_to_datetime(admin.headers["Date"])
        connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
        connection.putrequest("POST", "/")
        connection.putheader("Content-Length", str(2**30))  # refused before the body is read
        connection.endheaders()
        refused = connection.getresponse()
        assert refused.status == 413
        refused_dated = email.utils.parsedate_to_datetime(refused.headers["Date"])
        connection.close()
        now = server.backend.clock.now()
    for moment in (dated, admin_dated, refused_dated):
        assert abs((moment - now).total_seconds()) < 60
        assert (moment - datetime.now(UTC)).total_seconds() > 2 * 86400


def test_patches_a_test_made_before_the_mock_still_run_inside_it() -> None:
    from unittest import mock

    real_sign = botocore.signers.RequestSigner.sign
    fixed = datetime(2001, 2, 3, 4, 5, 6)
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x" * 40,
                      config=Config(signature_version="s3v4"))
    with (
        mock.patch.object(botocore.signers.RequestSigner, "sign", autospec=True, side_effect=real_sign) as spy,
        mock.patch("botocore.auth.get_current_datetime", return_value=fixed),
        mock_federation(),
    ):
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        boto3.client("sts", region_name="us-east-1").get_caller_identity()
    assert "X-Amz-Date=20010203T040506Z" in url  # S3 is not the mock's: the test's fixed time, not the process's
    assert spy.call_count >= 2  # the spy saw the S3 presign and the STS call made inside the mock
