"""botocore's own providers against mockfed: a profile with ``role_arn``, refreshed when the backend clock moves."""

from __future__ import annotations

from pathlib import Path

import boto3
import freezegun
import pytest

from mockfed import FederationBackend, mock_federation

ACCOUNT = "123456789012"


def write_profiles(path: Path, key_id: str, secret: str, role_arn: str) -> None:
    path.write_text(
        "[profile dev]\n"
        f"aws_access_key_id = {key_id}\n"
        f"aws_secret_access_key = {secret}\n"
        "region = us-east-1\n"
        "[profile deploy]\n"
        f"role_arn = {role_arn}\n"
        "source_profile = dev\n"
        "region = us-east-1\n"
        "duration_seconds = 900\n"
    )


def test_a_role_profile_gets_and_refreshes_role_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    with freezegun.freeze_time("2026-06-01 12:00:00"), mock_federation() as backend:
        dev = backend.create_user(
            "dev",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
        )
        role = backend.create_role(
            "Deployer",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": dev.arn}, "Action": "sts:AssumeRole"}],
            },
        )
        write_profiles(config, dev.access_key_id, dev.secret_access_key, role.arn)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

        sts = boto3.Session(profile_name="deploy").client("sts")
        first = sts.get_caller_identity()["Arn"]
        assert first.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/botocore-session-")
        assert len(backend.role_sessions) == 1
        assert backend.role_sessions[0].duration_seconds == 900

        backend.clock.advance(seconds=901)  # freezegun's time moves too: botocore sees the expiry and refreshes
        second = sts.get_caller_identity()["Arn"]
        assert second.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/botocore-session-")
        assert len(backend.role_sessions) == 2
        assert [call.action for call in backend.calls].count("AssumeRole") == 2
        assert all(call.status == 200 for call in backend.calls)


def test_a_role_profile_whose_trust_refuses_the_source_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = FederationBackend()
    outsider = backend.create_user("outsider")
    role = backend.create_role(
        "Closed",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/ci"}, "Action": "sts:AssumeRole"}
            ],
        },
    )
    config = tmp_path / "config"
    write_profiles(config, outsider.access_key_id, outsider.secret_access_key, role.arn)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with mock_federation(backend=backend):
        sts = boto3.Session(profile_name="deploy").client("sts")
        with pytest.raises(Exception, match="is not authorized to perform: sts:AssumeRole on resource") as info:
            sts.get_caller_identity()
    assert "AccessDenied" in str(info.value)
    assert backend.calls[-1].error_code == "AccessDenied"
