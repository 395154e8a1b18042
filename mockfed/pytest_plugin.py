"""The pytest plugin (entry point ``pytest11``): fixtures ``mockfed``, ``mockfed_clock`` and
``mockfed_web_identity``, marker ``mockfed``.

Example::

    def test_broker(mockfed):                  # the active mock's FederationBackend
        sts = boto3.client("sts", region_name="us-east-1")
        sts.get_federation_token(Name="Bob")
        assert mockfed.sessions[0].name == "Bob"

    @pytest.mark.mockfed(strict_auth=True, account_id="111122223333")
    def test_strict(mockfed): ...

    @pytest.mark.mockfed(scenario="broker.json")   # tests/scenarios/broker.json; --mockfed-record-mode=once
    def test_replayed(mockfed): ...

    @pytest.mark.mockfed(world="broker.yaml")      # tests/worlds/broker.yaml: the account's users, roles, ...
    def test_in_the_world(mockfed): ...

    def test_in_ci(mockfed, mockfed_web_identity):  # botocore's web-identity credentials, as on EKS or GitHub
        github = mockfed.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
        mockfed_web_identity(github, role.arn, sub="repo:acme/app:ref:refs/heads/main")
        boto3.client("sts", region_name="us-east-1").get_caller_identity()   # as the role
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from os import PathLike
from pathlib import Path
from typing import Any

import pytest

# Importing any of mockfed at pytest start runs mockfed/__init__.py, which installs the botocore handler
# before any client exists.
from mockfed.backend import FederationBackend
from mockfed.clock import Clock
from mockfed.errors import RECORD_MODES
from mockfed.idp import OidcIdentityProvider
from mockfed.mock import MockOptions, WebIdentityEnvironment, mock_federation, web_identity

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
        "scenario=None, record_mode=None, replay_clock='now', allow_unused=False, world=None): options of the "
        "mockfed fixture's mock; a relative scenario file is looked up in a scenarios/ folder beside the test "
        "module, a relative world file in a worlds/ folder",
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
    if options.get("world") is not None and isinstance(options["world"], str | PathLike):
        world = Path(options["world"])
        options["world"] = world if world.is_absolute() else Path(request.node.path).parent / "worlds" / world
    with mock_federation(**options) as backend:
        yield backend


@pytest.fixture
def mockfed_clock(mockfed: FederationBackend) -> Clock:
    """The clock of the ``mockfed`` fixture's backend."""
    return mockfed.clock


#: What the ``mockfed_web_identity`` fixture gives: ``(provider, role_arn, *, session_name=None, **token)``.
WebIdentitySetup = Callable[..., WebIdentityEnvironment]


@pytest.fixture
def mockfed_web_identity(mockfed: FederationBackend, tmp_path: Path) -> Iterator[WebIdentitySetup]:
    """Set up botocore's web-identity credentials as EKS and GitHub Actions do: call it with an OIDC provider of
    the backend, a role ARN, optionally ``session_name`` and the token's claims; it writes a token file in the
    test's temporary folder and sets ``AWS_ROLE_ARN``, ``AWS_WEB_IDENTITY_TOKEN_FILE`` (and
    ``AWS_ROLE_SESSION_NAME``), without static keys. Returns the :class:`~mockfed.mock.WebIdentityEnvironment`
    (``write_token(...)`` rotates the token); everything is undone after the test.

    Example (``docs/web-identity.md`` has the whole module)::

        def test_job(mockfed, mockfed_web_identity):
            github = mockfed.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
            role = mockfed.create_role("Deploy", TRUST_POLICY)
            job = mockfed_web_identity(github, role.arn, session_name="GitHubActions", sub="repo:acme/app:ref:main")
            ...
            job.write_token()   # a fresh token, as the runner fetches one
    """
    started: list[WebIdentityEnvironment] = []

    def setup(
        provider: OidcIdentityProvider, role_arn: str, *, session_name: str | None = None, **token: Any
    ) -> WebIdentityEnvironment:
        path = tmp_path / f"web-identity-token-{len(started)}"
        environment = web_identity(provider, role_arn, path, session_name=session_name, **token)
        environment.start()
        started.append(environment)
        return environment

    yield setup
    for environment in reversed(started):
        environment.stop()


__all__ = ["WebIdentitySetup", "mockfed", "mockfed_clock", "mockfed_web_identity"]
