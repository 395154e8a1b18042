"""A scenario file is checked value by value when it loads, and recording is only ever asked for.

A bad value used to load fine and fail at replay as an internal 500 that botocore retried, so
the user saw ``ScenarioMismatchError: ... already used`` and never learnt the file was bad.
Every field of every interaction is now checked against what the action's request and response
can hold in the service model, and a bad file is a ``ScenarioFormatError`` naming the file, the
interaction and the field, before any request is answered.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import mock_federation
from mockfed.cli import main
from mockfed.scenario import Replay, Scenario, ScenarioFormatError, load_scenario_file
from mockfed.server import FederationServer
from tests.conftest import GFT_BOB


def write(path: Path, *interactions: dict[str, Any]) -> Path:
    document = {"mockfed_scenario": 1, "recorded_at": "2026-11-22T10:00:00Z", "interactions": list(interactions)}
    path.write_text(json.dumps(document))
    return path


def bob_with(field: str, value: Any) -> dict[str, Any]:
    """GFT_BOB with one dotted field of the interaction replaced."""
    interaction = copy.deepcopy(GFT_BOB)
    *parents, last = field.split(".")
    target = interaction
    for name in parents:
        target = target[name]
    target[last] = value
    return interaction


BAD_VALUES = [
    pytest.param(
        "response.Credentials", [1, 2], r"response\.Credentials: expected an object \(Credentials\)", id="creds"
    ),
    pytest.param(
        "response.PackedPolicySize", "big", r"response\.PackedPolicySize: expected an integer from 0 to 100", id="size"
    ),
    pytest.param("response.PackedPolicySize", 250, r"PackedPolicySize: expected an integer from 0 to 100", id="over"),
    pytest.param(
        "response.Credentials.Expiration", "soon", r"Credentials\.Expiration: 'soon' is not an ISO-8601 time", id="exp"
    ),
    pytest.param(
        "response.Credentials.Expiration",
        "9999-12-31T23:59:59Z",
        r"Expiration: '9999-12-31T23:59:59Z' is outside the times mockfed's clock can show",
        id="exp-far",
    ),
    pytest.param("response.SessionTokenSize", 10**9, r"SessionTokenSize: expected an integer from 0 to 4096", id="tok"),
    pytest.param("response.FederatedUser.Arn", 12, r"FederatedUser\.Arn: expected a string, got 12", id="arn"),
    pytest.param("response.FederatedUser", {"Arn": "x" * 20}, r"FederatedUser: missing FederatedUserId", id="required"),
    pytest.param("response.Colour", "blue", r"response: unknown field\(s\) Colour; GetFederationTokenResponse", id="f"),
    pytest.param("params.DurationSeconds", "900", r"params\.DurationSeconds: expected an integer, got \"900\"", id="p"),
    pytest.param("params.Tags", {"a": "b"}, r"params\.Tags: expected a list", id="tags"),
    pytest.param("offset", float("nan"), r"offset: expected seconds since recorded_at", id="nan"),
    pytest.param("offset", 10**30, r"offset: recorded_at \+ 1e\+30 s is after 9999-12-30T11:59:59Z", id="offset"),
    pytest.param("caller", 7, r"caller: expected the caller's masked key id", id="caller"),
    pytest.param("action", "GetFederationTokn", r"'GetFederationTokn' is not an STS action", id="action"),
    pytest.param("status", 404, r"a \"response\" needs a 2xx status", id="status"),
    pytest.param(
        "response.FederatedUser.Arn", "x", r"FederatedUser\.Arn: 1 characters; STS answers 20 to 2048", id="len"
    ),
    pytest.param(
        "response.FederatedUser.FederatedUserId", "111122223333:B o b", r"FederatedUserId: .* is not of the form STS",
        id="pattern",
    ),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_at_load_naming_file_interaction_and_field(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    path = write(tmp_path / "broker.json", GFT_BOB, bob_with(field, value))
    with pytest.raises(ScenarioFormatError, match=rf"broker\.json: interactions\[1\]\.?.*{message}") as info:
        load_scenario_file(path)
    assert str(info.value).startswith(f"{path}: interactions[1]")


def test_a_bad_file_never_reaches_a_request(tmp_path: Path) -> None:
    """Was: the mock started, the replay answered 500 four times, and the user saw 'already used'."""
    path = write(tmp_path / "broker.json", bob_with("response.Credentials", [1, 2]))
    with pytest.raises(ScenarioFormatError, match=r"interactions\[0\]\.response\.Credentials"):
        mock_federation(scenario=path).start()


def test_scenario_check_reports_the_value_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "broker.json", bob_with("response.PackedPolicySize", "big"))
    assert main(["scenario", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "interactions[0].response.PackedPolicySize: expected an integer from 0 to 100" in err


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"mockfed_scenario": 1, "recorded_at": "2026-11-22T10:00:00Z", "interactions": [], "x": "\xe9"}')
    with pytest.raises(ScenarioFormatError, match=r"latin\.json: not UTF-8 text \(byte 0xe9 at offset 89\)"):
        load_scenario_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[" * 100_000, r"not JSON mockfed can read \(RecursionError", id="deep"),
        pytest.param('{"mockfed_scenario": 1' + "0" * 5000 + "}", r"not JSON mockfed can read \(ValueError", id="big"),
        pytest.param(
            '{"mockfed_scenario": 1, "recorded_at": "0001-01-01T00:00:00+14:00", "interactions": []}',
            r"recorded_at: '0001-01-01T00:00:00\+14:00' is outside the times",
            id="year-0",
        ),
    ],
)
def test_json_python_cannot_read_is_a_format_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "odd.json"
    path.write_text(text)
    with pytest.raises(ScenarioFormatError, match=message):
        load_scenario_file(path)


def test_a_good_file_still_replays(tmp_path: Path) -> None:
    path = write(tmp_path / "broker.json", GFT_BOB)
    with mock_federation(scenario=path):
        out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
    assert out["PackedPolicySize"] == 6


# ---- recording is opt-in ---------------------------------------------------------------------------------------

TYPO_TEST = """
import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.mark.mockfed(scenario="brokr.json")   # a typo: the recorded file is broker.json
def test_broker(mockfed):
    boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob")
