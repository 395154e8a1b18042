"""``mockfed serve`` against hostile transport input, over raw sockets: bounded, answered in the protocol, alive.

No request may cost the server more than :class:`~mockfed.server.ServerLimits` allows, every
refusal is an STS ``<ErrorResponse>`` (or ``{"error": ...}`` under ``/_mockfed/``), and while one
client misbehaves every other is answered. The admin clock refuses moves that would leave it
where credentials cannot be issued.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from mockfed.model import XML_NAMESPACE
from mockfed.server import FederationServer, ServerLimits
from mockfed.server import admin as admin_api
from mockfed.server.client import RemoteBackend

NS = {"sts": XML_NAMESPACE}
CLOCK_LIMIT = "it stays between 1970-01-01T00:00:00Z and 9999-12-30T11:59:59Z"


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def sts_error(self) -> tuple[str, str]:
        """(Code, Message) of an STS ``<ErrorResponse>``; fails the test if the answer is not one."""
        assert self.headers["content-type"] == "text/xml", self
        root = ET.fromstring(self.body)
        assert root.tag == f"{{{XML_NAMESPACE}}}ErrorResponse", self.body
        assert root.findtext("sts:RequestId", namespaces=NS) == self.headers["x-amzn-requestid"]
        return root.findtext("sts:Error/sts:Code", namespaces=NS) or "", root.findtext(
            "sts:Error/sts:Message", namespaces=NS
        ) or ""

    @property
    def json_error(self) -> str:
        assert self.headers["content-type"] == "application/json", self
        return str(json.loads(self.body)["error"])


def connect(server: FederationServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def receive(sock: socket.socket, method: str = "POST") -> Answer:
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    body = response.read()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def send(server: FederationServer, data: bytes, method: str = "POST") -> Answer:
    """``data`` as it is, on a fresh connection; the answer."""
    with connect(server) as sock:
        sock.sendall(data)
        return receive(sock, method)


def signed_federation_token(server: FederationServer, name: str = "Bob") -> bytes:
    """A valid GetFederationToken of the default user, signed for ``server``, as raw HTTP/1.1 bytes."""
    host = urlsplit(server.url).netloc
    body = f"Action=GetFederationToken&Version=2011-06-15&Name={name}&DurationSeconds=900"
    aws = AWSRequest("POST", f"{server.url}/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), "sts", "us-east-1").add_auth(aws)
    head = "".join(f"{k}: {v}\r\n" for k, v in aws.headers.items())
    return f"POST / HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: {len(body)}\r\n\r\n{body}".encode()


def admin(server: FederationServer, method: str, path: str, body: object = None) -> Answer:
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} /_mockfed/{path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n"
    return send(server, head.encode() + data)


def assert_alive(server: FederationServer) -> None:
    """The server still answers its admin API and a valid GetFederationToken."""
    assert admin(server, "GET", "state").status == 200
    answer = send(server, signed_federation_token(server))
    assert answer.status == 200, answer.body
    assert b"<FederatedUserId>123456789012:Bob</FederatedUserId>" in answer.body


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer(port=0) as running:
        yield running


@pytest.fixture
def quick() -> Iterator[FederationServer]:
    """A server with limits short enough to reach in a test."""
    limits = ServerLimits(
        max_body_bytes=4096, request_seconds=1.0, idle_seconds=0.5, connection_seconds=1.5, max_connections=4
    )
    with FederationServer(port=0, limits=limits) as running:
        yield running


# ---- sizes and framing ------------------------------------------------------------------------------------------


def test_a_huge_content_length_is_refused_before_anything_is_read(server: FederationServer) -> None:
    """Was: the server allocated 99,999,999,999,999 bytes and died with MemoryError, answering nothing."""
    started = time.monotonic()
    answer = send(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\nAction=")
    assert answer.status == 413
    code, message = answer.sts_error
    assert code == "RequestEntityTooLarge"
    assert message == "a body of 99999999999999 bytes is over the 1048576 bytes mockfed serve accepts"
    assert answer.headers["connection"] == "close"
    assert time.monotonic() - started < 3
    admin_answer = send(server, b"POST /_mockfed/users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n")
    assert admin_answer.status == 413
    assert "over the 1048576 bytes" in admin_answer.json_error
    assert_alive(server)


def test_a_negative_chunk_size_is_refused_at_once(server: FederationServer) -> None:
    """Was: int('-1', 16) read until the client hung up."""
    with connect(server) as sock:
        sock.settimeout(3)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nAction=GetCallerIdentity")
        answer = receive(sock)  # the client has not hung up: the answer comes anyway
    assert answer.status == 400
    assert answer.sts_error == ("BadRequest", "chunk size '-1' is not hexadecimal")
    assert_alive(server)


@pytest.mark.parametrize(
    ("head", "status", "code", "message"),
    [
        pytest.param("Content-Length: abc", 400, "BadRequest", "Content-Length 'abc' is not a number of bytes"),
        pytest.param("Content-Length: -5", 400, "BadRequest", "Content-Length '-5' is not a number of bytes"),
        pytest.param(
            "Content-Length: 3\r\nContent-Length: 4", 400, "BadRequest", "conflicting Content-Length values 3, 4"
        ),
        pytest.param(
            "Content-Length: 3\r\nTransfer-Encoding: chunked",
            400,
            "BadRequest",
            "a request cannot have both Content-Length and Transfer-Encoding",
            id="smuggle",
        ),
        pytest.param(
            "Transfer-Encoding: gzip, chunked",
            501,
            "NotImplemented",
            "Transfer-Encoding gzip, chunked is not supported; send chunked or none",
            id="gzip",
        ),
    ],
)
def test_framing_the_server_cannot_read_one_way_is_an_sts_error(
    server: FederationServer, head: str, status: int, code: str, message: str
) -> None:
    """Was: text/plain with a Python int() message."""
    answer = send(server, f"POST / HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\nabc".encode())
    assert answer.status == status
    assert answer.sts_error == (code, message)


@pytest.mark.parametrize(
    "bad_line",
    [
        pytest.param("NoColonHere", id="no-colon"),
        pytest.param(" folded: x", id="continuation"),
        pytest.param("X-A: 1\r", id="bare-cr"),  # the mail parser takes the lone CR for the end of the head
    ],
)
def test_a_header_line_that_is_no_header_refuses_the_request_and_its_body_is_never_a_second_one(
    server: FederationServer, bad_line: str
) -> None:
    """Was: the headers after the line were dropped (Content-Length among them), and the body, never read, was
    answered as a second request: a desync a smuggled request could ride."""
    body = b"GET /_mockfed/state HTTP/1.1\r\nHost: x\r\n\r\n"  # a body that is itself a request
    request = f"POST / HTTP/1.1\r\nHost: x\r\n{bad_line}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    if bad_line.startswith(" "):
        request = f"POST / HTTP/1.1\r\n{bad_line}\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    with connect(server) as sock:
        sock.sendall(request)
        answer = receive(sock, "POST")
        sock.settimeout(5)
        rest = b""
        while chunk := sock.recv(65536):  # the server closes the connection after its one answer
            rest += chunk
    assert answer.status == 400
    assert answer.sts_error == (
        "BadRequest", "a header line cannot be read (a name, a colon, a value): the request is refused"
    )
    assert rest == b""
    assert_alive(server)


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data; boundary=xyz", "message/rfc822", "text/plain; charset=\"utf-8\""]
)
def test_a_content_type_the_mail_parser_frowns_on_is_still_read(server: FederationServer, content_type: str) -> None:
    """Only a line that is no header refuses a request: not what the standard library's mail parser thinks of a
    Content-Type's value (it records a defect for a multipart type, a message for message/rfc822)."""
    answer = send(server, f"GET /_mockfed/state HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n\r\n".encode())
    assert answer.status == 200
    assert json.loads(answer.body)["account_id"] == "123456789012"


