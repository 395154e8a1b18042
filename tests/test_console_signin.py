"""The console federation endpoint: brokers that sign people in to the AWS console, and every refusal.

A broker gets temporary credentials from STS, exchanges them at
``https://signin.aws.amazon.com/federation?Action=getSigninToken`` for a sign-in token, and hands
a person's browser ``?Action=login&Issuer=...&Destination=...&SigninToken=...``. These tests
play both: the broker (``requests``, ``urllib``) and the browser (a GET of the login URL).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, SigninError, mock_federation
from mockfed.remote import RemoteBackend
from mockfed.server import FederationServer
from tests.conftest import S3_READ_ONLY

FEDERATION = "https://signin.aws.amazon.com/federation"
CONSOLE = "https://console.aws.amazon.com/"
ACCOUNT = "123456789012"
TRUST_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
}
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
SNS_ALL = '{"Version":"2012-10-17","Statement":[{"Action":"sns:*","Effect":"Allow","Resource":"*"}]}'

#: The refusal pages, as captured from the real endpoint.
INVALID_CREDENTIALS = (
    "HTTP Status 400 - Invalid credentials parameter",
    "Invalid credentials parameter",
    "The request sent by the client was syntactically incorrect.",
)
INVALID_LINK = "The credentials in your login link were invalid. Please contact your administrator."
NOT_FEDERATED = "Only federation tokens or assume role tokens may be used for federated login."


@pytest.fixture
def backend() -> Iterator[FederationBackend]:
    with mock_federation() as active:
        active.create_role("ConsoleAccess", TRUST_ACCOUNT, policy=S3_ALL, max_session_duration=7200)
        yield active


def sts(region: str = "us-east-1", creds: Mapping[str, str] | None = None) -> Any:
    if creds is None:
        return boto3.client("sts", region_name=region)
    return boto3.client(
        "sts",
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def role_credentials(**params: Any) -> dict[str, Any]:
    arn = f"arn:aws:iam::{ACCOUNT}:role/ConsoleAccess"
    out = sts().assume_role(RoleArn=arn, RoleSessionName="alice", **params)
    return dict(out["Credentials"])


def federation_credentials(**params: Any) -> dict[str, Any]:
    out = sts().get_federation_token(Name="Bob", **{"Policy": SNS_ALL, "DurationSeconds": 1800, **params})
    return dict(out["Credentials"])


def session_json(creds: Mapping[str, Any]) -> str:
    fields = {"sessionId": "AccessKeyId", "sessionKey": "SecretAccessKey", "sessionToken": "SessionToken"}
    return json.dumps({name: creds[key] for name, key in fields.items()})


def get_signin_token(creds: Mapping[str, Any], endpoint: str = FEDERATION, **extra: str) -> requests.Response:
    query = {"Action": "getSigninToken", **extra, "Session": session_json(creds)}
    return requests.get(endpoint + "?" + urllib.parse.urlencode(query), timeout=5)


def login_url(token: str, destination: str = CONSOLE, endpoint: str = FEDERATION) -> str:
    query = urllib.parse.urlencode(
        {"Action": "login", "Issuer": "https://broker.example.com/", "Destination": destination}
    )
    return f"{endpoint}?{query}&SigninToken={token}"


def signin_token(creds: Mapping[str, Any], **extra: str) -> str:
    answer = get_signin_token(creds, **extra)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["SigninToken"])


def open_in_browser(url: str) -> requests.Response:
    """What a browser does with the login URL: one GET, the redirect not followed."""
    return requests.get(url, allow_redirects=False, timeout=5)


def assert_invalid_credentials(answer: requests.Response) -> None:
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "text/html;charset=utf-8"
    for line in INVALID_CREDENTIALS:
        assert line in answer.text


def assert_sign_in_page(answer: requests.Response, sentence: str) -> None:
    assert answer.status_code == 400
    assert "<title>Amazon Web Services Sign In</title>" in answer.text
    assert sentence in answer.text


# ---- signing in ------------------------------------------------------------------------------------------------


def test_role_credentials_sign_in_for_the_session_duration_asked(backend: FederationBackend) -> None:
    creds = role_credentials()
    token = signin_token(creds, SessionDuration="43200")
    answer = open_in_browser(login_url(token, "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1"))

    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1"
    [console] = backend.console_sessions
    assert (console.kind, console.name, console.arn) == (
        "role",
        "alice",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/ConsoleAccess/alice",
    )
    assert console.role_arn == f"arn:aws:iam::{ACCOUNT}:role/ConsoleAccess"
    assert console.access_key_id == creds["AccessKeyId"]
    assert console.session_duration == 43200
    assert console.expiration - console.signed_in_at == timedelta(hours=12)  # longer than the credentials' hour
    assert (console.issuer, console.partition) == ("https://broker.example.com/", "aws")


def test_without_session_duration_the_console_lasts_as_the_credentials_do(backend: FederationBackend) -> None:
    creds = role_credentials(DurationSeconds=5400)
    open_in_browser(login_url(signin_token(creds)))
    [console] = backend.console_sessions
    assert console.session_duration is None
    assert console.expiration == backend.role_sessions[0].expiration


def test_federation_token_broker_with_urllib_signs_in_with_its_session_policy(backend: FederationBackend) -> None:
    """The GetFederationToken broker of AWS's Java and Ruby samples, written with the standard library."""
    user = backend.create_user("broker", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "sns:*", "s3:*"], "Resource": "*"}]})  # fmt: skip
    broker_sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id=user.access_key_id,
        aws_secret_access_key=user.secret_access_key,
    )  # fmt: skip
    creds = broker_sts.get_federation_token(Name="UserName", Policy=SNS_ALL, DurationSeconds=1800)["Credentials"]
    # The samples also send DurationSeconds and SessionType=json, which the endpoint ignores.
    get_token = f"{FEDERATION}?Action=getSigninToken&DurationSeconds=43200&SessionType=json&Session=" + (
        urllib.parse.quote_plus(session_json(creds))
    )
    with urllib.request.urlopen(get_token, timeout=5) as answer:
        assert answer.status == 200
        token = json.loads(answer.read())["SigninToken"]
    login = (
        f"{FEDERATION}?Action=login&SigninToken={urllib.parse.quote_plus(token)}"
        f"&Issuer={urllib.parse.quote_plus('https://mysignin.internal.mycompany.com/')}"
        f"&Destination={urllib.parse.quote_plus('https://console.aws.amazon.com/sns')}"
    )
    with urllib.request.urlopen(login, timeout=5) as page:  # urllib follows the redirect, as a browser would
        assert page.url == "https://console.aws.amazon.com/sns"
        assert page.status == 200

    [console] = backend.console_sessions
    assert (console.kind, console.name, console.policy) == ("federated", "UserName", SNS_ALL)
    assert console.arn == f"arn:aws:sts::{ACCOUNT}:federated-user/UserName"
    assert console.expiration == backend.sessions[0].expiration  # 30 minutes: the credentials' own
    assert backend.is_allowed(console.session_id, "sns:Publish")
    assert not backend.is_allowed(console.session_id, "s3:GetObject")  # the user may, the session policy may not


