"""``mockfed serve``: real clients (AWS CLI, boto3, requests, urllib, the JavaScript SDK) over real HTTP."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.remote import RemoteBackend, RemoteError
from mockfed.server import FederationServer
from tests.conftest import FEDERATING_POLICY, S3_READ_ONLY, SEEDS_POLICY, SIMPLE_POLICY

DEMO_POLICY = Path(__file__).resolve().parents[1] / "mockfed" / "data" / "demo" / "myfile.json"
DEFAULT_USER_ARN = "arn:aws:iam::123456789012:user/mockfed-default"
NAME_PATTERN_MESSAGE = (
    "1 validation error detected: Value 'Bob Smith' at 'name' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: [\\w+=,.@-]*"
)


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer(port=0) as running:
        yield running


def sts_client(
    server: FederationServer,
    key: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_SECRET_ACCESS_KEY,
    token: str | None = None,
    region: str = "us-east-1",
    **config: Any,
) -> Any:
    """A boto3 STS client pointed at ``server``, on its own session (thread-safe to create)."""
    return boto3.session.Session().client(
        "sts",
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(**config) if config else None,
    )


def federated_client(server: FederationServer, credentials: dict[str, Any]) -> Any:
    return sts_client(server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def cli_environment(**extra: str) -> dict[str, str]:
    """The process environment without any AWS setting of the developer's, plus the default user's keys."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=DEFAULT_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=DEFAULT_SECRET_ACCESS_KEY,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        **extra,
    )
    return env


