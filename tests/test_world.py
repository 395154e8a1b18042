"""World files: one declaration of an account, read alike by ``mockfed serve --world``, ``mock_federation(world=...)``,
the pytest marker and ``mockfed world check``; users with fixed keys."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
import requests
from botocore.exceptions import ClientError

from mockfed import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    FederationBackend,
    StsError,
    WorldFileError,
    access_key_id_for,
    load_world,
    mock_federation,
    read_world,
)
from mockfed.cli import main
from mockfed.server import FederationServer
from mockfed.state.keys import account_of_access_key_id
from mockfed.world import WORLD_MAX_BYTES

WORLDS = Path(__file__).resolve().parent / "worlds"
BROKER = WORLDS / "broker.yaml"
ACCOUNT = "111122223333"
BROKER_KEY = "AKIABTX3GSDS7EXAMPLE"
BROKER_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"
GITHUB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/github-actions-deploy"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def sts_client(endpoint_url: str | None = None, key: str = BROKER_KEY, secret: str = BROKER_SECRET,
               region: str = "us-east-1") -> Any:  # fmt: skip
    return boto3.session.Session().client(
        "sts", region_name=region, endpoint_url=endpoint_url, aws_access_key_id=key, aws_secret_access_key=secret
    )


# ---- the formats ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["broker.yaml", "broker.json", "broker.toml"])
def test_each_format_declares_the_same_account(name: str) -> None:
    world = read_world(WORLDS / name)

    account = world.new_backend(seed=1).describe_account()

    assert account == read_world(BROKER).new_backend(seed=1).describe_account()
    assert world.summary() == (
        "account 111122223333: 2 users, 3 roles, 1 policy, 1 OIDC provider, 1 MFA device, 1 disabled region"
    )
    assert [user["name"] for user in account["users"]] == ["mockfed-default", "broker", "auditor"]
    assert account["users"][1]["access_key_ids"] == [BROKER_KEY]
    assert account["policies"] == [{"name": "DeployArtifacts", "arn": f"arn:aws:iam::{ACCOUNT}:policy/DeployArtifacts"}]
    assert account["oidc_providers"] == [{
        "arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
        "url": "https://token.actions.githubusercontent.com", "client_ids": ["sts.amazonaws.com"]}]  # fmt: skip
    assert account["mfa_devices"] == [{"serial_number": f"arn:aws:iam::{ACCOUNT}:mfa/broker-phone", "user": "broker"}]
    assert [(role["name"], role["max_session_duration"]) for role in account["roles"]] == [
        ("deployer", 7200), ("github-actions-deploy", 3600), ("break-glass", 3600)]  # fmt: skip
    assert account["disabled_regions"] == ["ap-east-1"]
    assert BROKER_SECRET not in json.dumps(account)
    assert MFA_SECRET not in json.dumps(account)


def test_yaml_and_toml_dates_stay_the_text_a_policy_needs(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text("policies: [{name: P, document: {Version: 2012-10-17, Statement: []}}]\n")
    (tmp_path / "w.toml").write_text("[[policies]]\nname = 'P'\ndocument = { Version = 2012-10-17, Statement = [] }\n")

    for name in ("w.yaml", "w.toml"):
        [entry] = read_world(tmp_path / name).entries["policies"]
        assert entry["document"] == {"Version": "2012-10-17", "Statement": []}


def test_a_dict_is_a_world_and_load_world_returns_what_it_made() -> None:
    backend = FederationBackend()

    made = load_world(backend, {"users": [{"name": "alice", "policy": ALLOW}], "disabled_regions": [
        "ap-east-1", {"region": "me-south-1"}]})  # fmt: skip

    [alice] = made["users"]
    assert backend.is_allowed(alice.access_key_id, "s3:GetObject")
    assert backend.describe_account()["disabled_regions"] == ["ap-east-1", "me-south-1"]


# ---- each list makes what it says, seen through STS ------------------------------------------------------------


@mock_federation(world=BROKER)
def test_in_process_every_kind_is_what_sts_answers_by() -> None:
    sts = sts_client()
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/broker"  # users: the fixed keys

    role = sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="ci-1", ExternalId="acme-ci-7f3a", DurationSeconds=7200)
    assert role["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-1"  # roles
    with pytest.raises(ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="ci-2", ExternalId="someone-else")
    with pytest.raises(ClientError, match=r"MaxSessionDuration|DurationSeconds"):
        sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="ci-3", ExternalId="acme-ci-7f3a", DurationSeconds=7201)

    from mockfed import active_backend

    backend = active_backend()
    session_key = role["Credentials"]["AccessKeyId"]  # policies: the role's managed policy is the account's
    assert backend.is_allowed(session_key, "s3:PutObject", "arn:aws:s3:::acme-artifacts/app.zip")
    assert not backend.is_allowed(session_key, "s3:PutObject", "arn:aws:s3:::other/app.zip")

    with pytest.raises(ClientError, match="AccessDenied"):  # mfa_devices: break-glass wants the broker's device
        sts.assume_role(RoleArn=BREAK_GLASS, RoleSessionName="oncall")
    code = pyotp.TOTP(MFA_SECRET).at(backend.clock.now())
    glass = sts.assume_role(RoleArn=BREAK_GLASS, RoleSessionName="oncall",
                            SerialNumber=f"arn:aws:iam::{ACCOUNT}:mfa/broker-phone", TokenCode=code)  # fmt: skip
    assert glass["AssumedRoleUser"]["Arn"].endswith(":assumed-role/break-glass/oncall")

    with pytest.raises(ClientError, match="RegionDisabledException"):  # disabled_regions
        sts_client(region="ap-east-1").get_session_token()


def test_a_declared_oidc_provider_mints_tokens_its_role_trusts() -> None:
    backend = FederationBackend(ACCOUNT)
    made = load_world(backend, BROKER)
    [github] = made["oidc_providers"]

    with mock_federation(backend=backend):
        sts = boto3.session.Session().client("sts", region_name="us-east-1")
        token = github.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com")
        out = sts.assume_role_with_web_identity(RoleArn=GITHUB_ROLE, RoleSessionName="gha", WebIdentityToken=token)
        stranger = github.token(sub="repo:evil/app:ref:refs/heads/main", aud="sts.amazonaws.com")
        with pytest.raises(ClientError, match="AccessDenied"):
            sts.assume_role_with_web_identity(RoleArn=GITHUB_ROLE, RoleSessionName="gha", WebIdentityToken=stranger)

    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/gha"


def test_a_saml_provider_entry_is_create_saml_provider() -> None:
    pytest.importorskip("signxml")
    backend = FederationBackend()
    made = load_world(backend, {"saml_providers": [{"name": "Okta", "issuer": "http://www.okta.com/exk1abcd"}]})

    assert made["saml_providers"][0].arn == "arn:aws:iam::123456789012:saml-provider/Okta"
    assert backend.describe_account()["saml_providers"] == [
        {"arn": "arn:aws:iam::123456789012:saml-provider/Okta", "name": "Okta"}]  # fmt: skip


def test_with_a_fresh_backend_per_activation() -> None:
    mock = mock_federation(world=BROKER)
    for _ in range(2):  # a second activation makes the world again in its own fresh backend
        with mock as backend:
            assert backend.account_id == ACCOUNT
            assert sts_client().get_caller_identity()["Account"] == ACCOUNT


def test_mock_federation_refuses_a_world_and_a_backend_or_another_account() -> None:
    with pytest.raises(ValueError, match=r"load_world\(backend, world\)"):
        mock_federation(world=BROKER, backend=FederationBackend())
    with pytest.raises(ValueError, match="the world declares account 111122223333"):
        mock_federation(world=BROKER, account_id="123456789012")
    with pytest.raises(WorldFileError, match="the world declares account 111122223333, the backend is account 1234"):
        read_world(BROKER).new_backend(account_id="123456789012")
    with mock_federation(world={"users": [{"name": "ci"}]}, account_id=ACCOUNT) as backend:  # a world of no account
        assert backend.describe_account()["users"][1]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/ci"
    with pytest.raises(WorldFileError, match="no such world file"):
        mock_federation(world=WORLDS / "missing.yaml")
    with pytest.raises(WorldFileError, match="the backend is account 123456789012"):
        load_world(FederationBackend(), BROKER)


# ---- the pytest marker ---------------------------------------------------------------------------------------


@pytest.mark.mockfed(world="broker.yaml", strict_auth=True)
def test_the_marker_finds_the_world_in_the_worlds_folder(mockfed: FederationBackend) -> None:
    out = sts_client().assume_role(RoleArn=DEPLOYER, RoleSessionName="ci", ExternalId="acme-ci-7f3a")

    assert mockfed.account_id == ACCOUNT
    assert mockfed.role_sessions[0].role_arn == DEPLOYER
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


@pytest.mark.mockfed(world={"users": [{"name": "ci", "policy": ALLOW}]})
def test_the_marker_takes_a_dict(mockfed: FederationBackend) -> None:
    assert [user["name"] for user in mockfed.describe_account()["users"]] == ["mockfed-default", "ci"]


# ---- mockfed serve --world, and the same account in-process --------------------------------------------------


def _environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
    return env


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """``mockfed serve --world tests/worlds/broker.yaml --strict-auth`` in another process: its URL and banner."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockfed", "serve", "--port", "0", "--strict-auth", "--world", str(BROKER)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
    )  # fmt: skip
    watchdog = threading.Timer(60, process.kill)  # a hung server fails the tests instead of the suite
    watchdog.start()
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = next(line for line in iter(process.stdout.readline, "") if "AWS_ENDPOINT_URL_STS" in line)
        yield url.strip().partition("=")[2], banner
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
        watchdog.cancel()