def test_getsignintoken_and_login_as_post_forms(backend: FederationBackend) -> None:
    creds = role_credentials()
    answer = requests.post(FEDERATION, data={"Action": "getSigninToken", "Session": session_json(creds)}, timeout=5)
    assert answer.headers["Content-Type"] == "application/json"
    token = answer.json()["SigninToken"]
    assert answer.text == json.dumps({"SigninToken": token}, separators=(",", ":"))
    login = {"Action": "login", "Destination": CONSOLE, "SigninToken": token}
    assert requests.post(FEDERATION, data=login, allow_redirects=False, timeout=5).status_code == 302


def test_signin_url_builds_the_login_url_in_one_line(backend: FederationBackend) -> None:
    url = backend.signin_url(role_credentials(), issuer="Example.org", session_duration=3600)
    assert url.startswith(f"{FEDERATION}?Action=login&Issuer=Example.org&Destination=https%3A%2F%2Fconsole.aws")
    answer = open_in_browser(url)
    assert (answer.status_code, answer.headers["Location"]) == (302, CONSOLE)
    assert backend.console_sessions[0].session_duration == 3600


def test_signin_url_takes_a_session_record_and_refuses_what_the_endpoint_refuses(backend: FederationBackend) -> None:
    federation_credentials()
    assert backend.signin_url(backend.sessions[0]).startswith(FEDERATION)
    with pytest.raises(SigninError) as refused:
        backend.signin_url(backend.sessions[0], session_duration=3600)
    assert (refused.value.status, refused.value.message) == (400, "Invalid credentials parameter")
    assert "GetFederationToken" in refused.value.reason


