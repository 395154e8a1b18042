"""Bad input never crashes the console federation endpoint: every answer is one the endpoint gives.

Hypothesis sends ``getSigninToken`` and ``login`` requests made of real and broken parts: the
credentials of every kind of session the backend issued (federated, role, chained role,
GetSessionToken, an IAM user's keys) whole, altered or mixed; JSON that is not a session; any
``SessionDuration``; sign-in tokens just issued, used, altered or invented; console and other
destinations; repeated, unknown and huge parameters; GET, POST and other methods; any host and
path the doors route to the endpoint. Every answer must be the endpoint's: a 200 with exactly
``{"SigninToken": ...}`` (or the console placeholder page), a 302 to a console URL that
recorded a console session, or a 4xx HTML page with mockfed's printable reason. A 500 (mockfed
failing inside) or a traceback may never appear.

As in ``test_robustness_fuzz.py``, every suite is derandomized with an explicit
``max_examples`` and counts the cases it ran. Per run: 1,500 requests to the pipeline, 300
through ``requests`` and ``urllib``, 150 to ``mockfed serve``: 1,950 cases.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import quote_plus

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from mockfed import FederationBackend, mock_federation
from mockfed.auth.endpoints import CONSOLE_URL, console_partition_of_url
from mockfed.dispatch import console_exchange
from mockfed.http import HttpRequest, HttpResponse
from mockfed.server import FederationServer
from mockfed.signin import get_signin_token
from tests.test_robustness_fuzz import HUGE, VALUES, _encode_pairs, robustness_settings

ACCOUNT = "123456789012"
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*"}]}
TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{300,}")


class Issued(NamedTuple):
    """Credentials of every kind, as getSigninToken's Session takes them."""

    kind: str
    session: dict[str, str]


def prepared_backend() -> tuple[FederationBackend, list[Issued]]:
    backend = FederationBackend(seed=16)
    may_chain = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    backend.create_role("Console", TRUST, policy=may_chain)
    backend.create_role("Next", TRUST, policy=S3_ALL)
    user = backend.create_user("alice", S3_ALL)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/Console"

    def fields(credentials: dict[str, Any]) -> dict[str, str]:
        return {
            "sessionId": credentials["AccessKeyId"],
            "sessionKey": credentials["SecretAccessKey"],
            "sessionToken": credentials["SessionToken"],
        }

    default = backend.default_user
    federated = backend.get_federation_token(default, {"Name": "Bob", "Policy": json.dumps(S3_ALL)})["Credentials"]
    gov = backend.get_federation_token(default, {"Name": "Gov"}, "us-gov-west-1")["Credentials"]
    role = backend.invoke("AssumeRole", {"RoleArn": role_arn, "RoleSessionName": "alice"}, default, "us-east-1")
    role_principal = backend.principal(role["Credentials"]["AccessKeyId"])
    assert role_principal is not None
    next_role = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/Next", "RoleSessionName": "chained"}
    chained = backend.invoke("AssumeRole", next_role, role_principal, "us-east-1")
    session_token = backend.invoke("GetSessionToken", {}, default, "us-east-1")
    issued = [
        Issued("federated", fields(federated)),
        Issued("govcloud", fields(gov)),
        Issued("role", fields(role["Credentials"])),
        Issued("chained", fields(chained["Credentials"])),
        Issued("session-token", fields(session_token["Credentials"])),
        Issued("user", {"sessionId": user.access_key_id, "sessionKey": user.secret_access_key, "sessionToken": "x"}),
    ]
    return backend, issued


# ---- building blocks -------------------------------------------------------------------------------------------

