"""The backend's only source of time, in step with freezegun and time-machine, and read by botocore.

The clock reads the standard library's ``time.time()`` on every call, so it
follows freezegun and time-machine wherever the user moves time: it is that time
plus an offset that :meth:`Clock.advance` and :meth:`Clock.set` change. Inside
``freezegun.freeze_time`` the offset is not applied, and ``advance()`` /
``set()`` move freezegun's frozen time instead, so the whole process sees the
same instant as the backend.

While a mock is active, botocore in the process reads the innermost mock's clock
too, freezer or not: it decides when credentials need refreshing (assume-role
profiles, web identity, ``RefreshableCredentials`` with its default time fetcher)
and stamps the STS requests it signs by it (see :mod:`mockfed.transports.botocore_clock`),
so ``advance()`` past a session's expiry makes botocore refresh it. Nothing here
knows botocore: the transports read :meth:`Clock.timestamp`. Other processes
cannot share the offset; ``mockfed serve`` dates its answers by the clock.
"""

from __future__ import annotations

import decimal
import math
import numbers
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["EARLIEST", "LATEST", "LONGEST_CREDENTIALS", "Clock", "ClockControls", "check_reachable", "span_seconds"]

#: The longest credentials STS issues (GetFederationToken and GetSessionToken: 129,600 seconds).
LONGEST_CREDENTIALS = timedelta(seconds=129_600)
#: The earliest time the clock may show: credentials and session tokens are stamped in POSIX time.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
#: The latest time the clock may show: the longest credentials issued then still expire at a time
#: ``datetime`` (and every SDK) can hold, 9999-12-31T23:59:59Z.
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - LONGEST_CREDENTIALS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def check_reachable(seconds: float, move: str) -> None:
    """Refuse (``ValueError``) a clock move to ``seconds`` (POSIX) outside :data:`EARLIEST`..:data:`LATEST`,
    naming the limit; ``move`` says what was asked.

    Example::

        >>> check_reachable(0.0, "set to 1970")
        >>> check_reachable(-1.0, "set to 1969-12-31T23:59:59Z")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: the clock cannot be set to 1969-12-31T23:59:59Z: it stays between 1970-01-01T00:00:00Z and ...
    """
    if math.isfinite(seconds) and _seconds(EARLIEST) <= seconds <= _seconds(LATEST):
        return
    raise ValueError(
        f"the clock cannot be {move}: it stays between {_iso(EARLIEST)} and {_iso(LATEST)}, where the credentials "
        f"it issues (up to {LONGEST_CREDENTIALS.total_seconds() / 3600:g} hours) expire at a time that can be written"
    )


def _seconds(moment: datetime) -> float:
    """POSIX seconds of an aware datetime, without the overflow ``timestamp()`` meets near year 1 or 9999."""
    return (moment - _EPOCH).total_seconds()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _active_freezer() -> Any | None:
    """The innermost active freezegun factory, or None (freezegun never imported costs one dict lookup)."""
    api = sys.modules.get("freezegun.api")
    if api is None:
        return None
    factories = getattr(api, "freeze_factories", None)
    return factories[-1] if factories else None


def span_seconds(
    delta: timedelta | float | None = None, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
) -> float:
    """The seconds in ``advance()``'s arguments: a timedelta or a number, plus the keyword amounts.

    Example::

        >>> span_seconds(timedelta(minutes=1), seconds=30, hours=1)
        3690.0
        >>> span_seconds("5m")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: advance() takes a timedelta or a number of seconds, not '5m': write advance(minutes=5) or ...
    """
    total = delta.total_seconds() if isinstance(delta, timedelta) else 0.0 if delta is None else _amount("delta", delta)
    for name, value, unit in (("seconds", seconds, 1), ("minutes", minutes, 60), ("hours", hours, 3600),
                              ("days", days, 86400)):
        total += unit * _amount(name, value)
    return total


