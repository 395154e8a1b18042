"""Other languages, for real: the AWS SDK for JavaScript v3 and the AWS CLI against ``mockfed serve``.

Each case runs the client in its own process, configured only through its environment, as an application is.
The clients come from the project's own files: ``tests/js/package.json`` (``npm ci --prefix tests/js``) and
``tests/awscli-requirements.txt`` (a virtual environment of its own, named by ``MOCKFED_AWS_CLI``); ``.ci/run``
installs both and sets ``MOCKFED_REQUIRE_OTHER_LANGUAGES=1``, so in CI a missing client fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockfed import FederationBackend
from mockfed.server import FederationServer

ROOT = Path(__file__).resolve().parent
JS = ROOT / "js"
REQUIRED = os.environ.get("MOCKFED_REQUIRE_OTHER_LANGUAGES") == "1"
ACCOUNT = "123456789012"
ALLOW_STS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "sts:AssumeRole", "sts:GetFederationToken", "sts:GetSessionToken"], "Resource": "*"}]}
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def needed(available: bool, what: str) -> None:
    if available:
        return
    if REQUIRED:
        pytest.fail(f"{what} is not installed, and MOCKFED_REQUIRE_OTHER_LANGUAGES=1: see .ci/run")
    pytest.skip(f"{what} is not installed (see .ci/run)")


@dataclass
class World:
    """A running server and what the clients are told of it."""

    url: str
    backend: FederationBackend
    env: dict[str, str]
    role_arn: str
    deploy_arn: str
    serial_number: str
    token_file: Path


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    backend = FederationBackend()
    broker = backend.create_user("broker", ALLOW_STS)
    role = backend.create_role("Reporting", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": broker.arn}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "acme-7"}}}]}, managed=[S3_READ])
    github = backend.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    deploy = backend.create_role("Deploy", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github.arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}}]})
    phone = backend.create_mfa_device("broker-phone", user="broker")
    token_file = tmp_path / "token"
    token_file.write_text(github.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com"))
    (tmp_path / "home").mkdir()
    with FederationServer(backend=backend, port=0) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path / "home"),  # no ~/.aws of the machine's
            "NODE_NO_WARNINGS": "1",
            "MOCKFED_URL": server.url,
            "AWS_ENDPOINT_URL_STS": server.url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": broker.access_key_id,
            "AWS_SECRET_ACCESS_KEY": broker.secret_access_key,
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        }
        yield World(server.url, backend, env, role.arn, deploy.arn, phone.serial_number, token_file)


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
    out = js(world, "assume-role", ROLE_ARN=world.role_arn, EXTERNAL_ID="acme-7")
    assert (out["ok"], out["arn"]) == (True, f"arn:aws:sts::{ACCOUNT}:assumed-role/Reporting/js-sdk")
    assert world.backend.role_sessions[-1].access_key_id == out["accessKeyId"]
    wrong = js(world, "assume-role", ROLE_ARN=world.role_arn, EXTERNAL_ID="acme-8")
    assert (wrong["ok"], wrong["name"], wrong["status"]) == (False, "AccessDenied", 403)
    assert wrong["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/broker is not authorized to perform: sts:AssumeRole on resource: "
        f"{world.role_arn}"
    )


def test_js_web_identity_through_from_token_file(world: World, tmp_path: Path) -> None:
    out = js(world, "web-identity", AWS_WEB_IDENTITY_TOKEN_FILE=str(world.token_file), AWS_ROLE_ARN=world.deploy_arn)
    assert (out["ok"], out["arn"]) == (True, f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/js-web-identity")
    github = world.backend.role_sessions[-1]
    assert github.subject == "repo:acme/app:ref:refs/heads/main"
    other = tmp_path / "other-token"
    provider = world.backend.create_oidc_provider("https://oidc.example.com", ["sts.amazonaws.com"])
    other.write_text(provider.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com"))
    refused = js(world, "web-identity", AWS_WEB_IDENTITY_TOKEN_FILE=str(other), AWS_ROLE_ARN=world.deploy_arn)
    assert (refused["ok"], refused["name"], refused["status"]) == (False, "AccessDenied", 403)
    assert refused["message"] == "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def test_js_get_session_token_with_an_mfa_code(world: World) -> None:
    device = world.backend.state.account.mfa_device(world.serial_number)
    assert device is not None
    code = world.backend.mfa_code(device)
    out = js(world, "session-token-mfa", SERIAL_NUMBER=world.serial_number, TOKEN_CODE=code)
    assert (out["ok"], out["arn"]) == (True, f"arn:aws:iam::{ACCOUNT}:user/broker")
    assert world.backend.session_tokens[-1].mfa_authenticated_at is not None
    again = js(world, "session-token-mfa", SERIAL_NUMBER=world.serial_number, TOKEN_CODE=code)  # a code counts once
    assert (again["ok"], again["name"], again["status"]) == (False, "AccessDenied", 403)
    assert again["message"] == "MultiFactorAuthentication failed with invalid MFA one time pass code."


def test_js_refreshes_role_credentials_after_the_servers_clock_moves_past_their_expiry(world: World) -> None:
    out = js(world, "refresh", ROLE_ARN=world.role_arn, EXTERNAL_ID="acme-7", ADVANCE_SECONDS="3700")
    # The SDK corrects its clock by the server's Date header (the backend clock), sees its credentials expired,
    # and assumes the role again: the call after the move succeeds, signed with new credentials.
    assert out["ok"], out
    assert out["after"]["ok"], out["after"]
    calls = [(call.action, call.access_key_id, call.ok) for call in world.backend.calls]
    assert [(action, ok) for action, _, ok in calls] == [
        ("AssumeRole", True), ("GetCallerIdentity", True), ("AssumeRole", True), ("GetCallerIdentity", True)]
    issued = [session.access_key_id for session in world.backend.role_sessions]
    assert [key for action, key, _ in calls if action == "GetCallerIdentity"] == issued


# ---- the AWS CLI ----------------------------------------------------------------------------------------------------


def aws(world: World, *args: str, **extra: str) -> tuple[int, Any, str]:
    """``aws ARGS --output json`` as a user types it; the exit status, the JSON it printed (or None), and stderr."""
    command = os.environ.get("MOCKFED_AWS_CLI") or shutil.which("aws")
    needed(command is not None, "The AWS CLI (pip install -r tests/awscli-requirements.txt in a venv of its own)")
    assert command is not None
    env = {**world.env, **extra}
    for name in [name for name, value in extra.items() if value == ""]:
        env.pop(name)  # "" removes a variable
    out = subprocess.run([command, *args, "--output", "json"], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    return out.returncode, json.loads(out.stdout) if out.stdout.strip() else None, out.stderr.strip()


def write_profiles(world: World, external_id: str) -> None:
    broker = world.env
    Path(world.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[broker]\naws_access_key_id = {broker['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {broker['AWS_SECRET_ACCESS_KEY']}\n"
    )
    Path(world.env["AWS_CONFIG_FILE"]).write_text(
        f"[profile reporting]\nrole_arn = {world.role_arn}\nsource_profile = broker\nexternal_id = {external_id}\n"
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


def test_cli_assume_role_profile_with_external_id(world: World) -> None:
    write_profiles(world, "acme-7")
    status, out, error = aws(world, "sts", "get-caller-identity", "--profile", "reporting",
                             AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    assert status == 0, error
    assert out["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Reporting/botocore-session-")
    assert world.backend.calls[-2].params["ExternalId"] == "acme-7"
    write_profiles(world, "acme-8")
    status, out, error = aws(world, "sts", "get-caller-identity", "--profile", "reporting",
                             AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    assert (status, out) == (255, None)
    assert error.endswith(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: "
        f"arn:aws:iam::{ACCOUNT}:user/broker is not authorized to perform: sts:AssumeRole on resource: {world.role_arn}"
    )


def test_cli_web_identity_from_the_environment(world: World, tmp_path: Path) -> None:
    federated = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ROLE_ARN": world.deploy_arn,
                 "AWS_WEB_IDENTITY_TOKEN_FILE": str(world.token_file), "AWS_ROLE_SESSION_NAME": "cli-deploy"}
    status, out, error = aws(world, "sts", "get-caller-identity", **federated)
    assert status == 0, error
    assert out["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/cli-deploy"
    other = tmp_path / "other-token"
    provider = world.backend.create_oidc_provider("https://oidc.example.com", ["sts.amazonaws.com"])
    other.write_text(provider.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com"))
    federated["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(other)
    status, _, error = aws(world, "sts", "get-caller-identity", **federated)
    assert status == 255
    assert error.endswith(
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: "
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )


def test_cli_get_session_token_with_an_mfa_code(world: World) -> None:
    device = world.backend.state.account.mfa_device(world.serial_number)
    assert device is not None
    code = world.backend.mfa_code(device)
    mfa = ("--serial-number", world.serial_number, "--token-code", code)
    status, out, error = aws(world, "sts", "get-session-token", *mfa)
    assert status == 0, error
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    status, _, error = aws(world, "sts", "get-session-token", *mfa)  # a code counts once
    assert status == 255
    assert error == (
        "An error occurred (AccessDenied) when calling the GetSessionToken operation: "
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