def test_serve_with_a_world_answers_the_declared_users_with_their_fixed_keys(served: tuple[str, str]) -> None:
    url, banner = served
    sts = sts_client(url)

    out = sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="ci-1", ExternalId="acme-ci-7f3a")
    with pytest.raises(ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="ci-2")
    with pytest.raises(ClientError, match="InvalidClientTokenId"):  # --strict-auth: the default keys are still known
        sts_client(url, key=access_key_id_for(ACCOUNT), secret=BROKER_SECRET).get_caller_identity()

    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-1"
    assert banner.startswith("mockfed serve: STS for account 111122223333 at ")
    assert f", world {BROKER} (2 users, 3 roles, 1 policy, 1 OIDC provider, 1 MFA device, 1 disabled region)" in banner


def test_the_same_world_in_process_and_over_http_is_the_same_account(served: tuple[str, str]) -> None:
    url, _ = served
    over_http = requests.get(f"{url}/_mockfed/state", timeout=10).json()["account"]
    in_process = read_world(BROKER).new_backend().describe_account()

    generated = {"mockfed-default", "broker"}  # the auditor's key is made by each backend: the same shape, not value
    for account in (over_http, in_process):
        for user in account["users"]:
            if user["name"] not in generated:
                assert [account_of_access_key_id(key) for key in user.pop("access_key_ids")] == [ACCOUNT]
    assert over_http == in_process
    assert [user["name"] for user in over_http["users"]] == ["mockfed-default", "broker", "auditor"]
    assert len(over_http["roles"]) == 3
    assert over_http["disabled_regions"] == ["ap-east-1"]


