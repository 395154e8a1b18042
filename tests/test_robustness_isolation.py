"""Isolation: whatever a mock changes is exactly restored, however it ends and whatever else is mocking.

What a mock touches: the process environment, boto3's default session credentials, botocore's
``Endpoint._send`` (a guard while active), ``requests``' transport (through the ``responses``
library, which patches ``requests.adapters.HTTPAdapter.send``), urllib's
``AbstractHTTPHandler.do_open``, and the two names botocore reads time through
(``botocore.credentials.tzlocal``, ``botocore.auth.get_current_datetime``,
``botocore.signers.RequestSigner.sign``). botocore's ``BUILTIN_HANDLERS`` get
mockfed's ``before-send`` handlers once, at import, and must never change after that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.auth
import botocore.credentials
import botocore.endpoint
import botocore.handlers
import botocore.signers
import pytest
import requests
import requests.adapters
import urllib3.connectionpool
from botocore.awsrequest import AWSResponse

from mockfed import DEFAULT_ACCESS_KEY_ID, FederationBackend, active_backend, mock_federation
from mockfed import transports as doors

moto = pytest.importorskip("moto")

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'


@pytest.fixture(autouse=True)
def _repair_leaks() -> Iterator[None]:
    """These tests look for leaks; one they find must not spill into the rest of the suite."""
    saved = (botocore.endpoint.Endpoint._send, requests.adapters.HTTPAdapter.send, dict(os.environ))
    do_open = urllib.request.AbstractHTTPHandler.do_open
    times = (botocore.credentials.tzlocal, botocore.auth.get_current_datetime, botocore.signers.RequestSigner.sign)
    yield
    botocore.credentials.tzlocal, botocore.auth.get_current_datetime, botocore.signers.RequestSigner.sign = times
    botocore.endpoint.Endpoint._send, requests.adapters.HTTPAdapter.send = saved[0], saved[1]  # type: ignore[method-assign]
    urllib.request.AbstractHTTPHandler.do_open = do_open  # type: ignore[method-assign]
    os.environ.clear()
    os.environ.update(saved[2])


def snapshot() -> dict[str, Any]:
    """Everything a mock may touch, by value or by identity."""
    session = getattr(boto3, "DEFAULT_SESSION", None)
    return {
        "environ": dict(os.environ),
        "builtin_handlers": list(botocore.handlers.BUILTIN_HANDLERS),
        "Endpoint._send": botocore.endpoint.Endpoint._send,
        "HTTPAdapter.send": requests.adapters.HTTPAdapter.send,
        "Session.send": requests.Session.send,
        "Session.get_adapter": requests.Session.get_adapter,
        "AbstractHTTPHandler.do_open": urllib.request.AbstractHTTPHandler.do_open,
        "credentials.tzlocal": botocore.credentials.tzlocal,
        "auth.get_current_datetime": botocore.auth.get_current_datetime,
        "RequestSigner.sign": botocore.signers.RequestSigner.sign,
        "boto3.DEFAULT_SESSION": session,
        "default credentials": getattr(getattr(session, "_session", None), "_credentials", None),
        "active mock": doors.active_state(),
    }


@pytest.fixture
def developer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials a developer may have exported, and a default session that already resolved them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEVELOPEREXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "developer-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "developer-token")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.get_credentials()  # resolved and cached, as a long-lived session has
    monkeypatch.setenv("AWS_PROFILE", "dev")  # set after resolving: no such profile exists here


@pytest.mark.usefixtures("developer_environment")
def test_everything_is_restored_after_an_exception() -> None:
    before = snapshot()
    during: dict[str, Any] = {}

    def fail_inside_the_mock() -> None:
        with mock_federation():
            during.update(snapshot())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside_the_mock()
    assert during["environ"]["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
    assert "AWS_SESSION_TOKEN" not in during["environ"]
    assert "AWS_PROFILE" not in during["environ"]
    assert during["Endpoint._send"] is not before["Endpoint._send"]
    assert during["AbstractHTTPHandler.do_open"] is not before["AbstractHTTPHandler.do_open"]
    assert during["credentials.tzlocal"] is not before["credentials.tzlocal"]
    assert during["auth.get_current_datetime"] is not before["auth.get_current_datetime"]
    assert during["RequestSigner.sign"] is not before["RequestSigner.sign"]
    assert snapshot() == before


@pytest.mark.usefixtures("developer_environment")
def test_everything_is_restored_after_nested_mocks() -> None:
    before = snapshot()
    with mock_federation() as outer:
        during_outer = snapshot()
        with mock_federation() as inner:
            assert active_backend() is inner
            boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Inner")
        assert snapshot() == during_outer
        assert active_backend() is outer
        boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Outer")
    assert snapshot() == before
    assert [s.name for s in inner.sessions] == ["Inner"]
    assert [s.name for s in outer.sessions] == ["Outer"]


@pytest.mark.usefixtures("developer_environment")
def test_an_exception_inside_nested_mocks_unwinds_both() -> None:
    before = snapshot()
    with pytest.raises(KeyError), mock_federation(), mock_federation(strict_auth=True):
        raise KeyError("inner")
    assert snapshot() == before


@pytest.mark.usefixtures("developer_environment")
def test_start_stop_out_of_order_restores_the_patches() -> None:
    before = snapshot()
    first, second = mock_federation(), mock_federation()
    first.start()
    second_backend = second.start()
    first.stop()
    assert active_backend() is second_backend  # the other one is still answering
    second.stop()
    after = snapshot()
    patched = (
        "Endpoint._send",
        "HTTPAdapter.send",
        "Session.get_adapter",
        "AbstractHTTPHandler.do_open",
        "credentials.tzlocal",
        "auth.get_current_datetime",
        "RequestSigner.sign",
    )
    for key in ("builtin_handlers", *patched, "active mock"):
        assert after[key] == before[key], key


@pytest.mark.usefixtures("developer_environment")
def test_start_stop_out_of_order_restores_the_environment() -> None:
    before = snapshot()
    first, second = mock_federation(), mock_federation()
    first.start()
    second.start()
    first.stop()
    second.stop()
    assert snapshot()["environ"] == before["environ"]


def test_a_library_patching_urllib_over_mockfed_keeps_its_patch_and_mockfed_goes_inert() -> None:
    original = urllib.request.AbstractHTTPHandler.do_open
    seen: list[str] = []

    def other_library(handler: Any, http_class: Any, request: Any, **kwargs: Any) -> Any:
        seen.append(request.full_url)
        return mockfed_or_original(handler, http_class, request, **kwargs)

    url = "https://signin.aws.amazon.com/federation?Action=getSigninToken"
    with mock_federation():
        mockfed_or_original = urllib.request.AbstractHTTPHandler.do_open
        urllib.request.AbstractHTTPHandler.do_open = other_library  # type: ignore[method-assign]
        with pytest.raises(urllib.error.HTTPError) as refused:  # still answered by mockfed, through the other patch
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 400
    assert urllib.request.AbstractHTTPHandler.do_open is other_library  # its patch is not undone under it
    with mock_federation(), pytest.raises(urllib.error.HTTPError):  # a later mock answers through the same chain
        urllib.request.urlopen(url, timeout=5)
    assert seen == [url, url]

    urllib.request.AbstractHTTPHandler.do_open = original  # type: ignore[method-assign]  # the other library stops
    with mock_federation(), pytest.raises(urllib.error.HTTPError):  # mockfed installs itself again
        urllib.request.urlopen(url, timeout=5)
    assert urllib.request.AbstractHTTPHandler.do_open is original
    assert seen == [url, url]


def test_stop_without_start_changes_nothing() -> None:
    before = snapshot()
    with pytest.raises(RuntimeError, match="without a matching start"):
        mock_federation().stop()
    assert snapshot() == before


START_WITHOUT_STOP = """
import os, warnings
warnings.simplefilter("error")
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
import boto3, requests
from mockfed import mock_federation

