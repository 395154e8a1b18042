"""The doors meet hostile and unusual input: what a client sends arrives whole, what comes back is a safe answer."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockfed import FederationBackend, mock_federation
from mockfed.dispatch import console_exchange
from mockfed.http import HttpRequest
from mockfed.server import FederationServer
from mockfed.signin import get_signin_token

FEDERATION = "https://signin.aws.amazon.com/federation"
FORM = b"Action=getSigninToken&Session=x"


def _signin_token(backend: FederationBackend) -> str:
    creds = backend.get_federation_token(backend.default_user, {"Name": "Bob"})["Credentials"]
    session = {
        "sessionId": creds["AccessKeyId"],
        "sessionKey": creds["SecretAccessKey"],
        "sessionToken": creds["SessionToken"],
    }
    return get_signin_token(backend.state, session)


def _login_query(token: str, destination: str) -> str:
    return urllib.parse.urlencode({"Action": "login", "SigninToken": token, "Destination": destination})


# ---- a login's Destination becomes the Location header: never a second header, never an unsendable one ----------

HOSTILE_DESTINATIONS = [
    "https://console.aws.amazon.com/\r\nSet-Cookie: stolen=1",
    "https://console.aws.amazon.com/\nX-Injected: 1",
    "https://console.aws.amazon.com/\tx",
    "https://console.aws.amazon.com/\x00",
    "https://console.aws.amazon.com/\u20ac",
]


@pytest.mark.parametrize("destination", HOSTILE_DESTINATIONS)
def test_a_destination_that_is_not_printable_ascii_is_refused(destination: str) -> None:
    backend = FederationBackend()
    url = f"{FEDERATION}?{_login_query(_signin_token(backend), destination)}"
    exchange = console_exchange(HttpRequest.build("GET", url, {}, b""), backend)
    assert (exchange.response.status, exchange.error_code) == (400, "InvalidDestination")
    assert "Location" not in exchange.response.headers
    assert backend.console_sessions == []


def test_mockfed_serve_answers_a_login_with_a_hostile_destination() -> None:
    backend = FederationBackend()
    with FederationServer(backend=backend) as server:
        parts = urllib.parse.urlsplit(server.url)
        for destination in HOSTILE_DESTINATIONS[:1] + HOSTILE_DESTINATIONS[-1:]:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
            try:
                connection.request("GET", f"/federation?{_login_query(_signin_token(backend), destination)}")
                answer = connection.getresponse()
                assert answer.status == 400
                assert answer.getheader("Set-Cookie") is None
                assert answer.getheader("Location") is None
            finally:
                connection.close()


# ---- a body is what the client sent, whatever object carries it -------------------------------------------------


@pytest.fixture
def active() -> Iterator[FederationBackend]:
    backend = FederationBackend()
    with mock_federation(backend=backend):
        yield backend


def _reason_through_urllib(data: Any) -> str | None:
    request = urllib.request.Request(FEDERATION, data=data, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    with refused.value:
        return refused.value.headers.get("x-mockfed-reason")


@pytest.mark.parametrize(
    "data",
    [FORM, bytearray(FORM), memoryview(FORM)],
    ids=["bytes", "bytearray", "memoryview"],
)
def test_urllib_sends_a_bytes_like_body_whole(active: FederationBackend, data: Any) -> None:
    # the Session was read: the form arrived (an empty body would say the Action is missing)
    assert _reason_through_urllib(data) == _reason_through_urllib(FORM)
    assert "Session must be JSON" in (_reason_through_urllib(data) or "")


def test_urllib_sends_an_iterable_body_whole(active: FederationBackend) -> None:
    assert _reason_through_urllib(iter([FORM[:10], FORM[10:]])) == _reason_through_urllib(FORM)


def test_urllib_sends_a_pipe_body_whole(active: FederationBackend) -> None:
    """A file that cannot seek (a pipe, a socket file) is read once, as urllib sends it (chunked)."""
    import os

    reader, writer = os.pipe()
    os.write(writer, b"Action=GetCallerIdentity&Version=2011-06-15")
    os.close(writer)
    with os.fdopen(reader, "rb") as body:
        request = urllib.request.Request(
            "https://sts.amazonaws.com/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
            assert b"<GetCallerIdentityResult>" in answer.read()
    assert [call.action for call in active.calls][-1:] == ["GetCallerIdentity"]


def test_a_console_url_with_a_lone_surrogate_is_answered_with_the_placeholder_page(active: FederationBackend) -> None:
    with urllib.request.urlopen("https://console.aws.amazon.com/\ud800", timeout=5) as answer:
        assert answer.status == 200
        assert b"mockfed does not simulate the AWS Management Console" in answer.read()


def test_requests_sends_a_generator_body_whole(active: FederationBackend) -> None:
    def chunks() -> Iterator[bytes]:
        yield FORM[:10]
        yield FORM[10:]

    answer = requests.post(FEDERATION, data=chunks(), timeout=5)
    assert answer.status_code == 400
    assert "Session must be JSON" in answer.headers["x-mockfed-reason"]


# ---- an answer to HEAD has headers only, through every door ------------------------------------------------------


@pytest.mark.parametrize("url", ["https://console.aws.amazon.com/", "https://sts.amazonaws.com/", FEDERATION])
def test_urllib_reads_no_body_in_an_answer_to_head(active: FederationBackend, url: str) -> None:
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            body = answer.read()
    except urllib.error.HTTPError as refused:
        with refused:
            body = refused.read()
    assert body == b""
    assert requests.head(url, timeout=5).content == b""


def test_a_body_of_byte_values_is_read_as_those_bytes_never_as_counts_of_zero_bytes() -> None:
    from mockfed.transports.botocore_door import body_bytes

    assert body_bytes([65, 66]) == b"AB"
    assert body_bytes(iter([b"a", "b", bytearray(b"c")])) == b"abc"
    with pytest.raises(ValueError, match="range"):
        body_bytes(iter([10**12]))  # a huge "chunk" is refused, not made into a terabyte of zeros


def test_a_long_console_refusal_reason_is_cut_as_the_sts_reason_header_is() -> None:
    """The console's ``x-mockfed-reason`` follows the STS rule: printable ASCII, at most 1,000 characters."""
    backend = FederationBackend()
    destination = "https://example.com/" + "é" * 3000  # quoted in the reason: long, and not ASCII
    url = f"{FEDERATION}?{_login_query(_signin_token(backend), destination)}"
    exchange = console_exchange(HttpRequest.build("GET", url, {}, b""), backend)
    header = exchange.response.headers["x-mockfed-reason"]
    assert exchange.error_code == "InvalidDestination"
    assert len(header) == 1000
    assert header.isascii()
    assert header.isprintable()
    assert header.startswith("Destination must be an https URL of the aws partition's console")
