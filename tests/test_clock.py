"""The backend clock with and without freezegun, and what expiry means in each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import freezegun

from mockfed import Clock, FederationBackend, mock_federation


def test_real_time_plus_offset() -> None:
    clock = Clock()
    before = datetime.now(UTC)
    clock.advance(hours=2)
    assert before + timedelta(hours=2) <= clock.now() <= datetime.now(UTC) + timedelta(hours=2, seconds=1)
    clock.advance(timedelta(minutes=-30))
    assert abs(clock.offset - 5400) < 1e-6


def test_set_moves_to_an_instant() -> None:
    clock = Clock()
    clock.set(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC))
    assert clock.now().replace(microsecond=0) == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    clock.set(datetime(2031, 5, 6, 7, 8, 9))  # naive is UTC
    assert clock.now().replace(microsecond=0) == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_starts_at_freezegun_frozen_time() -> None:
    with freezegun.freeze_time("2026-01-02T03:04:05Z"):
        assert Clock().now() == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_advance_moves_freezegun_time_too() -> None:
    with freezegun.freeze_time("2026-01-02T03:04:05Z"):
        clock = Clock()
        clock.advance(seconds=901)
        assert datetime.now(UTC) == datetime(2026, 1, 2, 3, 19, 6, tzinfo=UTC)
        assert clock.now() == datetime(2026, 1, 2, 3, 19, 6, tzinfo=UTC)
        clock.set(datetime(2027, 1, 1, tzinfo=UTC))
        assert datetime.now(UTC) == datetime(2027, 1, 1, tzinfo=UTC)
    assert Clock().now().year == datetime.now(UTC).year


def test_offset_is_not_applied_while_frozen() -> None:
    clock = Clock()
    clock.advance(days=3)
    with freezegun.freeze_time("2026-01-02T03:04:05Z"):
        assert clock.now() == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_expiration_follows_the_frozen_clock() -> None:
    with freezegun.freeze_time("2026-03-01T12:00:00Z"), mock_federation() as backend:
        out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=900)
    assert out["Credentials"]["Expiration"] == datetime(2026, 3, 1, 12, 15, tzinfo=UTC)
    assert backend.sessions[0].issued_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_expiration_follows_the_offset_clock() -> None:
    backend = FederationBackend()
    backend.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    with mock_federation(backend=backend):
        out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name="Bob", DurationSeconds=3600)
    assert (
        datetime(2030, 1, 1, 1, 0, tzinfo=UTC)
        <= out["Credentials"]["Expiration"]
        <= datetime(2030, 1, 1, 1, 0, 2, tzinfo=UTC)
    )