def test_console_sessions_act_as_their_credentials_for_as_long_as_they_last(backend: FederationBackend) -> None:
    creds = role_credentials(DurationSeconds=3600, PolicyArns=[{"arn": S3_READ_ONLY}])
    open_in_browser(login_url(signin_token(creds, SessionDuration="7200")))
    console = backend.console_sessions[0]
    assert backend.is_allowed(console.session_id, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
    assert not backend.is_allowed(console.session_id, "s3:PutObject")  # the session policy
    assert console.policy_arns == (S3_READ_ONLY,)

    backend.clock.advance(minutes=90)  # the credentials expired; the console session has 30 minutes left
    assert not backend.is_allowed(creds["AccessKeyId"], "s3:GetObject")
    assert backend.is_allowed(console.session_id, "s3:GetObject")
    backend.clock.advance(minutes=30)
    assert not backend.is_allowed(console.session_id, "s3:GetObject")


def test_china_and_govcloud_sign_in_at_their_partitions_endpoint(backend: FederationBackend) -> None:
    gov = dict(sts("us-gov-west-1").get_federation_token(Name="Bob", Policy=SNS_ALL)["Credentials"])
    gov_federation = "https://signin.amazonaws-us-gov.com/federation"
    token = signin_token(gov)
    gov_url = login_url(token, "https://console.amazonaws-us-gov.com/", gov_federation)
    assert open_in_browser(gov_url.replace(gov_federation, FEDERATION)).status_code == 400  # another partition
    assert open_in_browser(gov_url).status_code == 302
    [console] = backend.console_sessions
    assert (console.partition, console.arn) == ("aws-us-gov", f"arn:aws-us-gov:sts::{ACCOUNT}:federated-user/Bob")

    url = backend.signin_url(gov)
    assert url.startswith(f"{gov_federation}?Action=login&Destination=https%3A%2F%2Fconsole.amazonaws-us-gov.com%2F&")
    china = requests.get("https://signin.amazonaws.cn/federation?Action=getSigninToken", timeout=5)
    assert_invalid_credentials(china)  # answered, not sent to the network


def test_regional_sign_in_hosts_answer_too(backend: FederationBackend) -> None:
    endpoint = "https://eu-west-1.signin.aws.amazon.com/federation"
    token = get_signin_token(role_credentials(), endpoint).json()["SigninToken"]
    assert open_in_browser(login_url(token, endpoint=endpoint)).status_code == 302


# ---- refusals of getSigninToken: the captured "Invalid credentials parameter" page ---------------------------


def test_expired_credentials_are_refused(backend: FederationBackend) -> None:
    creds = federation_credentials(DurationSeconds=900)
    backend.clock.advance(seconds=900)
    answer = get_signin_token(creds)
    assert_invalid_credentials(answer)
    assert "expired" in answer.headers["x-mockfed-reason"]


def test_a_tampered_session_token_is_refused(backend: FederationBackend) -> None:
    creds = role_credentials()
    token = creds["SessionToken"]
    tampered = {**creds, "SessionToken": token[:60] + ("A" if token[60] != "A" else "B") + token[61:]}
    assert_invalid_credentials(get_signin_token(tampered))
    other = {**creds, "SessionToken": federation_credentials()["SessionToken"]}  # another session's token
    assert_invalid_credentials(get_signin_token(other))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"SecretAccessKey": "x" * 40}, id="wrong-secret"),
        pytest.param({"AccessKeyId": "ASIAUNKNOWNUNKNOWN00"}, id="unknown-key"),
        pytest.param({"SessionToken": ""}, id="no-token"),
    ],
)
def test_credentials_this_backend_did_not_issue_are_refused(backend: FederationBackend, change: dict[str, str]) -> None:
    assert_invalid_credentials(get_signin_token({**role_credentials(), **change}))