HOSTS = st.sampled_from(
    [
        *["https://signin.aws.amazon.com"] * 6,
        "https://eu-west-1.signin.aws.amazon.com",
        "https://signin.amazonaws.cn",
        "https://signin.amazonaws-us-gov.com",
        "http://127.0.0.1:5566",
        "https://console.aws.amazon.com",
        "https://[::1",
        "",
    ]
)
ODD_PATHS = st.one_of(st.sampled_from(["/federation/", "/Federation", "/oauth", "/", ""]), st.text(max_size=12))
ACTIONS = st.sampled_from(["getSigninToken"] * 6 + ["login"] * 6 + ["GetSigninToken", "LOGIN", "", "x"])
DURATIONS = st.one_of(
    st.sampled_from(["900", "3600", "43200", "899", "43201", "", "0", "-1", "1e3", "3600.0", "٣٦٠٠", "9" * 50]),
    st.integers(-100_000, 100_000).map(str),
    st.text(max_size=8),
)
DESTINATIONS = st.one_of(
    st.sampled_from(
        [
            *["https://console.aws.amazon.com/"] * 8,
            "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2",
            "https://s3.console.aws.amazon.com/s3/buckets",
            "https://console.amazonaws-us-gov.com/",
            "https://console.amazonaws.cn/",
            "http://console.aws.amazon.com/",
            "https://console.aws.amazon.com:99999/",
            "https://[::1/",
            "https://evil.example.com/",
            "",
        ]
    ),
    st.text(max_size=40),
)
JSON_SESSIONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=6,
).map(json.dumps)


def likely(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` times in a hundred; Hypothesis's leaning towards 0 leans towards True."""
    return draw(st.integers(0, 99)) < percent


def rarely(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` times in a hundred; Hypothesis's leaning towards 0 leans towards False."""
    return draw(st.integers(0, 99)) >= 100 - percent


def _altered(text: str, index: int) -> str:
    if not text:
        return "x"
    index %= len(text)
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@st.composite
def session_parameters(draw: st.DrawFn, issued: list[Issued]) -> str:
    """The Session parameter: issued credentials, whole or altered or mixed, or anything else."""
    choice = draw(st.integers(0, 11))
    if choice <= 6:
        fields = dict(draw(st.sampled_from(issued)).session)
        if choice == 6:  # one field altered, emptied or taken from other credentials
            name = draw(st.sampled_from(["sessionId", "sessionKey", "sessionToken"]))
            how = draw(st.integers(0, 3))
            if how == 0:
                fields[name] = _altered(fields[name], draw(st.integers(0, 10_000)))
            elif how == 1:
                fields[name] = ""
            elif how == 2:
                fields[name] = draw(st.sampled_from(issued)).session[name]
            else:
                del fields[name]
        separators = draw(st.sampled_from([(", ", ": "), (",", ":")]))
        return json.dumps(fields, separators=separators)
    if choice <= 8:
        return draw(JSON_SESSIONS)
    if choice == 9:
        return draw(HUGE)
    return draw(st.text(max_size=60))


@st.composite
def signin_tokens(draw: st.DrawFn, backend: FederationBackend, issued: list[Issued]) -> str:
    """A SigninToken: just issued for some credentials, altered, or invented."""
    choice = draw(st.integers(0, 7))
    if choice <= 5:
        credentials = draw(st.sampled_from(issued))
        duration = draw(st.sampled_from([None, None, "3600"]))
        try:
            token = get_signin_token(backend.state, credentials.session, duration)
        except Exception:  # refused: these credentials get no token
            return draw(st.text(max_size=20))
        return _altered(token, draw(st.integers(0, 400))) if choice == 5 else token
    return draw(st.one_of(st.text(max_size=40), HUGE))


@st.composite
def console_requests(draw: st.DrawFn, backend: FederationBackend, issued: list[Issued]) -> HttpRequest:
    """A request as a door hands it to the console endpoint."""
    pairs: list[tuple[str, str]] = []
    action = draw(ACTIONS) if likely(draw, 90) else None
    if action is not None:
        pairs.append(("Action", action))

    def sometimes(own: bool) -> bool:  # the action's own parameters mostly, the other action's at times
        return likely(draw, 90) if own else rarely(draw, 20)

    if sometimes(action != "login"):
        pairs.append(("Session", draw(session_parameters(issued))))
    if rarely(draw, 33 if action == "getSigninToken" else 10):
        pairs.append(("SessionDuration", draw(DURATIONS)))
    if sometimes(action == "login"):
        pairs.append(("SigninToken", draw(signin_tokens(backend, issued))))
    if sometimes(action == "login"):
        pairs.append(("Destination", draw(DESTINATIONS)))
    if draw(st.booleans()):
        pairs.append(("Issuer", draw(st.one_of(st.just("Example.org"), st.text(max_size=30)))))
    pairs += draw(st.lists(st.tuples(st.sampled_from(["SessionType", "DurationSeconds", "x"]), VALUES), max_size=2))
    if pairs and rarely(draw, 15):
        pairs += draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=3))
    if rarely(draw, 25):
        pairs = draw(st.permutations(pairs))
    style = draw(st.sampled_from(["urlencoded", "urlencoded", "percent-everything", "raw"]))
    method = draw(st.sampled_from(["GET"] * 5 + ["POST"] * 4 + ["PUT", "HEAD", "get"]))
    url = draw(HOSTS) + ("/federation" if likely(draw, 85) else draw(ODD_PATHS))
    headers: dict[str, str] = {}
    body = b""
    if method == "POST" and draw(st.booleans()):
        body = _encode_pairs(pairs, style).encode("utf-8", "surrogatepass")
        headers["Content-Type"] = draw(
            st.sampled_from(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
                             "", "text/plain"])
        )  # fmt: skip
    else:
        url += "?" + _encode_pairs(pairs, style)
    return HttpRequest.build(method, url, headers, body)


