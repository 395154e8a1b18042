"""The mockfed command: demo, pack, serve."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mockfed.cli import main


def test_demo_prints_the_cli_example_and_its_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out
    command, _, answer = printed.partition("\n\n")
    assert command.splitlines() == [
        "$ aws sts get-federation-token \\",
        "    --name Bob \\",
        "    --policy file://myfile.json \\",
        "    --policy-arns arn=arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess \\",
        "    --duration-seconds 900",
    ]
    document = json.loads(answer)
    assert document["FederatedUser"] == {
        "FederatedUserId": "111122223333:Bob",
        "Arn": "arn:aws:sts::111122223333:federated-user/Bob",
    }
    assert document["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert document["Credentials"]["Expiration"].endswith("+00:00")
    assert 34 <= document["PackedPolicySize"] <= 38
    assert "ResponseMetadata" not in document
    assert answer.startswith('{\n    "Credentials": {\n        "AccessKeyId"')


def test_demo_reports_a_service_error_as_the_cli_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--name", "Bob Smith"]) == 254
    assert capsys.readouterr().err.startswith(
        "An error occurred (ValidationError) when calling the GetFederationToken operation: "
        "1 validation error detected:"
    )


def test_help_says_what_the_tool_is_and_lists_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    printed = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal's width
    assert exited.value.code == 0
    assert "An offline simulator of AWS STS federation for tests (GetFederationToken, AssumeRole," in printed
    assert "serve it over HTTP, run the AWS CLI docs' example against it" in printed
    assert "A faithful offline AWS STS GetFederationToken." not in printed
    for command in ("demo", "pack", "serve", "scenario"):
        assert f" {command} " in printed


def test_python_dash_m_runs_the_demo() -> None:
    done = subprocess.run([sys.executable, "-m", "mockfed", "demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"Arn": "arn:aws:sts::111122223333:federated-user/Bob"' in done.stdout


def test_pack_prints_the_percentage(tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    from mockfed import packed_policy_size
    from tests.conftest import SIMPLE_POLICY as policy

    path = tmp_path / "policy.json"  # type: ignore[operator]
    path.write_text(policy)
    assert main(["pack", "--policy", str(path), "--tag", "Project=Pegasus", "--tag", "Cost-Center=98765"]) == 0
    expected = packed_policy_size(policy, tags={"Project": "Pegasus", "Cost-Center": "98765"})
    assert capsys.readouterr().out == f"PackedPolicySize: {expected}%\n"


def test_pack_rejects_a_malformed_tag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "--tag", "novalue"]) == 2
    assert "--tag 'novalue' is not KEY=VALUE" in capsys.readouterr().err


def test_serve_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    from mockfed.server import FederationServer

    with FederationServer() as busy:
        assert main(["serve", "--port", str(busy.port)]) == 1
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


def test_a_reader_that_goes_away_stops_the_demo_quietly() -> None:
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # `mockfed demo | head`, the reader already gone: every write meets a broken pipe
    try:
        demo = subprocess.run([sys.executable, "-m", "mockfed", "demo"], stdout=write_end, stderr=subprocess.PIPE,
                              timeout=60, check=False)
    finally:
        os.close(write_end)
    assert b"Traceback" not in demo.stderr
    assert demo.returncode == 1
