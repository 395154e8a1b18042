"""Other languages, for real: the AWS SDK for JavaScript v3 and the AWS CLI against ``mockfed serve --world``.

The server is started as README tells another language's user to start it, ``mockfed serve --world
tests/worlds/broker.yaml``, and only so: the broker's keys are fixed by the world file, tokens and MFA codes are
minted over the admin API, and what the server saw is read from ``GET /_mockfed/state``.

Each case runs the client in its own process, configured only through its environment, as an application is.
The clients come from the project's own files: ``tests/js/package.json`` (``npm ci --prefix tests/js``) and the
``test`` extra (the AWS CLI, ``awscli``); ``.ci/run`` installs both and sets ``MOCKFED_REQUIRE_OTHER_LANGUAGES=1``,
so in CI a missing JavaScript SDK fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent
JS = ROOT / "js"
WORLD = ROOT / "worlds" / "broker.yaml"
REQUIRED = os.environ.get("MOCKFED_REQUIRE_OTHER_LANGUAGES") == "1"
ACCOUNT = "111122223333"  # the world's
BROKER_KEY, BROKER_SECRET = "AKIABTX3GSDS7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
EXTERNAL_ID = "acme-ci-7f3a"
GITHUB_DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/github-actions-deploy"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
PHONE = f"arn:aws:iam::{ACCOUNT}:mfa/broker-phone"


def needed(available: bool, what: str) -> None:
    if available:
        return
    if REQUIRED:
        pytest.fail(f"{what} is not installed, and MOCKFED_REQUIRE_OTHER_LANGUAGES=1: see .ci/run")
    pytest.skip(f"{what} is not installed (see .ci/run)")


@dataclass
class World:
    """A ``mockfed serve --world tests/worlds/broker.yaml`` of its own, and what its clients are told."""

    url: str
    env: dict[str, str]
    tmp: Path

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """The admin API's answer (JSON), as any process asks it."""
        if body is None:
            answer = requests.get(f"{self.url}/_mockfed/{path}", timeout=10)
        else:
            answer = requests.post(f"{self.url}/_mockfed/{path}", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.admin("state")["calls"]
        return calls

    def token_file(self, sub: str) -> Path:
        """A GitHub Actions token minted by the server's own issuer (the world declares it), in a file."""
        token = self.admin("oidc-providers/token", {"provider": GITHUB, "sub": sub, "aud": "sts.amazonaws.com"})
        path = self.tmp / f"token-{len(list(self.tmp.glob('token-*')))}"
        path.write_text(token["token"])
        return path

    def mfa_code(self) -> str:
        code: str = self.admin("mfa-devices/code", {"device": PHONE})["code"]
        return code


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The server as README tells another language's user to start it: ``mockfed serve --world FILE``, and only."""
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "mockfed", "serve", "--world", str(WORLD), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        found = re.search(r" at (http://[0-9.]+:[0-9]+)", banner)
        assert found, (banner, server.stderr.read() if server.poll() is not None else "")
        (tmp_path / "home").mkdir()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path / "home"),  # no ~/.aws of the machine's
            "NODE_NO_WARNINGS": "1",
            "MOCKFED_URL": found.group(1),
            "AWS_ENDPOINT_URL_STS": found.group(1),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": BROKER_KEY,  # fixed by the world file: configured before the server started
            "AWS_SECRET_ACCESS_KEY": BROKER_SECRET,
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        }
        yield World(found.group(1), env, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=10)


# ---- the AWS SDK for JavaScript v3 ----------------------------------------------------------------------------------