# ---- what a well-formed answer is ------------------------------------------------------------------------------


def assert_endpoint_answer(
    response: HttpResponse, consoles_before: int, backend: FederationBackend, request_url: str
) -> str:
    """``response`` is one the endpoint gives; its outcome: ``token``, ``console-page``, ``302`` or the refusal."""
    assert response.status != 500, response.body.decode("utf-8", "replace")
    headers = {name.lower(): value for name, value in response.headers.items()}
    for name, value in headers.items():
        assert not {"\r", "\n"} & set(value), (name, value)
    if response.status == 200:
        if headers["content-type"] == "text/html;charset=utf-8":
            assert CONSOLE_URL.match(request_url), request_url
            return "console-page"
        assert headers["content-type"] == "application/json"
        answer = json.loads(response.body)
        assert list(answer) == ["SigninToken"]
        assert TOKEN_TEXT.fullmatch(answer["SigninToken"])
        return "token"
    if response.status == 302:
        assert console_partition_of_url(headers["location"]) is not None
        assert len(backend.console_sessions) == consoles_before + 1
        assert backend.console_sessions[-1].destination == headers["location"]
        return "302"
    assert response.status in (400, 404, 405), response.status
    assert headers["content-type"] == "text/html;charset=utf-8"
    text = response.body.decode("utf-8")
    assert text.startswith(("<html>", "<!DOCTYPE html>"))
    assert text.endswith("</html>")
    reason = headers["x-mockfed-reason"]
    assert reason
    assert all(" " <= char <= "~" for char in reason)
    if "Invalid credentials parameter" in text:
        return "invalid-credentials"
    if "login link were invalid" in text:
        return "invalid-link"
    if "destination in your login link" in text:
        return "invalid-destination"
    if "Only federation tokens" in text:
        return "not-federated"
    return str(response.status)


def test_arbitrary_console_requests_get_endpoint_answers() -> None:
    backend, issued = prepared_backend()
    outcomes: Counter[str] = Counter()

    @robustness_settings(max_examples=1500)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        request = data.draw(console_requests(backend, issued))
        before = len(backend.console_sessions)
        exchange = console_exchange(request, backend)
        assert exchange.error_code != "InternalFailure"
        outcomes[assert_endpoint_answer(exchange.response, before, backend, request.url)] += 1

    run()
    total = sum(outcomes.values())
    print(f"console endpoint: {total} cases, {dict(outcomes)}")
    assert total >= 1400, outcomes
    for outcome, least in {
        "token": 50,
        "302": 20,
        "invalid-credentials": 200,
        "invalid-link": 50,
        "invalid-destination": 10,
        "not-federated": 3,
        "404": 20,
        "405": 20,
    }.items():
        assert outcomes[outcome] >= least, outcomes