def aws_cli(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awscli", *arguments],
        env=cli_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def http(
    method: str, url: str, body: bytes | Iterable[bytes] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request with urllib; the status and body, also for 4xx/5xx answers."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


# ---- the AWS CLI ------------------------------------------------------------------------------------------------


def test_aws_cli_reproduces_the_documentation_example(server: FederationServer, tmp_path: Path) -> None:
    policy = tmp_path / "myfile.json"
    shutil.copy(DEMO_POLICY, policy)
    before = datetime.now(UTC).replace(microsecond=0)

    done = aws_cli(
        "sts", "get-federation-token", "--endpoint-url", server.url, "--region", "us-east-1",
        "--name", "Bob", "--policy", f"file://{policy}",
        "--policy-arns", f"arn={S3_READ_ONLY}", "--duration-seconds", "900",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["PackedPolicySize"] == 36
    assert answer["FederatedUser"] == {
        "FederatedUserId": "123456789012:Bob",
        "Arn": "arn:aws:sts::123456789012:federated-user/Bob",
    }
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40
    expiration = datetime.fromisoformat(credentials["Expiration"])
    assert before + timedelta(seconds=899) <= expiration <= datetime.now(UTC) + timedelta(seconds=901)
    [session] = server.backend.sessions
    assert (session.name, session.policy, session.policy_arns) == ("Bob", SEEDS_POLICY, (S3_READ_ONLY,))


def test_aws_cli_gets_the_services_validation_error(server: FederationServer) -> None:
    # The endpoint comes from AWS_ENDPOINT_URL_STS, as `mockfed serve` suggests exporting it.
    done = aws_cli("sts", "get-federation-token", "--region", "us-east-1", "--name", "Bob Smith",
                   AWS_ENDPOINT_URL_STS=server.url)  # fmt: skip

    # AWS CLI v1 (the `awscli` package) exits 255 on a service error; v2 exits 254.
    assert done.returncode == 255
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"An error occurred (ValidationError) when calling the GetFederationToken operation: {NAME_PATTERN_MESSAGE}"
    )
    assert [(call.action, call.status, call.error_code) for call in server.backend.calls] == [
        ("GetFederationToken", 400, "ValidationError")
    ]


# ---- boto3, requests, urllib ---------------------------------------------------------------------------------------


def test_boto3_federated_credentials_identify_as_the_federated_user(server: FederationServer) -> None:
    sts = sts_client(server)
    out = sts.get_federation_token(Name="Bob", Policy=SIMPLE_POLICY, DurationSeconds=900)

    identity = federated_client(server, out["Credentials"]).get_caller_identity()

    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert (identity["Arn"], identity["UserId"], identity["Account"]) == (
        "arn:aws:sts::123456789012:federated-user/Bob",
        "123456789012:Bob",
        "123456789012",
    )
    assert error_of(federated_client(server, out["Credentials"]).get_federation_token, Name="Eve") == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )


def test_a_wrong_secret_is_refused_over_http(server: FederationServer) -> None:
    sts = sts_client(server, secret="not-the-secret")

    code, message, status = error_of(sts.get_caller_identity)

    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match")


def test_a_presigned_url_is_answered_for_requests_and_urllib(server: FederationServer) -> None:
    url = sts_client(server).generate_presigned_url("get_caller_identity", HttpMethod="GET")
    assert url.startswith(server.url + "/?")

    with requests.Session() as session:
        answer = session.get(url, timeout=10)
    status, body = http("GET", url)

    assert answer.status_code == 200
    assert f"<Arn>{DEFAULT_USER_ARN}</Arn>" in answer.text
    assert status == 200
    assert f"<Arn>{DEFAULT_USER_ARN}</Arn>" in body.decode()
    tampered_status, tampered = http("GET", url.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601"))
    assert tampered_status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in tampered


def test_unsigned_requests_run_as_the_default_user_unless_strict() -> None:
    form = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with FederationServer() as lenient, FederationServer(strict_auth=True) as strict:
        lenient_status, lenient_body = http("POST", lenient.url + "/", form, headers)
        strict_status, strict_body = http("POST", strict.url + "/", form, headers)
        query_status, _ = http("GET", lenient.url + "/?" + form.decode())
        chunked_status, chunked = http("POST", lenient.url + "/", iter([form[:10], form[10:]]), headers)

    assert (lenient_status, query_status, chunked_status) == (200, 200, 200)
    assert f"<Arn>{DEFAULT_USER_ARN}</Arn>" in chunked.decode()  # urllib sends an iterable body chunked
    assert f"<Arn>{DEFAULT_USER_ARN}</Arn>" in lenient_body.decode()
    assert strict_status == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in strict_body


# ---- the admin API and RemoteBackend ------------------------------------------------------------------------------


def test_expiry_is_driven_through_the_admin_clock(server: FederationServer) -> None:
    credentials = sts_client(server).get_federation_token(Name="Bob", DurationSeconds=900)["Credentials"]
    bob = federated_client(server, credentials)
    assert bob.get_caller_identity()["Arn"].endswith("federated-user/Bob")

    RemoteBackend(server.url).clock.advance(seconds=901)

    assert error_of(bob.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


def test_state_shows_sessions_calls_and_clock_without_secrets(server: FederationServer) -> None:
    out = sts_client(server, region="eu-west-1").get_federation_token(
        Name="Bob", PolicyArns=[{"arn": S3_READ_ONLY}], Tags=[{"Key": "Project", "Value": "Pegasus"}],
        DurationSeconds=900,
    )  # fmt: skip
    remote = RemoteBackend(server.url)
    remote.clock.set(datetime(2030, 1, 1, tzinfo=UTC))

    status, raw = http("GET", server.url + "/_mockfed/state")

    assert status == 200
    state = json.loads(raw)
    [session] = state["sessions"]
    assert session["name"] == "Bob"
    assert session["access_key_id"] == out["Credentials"]["AccessKeyId"]
    assert session["arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert datetime.fromisoformat(session["expiration"]) == out["Credentials"]["Expiration"]
    assert session["packed_policy_size"] == out["PackedPolicySize"]
    assert (session["tags"], session["policy_arns"], session["region"]) == (
        {"Project": "Pegasus"},
        [S3_READ_ONLY],
        "eu-west-1",
    )
    [call] = state["calls"]
    assert (call["action"], call["region"], call["status"], call["error_code"]) == (
        "GetFederationToken",
        "eu-west-1",
        200,
        None,
    )
    assert datetime.fromisoformat(call["at"]) <= datetime.now(UTC)
    assert state["clock"]["now"].startswith("2030-01-01T00:00:0")
    assert remote.clock.now().year == 2030
    assert out["Credentials"]["SecretAccessKey"] not in raw.decode()
    assert out["Credentials"]["SessionToken"] not in raw.decode()
    assert remote.sessions == state["sessions"]


def test_reset_forgets_sessions_and_calls(server: FederationServer) -> None:
    sts_client(server).get_federation_token(Name="Bob")
    remote = RemoteBackend(server.url)
    assert len(remote.sessions) == 1

    remote.reset()

    assert (remote.sessions, remote.calls) == ([], [])


def test_a_user_created_remotely_signs_requests_under_strict_auth() -> None:
    with FederationServer(strict_auth=True) as server:
        remote = RemoteBackend(server.url)
        alice = remote.create_user("alice", FEDERATING_POLICY, tags={"team": "blue"})

        identity = sts_client(server, alice.access_key_id, alice.secret_access_key).get_caller_identity()
        out = sts_client(server, alice.access_key_id, alice.secret_access_key).get_federation_token(Name="Bob")
        stranger = error_of(sts_client(server, "AKIAIOSFODNN7EXAMPLE", "x" * 40).get_caller_identity)
        assert remote.url == server.url

    assert alice.arn == identity["Arn"] == "arn:aws:iam::123456789012:user/alice"
    assert alice.access_key_id.startswith("AKIA")
    assert server.backend.sessions[0].tags == (("team", "blue"),)
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert stranger == ("InvalidClientTokenId", "The security token included in the request is invalid", 403)


def test_a_region_disabled_remotely_answers_region_disabled(server: FederationServer) -> None:
    RemoteBackend(server.url).disable_region("ap-east-1")
    sts = sts_client(server, region="ap-east-1")

    with pytest.raises(sts.exceptions.RegionDisabledException) as info:
        sts.get_federation_token(Name="Bob")

    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert sts_client(server, region="eu-west-1").get_federation_token(Name="Bob")["FederatedUser"]["Arn"]
    RemoteBackend(server.url).enable_region("ap-east-1")
    assert sts.get_federation_token(Name="Bob")["FederatedUser"]["FederatedUserId"] == "123456789012:Bob"


def test_injected_errors_reach_the_client_and_botocore_retries_throttling(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    remote.inject_error("GetFederationToken", "Throttling", count=1)
    remote.inject_error("GetCallerIdentity", "AccessDenied", "Not today", status=403)
    sts = sts_client(server)

    out = sts.get_federation_token(Name="Bob")
    denied = error_of(sts.get_caller_identity)

    assert out["ResponseMetadata"]["RetryAttempts"] == 1
    assert denied == ("AccessDenied", "Not today", 403)
    assert [(call["action"], call["status"], call["error_code"]) for call in remote.calls] == [
        ("GetFederationToken", 400, "Throttling"),
        ("GetFederationToken", 200, None),
        ("GetCallerIdentity", 403, "AccessDenied"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("POST", "clock/advance", b"{not json", 400, "the request body is not JSON"),
        ("POST", "clock/advance", b"[1]", 400, "the request body must be a JSON object, not list"),
        ("POST", "clock/advance", b'{"minute": 5}', 400, "unknown field(s) minute"),
        ("POST", "clock/advance", b'{"seconds": "5"}', 400, "seconds must be a number from -3.1"),
        ("POST", "clock/advance", b'{"days": NaN}', 400, "days must be a number from -36600 to 36600, not NaN"),
        ("POST", "clock/set", b'{"time": "tomorrow"}', 400, "time 'tomorrow' is not an ISO-8601 date-time"),
        ("POST", "users", b"{}", 400, "missing field(s) name"),
        ("POST", "users", b'{"name": "eve", "policy": "{"}', 400, "MalformedPolicyDocument: "),
        ("POST", "errors/inject", b'{"action": "*", "code": "X", "count": 0}', 400, "count must be an integer"),
        ("GET", "clock", None, 404, "no admin endpoint GET /_mockfed/clock"),
        ("POST", "state", b"{}", 404, "no admin endpoint POST /_mockfed/state"),
    ],
)
def test_admin_errors_are_json(
    server: FederationServer, method: str, path: str, body: bytes | None, status: int, error: str
) -> None:
    answered, raw = http(method, f"{server.url}/_mockfed/{path}", body)

    assert answered == status
    assert json.loads(raw)["error"].startswith(error)


def test_remote_backend_raises_the_servers_message(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)

    with pytest.raises(RemoteError) as refused:
        remote.inject_error("GetFederationToken", "Throttling", count=-1)
    with pytest.raises(RemoteError) as unreachable:
        RemoteBackend("http://127.0.0.1:9", timeout=2).reset()

    assert refused.value.status == 400
    assert refused.value.message == "count must be an integer from 1 to 1000000, not -1"
    assert unreachable.value.status is None
    assert "cannot reach the mockfed server at http://127.0.0.1:9" in str(unreachable.value)


# ---- the server itself ----------------------------------------------------------------------------------------------


def test_each_request_is_logged_without_secrets(server: FederationServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockfed.server")
    out = sts_client(server).get_federation_token(Name="Bob")
    error_of(sts_client(server).get_federation_token, Name="Bob Smith")
    RemoteBackend(server.url).sessions  # noqa: B018 - an admin request

    lines = [record.getMessage() for record in caplog.records if record.name == "mockfed.server"]

    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        f"GetFederationToken {DEFAULT_USER_ARN} 200",
        f"GetFederationToken {DEFAULT_USER_ARN} 400 ValidationError",
        "admin GET /_mockfed/state 200",
    ]
    assert all(line.endswith(" ms") for line in lines)
    secrets = (out["Credentials"]["SecretAccessKey"], out["Credentials"]["SessionToken"], DEFAULT_SECRET_ACCESS_KEY)
    assert not any(secret in caplog.text for secret in secrets)


def test_the_server_shares_a_given_backend_and_stops_cleanly() -> None:
    backend = FederationBackend(account_id="111122223333")
    server = FederationServer(backend)
    with pytest.raises(RuntimeError, match="not serving"):
        _ = server.url

    server.start()
    url = server.url
    arn = sts_client(server).get_federation_token(Name="Bob")["FederatedUser"]["Arn"]
    with pytest.raises(RuntimeError, match="already serving"):
        server.start()
    server.stop()
    server.stop()

    assert arn == "arn:aws:sts::111122223333:federated-user/Bob"
    assert [session.name for session in backend.sessions] == ["Bob"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/_mockfed/state", timeout=2)


def test_mockfed_serve_command_prints_its_environment_logs_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockfed", "serve", "--port", "0", "--account-id", "111122223333"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_environment(),
    )
    watchdog = threading.Timer(30, process.kill)  # a hung server fails the test instead of the suite
    watchdog.start()
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(5)]
        exports = dict(line.removeprefix("export ").strip().split("=", 1) for line in banner if "export" in line)
        url = exports["AWS_ENDPOINT_URL_STS"]
        assert url.startswith("http://127.0.0.1:")
        assert exports["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
        assert exports["AWS_SECRET_ACCESS_KEY"] == DEFAULT_SECRET_ACCESS_KEY
        sts = boto3.session.Session().client(
            "sts", region_name="us-east-1", endpoint_url=url,
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"], aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip
        out = sts.get_federation_token(Name="Bob", DurationSeconds=900)

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, stderr
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::111122223333:federated-user/Bob"
    assert banner[0].startswith(f"mockfed serve: STS for account 111122223333 at {url}")
    [log_line] = [line for line in stdout.splitlines() if "GetFederationToken" in line]
    assert " GetFederationToken arn:aws:iam::111122223333:user/mockfed-default 200 " in log_line
    assert out["Credentials"]["SecretAccessKey"] not in stdout
    assert out["Credentials"]["SessionToken"] not in stdout
    assert stdout.endswith("mockfed serve: stopped\n")


def test_two_hundred_concurrent_requests_from_eight_threads(server: FederationServer) -> None:
    threads, per_thread = 8, 25
    answers: dict[str, dict[str, Any]] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        sts = sts_client(server)
        try:
            for index in range(per_thread):
                name = f"user-{worker}-{index}"
                out = sts.get_federation_token(Name=name, Policy=SIMPLE_POLICY, DurationSeconds=900)
                with lock:
                    answers[name] = out
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(worker,)) for worker in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    elapsed = time.perf_counter() - started

    assert failures == []
    assert len(answers) == threads * per_thread
    for name, out in answers.items():
        assert out["FederatedUser"]["Arn"] == f"arn:aws:sts::123456789012:federated-user/{name}"
        assert out["FederatedUser"]["FederatedUserId"] == f"123456789012:{name}"
    keys = {out["Credentials"]["AccessKeyId"] for out in answers.values()}
    assert len(keys) == threads * per_thread
    sessions = RemoteBackend(server.url).sessions
    assert len(sessions) == threads * per_thread
    assert {session["name"]: session["access_key_id"] for session in sessions} == {
        name: out["Credentials"]["AccessKeyId"] for name, out in answers.items()
    }
    assert elapsed < 30, f"200 requests took {elapsed:.1f} s"


# ---- another SDK: JavaScript (optional) -------------------------------------------------------------------------

NODE_SCRIPT = """
import { STSClient, GetFederationTokenCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
const client = new STSClient({
  region: "us-east-1",
  endpoint: process.env.MOCKFED_URL,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
});
const out = await client.send(new GetFederationTokenCommand({
  Name: "Bob", DurationSeconds: 900, PolicyArns: [{ arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }],
}));
const bob = new STSClient({
  region: "us-east-1",
  endpoint: process.env.MOCKFED_URL,
  credentials: {
    accessKeyId: out.Credentials.AccessKeyId,
    secretAccessKey: out.Credentials.SecretAccessKey,
    sessionToken: out.Credentials.SessionToken,
  },
});
const identity = await bob.send(new GetCallerIdentityCommand({}));
let error = null;
try {
  await client.send(new GetFederationTokenCommand({ Name: "Bob Smith" }));
} catch (e) {
  error = { name: e.name, message: e.message, status: e.$metadata.httpStatusCode };
}
const answer = { arn: out.FederatedUser.Arn, packed: out.PackedPolicySize, identity: identity.Arn, error };
console.log(JSON.stringify(answer));
"""


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder with @aws-sdk/client-sts installed, or a skip saying why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the JavaScript SDK test")
    folder = tmp_path_factory.mktemp("node-sdk")
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "@aws-sdk/client-sts"],
            cwd=folder, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("npm could not install @aws-sdk/client-sts within 30 s (registry unreachable?)")
    if done.returncode != 0:
        pytest.skip(f"npm could not install @aws-sdk/client-sts: {done.stderr.strip()[-300:]}")
    (folder / "federate.mjs").write_text(NODE_SCRIPT)
    return folder


def test_the_javascript_sdk_federates_through_the_server(server: FederationServer, node_sdk: Path) -> None:
    done = subprocess.run(
        ["node", "federate.mjs"], cwd=node_sdk, capture_output=True, text=True, timeout=30,
        env=cli_environment(MOCKFED_URL=server.url),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["arn"] == answer["identity"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert answer["packed"] == server.backend.sessions[0].packed_policy_size
    assert answer["error"] == {"name": "ValidationError", "message": NAME_PATTERN_MESSAGE, "status": 400}