def test_a_chunked_body_is_read_and_bounded(quick: FederationServer) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    ok = send(quick, chunked + b"%x;ext=1\r\n%s\r\n0\r\nX-T: 1\r\n\r\n" % (len(body), body))
    assert ok.status == 200
    assert b"<Arn>arn:aws:iam::123456789012:user/mockfed-default</Arn>" in ok.body
    chunk = b"a" * 4000
    big = send(quick, chunked + (b"fa0\r\n" + chunk + b"\r\n") * 2)
    assert big.status == 413
    assert big.sts_error == ("RequestEntityTooLarge", "the chunked body is over the 4096 bytes mockfed serve accepts")


def test_other_methods_answer_in_the_protocol_of_the_path(server: FederationServer) -> None:
    """Was: http.server's HTML 501 page."""
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        answer = send(server, f"{method} /?Action=GetCallerIdentity HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert answer.headers["content-type"] == "text/xml", (method, answer)
        ET.fromstring(answer.body)
        refused = send(server, f"{method} /_mockfed/state HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert refused.status == 404
        assert refused.json_error.startswith(f"no admin endpoint {method} /_mockfed/state")
    head = send(server, b"HEAD /?Action=GetCallerIdentity HTTP/1.1\r\nHost: x\r\n\r\n", method="HEAD")
    assert head.body == b""
    assert int(head.headers["content-length"]) > 0


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n", 400, "BadRequest", id="tls"),
        pytest.param(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTPVersionNotSupported", id="http2"),
        pytest.param(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "RequestURITooLong", id="uri"),
        pytest.param(
            b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431, "RequestHeaderFieldsTooLarge", id="hdr"
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(101)) + b"\r\n",
            431,
            "RequestHeaderFieldsTooLarge",
            id="many",
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(80)) + b"\r\n",
            431,
            "RequestHeaderFieldsTooLarge",
            id="head-64k",
        ),
    ],
)
def test_what_http_server_itself_refuses_is_an_sts_error(
    server: FederationServer, data: bytes, status: int, code: str
) -> None:
    answer = send(server, data)
    assert answer.status == status
    assert answer.sts_error[0] == code
    assert_alive(server)


