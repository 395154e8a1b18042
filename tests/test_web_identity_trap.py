"""Web-identity variables set by hand inside a mock: the mock's own keys win in botocore's chain; mockfed says so."""

from __future__ import annotations

import warnings
from pathlib import Path

import boto3
import pytest

from mockfed import FederationBackend, WebIdentityEnvironmentWarning, mock_federation, web_identity

TRUST = "sts:AssumeRoleWithWebIdentity"


def github_role(backend: FederationBackend) -> tuple[object, str]:
    github = backend.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    role = backend.create_role("Deploy", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": github.arn}, "Action": TRUST}]})
    return github, role.arn


def test_hand_set_variables_warn_once_naming_the_fixture_and_web_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_federation() as backend:
        github, role_arn = github_role(backend)
        token_file = tmp_path / "token"
        token_file.write_text(github.token(sub="repo:acme/app:ref:refs/heads/main", aud="sts.amazonaws.com"))
        monkeypatch.setenv("AWS_ROLE_ARN", role_arn)
        monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
        sts = boto3.client("sts", region_name="us-east-1")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            arn = sts.get_caller_identity()["Arn"]
            sts.get_caller_identity()
        caught = [warning for warning in caught if warning.category is WebIdentityEnvironmentWarning]
        assert arn == "arn:aws:iam::123456789012:user/mockfed-default"  # what the trap does, now said aloud
        assert len(caught) == 1
        message = str(caught[0].message)
        assert f"does not assume {role_arn}" in message
        assert "mockfed_web_identity" in message
        assert "mockfed.web_identity(" in message


def test_web_identity_set_up_by_mockfed_does_not_warn(tmp_path: Path) -> None:
    with mock_federation() as backend, warnings.catch_warnings():
        warnings.simplefilter("error", WebIdentityEnvironmentWarning)
        github, role_arn = github_role(backend)
        with web_identity(github, role_arn, tmp_path / "token", session_name="ci", sub="repo:acme/app",
                          aud="sts.amazonaws.com"):
            arn = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Arn"]
        assert arn == "arn:aws:sts::123456789012:assumed-role/Deploy/ci"


def test_no_warning_without_the_variables() -> None:
    with mock_federation(), warnings.catch_warnings():
        warnings.simplefilter("error", WebIdentityEnvironmentWarning)
        assert boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"] == "123456789012"
