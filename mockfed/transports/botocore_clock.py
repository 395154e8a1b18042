"""botocore's reading of time, from the active mock's backend clock.

botocore decides when credentials need refreshing, and stamps its SigV4 signatures, by the
time it reads. While a mock is active it reads the innermost mock's backend clock, through
three names patched by the first activation and restored by the last deactivation:

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
- ``botocore.auth.get_current_datetime``, the now every signer in ``botocore.auth`` stamps
  (``X-Amz-Date``, presigned URLs), becomes :func:`signing_now`, and
- ``botocore.signers.RequestSigner.sign`` becomes :func:`signing`, which tells it, for this
  thread and the length of the call, whether the request is one the mock answers: an STS
  request (the mock answers every one botocore sends) is signed by the clock; a request to
  another service keeps the process's time, since it may leave the process (a local S3 that
  checks the signing time, ``allow_passthrough``) where the clock's offset means nothing.

A mock that records (its requests go on to the real endpoint, with real credentials) leaves
botocore on the process's time while it is the innermost. Under freezegun and time-machine the
clock reads their time (plus its offset under time-machine), so nothing changes for tests that
freeze time. A read while no mock is active (a thread that looked a name up just before the
last mock stopped) answers the process's own time, as botocore would.

Example::

    >>> import botocore.auth, botocore.credentials
    >>> from mockfed.backend import FederationBackend
    >>> from mockfed.dispatch import Dispatcher
    >>> from mockfed.transports import Door, activate, deactivate
    >>> backend = FederationBackend()
    >>> backend.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    >>> door = Door(Dispatcher(backend).exchange, backend)
    >>> activate(door)
    >>> botocore.credentials._local_now().year
    2030
    >>> deactivate(door)
    >>> botocore.credentials.tzlocal is ORIGINALS[0]
    True
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import botocore.auth
import botocore.credentials
import botocore.signers

from mockfed.transports.active import active_state

__all__ = ["ORIGINALS", "ClockZone", "signing", "signing_now", "start", "stop"]

#: What botocore defines under the three names (the local zone class, the signers' now, the request signer's sign).
ORIGINALS: tuple[Any, Any, Any] = (
    botocore.credentials.tzlocal,
    botocore.auth.get_current_datetime,
    botocore.signers.RequestSigner.sign,
)
#: What :func:`start` found and :func:`stop` puts back (None: not installed): what mockfed's names delegate to, so
#: a patch a test made before the mock started (a spy on ``sign``, a fixed ``get_current_datetime``) still runs.
_saved: tuple[Any, Any, Any] | None = None


def _found() -> tuple[Any, Any, Any]:
    """The three names as :func:`start` found them (botocore's own once the last mock stopped)."""
    return _saved or ORIGINALS


def _local_zone() -> tzinfo:
    zone: tzinfo = _found()[0]()
    return zone
#: Per thread: whether the request being signed now is one the mock answers (``by_clock``).
_signing = threading.local()


def _clock_seconds() -> float | None:
    """The innermost active mock's clock as POSIX seconds, or None (no mock active, or one that records)."""
    door = active_state()
    if door is None or door.real_time:
        return None
    return door.backend.clock.timestamp()


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
    """``botocore.auth.get_current_datetime`` while a mock is active: for a request the mock answers, the backend
    clock's now in UTC (naive unless ``remove_tzinfo=False``, as botocore's); otherwise botocore's own."""
    seconds = _clock_seconds() if getattr(_signing, "by_clock", False) else None
    if seconds is None:
        now: datetime = _found()[1](remove_tzinfo)
        return now
    now = datetime.fromtimestamp(seconds, UTC)
    return now.replace(tzinfo=None) if remove_tzinfo else now


def signing(signer: Any, operation_name: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
    """``RequestSigner.sign`` while a mock is active: botocore's own, told whether this request is STS's.

    Nested signing (credentials refreshed through AssumeRole while an S3 request is being signed)
    restores the outer request's answer when the inner one is done.
    """
    outer = getattr(_signing, "by_clock", False)
    _signing.by_clock = str(getattr(signer, "_service_id", "")).lower() == "sts"
    try:
        return _found()[2](signer, operation_name, request, *args, **kwargs)
    finally:
        _signing.by_clock = outer


def start() -> None:
    """Make botocore read the backend clock (the first activation calls it)."""
    global _saved
    if _saved is not None:
        return
    _saved = (botocore.credentials.tzlocal, botocore.auth.get_current_datetime, botocore.signers.RequestSigner.sign)
    botocore.credentials.tzlocal = ClockZone
    botocore.auth.get_current_datetime = signing_now
    botocore.signers.RequestSigner.sign = signing


def stop() -> None:
    """Put back what :func:`start` found (the last deactivation calls it).

    A name another library patched over mockfed's since keeps that library's patch, which
    calls mockfed's, which reads the process's own time while no mock is active.
    """
    global _saved
    if _saved is None:
        return
    zone, now, sign = _saved
    _saved = None
    if botocore.credentials.tzlocal is ClockZone:
        botocore.credentials.tzlocal = zone
    if botocore.auth.get_current_datetime is signing_now:
        botocore.auth.get_current_datetime = now
    if botocore.signers.RequestSigner.__dict__.get("sign") is signing:
        botocore.signers.RequestSigner.sign = sign