def test_a_reset_makes_the_world_again(served: tuple[str, str]) -> None:
    url, _ = served
    sts = sts_client(url)
    sts.get_caller_identity()

    assert requests.post(f"{url}/_mockfed/reset", timeout=10).json() == {"ok": True}

    state = requests.get(f"{url}/_mockfed/state", timeout=10).json()
    assert state["calls"] == []
    assert [user["name"] for user in state["account"]["users"]] == ["mockfed-default", "broker", "auditor"]
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/broker"  # the fixed keys again


def test_in_process_a_reset_makes_the_world_again_and_load_world_s_is_forgotten() -> None:
    with mock_federation(world=BROKER) as backend:
        backend.create_user("extra")
        backend.reset()
        users = backend.describe_account()["users"]
        assert [user["name"] for user in users] == ["mockfed-default", "broker", "auditor"]
        assert sts_client().get_caller_identity()["Account"] == ACCOUNT

    mine = FederationBackend(ACCOUNT)
    load_world(mine, BROKER)
    mine.reset()
    assert [user["name"] for user in mine.describe_account()["users"]] == ["mockfed-default"]


def test_the_state_shows_the_account_without_secrets() -> None:
    backend = read_world(BROKER).new_backend()
    with FederationServer(backend) as server:
        raw = requests.get(f"{server.url}/_mockfed/state", timeout=10).text

    assert json.loads(raw)["account"] == backend.describe_account()
    assert BROKER_KEY in raw
    assert BROKER_SECRET not in raw
    assert MFA_SECRET not in raw
    assert DEFAULT_SECRET_ACCESS_KEY not in raw