# ---- through the doors -----------------------------------------------------------------------------------------


@pytest.fixture
def active() -> Iterator[tuple[FederationBackend, list[Issued]]]:
    backend, issued = prepared_backend()
    with mock_federation(backend=backend):
        yield backend, issued


def _through_urllib(request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
    sent = urllib.request.Request(request.url, data=request.body or None, method=request.method)
    for name, value in request.headers.items():
        sent.add_header(name, value)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(sent, timeout=5) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, dict(refused.headers.items()), refused.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_requests_and_urllib_get_endpoint_answers(active: tuple[FederationBackend, list[Issued]]) -> None:
    backend, issued = active
    outcomes: Counter[str] = Counter()
    routed = st.sampled_from(["https://signin.aws.amazon.com/federation", "https://signin.amazonaws-us-gov.com/federation"])

    @robustness_settings(max_examples=300)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        request = data.draw(console_requests(backend, issued))
        url = data.draw(routed) + ("?" + request.query if request.query else "")
        method = request.method.upper() if request.method.upper() in ("GET", "POST") else "GET"
        request = HttpRequest(method, url, request.headers, request.body)
        before = len(backend.console_sessions)
        if outcomes["requests"] <= outcomes["urllib"]:  # the two doors in turn
            answer = requests.request(method, url, data=request.body or None, headers=dict(request.headers),
                                      allow_redirects=False, timeout=5)  # fmt: skip
            status, headers, body = answer.status_code, dict(answer.headers), answer.content
            outcomes["requests"] += 1
        else:
            status, headers, body = _through_urllib(request)
            outcomes["urllib"] += 1
        outcomes[assert_endpoint_answer(HttpResponse(status, headers, body), before, backend, url)] += 1

    run()
    print(f"console doors: {dict(outcomes)}")
    assert outcomes["requests"] + outcomes["urllib"] >= 280, outcomes
    assert min(outcomes["requests"], outcomes["urllib"]) >= 100, outcomes
    for outcome in ("token", "302", "invalid-credentials", "invalid-link", "invalid-destination", "not-federated"):
        assert outcomes[outcome] >= 5, outcomes


def test_mockfed_serve_gets_endpoint_answers() -> None:
    backend, issued = prepared_backend()
    outcomes: Counter[str] = Counter()
    with FederationServer(backend=backend) as server, requests.Session() as http:

        @robustness_settings(max_examples=150)
        @given(st.data())
        def run(data: st.DataObject) -> None:
            request = data.draw(console_requests(backend, issued))
            url = f"{server.url}/federation" + ("?" + request.query if request.query else "")
            before = len(backend.console_sessions)
            method = "DELETE" if request.method.upper() == "HEAD" else request.method.upper()  # HEAD has no page
            answer = http.request(method, url, data=request.body or None,
                                  headers=dict(request.headers), allow_redirects=False, timeout=5)  # fmt: skip
            response = HttpResponse(answer.status_code, dict(answer.headers), answer.content)
            outcomes[assert_endpoint_answer(response, before, backend, url)] += 1

        run()
    total = sum(outcomes.values())
    print(f"console over HTTP: {total} cases, {dict(outcomes)}")
    assert total >= 140, outcomes
    for outcome in ("token", "invalid-credentials", "invalid-link", "invalid-destination", "405"):
        assert outcomes[outcome] >= 10, outcomes


def test_a_token_quoted_or_not_in_the_login_url_is_the_same_token() -> None:
    backend, issued = prepared_backend()
    token = get_signin_token(backend.state, issued[0].session)
    query = f"Action=login&Destination={quote_plus('https://console.aws.amazon.com/')}&SigninToken={quote_plus(token)}"
    request = HttpRequest.build("GET", f"https://signin.aws.amazon.com/federation?{query}", {}, b"")
    assert console_exchange(request, backend).response.status == 302