def test_a_body_too_large_is_refused_before_100_continue(quick: FederationServer) -> None:
    with connect(quick) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        answer = receive(sock)
    assert answer.status == 413  # not 100 Continue: the client never sends the body


# ---- time -------------------------------------------------------------------------------------------------------


def test_a_half_sent_request_times_out_while_others_are_answered(quick: FederationServer) -> None:
    """Was: each half-sent request held its thread for 120 seconds, and no answer came."""
    with connect(quick) as slow:
        slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
        started = time.monotonic()
        assert_alive(quick)  # answered while the slow request is pending
        slow.settimeout(5)
        answer = receive(slow)
        waited = time.monotonic() - started
    assert answer.status == 408
    assert answer.sts_error == ("RequestTimeout", "the request did not arrive within 1 seconds")
    assert 0.5 < waited < 3


def test_headers_sent_a_byte_at_a_time_still_time_out(quick: FederationServer) -> None:
    """A timeout per read would never fire against one byte every half second; the request's deadline does."""
    with connect(quick) as slow:
        started = time.monotonic()
        answer: Answer | None = None
        for byte in b"GET /?Action=GetCallerIdentity HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n":
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.2)
            if time.monotonic() - started > 1.5:
                break
        slow.settimeout(5)
        answer = receive(slow)
    assert answer.status == 408
    assert time.monotonic() - started < 4


def test_a_silent_connection_and_an_idle_keep_alive_are_closed(quick: FederationServer) -> None:
    with connect(quick) as silent:
        silent.settimeout(5)
        started = time.monotonic()
        assert silent.recv(1) == b""  # closed, with nothing to answer
        assert time.monotonic() - started < 3
    with connect(quick) as idle:
        idle.sendall(b"GET /_mockfed/state HTTP/1.1\r\nHost: x\r\n\r\n")
        assert receive(idle, "GET").status == 200
        idle.settimeout(5)
        started = time.monotonic()
        assert idle.recv(1) == b""
        assert time.monotonic() - started < 2