backend = mock_federation().start()           # never stopped
boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Left")
assert requests.post("https://sts.amazonaws.com/", data={"Action": "GetCallerIdentity"}, timeout=5).status_code == 200
print(len(backend.sessions), len(backend.calls))
"""


def test_start_without_stop_exits_cleanly(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", textwrap.dedent(START_WITHOUT_STOP)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "2"]
    assert done.stderr == ""  # no traceback, no warning, nothing at interpreter exit


# ---- moto, entered and exited in every interleaving -----------------------------------------------------------


class NetworkReached(Exception):
    """Raised by the stand-in transports: the request got past every mock."""


def _sts_request_reaches_the_network() -> bool:
    """A new botocore STS client's request reaches its HTTP session: no mock answered it."""
    sts = boto3.session.Session().client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIAOUTSIDE", aws_secret_access_key="outside"
    )
    sent: list[str] = []

    def transport(request: Any) -> AWSResponse:
        sent.append(request.url)
        body = b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>network</Arn></GetCallerIdentityResult>"
        raw = type("Raw", (), {"stream": lambda self, **_: iter([body + b"</GetCallerIdentityResponse>"])})()
        return AWSResponse(request.url, 200, {}, raw)

    sts._endpoint.http_session.send = transport
    sts.get_caller_identity()
    return sent == ["https://sts.us-east-1.amazonaws.com/"]


