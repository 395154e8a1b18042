"""The pytest plugin (entry point ``pytest11``): fixtures ``mockfed`` and ``mockfed_clock``, marker ``mockfed``.

Example::

    def test_broker(mockfed):                  # the active mock's FederationBackend
        sts = boto3.client("sts", region_name="us-east-1")
        sts.get_federation_token(Name="Bob")
        assert mockfed.sessions[0].name == "Bob"

    @pytest.mark.mockfed(strict_auth=True, account_id="111122223333")
    def test_strict(mockfed): ...

    @pytest.mark.mockfed(scenario="broker.json")   # tests/scenarios/broker.json; --mockfed-record-mode=once
    def test_replayed(mockfed): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Importing any of mockfed at pytest start runs mockfed/__init__.py, which installs the botocore handler
# before any client exists.
from mockfed.backend import FederationBackend
from mockfed.clock import Clock
from mockfed.errors import RECORD_MODES
from mockfed.mock import MockOptions, mock_federation

#: Every option of mock_federation but the backend object itself.
_MARKER_OPTIONS = tuple(name for name in MockOptions.__annotations__ if name != "backend")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockfed")
    group.addoption(
        "--mockfed-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="record mode for every @pytest.mark.mockfed(scenario=...) test of this run",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockfed(strict_auth=False, account_id='123456789012', seed=None, allow_passthrough=False, "
        "scenario=None, record_mode=None, replay_clock='now', allow_unused=False): options of the mockfed "
        "fixture's mock; a relative scenario file is looked up in a scenarios/ folder beside the test module",
    )


@pytest.fixture
def mockfed(request: pytest.FixtureRequest) -> Iterator[FederationBackend]:
    """An active STS federation mock, fresh for each test; yields its backend."""
    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker("mockfed")
    if marker is not None:
        unknown = set(marker.kwargs) - set(_MARKER_OPTIONS)
        if unknown or marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.mockfed takes only keyword options {', '.join(_MARKER_OPTIONS)}; got "
                f"{', '.join(sorted(unknown)) or repr(marker.args)}"
            )
        options.update(marker.kwargs)
    if options.get("scenario") is not None:
        scenario = Path(options["scenario"])
        if not scenario.is_absolute():
            scenario = Path(request.node.path).parent / "scenarios" / scenario
        options["scenario"] = scenario
        override = request.config.getoption("--mockfed-record-mode")
        if override is not None:
            options["record_mode"] = override
    with mock_federation(**options) as backend:
        yield backend


@pytest.fixture
def mockfed_clock(mockfed: FederationBackend) -> Clock:
    """The clock of the ``mockfed`` fixture's backend."""
    return mockfed.clock


__all__ = ["mockfed", "mockfed_clock"]