def test_serve_refuses_a_bad_world_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "world.json"
    bad.write_text('{"users": [{"name": "x", "tags": {"aws:team": "y"}}]}')

    assert main(["serve", "--port", "0", "--world", str(bad)]) == 2
    assert main(["serve", "--port", "0", "--world", str(BROKER), "--account-id", "123456789012"]) == 2

    first, second = capsys.readouterr().err.splitlines()
    assert first.startswith(f"mockfed serve: {bad}: users[0] (x): tags: Value 'aws:team' at 'tags' failed")
    assert second == f"mockfed serve: --account-id 123456789012 but {BROKER} declares account {ACCOUNT}: give one"


# ---- mockfed world check -------------------------------------------------------------------------------------


def test_world_check_says_what_a_good_file_declares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["world", "check", str(WORLDS / "broker.toml")]) == 0

    assert capsys.readouterr().out == (
        f"{WORLDS / 'broker.toml'}: OK, account 111122223333: 2 users, 3 roles, 1 policy, 1 OIDC provider, "
        "1 MFA device, 1 disabled region\n"
    )


def test_world_check_refuses_a_bad_file_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "world.yaml"
    bad.write_text("roles:\n  - name: deployer\n    trust_policy: {Version: 2012-10-17, Statement: []}\n")

    done = subprocess.run([sys.executable, "-m", "mockfed", "world", "check", str(bad)],
                          capture_output=True, text=True, timeout=60, env=_environment())  # fmt: skip

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"mockfed world check: {bad}: roles[0] (deployer): trust_policy: ")
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


# ---- bad worlds name the file, the entry and the field ---------------------------------------------------------

