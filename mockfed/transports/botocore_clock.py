"""botocore's reading of time, from the active mock's backend clock.

botocore decides when credentials need refreshing, and stamps its SigV4 signatures, by the
time it reads. While a mock is active it reads the innermost mock's backend clock, through two
names patched by the first activation and restored by the last deactivation:

- ``botocore.credentials.tzlocal``. botocore's now for credentials is ``_local_now()``, that is
  ``datetime.datetime.now(tzlocal())``: the default ``time_fetcher`` of every
  ``RefreshableCredentials`` (so of ``DeferredRefreshableCredentials``, the assume-role and
  web-identity providers' credentials) and what ``CachedCredentialFetcher._is_expired`` reads.
  ``_local_now`` itself cannot be replaced: ``RefreshableCredentials.__init__`` binds it as a
  default argument when the class is defined, so every instance that uses the default, made
  before the mock or during it, holds that very function. What it looks up on each call is
  ``tzlocal``, and nothing else in that module uses it: while a mock is active it is
  :class:`ClockZone`, whose conversion of now answers the backend clock's now in the local zone
  (a datetime with a ``dateutil`` ``tzlocal()``, as botocore's own). Instances given another
  ``time_fetcher`` keep theirs.
- ``botocore.auth.get_current_datetime``: the now every signer in ``botocore.auth`` stamps
  (``X-Amz-Date``, presigned URLs) becomes :func:`signing_now`.

Under freezegun and time-machine the clock reads their time (plus its offset under
time-machine), so nothing changes for tests that freeze time. A read while no mock is active
(a thread that looked the name up just before the last mock stopped) answers the process's own
time, as botocore would.

Example::

    >>> import botocore.auth, botocore.credentials
    >>> from mockfed.backend import FederationBackend
    >>> from mockfed.dispatch import Dispatcher
    >>> from mockfed.transports import Door, activate, deactivate
    >>> backend = FederationBackend()
    >>> backend.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    >>> door = Door(Dispatcher(backend).exchange, backend)
    >>> activate(door)
    >>> botocore.credentials._local_now().year, botocore.auth.get_current_datetime().year
    (2030, 2030)
    >>> deactivate(door)
    >>> botocore.credentials.tzlocal is ORIGINALS[0]
    True
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import botocore.auth
import botocore.credentials

from mockfed.transports.active import active_state

__all__ = ["ORIGINALS", "ClockZone", "signing_now", "start", "stop"]

#: What botocore defines under the two names (the local zone class, the signers' now).
ORIGINALS: tuple[Any, Any] = (botocore.credentials.tzlocal, botocore.auth.get_current_datetime)
_local_zone, _process_signing_now = ORIGINALS
#: What :func:`start` found and :func:`stop` puts back (None: not installed).
_saved: tuple[Any, Any] | None = None


def _clock_seconds() -> float | None:
    """The innermost active mock's clock as POSIX seconds, or None when no mock is active."""
    door = active_state()
    return None if door is None else door.backend.clock.timestamp()


class ClockZone(tzinfo):
    """What ``tzlocal()`` makes in ``botocore.credentials`` while a mock is active.

    ``datetime.now(ClockZone())`` is the backend clock's now, in the local zone as botocore's
    own ``tzlocal()`` shows it; with no mock active, the process's now. It serves only
    ``datetime.now`` (the one use botocore makes of the name): its offsets are the local zone's.
    """

    def fromutc(self, dt: datetime) -> datetime:
        seconds = _clock_seconds()
        if seconds is None:
            return dt.replace(tzinfo=UTC).astimezone(_local_zone())
        return datetime.fromtimestamp(seconds, _local_zone())

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        offset: timedelta | None = _local_zone().utcoffset(dt)
        return offset

    def dst(self, dt: datetime | None) -> timedelta | None:
        saving: timedelta | None = _local_zone().dst(dt)
        return saving

    def tzname(self, dt: datetime | None) -> str | None:
        name: str | None = _local_zone().tzname(dt)
        return name


def signing_now(remove_tzinfo: bool = True) -> datetime:
    """``botocore.auth.get_current_datetime`` while a mock is active: the backend clock's now in UTC (naive unless
    ``remove_tzinfo=False``, as botocore's); with no mock active, botocore's own."""
    seconds = _clock_seconds()
    if seconds is None:
        now: datetime = _process_signing_now(remove_tzinfo)
        return now
    now = datetime.fromtimestamp(seconds, UTC)
    return now.replace(tzinfo=None) if remove_tzinfo else now


def start() -> None:
    """Make botocore read the backend clock (the first activation calls it)."""
    global _saved
    if _saved is not None:
        return
    _saved = (botocore.credentials.tzlocal, botocore.auth.get_current_datetime)
    botocore.credentials.tzlocal = ClockZone
    botocore.auth.get_current_datetime = signing_now


def stop() -> None:
    """Put back what :func:`start` found (the last deactivation calls it).

    A name another library patched over mockfed's since keeps that library's patch, which
    calls mockfed's, which reads the process's own time while no mock is active.
    """
    global _saved
    if _saved is None:
        return
    zone, now = _saved
    _saved = None
    if botocore.credentials.tzlocal is ClockZone:
        botocore.credentials.tzlocal = zone
    if botocore.auth.get_current_datetime is signing_now:
        botocore.auth.get_current_datetime = now
