"""The doors into the pipeline: botocore's hook, ``requests`` through ``responses``, urllib, and the real endpoint.

:func:`activate` makes a :class:`Door` the innermost active mock (the first activation
installs the guards of every door, and makes botocore read the backend clock:
:mod:`~mockfed.transports.botocore_clock`); :func:`deactivate` removes it (the last one out
restores what was patched). Doors translate transport objects only; they know no STS action.

Example::

    >>> from mockfed.backend import FederationBackend
    >>> from mockfed.dispatch import Dispatcher
    >>> backend = FederationBackend()
    >>> door = Door(Dispatcher(backend).exchange, backend)
    >>> activate(door); active_state() is door
    True
    >>> deactivate(door); active_state() is None
    True
"""

from __future__ import annotations

from mockfed.transports import botocore_clock, requests_door, urllib_door
from mockfed.transports.active import Door, active_state, doors, lock
from mockfed.transports.botocore_door import install_botocore_handler, start_guard, stop_guard
from mockfed.transports.forward import forward

__all__ = ["Door", "activate", "active_state", "deactivate", "forward", "install_botocore_handler"]


#: What the first activation patches and the last deactivation restores, in order.
_PATCHES = (
    (start_guard, stop_guard),
    (botocore_clock.start, botocore_clock.stop),
    (requests_door.start, requests_door.stop),
    (urllib_door.start, urllib_door.stop),
)


def activate(door: Door) -> None:
    """Make ``door`` the innermost active mock; the first activation installs the guards."""
    with lock:
        if not doors:
            started = []
            try:
                for start, stop in _PATCHES:
                    start()
                    started.append(stop)
            except BaseException:
                for stop in reversed(started):
                    stop()
                raise
        doors.append(door)


def deactivate(door: Door) -> None:
    """Remove ``door`` (wherever it is among the active ones); the last one out restores what was patched."""
    with lock:
        for index in range(len(doors) - 1, -1, -1):
            if doors[index] is door:
                del doors[index]
                break
        if not doors:
            for _, stop in reversed(_PATCHES):
                stop()