def test_a_connection_asks_no_more_after_its_time(quick: FederationServer) -> None:
    with connect(quick) as sock:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            sock.sendall(b"GET /_mockfed/state HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = receive(sock, "GET")
            assert answer.status == 200
            if answer.headers.get("connection") == "close":
                break
            time.sleep(0.3)
        else:
            pytest.fail("the connection outlived connection_seconds")


# ---- many connections -----------------------------------------------------------------------------------------


def test_past_max_connections_a_client_is_answered_503_and_others_resume(quick: FederationServer) -> None:
    hogs = [connect(quick) for _ in range(4)]  # silent: each holds a slot until request_seconds
    try:
        for hog in hogs:
            hog.sendall(b"GET /_mockfed/state HTTP/1.1\r\n")  # started, never finished
        time.sleep(0.2)
        busy = send(quick, b"GET /?Action=GetCallerIdentity HTTP/1.1\r\nHost: x\r\n\r\n")
        assert busy.status == 503
        assert busy.sts_error == ("ServiceUnavailable", "mockfed serve is answering 4 connections; retry")
        assert busy.headers["retry-after"] == "1"
        admin_busy = admin(quick, "GET", "state")
        assert admin_busy.status == 503
        assert "answering 4 connections" in admin_busy.json_error
    finally:
        for hog in hogs:
            hog.close()
    time.sleep(0.3)
    assert_alive(quick)


@pytest.mark.skipif(shutil.which("ss") is None, reason="reads the listening socket's backlog with ss (Linux)")
def test_the_accept_backlog_holds_a_burst_of_clients(server: FederationServer) -> None:
    """socketserver's backlog was 5: while the accept loop is busy, a sixth connecting client was refused."""
    listing = subprocess.run(
        ["ss", "-ltnH", f"sport = :{server.port}"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.split()
    assert int(listing[2]) == 128  # State Recv-Q Send-Q: for a listening socket Send-Q is its backlog
    answers: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        status = send(server, b"GET /_mockfed/state HTTP/1.1\r\nHost: x\r\n\r\n").status
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=one) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 64


# ---- the admin clock -------------------------------------------------------------------------------------------


def test_a_hundred_century_advances_are_refused_past_the_limit_and_the_server_lives(server: FederationServer) -> None:
    """Was: after about 80 advances of 100 years every STS and admin call answered 500 until restart."""
    statuses = [admin(server, "POST", "clock/advance", {"days": 36_600}).status for _ in range(100)]
    assert statuses.count(200) < 80
    assert set(statuses) == {200, 400}
    refused = admin(server, "POST", "clock/advance", {"days": 36_600})
    assert CLOCK_LIMIT in refused.json_error
    assert_alive(server)


@pytest.mark.parametrize("when", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00+14:00", "1969-12-31T23:59:59Z"])
def test_the_clock_cannot_be_set_where_credentials_cannot_be_issued(server: FederationServer, when: str) -> None:
    """Was: 9999-12-31 accepted, then every GetFederationToken a 500 missing from calls; year 1 at +14:00 a 500."""
    refused = admin(server, "POST", "clock/set", {"time": when})
    assert refused.status == 400
    assert CLOCK_LIMIT in refused.json_error
    assert_alive(server)
    calls = json.loads(admin(server, "GET", "state").body)["calls"]
    assert [(call["action"], call["status"]) for call in calls] == [("GetFederationToken", 200)]


def test_reset_forgets_the_clock_offset(server: FederationServer) -> None:
    """Was: reset kept the offset although README says it forgets everything."""
    assert admin(server, "POST", "clock/advance", {"days": 3}).status == 200
    assert admin(server, "POST", "reset").status == 200
    clock = json.loads(admin(server, "GET", "state").body)["clock"]
    assert abs(clock["offset"]) < 1e-6


def test_an_admin_body_nested_too_deep_is_a_400(server: FederationServer) -> None:
    head = b"POST /_mockfed/users HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n"
    answer = send(server, head + b"[" * 200_000)
    assert answer.status == 400
    assert "RecursionError" in answer.json_error


def test_empty_lines_before_a_request_are_ignored(server: FederationServer) -> None:
    # RFC 9112 section 2.2: a server SHOULD ignore at least one empty line received before the request line.
    for before in (b"\r\n", b"\n", b"\r\n\r\n"):
        answer = send(server, before + signed_federation_token(server))
        assert answer.status == 200, answer.body
        assert b"<FederatedUserId>123456789012:Bob</FederatedUserId>" in answer.body


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("errors/inject", {"action": "Nope", "code": "Throttling"}, "at 'action'"),
        ("regions/disable", {"region": "mars-1"}, "at 'region'"),
        ("regions/disable", {"region": "x" * 100_000}, "at 'region'"),
        ("regions/enable", {"region": "eu-west-1\u0000"}, "at 'region'"),
    ],
)
def test_a_typo_through_the_admin_api_is_refused_naming_the_field(
    server: FederationServer, path: str, body: dict[str, str], named: str
) -> None:
    answer = admin(server, "POST", path, body)
    assert answer.status == 400
    assert named in answer.json_error
    assert len(answer.json_error) < 1000  # a hostile value is not echoed whole


# ---- the admin family: every route, every field, hostile values ---------------------------------------------------

#: A value each kind of field accepts, so that a body is refused for the one field a test spoils.
_FITTING = {
    "a string": "x",
    "a list of strings": [],
    "a string or a list of strings": "x",
    "a policy document: a JSON object, or its JSON text": {"Version": "2012-10-17", "Statement": []},
    "an object of strings": {},
    "an object of condition keys to a string or a list of strings": {},
    "an object of attribute names to a string, a list of strings or null": {},
    "a JSON object": {},
    "an ISO 8601 date-time such as 2030-01-01T00:00:00Z, from 1970-01-01T00:00:00Z to 9999-12-30T11:59:59Z": (
        "2030-01-01T00:00:00Z"
    ),
    "STS's Credentials: an object of AccessKeyId, SecretAccessKey and SessionToken strings": {"AccessKeyId": "AKIA"},
    "an MFA device's serial number (a string)": "arn:aws:iam::123456789012:mfa/none",
    "an OpenID Connect provider's ARN (a string)": "arn:aws:iam::123456789012:oidc-provider/none.example.com",
    "a SAML provider's ARN (a string)": "arn:aws:iam::123456789012:saml-provider/none",
}


def _fitting(kind: admin_api.Kind) -> object:
    if kind.describe in _FITTING:
        return _FITTING[kind.describe]
    if kind.describe.startswith("an integer from "):
        return int(kind.describe.split()[3])
    if kind.describe.startswith("a number from "):
        return 0
    assert kind.describe.startswith("one of "), kind.describe
    return kind.describe.removeprefix("one of ").split(", ")[0]


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"a": [value]}
    return value