def test_long_term_keys_are_refused(backend: FederationBackend) -> None:
    user = backend.create_user("alice", S3_ALL)
    keys = {"AccessKeyId": user.access_key_id, "SecretAccessKey": user.secret_access_key, "SessionToken": "none"}
    answer = get_signin_token(keys)
    assert_invalid_credentials(answer)
    assert "long-term" in answer.headers["x-mockfed-reason"]


@pytest.mark.parametrize(
    "session",
    ["", "not json", "[1, 2]", '{"sessionId": 1, "sessionKey": 2, "sessionToken": 3}', "[" * 100_000],
)
def test_a_malformed_session_parameter_is_refused(backend: FederationBackend, session: str) -> None:
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})
    assert_invalid_credentials(requests.get(f"{FEDERATION}?{query}", timeout=5))


def test_session_duration_is_refused_with_getfederationtoken_credentials(backend: FederationBackend) -> None:
    creds = federation_credentials()
    answer = get_signin_token(creds, SessionDuration="3600")
    assert_invalid_credentials(answer)
    assert "GetFederationToken" in answer.headers["x-mockfed-reason"]
    assert get_signin_token(creds).status_code == 200  # without it, the same credentials sign in


def test_session_duration_is_refused_for_a_chained_role_but_an_hour_applies_without_it(
    backend: FederationBackend,
) -> None:
    backend.create_role("Next", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": f"arn:aws:iam::{ACCOUNT}:role/ConsoleAccess"}, "Action": "sts:AssumeRole"}]}, policy=S3_ALL)  # fmt: skip
    chained = sts(creds=role_credentials()).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Next", RoleSessionName="chained"
    )["Credentials"]
    assert_invalid_credentials(get_signin_token(chained, SessionDuration="3600"))

    open_in_browser(login_url(signin_token(chained)))
    [console] = backend.console_sessions
    assert console.expiration - console.signed_in_at <= timedelta(hours=1)


def test_session_duration_is_refused_for_a_role_taken_with_getsessiontoken_credentials(
    backend: FederationBackend,
) -> None:
    session_creds = sts().get_session_token()["Credentials"]
    creds = sts(creds=session_creds).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ConsoleAccess", RoleSessionName="via-session", DurationSeconds=7200
    )["Credentials"]
    assert_invalid_credentials(get_signin_token(creds, SessionDuration="7200"))
    open_in_browser(login_url(signin_token(creds)))
    console = backend.console_sessions[0]
    assert console.expiration - console.signed_in_at == timedelta(hours=1)  # capped, though the role gave two


@pytest.mark.parametrize("duration", ["899", "43201", "", "abc", "3600.0", " 3600", "-900", "9" * 5000])
def test_session_duration_out_of_range_or_not_a_number_is_refused(backend: FederationBackend, duration: str) -> None:
    assert_invalid_credentials(get_signin_token(role_credentials(), SessionDuration=duration))