"""


def test_a_missing_scenario_is_an_error_naming_the_file_and_the_option(pytester: pytest.Pytester) -> None:
    """Was: record_mode defaulted to "once", so a typo recorded against real AWS with the machine's credentials."""
    pytester.makepyfile(test_typo=TYPO_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*scenarios/brokr.json: no such scenario file*--mockfed-record-mode=once*"])
    assert not (pytester.path / "scenarios" / "brokr.json").exists()


def test_a_missing_scenario_without_pytest(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFormatError, match=r"missing\.json: no such scenario file.*record_mode=\"once\""):
        mock_federation(scenario=tmp_path / "missing.json").start()


@pytest.mark.filterwarnings("ignore::mockfed.errors.ScenarioAgeWarning")  # recorded in 1970, on purpose
def test_a_time_that_cannot_be_moved_onto_today_is_named_at_replay(tmp_path: Path) -> None:
    """Loadable, but 9999-12-30 recorded in 1970 lands past the year 9999 today: named, never a 500."""
    interaction = bob_with("response.Credentials.Expiration", "9999-12-30T00:00:00Z")
    path = tmp_path / "ancient.json"
    path.write_text(
        json.dumps({"mockfed_scenario": 1, "recorded_at": "1970-01-01T00:00:00Z", "interactions": [interaction]})
    )
    message = r"ancient\.json: interactions\[0\]\.response\.Credentials\.Expiration: 9999-12-30T00:00:00Z moved by"
    with mock_federation(scenario=path, allow_unused=True), pytest.raises(ScenarioFormatError, match=message):
        boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
    scenario = Scenario(path, allow_unused=True)
    replay = Replay(scenario, scenario.begin(datetime.now(UTC)))
    with FederationServer(replay=replay) as server:
        sts = boto3.client(
            "sts", region_name="us-east-1", endpoint_url=server.url, aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        with pytest.raises(ClientError) as info:
            sts.get_federation_token(Name="Bob", DurationSeconds=900)
    error = info.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (400, "ScenarioFormat")
    assert "interactions[0].response.Credentials.Expiration" in error["Error"]["Message"]


def test_scenario_check_refuses_an_answer_sts_could_not_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "broker.json", bob_with("response.FederatedUser.Arn", "x"))
    assert main(["scenario", "check", str(path)]) == 1
    assert "interactions[0].response.FederatedUser.Arn: 1 characters; STS answers 20 to 2048" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_scenario_is_refused_once_the_bound_is_read(device: str) -> None:
    with pytest.raises(ScenarioFormatError, match=f"{device}: more than 16777216 bytes"):
        load_scenario_file(device)
