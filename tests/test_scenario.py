"""Recorded scenarios: record against a real HTTP endpoint (mockfed serve), replay with it stopped."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, mock_federation
from mockfed.scenario import (
    ScenarioAgeWarning,
    ScenarioFormatError,
    ScenarioMismatchError,
    ScenarioSecretError,
    UnusedInteractionsError,
    find_secrets,
    load_scenario_file,
)
from mockfed.server import FederationServer
from tests.conftest import GFT_BOB, S3_READ_ONLY, SEEDS_POLICY

COMPACT_POLICY = json.dumps(json.loads(SEEDS_POLICY), separators=(",", ":"))


def sts_at(url: str, **credentials: str) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=credentials.get("key", DEFAULT_ACCESS_KEY_ID),
        aws_secret_access_key=credentials.get("secret", DEFAULT_SECRET_ACCESS_KEY),
        aws_session_token=credentials.get("token"),
    )


def broker_session(url: str) -> dict[str, Any]:
    """What a broker under test does: federate Bob, check who he is, and fail on a bad name."""
    sts = sts_at(url)
    out = sts.get_federation_token(
        Name="Bob", Policy=SEEDS_POLICY, PolicyArns=[{"arn": S3_READ_ONLY}], DurationSeconds=900
    )
    creds = out["Credentials"]
    bob = sts_at(url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    identity = bob.get_caller_identity()
    with pytest.raises(ClientError) as info:
        sts.get_federation_token(Name="Bob Smith")
    return {"out": out, "identity": identity, "error": info.value.response["Error"]}


@pytest.fixture
def server() -> Any:
    with FederationServer(port=0) as running:
        yield running


def record(path: Path, url: str, mode: str = "once") -> dict[str, Any]:
    with mock_federation(scenario=path, record_mode=mode):
        return broker_session(url)


def test_record_once_then_replay_with_the_server_stopped(tmp_path: Path) -> None:
    path = tmp_path / "broker.json"
    with FederationServer(port=0) as server:
        recorded = record(path, server.url)
        url = server.url
        assert [s.name for s in server.backend.sessions] == ["Bob"]  # the request really went to the server
    with mock_federation(scenario=path) as backend:
        replayed = broker_session(url)  # the server is gone: every answer comes from the file
    assert replayed["out"]["FederatedUser"] == recorded["out"]["FederatedUser"]
    assert replayed["out"]["PackedPolicySize"] == recorded["out"]["PackedPolicySize"] == 36
    assert replayed["identity"]["Arn"] == recorded["identity"]["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert replayed["error"] == recorded["error"]
    assert replayed["error"]["Code"] == "ValidationError"
    left = replayed["out"]["Credentials"]["Expiration"] - datetime.now(UTC)
    assert timedelta(seconds=880) < left <= timedelta(seconds=900)
    assert replayed["out"]["Credentials"]["AccessKeyId"] != recorded["out"]["Credentials"]["AccessKeyId"]
    assert [c.action for c in backend.calls] == ["GetFederationToken", "GetCallerIdentity", "GetFederationToken"]


def test_written_file_holds_no_secret(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "broker.json"
    recorded = record(path, server.url)
    text = path.read_text()
    creds = recorded["out"]["Credentials"]
    for secret in (creds["SecretAccessKey"], creds["SessionToken"], creds["AccessKeyId"], DEFAULT_SECRET_ACCESS_KEY):
        assert secret not in text
    assert "Authorization" not in text
    assert "X-Amz-Security-Token" not in text
    assert find_secrets(text) == []
    document = json.loads(text)
    first = document["interactions"][0]
    assert first["response"]["Credentials"]["SecretAccessKey"] == "REDACTED"
    assert first["response"]["Credentials"]["SessionToken"] == "REDACTED"
    assert first["response"]["Credentials"]["AccessKeyId"].startswith("ASIA****")
    assert first["caller"] == "AKIA************KFED"
    assert document["mockfed_scenario"] == 1
    assert document["botocore_version"]
    assert document["mockfed_version"]


def test_the_file_is_readable_and_shaped_as_documented(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "broker.json"
    record(path, server.url)
    scenario = load_scenario_file(path)
    first, second, third = scenario.interactions
    assert (first.action, first.status, first.params["Name"], first.params["DurationSeconds"]) == (
        "GetFederationToken",
        200,
        "Bob",
        900,
    )
    assert first.response is not None
    assert first.response["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
    assert (second.action, second.region) == ("GetCallerIdentity", "us-east-1")
    assert third.error is not None
    assert (third.status, third.error["Code"]) == (400, "ValidationError")
    assert 0 <= first.offset <= second.offset <= third.offset


def test_mode_none_without_a_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFormatError, match=r"missing.json: no such scenario file.*record_mode=\"once\""):
        mock_federation(scenario=tmp_path / "missing.json", record_mode="none").start()


def test_mode_all_records_afresh(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "broker.json"
    record(path, server.url)
    record(path, server.url, mode="all")
    assert len(server.backend.sessions) == 2  # the second run reached the server again
    assert len(load_scenario_file(path).interactions) == 3  # and replaced the file, not appended


def test_mode_once_with_a_file_replays(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "broker.json"
    record(path, server.url)
    record(path, server.url, mode="once")
    assert len(server.backend.sessions) == 1


def test_mode_new_episodes_records_only_what_is_new(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "broker.json"
    record(path, server.url)
    with mock_federation(scenario=path, record_mode="new_episodes"):
        broker_session(server.url)
        sts_at(server.url).get_federation_token(Name="Alice", DurationSeconds=3600)
    assert [s.name for s in server.backend.sessions] == ["Bob", "Alice"]
    names = [i.params.get("Name") for i in load_scenario_file(path).interactions]
    assert names == ["Bob", None, "Bob Smith", "Alice"]
    with mock_federation(scenario=path):
        broker_session(server.url)
        out = sts_at(server.url).get_federation_token(Name="Alice", DurationSeconds=3600)
    assert out["FederatedUser"]["FederatedUserId"] == "123456789012:Alice"


def scenario_file(path: Path, interactions: list[dict[str, Any]], recorded_at: str = "2026-11-22T10:00:00Z") -> Path:
    path.write_text(json.dumps({"mockfed_scenario": 1, "recorded_at": recorded_at, "interactions": interactions}))
    return path


def test_an_old_recording_is_rebased_onto_today_and_warns_once(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "old.json", [GFT_BOB], recorded_at="2020-01-01T00:00:00Z")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mock_federation(scenario=path):
            out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
    ages = [w for w in caught if issubclass(w.category, ScenarioAgeWarning)]
    assert len(ages) == 1
    assert "recorded" in str(ages[0].message)
    assert "days ago" in str(ages[0].message)
    left = out["Credentials"]["Expiration"] - datetime.now(UTC)
    assert timedelta(seconds=890) < left <= timedelta(seconds=900)
    assert out["FederatedUser"]["Arn"] == "arn:aws:sts::111122223333:federated-user/Bob"
    assert out["PackedPolicySize"] == 6


def test_replayed_credentials_expire_like_the_recorded_ones(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "old.json", [GFT_BOB], recorded_at="2020-01-01T00:00:00Z")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioAgeWarning)
        with mock_federation(scenario=path, allow_unused=True) as backend:
            creds = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)[
                "Credentials"
            ]
            assert backend.sessions[0].access_key_id == creds["AccessKeyId"]
            backend.clock.advance(seconds=901)
            assert not backend.is_allowed(creds["AccessKeyId"], "sts:GetCallerIdentity")


def test_replay_clock_recorded(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "s.json", [GFT_BOB], recorded_at="2020-01-01T00:00:00Z")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioAgeWarning)
        with mock_federation(scenario=path, replay_clock="recorded") as backend:
            out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
            assert backend.clock.now().replace(microsecond=0) == datetime(2020, 1, 1, tzinfo=UTC)
    assert out["Credentials"]["Expiration"] == datetime(2020, 1, 1, 0, 15, tzinfo=UTC)


def test_a_request_with_no_match_names_the_closest_interaction(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "s.json", [GFT_BOB])
    with mock_federation(scenario=path, allow_unused=True):
        sts = boto3.client("sts", region_name="us-east-1")
        with pytest.raises(ScenarioMismatchError) as info:
            sts.get_federation_token(Name="Alice", DurationSeconds=900)
    message = str(info.value)
    assert "no interaction in" in message
    assert "matches GetFederationToken in us-east-1 (Name=Alice, DurationSeconds=900)" in message
    assert (
        "Closest: interactions[0] GetFederationToken in us-east-1 (Name=Bob, DurationSeconds=900) -> 200 OK" in message
    )
    assert '- params.Name: request "Alice" != recorded "Bob"' in message


def test_interactions_answer_once_in_order_never_wrapping(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "s.json", [GFT_BOB])
    with mock_federation(scenario=path):
        sts = boto3.client("sts", region_name="us-east-1")
        sts.get_federation_token(Name="Bob", DurationSeconds=900)
        with pytest.raises(ScenarioMismatchError, match="already used"):
            sts.get_federation_token(Name="Bob", DurationSeconds=900)


def test_repeat_last_answers_again(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "s.json", [GFT_BOB | {"repeat": "last"}])
    with mock_federation(scenario=path) as backend:
        sts = boto3.client("sts", region_name="us-east-1")
        for _ in range(3):
            sts.get_federation_token(Name="Bob", DurationSeconds=900)
    assert len(backend.sessions) == 3


def test_unused_interactions_fail_the_test_at_exit(tmp_path: Path) -> None:
    path = scenario_file(tmp_path / "s.json", [GFT_BOB])
    with (
        pytest.raises(UnusedInteractionsError, match=r"1 interaction\(s\) of .* were never requested") as unused,
        mock_federation(scenario=path),
    ):
        pass
    with mock_federation(scenario=path, allow_unused=True):
        pass

    assert str(unused.value).splitlines()[-1] == (  # both ways a replay starts, each as it is spelled
        "If that is expected, pass allow_unused=True: @pytest.mark.mockfed(scenario=..., allow_unused=True) "
        "on a test using the mockfed fixture, or mock_federation(scenario=..., allow_unused=True)."
    )


UNUSED_BY_A_MARKED_TEST = """
import pytest