@pytest.mark.parametrize("duration", ["900", "43200"])
def test_session_duration_bounds_are_accepted(backend: FederationBackend, duration: str) -> None:
    assert get_signin_token(role_credentials(), SessionDuration=duration).status_code == 200


# ---- refusals of login: the sign-in page ---------------------------------------------------------------------


def test_a_signin_token_is_usable_once(backend: FederationBackend) -> None:
    url = login_url(signin_token(role_credentials()))
    assert open_in_browser(url).status_code == 302
    again = open_in_browser(url)
    assert_sign_in_page(again, INVALID_LINK)
    assert len(backend.console_sessions) == 1


def test_a_signin_token_lasts_fifteen_minutes_by_the_backend_clock(backend: FederationBackend) -> None:
    creds = role_credentials()
    first, second = signin_token(creds), signin_token(creds)
    backend.clock.advance(seconds=899)
    assert open_in_browser(login_url(first)).status_code == 302
    backend.clock.advance(seconds=1)
    late = open_in_browser(login_url(second))
    assert_sign_in_page(late, INVALID_LINK)
    assert "15 minutes" in late.headers["x-mockfed-reason"]


def test_an_altered_or_foreign_signin_token_is_refused(backend: FederationBackend) -> None:
    token = signin_token(role_credentials())
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_sign_in_page(open_in_browser(login_url(altered)), INVALID_LINK)
    other = FederationBackend()
    elsewhere = other.signin_url(other.get_federation_token(other.default_user, {"Name": "Eve"})["Credentials"])
    foreign = urllib.parse.parse_qs(urllib.parse.urlsplit(elsewhere).query)["SigninToken"][0]
    assert_sign_in_page(open_in_browser(login_url(foreign)), INVALID_LINK)
    assert_sign_in_page(open_in_browser(f"{FEDERATION}?Action=login&Destination={CONSOLE}"), INVALID_LINK)


@pytest.mark.parametrize(
    "destination",
    [
        "https://evil.example.com/",
        "https://console.aws.amazon.com.evil.example.com/",
        "http://console.aws.amazon.com/",
        "https://console.amazonaws.cn/",  # another partition's console
        "https://user@console.aws.amazon.com/",
        "javascript:alert(1)",
        "",
    ],
)
def test_a_destination_that_is_not_the_console_is_refused(backend: FederationBackend, destination: str) -> None:
    token = signin_token(role_credentials())
    refused = open_in_browser(login_url(token, destination))
    assert_sign_in_page(refused, "The destination in your login link is not an AWS Management Console address.")
    assert backend.console_sessions == []
    assert open_in_browser(login_url(token)).status_code == 302  # the token was not used up


def test_getsessiontoken_credentials_get_a_token_but_cannot_log_in(backend: FederationBackend) -> None:
    creds = sts().get_session_token()["Credentials"]
    refused = open_in_browser(login_url(signin_token(creds)))
    assert_sign_in_page(refused, NOT_FEDERATED)
    assert backend.console_sessions == []


def test_credentials_that_expire_before_the_login_cannot_log_in(backend: FederationBackend) -> None:
    creds = federation_credentials(DurationSeconds=900)
    token = signin_token(creds)
    backend.clock.advance(seconds=900)
    assert_sign_in_page(open_in_browser(login_url(token)), INVALID_LINK)


# ---- the rest of the sign-in host ----------------------------------------------------------------------------


def test_unknown_actions_and_other_paths_are_answered_not_sent_anywhere(backend: FederationBackend) -> None:
    unknown = requests.get(f"{FEDERATION}?Action=GetSigninToken", timeout=5)  # the case is part of the name
    assert unknown.status_code == 400
    assert "HTTP Status 400" in unknown.text
    missing = requests.get(FEDERATION, timeout=5)
    assert missing.status_code == 400
    other = requests.get("https://signin.aws.amazon.com/oauth?Action=logout", timeout=5)
    assert other.status_code == 404
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(FEDERATION, method="PUT"), timeout=5)
    assert refused.value.code == 405


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_methods_through_requests_are_answered_as_through_urllib(backend: FederationBackend, method: str) -> None:
    answer = requests.request(method, FEDERATION, timeout=5)  # was requests.ConnectionError from responses
    assert answer.status_code == 405
    assert answer.headers["Content-Type"].startswith("text/html")
    if method != "HEAD":
        assert f"HTTP method {method} is not supported by this URL" in answer.text