def _amount(name: str, value: object) -> float:
    """A number of ``advance()``'s, or a ``TypeError`` naming the argument and the spelling that works."""
    if value is True or value is False:
        pass  # a bool is an int to Python, never an amount of time to a test
    elif isinstance(value, numbers.Real | decimal.Decimal):  # int, float, Fraction, Decimal, NumPy's numbers
        return float(value)
    shown = repr(value)[:40]
    if name == "delta":
        raise TypeError(
            f"advance() takes a timedelta or a number of seconds, not {shown}: "
            "write advance(minutes=5) or advance(timedelta(minutes=5))"
        )
    raise TypeError(f"advance()'s {name} must be a number, not {shown}: write advance({name}=5)")


class ClockControls:
    """The verbs every clock of mockfed has: ``advance()`` and ``set()``, over ``_shift``/``_move_to``.

    :class:`Clock` moves itself (or freezegun's frozen time); ``mockfed.server.client.RemoteClock``
    moves a server's clock over its admin API. Both read their arguments here, one way.
    """

    def advance(
        self,
        delta: timedelta | float | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> None:
        """Move the clock forward (a negative amount moves it back).

        A move that would leave the clock outside :data:`EARLIEST`..:data:`LATEST` raises ``ValueError``
        and leaves it where it was (so does :meth:`set`).

        Example::

            >>> clock = Clock()
            >>> clock.advance(seconds=901)
            >>> clock.offset >= 901
            True
        """
        self._shift(span_seconds(delta, seconds=seconds, minutes=minutes, hours=hours, days=days))

    def set(self, when: datetime) -> None:
        """Put the clock at ``when`` (naive datetimes are taken as UTC).

        Example::

            >>> clock = Clock()
            >>> clock.set(datetime(2030, 1, 1, tzinfo=UTC))
            >>> clock.now().year
            2030
        """
        self._move_to(when if when.tzinfo is not None else when.replace(tzinfo=UTC))

    def _shift(self, seconds: float) -> None:
        raise NotImplementedError

    def _move_to(self, when: datetime) -> None:
        raise NotImplementedError


class Clock(ClockControls):
    """A controllable UTC clock.

    Under freezegun, :meth:`advance` and :meth:`set` move the frozen time itself; otherwise they change the
    offset added to the process's time (botocore reads the clock while a mock is active, either way).

    Example::

        >>> clock = Clock()
        >>> before = clock.now()
        >>> clock.advance(minutes=15)
        >>> (clock.now() - before) >= timedelta(minutes=15)
        True
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds added to the process's time (real, or time-machine's) when freezegun is not active."""
        return self._offset

    def timestamp(self) -> float:
        """The clock's now as POSIX seconds (the cheap form used on every mocked call)."""
        now = time.time()
        if _active_freezer() is not None:
            return now
        return now + self._offset

    def now(self) -> datetime:
        """The clock's now, an aware UTC datetime.

        Example::

            >>> Clock().now().tzinfo is UTC
            True
        """
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def _shift(self, seconds: float) -> None:
        freezer = _active_freezer()
        with self._lock:
            check_reachable(self.timestamp() + seconds, f"advanced by {seconds:g} seconds")
            if freezer is None:
                self._offset += seconds
                return
        freezer.tick(timedelta(seconds=seconds))

    def _move_to(self, when: datetime) -> None:
        target = _seconds(when)
        check_reachable(target, f"set to {when.isoformat()}")
        freezer = _active_freezer()
        if freezer is not None:
            freezer.move_to(when)
            return
        with self._lock:
            self._offset = target - time.time()

    def reset(self) -> None:
        """Back to real (or frozen) time: the offset :meth:`advance` and :meth:`set` made is dropped.

        Example::

            >>> clock = Clock()
            >>> clock.advance(days=3)
            >>> clock.reset()
            >>> clock.offset
            0.0
        """
        with self._lock:
            self._offset = 0.0

    def __repr__(self) -> str:
        return f"Clock(now={self.now().isoformat()}, offset={self._offset:+.3f}s)"
