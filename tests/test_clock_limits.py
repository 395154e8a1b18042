"""The clock stays where credentials can be issued; reset gives a fresh backend; a failing call is still logged.

The admin API's side of these (400 naming the limit, over a raw socket) is in
``test_server_hostile.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed import Clock, FederationBackend, mock_federation, sts

LIMIT = r"it stays between 1970-01-01T00:00:00Z and 9999-12-30T11:59:59Z"


def test_advancing_past_the_last_issuable_time_is_refused_and_changes_nothing() -> None:
    clock = Clock()
    moved = 0
    while clock.now().year < 9900:  # a century at a time, as the issue's 80 admin calls did
        clock.advance(days=36_600)
        moved += 1
    assert moved < 80
    with pytest.raises(ValueError, match=rf"cannot be advanced by 3.16224e\+09 seconds: {LIMIT}"):
        clock.advance(days=36_600)
    assert clock.now().year > 9000  # still a time: the refused move left it where it was
    backend = FederationBackend(clock=clock)
    out = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 129600})
    assert out["Credentials"]["Expiration"].year <= 9999


@pytest.mark.parametrize(
    "when",
    [
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
    ids=["9999-12-31", "year-1-plus-14h", "before-1970"],
)
def test_setting_the_clock_where_credentials_cannot_be_issued_is_refused(when: datetime) -> None:
    clock = Clock()
    with pytest.raises(ValueError, match=rf"cannot be set to {when.isoformat()[:10]}.*: {LIMIT}"):
        clock.set(when)
    assert clock.offset == 0


def test_the_limits_themselves_are_reachable_and_issue_credentials() -> None:
    backend = FederationBackend()
    for edge in (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 30, 11, 59, 59, tzinfo=UTC)):
        backend.clock.set(edge)
        out = backend.get_federation_token(backend.default_user, {"Name": "Bob", "DurationSeconds": 129600})
        assert out["Credentials"]["Expiration"] == edge.replace(microsecond=0) + timedelta(seconds=129600)


def test_under_freezegun_a_refused_move_leaves_frozen_time_alone() -> None:
    with freezegun.freeze_time("2030-01-01T00:00:00Z"):
        clock = Clock()
        with pytest.raises(ValueError, match=LIMIT):
            clock.advance(days=3_000_000)
        assert datetime.now(UTC) == datetime(2030, 1, 1, tzinfo=UTC)


def test_reset_gives_a_fresh_backend_clock_included() -> None:
    backend = FederationBackend()
    backend.clock.advance(days=400)
    backend.get_federation_token(backend.default_user, {"Name": "Bob"})
    backend.reset()
    assert abs(backend.clock.offset) < 1e-9
    assert abs((backend.clock.now() - datetime.now(UTC)).total_seconds()) < 5
    assert (backend.sessions, backend.calls) == ([], [])


def test_a_given_clock_keeps_its_offset_until_reset() -> None:
    clock = Clock()
    clock.advance(hours=5)
    backend = FederationBackend(clock=clock)  # not a reset: the test's own clock stays as it set it
    assert clock.offset == 5 * 3600
    backend.reset()
    assert clock.offset == 0


def test_a_call_that_fails_inside_mockfed_is_still_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> dict[str, Any]:
        raise KeyError("arn")

    monkeypatch.setitem(sts.ACTIONS, "GetCallerIdentity", broken)
    with mock_federation() as backend:
        client = boto3.client("sts", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ClientError) as info:
            client.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InternalFailure"
    call = backend.calls[-1]
    assert (call.action, call.status, call.error_code) == ("GetCallerIdentity", 500, "InternalFailure")
    assert call.error_message == "mockfed internal error (KeyError: 'arn'); please report it with this request"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("5m",), {}, "advance() takes a timedelta or a number of seconds, not '5m': write advance(minutes=5)"),
        ((None,), {"minutes": "5"}, "advance()'s minutes must be a number, not '5': write advance(minutes=5)"),
        ((True,), {}, "advance() takes a timedelta or a number of seconds, not True"),
    ],
)
def test_an_amount_that_is_not_a_number_is_a_type_error_naming_the_argument(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    clock = Clock()
    with pytest.raises(TypeError) as info:
        clock.advance(*args, **kwargs)
    assert str(info.value).startswith(message)
    assert clock.offset == 0  # nothing moved


def test_any_real_number_moves_the_clock() -> None:
    from decimal import Decimal
    from fractions import Fraction

    clock = Clock()
    clock.advance(Decimal("1.5"), minutes=Fraction(1, 2))
    assert clock.offset == pytest.approx(31.5, abs=0.01)