@pytest.mark.mockfed(scenario="recorded.json"{options})
def test_broker_that_asks_nothing(mockfed):
    pass
"""


def test_the_advice_for_unused_interactions_is_the_markers_spelling(pytester: pytest.Pytester) -> None:
    scenario_file(pytester.mkdir("scenarios") / "recorded.json", [GFT_BOB])

    pytester.makepyfile(test_plugin=UNUSED_BY_A_MARKED_TEST.format(options=""))
    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    pytester.makepyfile(test_plugin=UNUSED_BY_A_MARKED_TEST.format(options=", allow_unused=True"))
    followed = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    failed.assert_outcomes(passed=1, errors=1)  # the test passed; its fixture's teardown failed
    failed.stdout.fnmatch_lines(["*UnusedInteractionsError: 1 interaction(s) of *recorded.json were never requested*"])
    assert "@pytest.mark.mockfed(scenario=..., allow_unused=True)" in failed.stdout.str()
    followed.assert_outcomes(passed=1)


def test_policies_match_as_documents_not_strings(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "s.json"
    with mock_federation(scenario=path, record_mode="once"):
        sts_at(server.url).get_federation_token(Name="Bob", Policy=COMPACT_POLICY)
    with mock_federation(scenario=path):
        out = sts_at(server.url).get_federation_token(Name="Bob", Policy=SEEDS_POLICY)  # pretty-printed
    assert out["FederatedUser"]["FederatedUserId"] == "123456789012:Bob"


def test_an_error_interaction_is_answered_as_recorded(tmp_path: Path) -> None:
    error = {
        "offset": 2.5,
        "region": "us-east-1",
        "action": "GetFederationToken",
        "params": {"Name": "Eve"},
        "status": 400,
        "error": {
            "Code": "PackedPolicyTooLarge",
            "Message": "Packed policy consumes 118% of allotted space, please use smaller policy.",
        },
    }
    path = scenario_file(tmp_path / "s.json", [error])
    with mock_federation(scenario=path):
        sts = boto3.client("sts", region_name="us-east-1")
        with pytest.raises(sts.exceptions.PackedPolicyTooLargeException) as info:
            sts.get_federation_token(Name="Eve")
    assert info.value.response["Error"]["Message"] == (
        "Packed policy consumes 118% of allotted space, please use smaller policy."
    )


def test_a_live_looking_secret_is_never_written(tmp_path: Path, server: FederationServer) -> None:
    path = tmp_path / "s.json"
    leak = [{"Key": "leak", "Value": "AKIAABCDEFGHIJKLMNOP"}]
    with (
        pytest.raises(ScenarioSecretError, match="refused to write"),
        mock_federation(scenario=path, record_mode="once"),
    ):
        sts_at(server.url).get_federation_token(Name="Bob", Tags=leak)
    assert not path.exists()


BAD_FILES = [
    pytest.param("not json", r"not JSON \(line 1, column 1", id="not-json"),
    pytest.param('{"mockfed_scenario": 2, "interactions": []}', r'"mockfed_scenario" must be 1', id="version"),
    pytest.param(
        '{"mockfed_scenario": 1, "recorded_at": "yesterday", "interactions": []}', r"not an ISO-8601 time", id="time"
    ),
    pytest.param(
        '{"mockfed_scenario": 1, "recorded_at": "2026-01-01T00:00:00Z", "interactions": [{"status": 200}]}',
        r'interactions\[0\]: missing "action"',
        id="missing-action",
    ),
    pytest.param(
        '{"mockfed_scenario": 1, "recorded_at": "2026-01-01T00:00:00Z", "interactions": '
        '[{"action": "GetCallerIdentity", "status": 200}]}',
        r'interactions\[0\]: give exactly one of "response"',
        id="no-outcome",
    ),
    pytest.param(
        '{"mockfed_scenario": 1, "recorded_at": "2026-01-01T00:00:00Z", "interactions": '
        '[{"action": "GetCallerIdentity", "status": 200, "response": {}, "colour": 1}]}',
        r"unknown field\(s\) colour",
        id="unknown-field",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_format_errors_are_precise(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ScenarioFormatError, match=message):
        load_scenario_file(path)


@pytest.mark.mockfed(scenario="marker_example.json")
def test_marker_resolves_the_file_next_to_the_test_module(mockfed: Any) -> None:
    out = boto3.client("sts", region_name="us-east-1").get_caller_identity()
    assert out["Arn"] == "arn:aws:iam::111122223333:user/recorded-broker"


def test_scenario_show_prints_a_timeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mockfed.cli import main

    path = scenario_file(tmp_path / "s.json", [GFT_BOB, {**GFT_BOB, "offset": 2.5, "status": 400, "response": None}])
    text = json.loads(path.read_text())
    del text["interactions"][1]["response"]
    text["interactions"][1]["error"] = {"Code": "Throttling", "Message": "Rate exceeded"}
    path.write_text(json.dumps(text))
    assert main(["scenario", "show", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: recorded 2026-11-22T10:00:00Z"
    assert lines[1] == "  [0] +   0.000s  GetFederationToken in us-east-1 (Name=Bob, DurationSeconds=900) -> 200 OK"
    assert "federated user arn:aws:sts::111122223333:federated-user/Bob" in lines[2]
    assert lines[3].endswith("-> 400 Throttling")
    assert lines[4].strip() == "Rate exceeded"


def test_scenario_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mockfed.cli import main

    good = scenario_file(tmp_path / "good.json", [GFT_BOB])
    assert main(["scenario", "check", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: OK, 1 interaction(s)\n"
    bad = tmp_path / "bad.json"
    bad.write_text('{"mockfed_scenario": 1, "recorded_at": "2026-01-01T00:00:00Z", "interactions": [{"status": 200}]}')
    assert main(["scenario", "check", str(bad)]) == 1
    assert 'interactions[0]: missing "action"' in capsys.readouterr().err


def test_serve_replays_a_scenario(tmp_path: Path) -> None:
    from mockfed.scenario import Replay, Scenario

    path = scenario_file(tmp_path / "s.json", [GFT_BOB])
    scenario = Scenario(path, "none", allow_unused=True)
    replay = Replay(scenario, scenario.begin(datetime.now(UTC)))
    with FederationServer(port=0, replay=replay) as server:
        sts = sts_at(server.url)
        assert sts.get_federation_token(Name="Bob", DurationSeconds=900)["PackedPolicySize"] == 6
        with pytest.raises(ClientError) as info:
            sts.get_federation_token(Name="Bob", DurationSeconds=900)
    assert info.value.response["Error"]["Code"] == "ScenarioMismatch"
    assert "already used" in info.value.response["Error"]["Message"]


PLUGIN_TEST = """
import boto3
import pytest
from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from mockfed.server import FederationServer