HOSTILE_VALUES = [
    pytest.param(None, id="null"),
    pytest.param(7, id="number"),
    pytest.param(True, id="bool"),
    pytest.param(1e308, id="huge-float"),
    pytest.param(["x", 1, None], id="mixed-list"),
    pytest.param({"k": {"nested": 1}}, id="object"),
    pytest.param("x" * 300_000, id="huge-string"),
    pytest.param("\u0000\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace") * 10, id="control"),
    pytest.param(_nested(400), id="nested"),
]


def _family_fields() -> list[tuple[str, str]]:
    return [(route.path, f.name) for route in admin_api.FAMILY for f in route.fields]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_every_field_of_every_family_route_refuses_hostile_values_in_json(
    server: FederationServer, value: object
) -> None:
    """Each field of each route in turn gets the hostile value, the others fitting ones: never a 500, always JSON,
    the refusal short; and the server lives."""
    statuses: dict[int, int] = {}
    for route in admin_api.FAMILY:
        for spoiled in route.fields:
            body = {f.name: _fitting(f.kind) for f in route.fields}
            body[spoiled.name] = value
            answer = admin(server, route.method, route.path, body)
            assert answer.status in (200, 400, 404, 409), (route.path, spoiled.name, answer)
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            if answer.status != 200:
                assert len(answer.json_error) < 2_000, (route.path, spoiled.name, answer.json_error[:300])
        admin(server, "POST", "reset")  # the faults a fitting inject_error body left
    assert statuses.get(400, 0) > 40, statuses
    assert_alive(server)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "users/alice"),
        ("DELETE", "users"),
        ("GET", "roles"),
        ("POST", "roles/policies/put"),
        ("POST", "../state"),
        ("POST", "oidc-providers/token/x"),
        ("PUT", "mfa-devices/code"),
        ("POST", "x" * 5000),
        ("POST", "%00%ff"),
    ],
)
def test_an_unknown_admin_route_is_a_json_404(server: FederationServer, method: str, path: str) -> None:
    answer = admin(server, method, path, {"name": "alice"})
    assert answer.status == 404
    assert answer.json_error.startswith(f"no admin endpoint {method} /_mockfed/")
    assert "POST /_mockfed/ + clock/advance, " in answer.json_error  # it lists what there is
    assert ", roles/policies/attach, " in answer.json_error
    assert len(answer.json_error) < 1_000


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("roles", {"name": "R", "trust_policy": "{", "extra": 1}, "unknown field(s) extra; expected name, trust_"),
        ("roles", {"name": "R"}, "missing field(s) trust_policy"),
        ("roles", {"name": "R", "trust_policy": _nested(450)}, ""),
        ("policies", {"name": "P", "document": [1, 2]}, "document must be a policy document"),
        ("roles", {"name": "R", "trust_policy": {}, "max_session_duration": 3599}, "max_session_duration must be an"),
        ("roles", {"name": "R", "trust_policy": {}, "max_session_duration": 3600.5}, "max_session_duration must be"),
        ("users", {"name": "x" * 200_000}, "ValidationError"),
        ("mfa-devices", {"name": "phone", "secret": "not base32!"}, "ValidationError"),
        ("mfa-devices/code", {"device": "arn:aws:iam::123456789012:mfa/none"}, "no MFA device has the serial number"),
        ("oidc-providers", {"url": "http://not-https.example.com"}, "ValidationError"),
        ("is-allowed", {"access_key_id": "AKIA", "action": "s3:GetObject", "context": {"k": 5}}, "context must be"),
        ("explain", {"access_key_id": 5, "action": "s3:GetObject"}, "access_key_id must be a string, not 5"),
        ("signin-url", {"credentials": {"AccessKeyId": "AKIANOPE"}}, ""),
        ("users/access-keys/update", {"access_key_id": "AKIA", "status": "Paused"}, "status must be one of Active"),
        ("errors/inject", {"action": "*", "code": "Throttling", "count": None}, "count must be an integer from 1"),
    ],
)
def test_a_family_body_the_backend_cannot_take_is_refused_naming_why(
    server: FederationServer, path: str, body: dict[str, object], error: str
) -> None:
    answer = admin(server, "POST", path, body)
    assert answer.status in (400, 404), answer
    assert answer.json_error.startswith(error) or error in answer.json_error, answer.json_error[:300]
    assert len(answer.json_error) < 2_000
    assert_alive(server)


