"""IAM wildcards are matched in time linear in the text: a hostile pattern cannot stall a request.

A policy's patterns and the text matched against them can both come from a client of ``mockfed serve``
(a session policy, then a chained request): ``*a*a*a…*b`` against ``aaaa…`` took a backtracking regex
exponential time, and held the request (and the server thread answering it) for good.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockfed import FederationBackend
from mockfed.iam.wildcard import ANY, ANY_BUT_COLON, STAR, STAR_BUT_COLON, Wildcards, compile_wildcards

_PIECES = {ANY: ".", ANY_BUT_COLON: "[^:]", STAR: ".*", STAR_BUT_COLON: "[^:]*"}

ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}],
}
HOSTILE_PATTERN = "*a" * 30 + "*b"


def _regex(tokens: list[str], ignore_case: bool = False) -> re.Pattern[str]:
    body = "".join(_PIECES.get(token) or re.escape(token) for token in tokens)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


tokens_strategy = st.lists(st.sampled_from(["a", "b", ":", "/", ANY, ANY_BUT_COLON, STAR, STAR_BUT_COLON]), max_size=8)
texts_strategy = st.text(alphabet="ab:/", max_size=10)
#: Letters whose case rules go beyond ASCII in ``re.IGNORECASE``: the long s, the Kelvin sign, dotted and dotless i.
UNICODE_CASES = "s\u017fSkK\u212aiI\u0130\u0131\xe9\xc9\xb5\u03bc"
cased_tokens = st.lists(st.sampled_from(["a", "B", "s", ":", ANY, STAR]), max_size=8)
cased_texts = st.text(alphabet="aAbBsS:", max_size=10)
unicode_tokens = st.lists(st.sampled_from([*UNICODE_CASES, ANY, STAR]), max_size=8)
unicode_texts = st.text(alphabet=UNICODE_CASES, max_size=8)


@settings(max_examples=3000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(tokens=tokens_strategy, text=texts_strategy)
def test_the_automaton_matches_exactly_what_the_regex_matches(tokens: list[str], text: str) -> None:
    assert Wildcards(tokens).fullmatch(text) == (_regex(tokens).fullmatch(text) is not None)


@settings(max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(tokens=cased_tokens, text=cased_texts)
def test_ignoring_case_the_automaton_agrees_with_the_regex_on_ascii(tokens: list[str], text: str) -> None:
    expected = _regex(tokens, ignore_case=True).fullmatch(text) is not None
    assert Wildcards(tokens, ignore_case=True).fullmatch(text) == expected
    assert compile_wildcards(tokens, ignore_case=True)(text) == expected


@settings(max_examples=3000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(tokens=unicode_tokens, text=unicode_texts)
def test_ignoring_case_beyond_ascii_the_automaton_agrees_with_the_regex(tokens: list[str], text: str) -> None:
    expected = _regex(tokens, ignore_case=True).fullmatch(text) is not None
    assert Wildcards(tokens, ignore_case=True).fullmatch(text) == expected


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("s3:*a*b*\u017f", "s3:abs", True),  # the long s is an s to re.IGNORECASE, with three stars as with two
        ("s3:*a*\u017f", "s3:as", True),
        ("s3:Get*Obj*ct*\u0130", "s3:GetObjectI", True),
        ("s3:*a*b*c", "s3:\u017f" + "ab" * 20, False),
    ],
)
def test_an_action_pattern_ignores_case_as_re_does_whatever_its_stars(pattern: str, action: str, allowed: bool) -> None:
    backend = FederationBackend()
    key = backend.create_user("u", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": pattern, "Resource": "*"}]}).access_key_id  # fmt: skip
    assert backend.is_allowed(key, action) is allowed


def test_a_two_star_pattern_against_a_very_long_text_is_answered_at_once() -> None:
    """A regex of two stars backtracks quadratically: past 4,096 characters the automaton answers instead."""
    backend = FederationBackend()
    key = backend.create_user("u", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*a*b"}]}).access_key_id  # fmt: skip
    started = time.perf_counter()
    assert backend.is_allowed(key, "s3:GetObject", "arn:aws:s3:::" + "a" * 200_000) is False
    assert backend.is_allowed(key, "s3:GetObject", "arn:aws:s3:::" + "a" * 200_000 + "b") is True
    assert time.perf_counter() - started < 5


def test_a_hostile_pattern_is_answered_at_once() -> None:
    tokens = [*"arn:aws:iam::123456789012:role/"] + [STAR, "a"] * 30 + [STAR, "b"]
    matches = compile_wildcards(tokens)
    assert matches("arn:aws:iam::123456789012:role/" + "a" * 60 + "b") is True
    assert matches("arn:aws:iam::123456789012:role/" + "a" * 2000) is False


_SCRIPT = """
import json, boto3, botocore.config
from mockfed import mock_federation
ALL = {all_}
TRUST = {trust}
config = botocore.config.Config(retries={{"max_attempts": 0}})
with mock_federation() as backend:
    role = backend.create_role("Deployer", TRUST, policy=ALL)
    sts = boto3.client("sts", region_name="us-east-1", config=config)
    creds = sts.assume_role(RoleArn=role.arn, RoleSessionName="first", Policy=json.dumps({policy}))["Credentials"]
    chained = boto3.client("sts", region_name="us-east-1", config=config, aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    target = backend.create_role({target!r}, TRUST, policy=ALL)
    for name in {names!r}:
        try:
            chained.assume_role(RoleArn=target.arn, RoleSessionName=name)
            print("allowed", name)
        except chained.exceptions.ClientError as err:
            print(err.response["Error"]["Code"], name)
"""


def _chained_requests(session_policy: dict[str, Any], target: str, names: list[str]) -> list[str]:
    """What a role session holding ``session_policy`` is answered when it assumes ``target`` with each session name:
    run in a process of its own, so a regression (a match that never ends holds the interpreter) fails in a minute
    instead of stalling the suite."""
    script = _SCRIPT.format(all_=ALL, trust=TRUST, policy=session_policy, target=target, names=names)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


def test_a_session_policy_with_a_hostile_resource_pattern_answers_a_chained_request_at_once() -> None:
    hostile = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": "arn:aws:iam::123456789012:role/" + HOSTILE_PATTERN}
        ],
    }  # fmt: skip
    assert _chained_requests(hostile, "a" * 64, ["second"]) == ["AccessDenied second"]
    assert _chained_requests(hostile, "a" * 62 + "b", ["second"]) == ["allowed second"]


def test_a_hostile_string_like_condition_answers_at_once() -> None:
    hostile = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*",
             "Condition": {"StringLike": {"sts:RoleSessionName": HOSTILE_PATTERN}}}
        ],
    }  # fmt: skip
    answers = _chained_requests(hostile, "Target", ["a" * 64, "a" * 62 + "b"])
    assert answers == [f"AccessDenied {'a' * 64}", f"allowed {'a' * 62}b"]


@pytest.mark.parametrize("action", ["sts:" + "s" * 200, "sts:\xe9" + "s" * 200])
def test_a_hostile_action_pattern_answers_at_once_ascii_or_not(action: str) -> None:
    hostile = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:" + "*s" * 30 + "*x",
                                                                 "Resource": "*"}]}  # fmt: skip
    script = (
        "from mockfed import FederationBackend\n"
        f"backend = FederationBackend()\nkey = backend.create_user('bob', {hostile!r}).access_key_id\n"
        f"print(backend.is_allowed(key, {action!r}, '*'), backend.is_allowed(key, {action + 'x'!r}, '*'))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]