# ---- against mockfed serve (path /federation) -------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer() as running:
        running.backend.create_role("ConsoleAccess", TRUST_ACCOUNT, policy=S3_ALL)
        yield running


def served_sts(server: FederationServer) -> Any:
    return boto3.session.Session().client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )


def test_a_broker_configured_with_the_servers_url_signs_in(server: FederationServer) -> None:
    endpoint = f"{server.url}/federation"
    creds = served_sts(server).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ConsoleAccess", RoleSessionName="alice"
    )["Credentials"]
    token = get_signin_token(creds, endpoint, SessionDuration="43200").json()["SigninToken"]
    answer = open_in_browser(login_url(token, endpoint=endpoint))

    assert (answer.status_code, answer.headers["Location"]) == (302, CONSOLE)
    [console] = server.backend.console_sessions
    assert console.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/ConsoleAccess/alice"
    assert console.session_duration == 43200
    [remote] = RemoteBackend(server.url).console_sessions
    assert (remote["session_id"], remote["arn"], remote["destination"]) == (console.session_id, console.arn, CONSOLE)
    assert creds["SecretAccessKey"] not in json.dumps(remote)


def test_the_servers_refusals_are_the_endpoints_pages(server: FederationServer) -> None:
    endpoint = f"{server.url}/federation"
    creds = served_sts(server).get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
    assert_invalid_credentials(get_signin_token(creds, endpoint, SessionDuration="3600"))
    url = login_url(get_signin_token(creds, endpoint).json()["SigninToken"], endpoint=endpoint)
    assert open_in_browser(url).status_code == 302
    assert_sign_in_page(open_in_browser(url), INVALID_LINK)  # used twice
    token = get_signin_token(creds, endpoint).json()["SigninToken"]
    assert_sign_in_page(open_in_browser(login_url(token, "https://example.com/", endpoint)), "not an AWS Management")
    RemoteBackend(server.url).clock.advance(seconds=900)
    assert_sign_in_page(open_in_browser(login_url(token, endpoint=endpoint)), INVALID_LINK)  # 15 minutes
    assert_invalid_credentials(get_signin_token(creds, endpoint))  # and the credentials expired


def test_urllib_brokers_reach_the_server_too(server: FederationServer) -> None:
    creds = served_sts(server).get_federation_token(Name="Bob")["Credentials"]
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session_json(creds)})
    with urllib.request.urlopen(f"{server.url}/federation?{query}", timeout=5) as answer:
        assert json.loads(answer.read())["SigninToken"]


def test_the_server_logs_sign_ins_without_credentials_or_tokens(
    server: FederationServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mockfed.server")
    endpoint = f"{server.url}/federation"
    creds = served_sts(server).get_federation_token(Name="Bob")["Credentials"]
    token = get_signin_token(creds, endpoint).json()["SigninToken"]
    open_in_browser(login_url(token, endpoint=endpoint))
    get_signin_token(creds, endpoint, SessionDuration="900")

    lines = [record.getMessage() for record in caplog.records if record.levelno == logging.INFO]
    assert [line.rsplit(" ", 2)[0] for line in lines[1:]] == [
        "getSigninToken - 200",
        f"login arn:aws:sts::{ACCOUNT}:federated-user/Bob 302",
        "getSigninToken - 400 InvalidCredentialsParameter",
    ]
    secrets = (creds["SecretAccessKey"], creds["SessionToken"], urllib.parse.quote_plus(creds["SessionToken"]), token)
    assert not any(secret in caplog.text for secret in secrets)