def test_minting_refuses_what_would_forge_or_break_a_token(server: FederationServer) -> None:
    created = admin(server, "POST", "oidc-providers", {"url": "https://issuer.example.com"})
    assert created.status == 200, created
    arn = json.loads(created.body)["arn"]

    alg_none = admin(server, "POST", "oidc-providers/token", {"provider": arn, "algorithm": "none"})
    smuggled = admin(server, "POST", "oidc-providers/token", {"provider": arn, "claims": {"algorithm": "HS256"}})
    bad_header = admin(server, "POST", "oidc-providers/token", {"provider": arn, "headers": {"kid": 5}})
    forever = admin(server, "POST", "oidc-providers/token", {"provider": arn, "expires_in": 1e308})
    minted = admin(server, "POST", "oidc-providers/token", {"provider": arn, "claims": {"repository": "acme/app"}})

    assert (alg_none.status, alg_none.json_error) == (400, 'algorithm must be one of RS256, RS384, RS512, not "none"')
    assert (smuggled.status, smuggled.json_error) == (400, "give algorithm as field(s) of the body, not in claims")
    assert bad_header.status == 400
    assert bad_header.json_error.startswith("the token cannot be made: ")
    assert forever.status == 400
    assert forever.json_error.startswith("expires_in must be a number from")
    assert minted.status == 200
    assert json.loads(minted.body)["token"].count(".") == 2
    assert_alive(server)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issued_at", "9999-12-31T23:59:59+00:00"),
        ("issued_at", "9999-12-31T23:59:59-14:00"),
        ("not_on_or_after", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_a_time_beyond_the_clocks_range_is_a_400_naming_the_field(
    server: FederationServer, field: str, value: str
) -> None:
    okta = RemoteBackend(server.url).create_saml_provider("Okta")
    answer = requests.post(
        f"{server.url}/_mockfed/saml-providers/assertion",
        timeout=5,
        json={"provider": okta.arn, "role_arn": "arn:aws:iam::123456789012:role/Admin", field: value},
    )
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"{field} must be an ISO 8601 date-time")


def test_another_sites_page_cannot_drive_the_admin_api(server: FederationServer) -> None:
    host = urlsplit(server.url).netloc
    refused = requests.post(f"{server.url}/_mockfed/reset", data="{}", timeout=5,
                            headers={"Origin": "http://evil.example", "Content-Type": "text/plain"})
    fetched = requests.post(f"{server.url}/_mockfed/errors/inject", timeout=5, headers={"Sec-Fetch-Site": "cross-site"},
                            json={"action": "AssumeRole", "code": "AccessDenied"})
    own_page = requests.post(f"{server.url}/_mockfed/clock/advance", json={"seconds": 1}, timeout=5,
                             headers={"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"})
    script = requests.post(f"{server.url}/_mockfed/clock/advance", json={"seconds": 1}, timeout=5)
    assert (refused.status_code, fetched.status_code, own_page.status_code, script.status_code) == (403, 403, 200, 200)
    assert refused.json()["error"].startswith(
        "the admin API refuses a request from another site's page (Origin http://evil.example, Host "
    )
    assert server.backend.calls == []
