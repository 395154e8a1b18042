"""Every command-line error is one line on stderr and a non-zero exit, never a traceback; ``--version``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockfed import __version__, packed_policy_size
from mockfed.cli import main

#: (command line, exit status, the start of the one line on stderr)
BAD_COMMAND_LINES: list[tuple[list[str], int, str]] = [
    (["pack", "--policy", "nope.json"], 2, "mockfed pack: cannot read --policy nope.json: No such file"),
    (["demo", "--policy", "nope.json"], 252, "mockfed demo: cannot read --policy nope.json: No such file"),
    (
        ["demo", "--duration-seconds", "10"],
        252,
        "mockfed demo: Parameter validation failed: Invalid value for parameter DurationSeconds, value: 10, valid min "
        "value: 900",
    ),
    (
        ["pack", "--policy-arn", "not-an-arn"],
        1,
        "mockfed pack: GetFederationToken would refuse this: ValidationError: 1 validation error detected: Value "
        "'not-an-arn' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater "
        "than or equal to 20",
    ),
    (
        ["pack", "--policy-arn", "arn:aws:iam::aws:policy/NoSuchPolicy"],
        1,
        "mockfed pack: GetFederationToken would refuse this: MalformedPolicyDocument: Policy "
        "arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.",
    ),
    (["pack"], 2, "mockfed pack: nothing to pack: give --policy FILE, --policy-arn ARN or --tag KEY=VALUE"),
    (["pack", "--tag", "novalue"], 2, "mockfed pack: --tag 'novalue' is not KEY=VALUE"),
    (["pack", "--policy", "/"], 2, "mockfed pack: cannot read --policy /: Is a directory"),
    (["serve", "--port", "99999"], 2, "mockfed serve: error: argument --port: '99999' is not a port (0 to 65535)"),
    (["serve", "--account-id", "abc"], 2, "mockfed serve: error: argument --account-id: 'abc' is not an AWS account"),
    (["demo", "--region", "bad region"], 252, "mockfed demo: Provided region_name 'bad region' doesn't match"),
    (["scenario", "show", "/dev/null"], 1, "mockfed scenario show: /dev/null: not JSON"),
    (["nonsense"], 2, "mockfed: error: argument command: invalid choice: 'nonsense'"),
]


@pytest.mark.parametrize(
    ("argv", "status", "message"), BAD_COMMAND_LINES,
    ids=[" ".join(c[0]) for c in BAD_COMMAND_LINES],
)
def test_a_command_line_error_is_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == status
    assert err.count("\n") == 1, err
    assert err.startswith(message), err


def test_pack_agrees_with_get_federation_token_on_a_customer_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "--policy-arn", "arn:aws:iam::111122223333:policy/Mine"]) == 0
    assert capsys.readouterr().out == "PackedPolicySize: 6%\n"


def test_pack_still_prints_the_size_it_would_refuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    actions = [f"s3:{hashlib.sha256(str(i).encode()).hexdigest()[:16]}" for i in range(40)]  # they do not compress
    policy = tmp_path / "big.json"
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert main(["pack", "--policy", str(policy)]) == 1
    out, err = capsys.readouterr()
    assert out == f"PackedPolicySize: {packed_policy_size(policy.read_text())}%\n"
    assert err.startswith("mockfed pack: GetFederationToken would refuse this: PackedPolicyTooLarge: Packed policy")


def test_version() -> None:
    done = subprocess.run([sys.executable, "-m", "mockfed", "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"mockfed {__version__}\n")


def test_the_installed_command_prints_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockfed", "pack", "--policy", "nope.json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == "mockfed pack: cannot read --policy nope.json: No such file or directory\n"
