"""docs/console-signin.md: the broker of AWS's docs, run as a script, unchanged, against mockfed."""

from __future__ import annotations

import re
import runpy
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mockfed import mock_federation

DOC = Path(__file__).resolve().parents[1] / "docs" / "console-signin.md"
MARKER = "<!-- tests/test_console_signin_docs.py runs the next code block as a script, under mock_federation -->"
TRUST_THE_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}],
}
S3_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def blocks_after_marker() -> list[str]:
    """The code blocks from the marker in the doc on: the broker script, then its test module."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text[text.index(MARKER) :], re.DOTALL | re.MULTILINE)


def broker_script(tmp_path: Path) -> Path:
    """The code block after the marker in the doc, written to a file as a user would save it."""
    script = tmp_path / "broker.py"
    script.write_text(blocks_after_marker()[0], encoding="utf-8")
    return script


def test_the_docs_test_module_passes_with_the_broker_saved_beside_it(pytester: pytest.Pytester) -> None:
    broker, test_module = blocks_after_marker()[:2]
    (pytester.path / "broker.py").write_text(broker, encoding="utf-8")
    pytester.makepyfile(test_broker=test_module)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


def test_the_docs_broker_signs_the_person_in_as_the_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = broker_script(tmp_path)
    with mock_federation() as backend:
        backend.create_role("ConsoleAccess", TRUST_THE_ACCOUNT, policy=S3_ONLY)
        runpy.run_path(str(script), run_name="__main__")
        printed = capsys.readouterr().out.strip()
        login = requests.get(printed, allow_redirects=False, timeout=5)  # what the person's browser does

    endpoint, _, query = printed.partition("?")
    fields = parse_qs(query)
    assert endpoint == "https://signin.aws.amazon.com/federation"
    assert (fields["Action"], fields["Issuer"], fields["Destination"]) == (
        ["login"],
        ["Example.org"],
        ["https://console.aws.amazon.com/"],
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]{300,}", fields["SigninToken"][0])
    assert login.status_code == 302
    assert login.headers["Location"] == "https://console.aws.amazon.com/"

    [console] = backend.console_sessions
    assert console.arn == "arn:aws:sts::123456789012:assumed-role/ConsoleAccess/AssumeRoleSession"
    assert console.role_arn == "arn:aws:iam::123456789012:role/ConsoleAccess"
    assert console.access_key_id == backend.role_sessions[0].access_key_id
    assert (console.issuer, console.session_duration) == ("Example.org", 43200)
    assert console.expiration - console.signed_in_at == timedelta(hours=12)
    assert backend.is_allowed(console.session_id, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
    assert not backend.is_allowed(console.session_id, "ec2:RunInstances")


def test_the_docs_broker_fails_as_on_aws_when_the_role_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = broker_script(tmp_path)
    with mock_federation() as backend, pytest.raises(Exception, match="AccessDenied"):
        runpy.run_path(str(script), run_name="__main__")
    assert backend.console_sessions == []
    assert urlsplit(capsys.readouterr().out).path == ""  # it printed nothing