def js(world: World, case: str, **extra: str) -> dict[str, Any]:
    needed(shutil.which("node") is not None and (JS / "node_modules" / "@aws-sdk" / "client-sts").is_dir(),
           "The AWS SDK for JavaScript v3 (node and npm ci --prefix tests/js)")
    out = subprocess.run(["node", str(JS / "sts.mjs"), case], env={**world.env, **extra}, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def test_js_get_federation_token_and_its_error(world: World) -> None:
    out = js(world, "get-federation-token", FEDERATED_NAME="Bob")
    assert (out["ok"], out["arn"], out["packed"]) == (True, f"arn:aws:sts::{ACCOUNT}:federated-user/Bob", 0)
    assert out["accessKeyId"].startswith("ASIA")
    bad = js(world, "get-federation-token", FEDERATED_NAME="Bob Smith")
    assert (bad["ok"], bad["name"], bad["status"]) == (False, "ValidationError", 400)
    assert "Member must satisfy regular expression pattern" in bad["message"]


def test_js_assume_role_with_external_id_through_from_temporary_credentials(world: World) -> None:
    out = js(world, "assume-role", ROLE_ARN=DEPLOYER, EXTERNAL_ID=EXTERNAL_ID)
    assert (out["ok"], out["arn"]) == (True, f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/js-sdk")
    assumed = [call for call in world.calls() if call["action"] == "AssumeRole"]
    assert (assumed[-1]["status"], assumed[-1]["params"]["ExternalId"]) == (200, EXTERNAL_ID)
    wrong = js(world, "assume-role", ROLE_ARN=DEPLOYER, EXTERNAL_ID="acme-ci-0000")
    assert (wrong["ok"], wrong["name"], wrong["status"]) == (False, "AccessDenied", 403)
    assert wrong["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/broker is not authorized to perform: sts:AssumeRole on resource: {DEPLOYER}"
    )
    assert "sts:ExternalId" in world.calls()[-1]["reason"]


def test_js_web_identity_through_from_token_file_with_a_token_minted_over_the_admin_api(world: World) -> None:
    token = world.token_file("repo:acme/app:ref:refs/heads/main")
    out = js(world, "web-identity", AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=GITHUB_DEPLOY)
    assert out["ok"], out
    assert out["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/js-web-identity"
    other = world.token_file("repo:evil/app:ref:refs/heads/main")
    refused = js(world, "web-identity", AWS_WEB_IDENTITY_TOKEN_FILE=str(other), AWS_ROLE_ARN=GITHUB_DEPLOY)
    assert (refused["ok"], refused["name"], refused["status"]) == (False, "AccessDenied", 403)
    assert refused["message"] == "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def test_js_get_session_token_with_an_mfa_code(world: World) -> None:
    code = world.mfa_code()
    out = js(world, "session-token-mfa", SERIAL_NUMBER=PHONE, TOKEN_CODE=code)
    assert (out["ok"], out["arn"]) == (True, f"arn:aws:iam::{ACCOUNT}:user/broker")
    again = js(world, "session-token-mfa", SERIAL_NUMBER=PHONE, TOKEN_CODE=code)  # a code counts once
    assert (again["ok"], again["name"], again["status"]) == (False, "AccessDenied", 403)
    assert again["message"] == "MultiFactorAuthentication failed with invalid MFA one time pass code."


def test_js_refreshes_role_credentials_after_the_servers_clock_moves_past_their_expiry(world: World) -> None:
    out = js(world, "refresh", ROLE_ARN=DEPLOYER, EXTERNAL_ID=EXTERNAL_ID, ADVANCE_SECONDS="3700")
    # The SDK corrects its clock by the server's Date header (the backend clock), sees its credentials expired,
    # and assumes the role again: the call after the move succeeds, signed with new credentials.
    assert out["ok"], out
    assert out["after"]["ok"], out["after"]
    calls = [(call["action"], call["access_key_id"], call["status"]) for call in world.calls()]
    assert [(action, status) for action, _, status in calls] == [
        ("AssumeRole", 200), ("GetCallerIdentity", 200), ("AssumeRole", 200), ("GetCallerIdentity", 200)]
    first, second = (key for action, key, _ in calls if action == "GetCallerIdentity")
    assert first != second
    assert first.startswith("ASIA")


# ---- the AWS CLI ----------------------------------------------------------------------------------------------------


def aws(world: World, *args: str, **extra: str) -> tuple[int, Any, str]:
    """``aws ARGS --output json`` as a user types it (the AWS CLI of the ``test`` extra, in its own process); the
    exit status, the JSON it printed (or None), and stderr."""
    env = {**world.env, **extra}
    for name in [name for name, value in extra.items() if value == ""]:
        env.pop(name)  # "" removes a variable
    out = subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    return out.returncode, json.loads(out.stdout) if out.stdout.strip() else None, out.stderr.strip()


def write_profiles(world: World, external_id: str) -> None:
    Path(world.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[broker]\naws_access_key_id = {BROKER_KEY}\naws_secret_access_key = {BROKER_SECRET}\n"
    )
    Path(world.env["AWS_CONFIG_FILE"]).write_text(
        f"[profile deploy]\nrole_arn = {DEPLOYER}\nsource_profile = broker\nexternal_id = {external_id}\n"
        "region = us-east-1\n"
    )


def test_cli_get_federation_token_and_its_error(world: World) -> None:
    status, out, _ = aws(world, "sts", "get-federation-token", "--name", "Bob", "--duration-seconds", "900")
    assert (status, out["FederatedUser"]["Arn"], out["PackedPolicySize"]) == (
        0, f"arn:aws:sts::{ACCOUNT}:federated-user/Bob", 0)
    status, out, error = aws(world, "sts", "get-federation-token", "--name", "Bob Smith")
    assert (status, out) == (255, None)
    assert error.startswith(
        "An error occurred (ValidationError) when calling the GetFederationToken operation: 1 validation error "
        "detected: Value 'Bob Smith' at 'name' failed to satisfy constraint"
    )


def test_cli_assume_role_with_external_id_directly_and_through_a_profile(world: World) -> None:
    status, out, error = aws(world, "sts", "assume-role", "--role-arn", DEPLOYER, "--role-session-name", "ci-1234",
                             "--external-id", EXTERNAL_ID)
    assert status == 0, error
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-1234"
    write_profiles(world, EXTERNAL_ID)
    status, out, error = aws(world, "sts", "get-caller-identity", "--profile", "deploy",
                             AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    assert status == 0, error
    assert out["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/botocore-session-")
    write_profiles(world, "acme-ci-0000")
    status, out, error = aws(world, "sts", "get-caller-identity", "--profile", "deploy",
                             AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    assert (status, out) == (255, None)
    assert error.endswith(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: "
        f"arn:aws:iam::{ACCOUNT}:user/broker is not authorized to perform: sts:AssumeRole on resource: {DEPLOYER}"
    )


def test_cli_web_identity_from_the_environment_with_a_token_minted_over_the_admin_api(world: World) -> None:
    federated = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ROLE_ARN": GITHUB_DEPLOY,
                 "AWS_WEB_IDENTITY_TOKEN_FILE": str(world.token_file("repo:acme/app:ref:refs/heads/main")),
                 "AWS_ROLE_SESSION_NAME": "cli-deploy"}
    status, out, error = aws(world, "sts", "get-caller-identity", **federated)
    assert status == 0, error
    assert out["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/cli-deploy"
    federated["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(world.token_file("repo:evil/app:ref:refs/heads/main"))
    status, _, error = aws(world, "sts", "get-caller-identity", **federated)
    assert status == 255
    assert error.endswith(
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: "
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )


def test_cli_get_session_token_with_an_mfa_code(world: World) -> None:
    mfa = ("--serial-number", PHONE, "--token-code", world.mfa_code())
    status, out, error = aws(world, "sts", "get-session-token", *mfa)
    assert status == 0, error
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    status, _, error = aws(world, "sts", "get-session-token", *mfa)  # a code counts once
    assert status == 255
    assert error == (
        "An error occurred (AccessDenied) when calling the GetSessionToken operation: "
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