@pytest.mark.mockfed(scenario="recorded.json")
def test_broker(mockfed):
    with FederationServer(port=0) as server:
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=server.url,
                           aws_access_key_id=DEFAULT_ACCESS_KEY_ID, aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY)
        assert sts.get_federation_token(Name="Bob")["FederatedUser"]["FederatedUserId"] == "123456789012:Bob"
"""


def test_marker_and_record_mode_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plugin=PLUGIN_TEST)
    refused = pytester.runpytest_subprocess("--mockfed-record-mode=none", "-p", "no:cacheprovider")
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(["*scenarios/recorded.json: no such scenario*"])
    recorded = pytester.runpytest_subprocess("--mockfed-record-mode=once", "-p", "no:cacheprovider")
    recorded.assert_outcomes(passed=1)
    written = json.loads((pytester.path / "scenarios" / "recorded.json").read_text())
    assert [i["action"] for i in written["interactions"]] == ["GetFederationToken"]


def test_a_web_identity_token_is_recorded_as_its_claims_and_replayed_by_them(tmp_path: Path) -> None:
    path = tmp_path / "deploy.json"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                                     "Principal": {"Federated": ""}}]}
    with FederationServer(port=0) as server:
        github = server.backend.create_oidc_provider(
            "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]
        )
        trust["Statement"][0]["Principal"]["Federated"] = github.arn  # type: ignore[index]
        role = server.backend.create_role("Deploy", trust)
        token = github.token(sub="repo:acme/app:ref:refs/heads/main")
        with mock_federation(scenario=path, record_mode="once"):
            recorded = sts_at(server.url).assume_role_with_web_identity(
                RoleArn=role.arn, RoleSessionName="ci", WebIdentityToken=token
            )
        url = server.url
        later = github.token(sub="repo:acme/app:ref:refs/heads/main", expires_in=7200)  # another token, same claims
        other = github.token(sub="repo:acme/other:ref:refs/heads/main")
    text = path.read_text()
    assert token not in text
    assert token.split(".")[1] not in text  # not even its payload
    assert find_secrets(text) == []
    params = json.loads(text)["interactions"][0]["params"]
    assert params["WebIdentityToken"].startswith("REDACTED bearer credential; claims: ")
    assert "repo:acme/app:ref:refs/heads/main" in params["WebIdentityToken"]
    with mock_federation(scenario=path):
        replayed = sts_at(url).assume_role_with_web_identity(
            RoleArn=role.arn, RoleSessionName="ci", WebIdentityToken=later
        )
    assert replayed["AssumedRoleUser"] == recorded["AssumedRoleUser"]
    with mock_federation(scenario=path, allow_unused=True), pytest.raises(ScenarioMismatchError):
        sts_at(url).assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="ci", WebIdentityToken=other)


def test_the_secret_scan_refuses_a_bearer_credential_anywhere_in_a_file() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.c2lnbmF0dXJl"
    saml = base64.b64encode(b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>").decode()
    assert find_secrets(json.dumps({"note": jwt})) == ["a web identity token (a signed JWT)"]
    assert find_secrets(json.dumps({"note": saml})) == ["a SAML response"]


def test_a_saml_assertion_is_recorded_as_its_issuer_subject_audience_and_roles() -> None:
    from mockfed import FederationBackend
    from mockfed.scenario.file import bearer_claims, redact_params

    backend = FederationBackend()
    okta = backend.create_saml_provider("Okta", issuer="http://www.okta.com/exk1")
    role = f"arn:aws:iam::{backend.account_id}:role/Admin"
    assertion = okta.assertion(role, subject="alice@example.com")
    claims = bearer_claims("SAMLAssertion", assertion)
    assert claims is not None
    assert (claims["issuer"], claims["subject"]) == ("http://www.okta.com/exk1", "alice@example.com")
    assert any(role in value for value in claims["roles"])
    written = redact_params({"SAMLAssertion": assertion, "PrincipalArn": okta.arn})
    assert assertion not in json.dumps(written)
    assert find_secrets(json.dumps(written)) == []
    assert bearer_claims("SAMLAssertion", written["SAMLAssertion"]) == claims