def _requests_call_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> bool:
    """``requests`` to STS reaches urllib3: neither mock's ``responses`` patch answered it."""

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        raise NetworkReached(f"{method} {self.host}{url}")

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", urlopen)
    try:
        requests.post("https://sts.amazonaws.com/", data={"Action": "GetCallerIdentity"}, timeout=5)
    except NetworkReached:
        return True
    return False


MOCKFED, MOTO = "mockfed", "moto"
@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("+mockfed", "+moto", "-moto", "-mockfed"), id="mockfed-around-moto"),
        pytest.param(("+moto", "+mockfed", "-mockfed", "-moto"), id="moto-around-mockfed"),
        pytest.param(("+mockfed", "+moto", "-mockfed", "-moto"), id="mockfed-first-out"),
        pytest.param(("+moto", "+mockfed", "-moto", "-mockfed"), id="moto-first-out"),
    ],
)
def test_moto_and_mockfed_in_any_order(order: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    before = snapshot()
    ours, theirs = mock_federation(), moto.mock_aws()
    steps: dict[str, Callable[[], Any]] = {
        "+mockfed": ours.start,
        "-mockfed": ours.stop,
        "+moto": theirs.start,
        "-moto": theirs.stop,
    }
    backend: FederationBackend | None = None
    for step in order:
        result = steps[step]()
        if step == "+mockfed":
            backend = result
        if step == order[1]:  # both active: STS through mockfed, S3 through moto
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="interleaved")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["interleaved"]
            boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Both")
    assert backend is not None
    assert [s.name for s in backend.sessions] == ["Both"]
    after = snapshot()
    assert after["Endpoint._send"] is before["Endpoint._send"]
    assert after["HTTPAdapter.send"] is before["HTTPAdapter.send"]
    assert after["Session.get_adapter"] is before["Session.get_adapter"]
    assert after["builtin_handlers"] == before["builtin_handlers"]
    assert after["active mock"] is None
    assert _sts_request_reaches_the_network()
    assert _requests_call_reaches_the_network(monkeypatch)
    assert [s.name for s in backend.sessions] == ["Both"]  # nothing after the mocks reached the backend


def test_outside_any_mock_sts_requests_reach_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline the interleavings are held to: mockfed imported, no mock active, nothing answered."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_federation():
        pass
    assert _sts_request_reaches_the_network()
    assert _requests_call_reaches_the_network(monkeypatch)


# ---- nothing leaks from one test to the next --------------------------------------------------------------------

_left_behind: list[tuple[FederationBackend, str, str]] = []  # (backend, user key, policy ARN) of each earlier turn


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_gets_a_fresh_backend(mockfed: FederationBackend, turn: int) -> None:
    # whatever the other turn did to its backend is not here
    assert mockfed.sessions == []
    assert mockfed.calls == []
    assert mockfed.clock.offset == 0
    for earlier, user_key, policy_arn in _left_behind:  # kept alive, so an id cannot be reused
        assert mockfed is not earlier
        assert mockfed.principal(user_key) is None
        assert mockfed.managed_policy(policy_arn) is None
    assert os.environ["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
    sts = boto3.client("sts", region_name="ap-east-1")  # neither disabled nor throttled by the other turn
    sts.get_federation_token(Name=f"Turn{turn}")
    assert [s.name for s in mockfed.sessions] == [f"Turn{turn}"]
    # and now leave a mess behind
    user = mockfed.create_user(f"user{turn}")
    arn = mockfed.create_policy(f"Policy{turn}", POLICY)
    mockfed.disable_region("ap-east-1")
    mockfed.inject_error("*", "Throttling", count=5)
    mockfed.clock.advance(days=2)
    _left_behind.append((mockfed, user.access_key_id, arn))


@pytest.fixture
def no_mock_active() -> Iterator[None]:
    assert doors.active_state() is None
    yield
    assert doors.active_state() is None


@pytest.mark.usefixtures("no_mock_active")
def test_no_mock_is_left_active_between_tests() -> None:
    with pytest.raises(RuntimeError, match="no mockfed mock is active"):
        active_backend()
    assert botocore.endpoint.Endpoint._send.__module__ == "botocore.endpoint"
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