_ROLE = {"name": "deployer", "trust_policy": TRUST}
BAD_WORLDS: list[tuple[dict[str, Any], str]] = [
    ({"role": []}, "world.json: unknown key(s) role; a world has account_id, policies, users, mfa_devices, "
     "oidc_providers, saml_providers, roles, disabled_regions"),
    ({"account_id": "12"}, "world.json: account_id: '12' is not an AWS account id"),
    ({"users": {"name": "x"}}, "world.json: users: a list of entries, not dict"),
    ({"users": ["alice"]}, "world.json: users[0]: a user is a mapping of name, policy, tags, managed, access_key_id, "
     "secret_access_key, not str"),
    ({"roles": [_ROLE, {**_ROLE, "name": "deployer2", "max_duration": 7200}]},
     "world.json: roles[1] (deployer2): unknown field(s) max_duration; a role takes name, trust_policy, policy, "
     "managed, max_session_duration, path, tags, permissions_boundary"),
    ({"roles": [{"name": "deployer"}]}, "world.json: roles[0] (deployer): missing trust_policy; a role takes name"),
    ({"roles": [_ROLE, {**_ROLE, "name": "deployer2", "max_session_duration": 100}]},
     "world.json: roles[1] (deployer2): max_session_duration: Value '100' at 'maxSessionDuration' failed to satisfy "
     "constraint: Member must be a whole number between 3600 and 43200 (ValidationError)"),
    ({"roles": [{**_ROLE, "trust_policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "sts:AssumeRole"}]}}]},
     "world.json: roles[0] (deployer): trust_policy: Invalid principal in policy"),
    ({"roles": [{**_ROLE, "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}}]},
     "world.json: roles[0] (deployer): policy: "),
    ({"roles": [{**_ROLE, "managed": ["arn:aws:iam::123456789012:policy/Nope"]}]},
     "world.json: roles[0] (deployer): managed: Policy arn:aws:iam::123456789012:policy/Nope does not exist"),
    ({"roles": [_ROLE, _ROLE]}, "world.json: roles[1] (deployer): name: Role with name deployer already exists."),
    ({"policies": [{"name": "P", "document": "{not json"}]}, "world.json: policies[0] (P): document: "),
    ({"users": [{"name": "broker", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": BROKER_SECRET}]},
     "world.json: users[0] (broker): access_key_id: Value 'AKIAIOSFODNN7EXAMPLE' at 'accessKeyId' failed to "
     "satisfy constraint: Member must encode the account 123456789012 (it encodes 581039954779), as AWS's key ids "
     "encode theirs: AKIABZPUZDIKPEXAMPLE does"),
    ({"users": [{"name": "broker", "access_key_id": "AKIABZPUZDIKPEXAMPLE", "secret_access_key": "short"}]},
     "world.json: users[0] (broker): secret_access_key: Value '*****' at 'secretAccessKey' failed"),
    ({"users": [{"name": "broker", "access_key_id": "AKIABZPUZDIKPEXAMPLE"}]},
     "world.json: users[0] (broker): secret_access_key: Value 'None' at 'secretAccessKey' failed to satisfy "
     "constraint: Member must be given with accessKeyId"),
    ({"mfa_devices": [{"name": "phone", "user": "nobody"}]},
     "world.json: mfa_devices[0] (phone): user: The user with name nobody cannot be found. (NoSuchEntity)"),
    ({"mfa_devices": [{"name": "phone", "secret": "tooshort"}]}, "world.json: mfa_devices[0] (phone): secret: "),
    ({"oidc_providers": [{"url": "http://insecure.example.com"}]},
     "world.json: oidc_providers[0] (http://insecure.example.com): url: "),
    ({"disabled_regions": ["Mars-1"]}, "world.json: disabled_regions[0] (Mars-1): region: Value 'Mars-1' at 'region'"),
    ({"disabled_regions": [7]}, "world.json: disabled_regions[0]: a disabled region is a mapping of region or a "
     "region's name, not int"),
]


@pytest.mark.parametrize(("world", "message"), BAD_WORLDS)
def test_a_bad_world_names_the_file_the_entry_and_the_field(
    world: dict[str, Any], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("world.json").write_text(json.dumps(world))

    with pytest.raises(WorldFileError) as refused:
        read_world("world.json").new_backend()

    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("world.yaml", "users: [\n", "world.yaml: not YAML (line 2, column 1: "),
        ("world.json", "{'users': []}", "world.json: not JSON (line 1, column 2: "),
        ("world.toml", "users = [", "world.toml: not TOML ("),
        ("world.ini", "[users]", "world.ini: mockfed reads world files by their extension: .json, .yaml, .yml or "
         ".toml, not .ini"),
        ("world.yaml", "- users\n", "world.yaml: a world is a mapping of account_id, policies, users"),
    ],
)
def test_a_file_that_is_not_a_world_is_refused_naming_it(
    name: str, text: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)

    with pytest.raises(WorldFileError) as refused:
        read_world(name)

    assert str(refused.value).startswith(message)


def test_a_world_file_is_read_with_a_bound(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(WORLD_MAX_BYTES + 1)  # sparse: nothing written to disk

    with pytest.raises(WorldFileError, match=f"more than {WORLD_MAX_BYTES} bytes"):
        read_world(huge)


# ---- users with fixed keys -------------------------------------------------------------------------------------


def test_a_user_with_fixed_keys_signs_with_them() -> None:
    backend = FederationBackend("123456789012")
    key = access_key_id_for("123456789012", like="AKIAIOSFODNN7EXAMPLE")
    backend.create_user("ci", ALLOW, access_key_id=key, secret_access_key=BROKER_SECRET)

    with mock_federation(backend=backend, strict_auth=True):
        arn = sts_client(key=key, secret=BROKER_SECRET).get_caller_identity()["Arn"]
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            sts_client(key=key, secret=DEFAULT_SECRET_ACCESS_KEY).get_caller_identity()

    assert (key, arn) == ("AKIABZPUZDIKPEXAMPLE", "arn:aws:iam::123456789012:user/ci")


def test_a_fixed_key_is_the_account_s_and_one_user_s() -> None:
    backend = FederationBackend("123456789012")
    backend.create_user("ci", access_key_id=access_key_id_for("123456789012"), secret_access_key=BROKER_SECRET)

    with pytest.raises(StsError, match="EntityAlreadyExists: Access key AKIABZPUZDIKAAAAAAAA already exists"):
        backend.create_user("ci2", access_key_id="AKIABZPUZDIKAAAAAAAA", secret_access_key=BROKER_SECRET)
    with pytest.raises(StsError, match="already exists"):
        backend.create_user("ci3", access_key_id=backend.root_user.access_key_id, secret_access_key=BROKER_SECRET)
    with pytest.raises(StsError, match="EntityAlreadyExists: Access key AKIABZPUZDIKAMOCKFED already exists"):
        backend.create_user("ci3", access_key_id=DEFAULT_ACCESS_KEY_ID, secret_access_key=BROKER_SECRET)
    with pytest.raises(StsError, match=r"Member must be 20 characters: AKIA and 16 of A-Z and 2-7 .* such as AKIA"):
        backend.create_user("ci4", access_key_id="ASIABZPUZDIKAAAAAAAA", secret_access_key=BROKER_SECRET)
    with pytest.raises(StsError) as other_account:
        backend.create_user("ci5", access_key_id=BROKER_KEY, secret_access_key=BROKER_SECRET)
    suggested = other_account.value.message.split("encode theirs: ")[1].split()[0]
    assert account_of_access_key_id(suggested) == "123456789012"
    backend.create_user("ci5", access_key_id=suggested, secret_access_key=BROKER_SECRET)  # the suggestion works
    assert [user["name"] for user in backend.describe_account()["users"]] == ["mockfed-default", "ci", "ci5"]


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    levels = ['            - &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"            - &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 8)]
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text(
        "users:\n  - name: x\n    policy:\n      Version: '2012-10-17'\n      Statement:\n"
        "        - {Effect: Allow, Resource: '*', Action: [s3:GetObject]}\n"
        "        - Effect: Allow\n          Resource: '*'\n          Action:\n" + "\n".join(levels) + "\n"
    )
    with pytest.raises(WorldFileError, match=r"laughs\.yaml: its aliases \(\*name\) expand to more than 200,000"):
        read_world(bomb)


@pytest.mark.parametrize(
    ("name", "text"),
    [("twice.json", '{"users": [{"name": "a"}], "users": []}'), ("twice.yaml", "users: [{name: a}]\nusers: []\n")],
)
def test_a_key_given_twice_is_refused_not_silently_dropped(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(WorldFileError, match=rf"{name}: the key 'users' is given twice in one object: write it once"):
        read_world(tmp_path / name)


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "world.json"
    os.mkfifo(fifo)
    with pytest.raises(WorldFileError, match=r"world\.json: not a regular file"):
        read_world(fifo)
