"""The doors meet hostile and unusual input: what a client sends arrives whole, what comes back is a safe answer."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from mockfed import FederationBackend
from mockfed.dispatch import console_exchange
from mockfed.http import HttpRequest
from mockfed.server import FederationServer
from mockfed.signin import get_signin_token

FEDERATION = "https://signin.aws.amazon.com/federation"


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
