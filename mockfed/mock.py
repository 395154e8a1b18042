"""``mock_federation``: one object that is a decorator, a context manager and has ``start()``/``stop()``."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypedDict, TypeVar, Unpack, overload

from mockfed import transports
from mockfed.backend import FederationBackend
from mockfed.dispatch import Dispatcher
from mockfed.errors import RECORD_MODES, UnusedInteractionsError
from mockfed.idp import OidcIdentityProvider
from mockfed.state.account import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    check_account_id,
)
from mockfed.world import World, read_world

if TYPE_CHECKING:
    from mockfed.scenario import Replay

__all__ = [
    "FederationMock",
    "MockOptions",
    "WebIdentityEnvironment",
    "active_backend",
    "mock_federation",
    "web_identity",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: Variables set while a mock is active (the default IAM user's keys) and removed (anything that would win over them).
_SET_ENV = {"AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET_ACCESS_KEY}
_REMOVED_ENV = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CREDENTIAL_EXPIRATION",
)
_UNSET = object()


@dataclass(eq=False)  # activations are told apart by identity, never by equal fields
class _Activation:
    door: transports.Door
    replay: Replay | None = None
    saved_env: dict[str, str | None] = field(default_factory=dict)
    saved_default_credentials: Any = _UNSET
    default_session: Any = None


def active_backend() -> FederationBackend:
    """The backend of the innermost active mock (for decorated tests that did not keep it).

    Example::

        >>> with mock_federation() as backend:
        ...     active_backend() is backend
        True
    """
    door = transports.active_state()
    if door is None:
        raise RuntimeError("no mockfed mock is active: use @mock_federation, `with mock_federation()` or the fixture")
    return door.backend


class MockOptions(TypedDict, total=False):
    """The options of :func:`mock_federation` (every one optional).

    Example::

        >>> options: MockOptions = {"account_id": "111122223333", "strict_auth": True}
        >>> mock_federation(**options)
        <mock_federation inactive strict_auth=True>
    """

    backend: FederationBackend | None
    """The backend to answer from (default: a fresh one per activation)."""
    account_id: str
    """The simulated account of a fresh backend (default ``123456789012``)."""
    strict_auth: bool
    """Refuse keys mockfed never issued instead of treating them as the default user."""
    allow_passthrough: bool
    """Let botocore requests to other AWS services that no mock answers reach AWS."""
    seed: int | None
    """Seed of a fresh backend's key factory (reproducible keys)."""
    scenario: str | os.PathLike[str] | None
    """A scenario file to replay (and record into, per ``record_mode``)."""
    record_mode: str | None
    """VCR's ``none`` (the default: replay only, a missing file is an error), ``once``, ``new_episodes`` or ``all``."""
    replay_clock: str
    """``now`` (default) or ``recorded``: start the clock at the recording's time."""
    allow_unused: bool
    """Accept interactions of the scenario that the test never requests."""
    world: str | os.PathLike[str] | Mapping[str, Any] | World | None
    """A world file (JSON, YAML or TOML) or dict declaring the account: made in each activation's fresh backend
    (see :mod:`mockfed.world`; ``backend.reset()`` makes it again); its ``account_id`` is the backend's."""


#: The last line of :class:`~mockfed.errors.UnusedInteractionsError`: how to accept unused interactions, for
#: each way a replay is started (the pytest plugin's marker passes its options to :func:`mock_federation`).
ALLOW_UNUSED_ADVICE = (
    "If that is expected, pass allow_unused=True: @pytest.mark.mockfed(scenario=..., allow_unused=True) "
    "on a test using the mockfed fixture, or mock_federation(scenario=..., allow_unused=True)."
)


class FederationMock:
    """An STS federation mock; see :func:`mock_federation` for the ways to use it."""

    def __init__(self, **options: Unpack[MockOptions]) -> None:
        unknown = set(options) - set(MockOptions.__annotations__)
        if unknown:
            raise TypeError(f"mock_federation() got unknown option(s) {', '.join(sorted(unknown))}")
        record_mode = options.get("record_mode")
        scenario = options.get("scenario")
        if record_mode is not None and record_mode not in RECORD_MODES:
            raise ValueError(f"record_mode must be one of {', '.join(RECORD_MODES)}; got {record_mode!r}")
        if scenario is None and record_mode is not None:
            raise ValueError(
                "record_mode needs a scenario file: mock_federation(scenario='name.json', record_mode=...)"
            )
        self._backend = options.get("backend")
        self._allow_passthrough = options.get("allow_passthrough", False)
        self._scenario_path = scenario
        self._record_mode = record_mode
        self._replay_clock = options.get("replay_clock", "now")
        self._allow_unused = options.get("allow_unused", False)
        world = options.get("world")
        self._world = world if world is None or isinstance(world, World) else read_world(world)
        if self._world is not None and self._backend is not None:
            raise ValueError(
                "world= declares the account of each activation's fresh backend; to make a world in a backend of "
                "your own, load it there: mockfed.load_world(backend, world)"
            )
        world_account = self._world.account_id if self._world is not None else None
        if world_account is not None and options.get("account_id", world_account) != world_account:
            raise ValueError(
                f"account_id={options.get('account_id')!r} but the world declares account {world_account}: "
                "give one of them"
            )
        self._account_id = check_account_id(options.get("account_id", world_account or DEFAULT_ACCOUNT_ID))
        self._strict_auth = options.get("strict_auth", False)
        self._seed = options.get("seed")
        self._activations: list[_Activation] = []

    # ---- start / stop ------------------------------------------------------------------------------------

    def start(self) -> FederationBackend:
        """Activate; returns the backend answering STS until :meth:`stop`."""
        if self._world is not None:
            backend = self._world.new_backend(account_id=self._account_id, seed=self._seed)
        else:
            backend = self._backend or FederationBackend(self._account_id, seed=self._seed)
        replay = None
        if self._scenario_path is not None:
            # Loaded on first use (a downward import): most suites never replay, and import mockfed stays light.
            from mockfed.scenario import open_scenario

            replay = open_scenario(
                self._scenario_path,
                backend,
                record_mode=self._record_mode,
                replay_clock=self._replay_clock,
                allow_unused=self._allow_unused,
                forward=transports.forward,
            )
        dispatcher = Dispatcher(backend, strict_auth=self._strict_auth)
        exchange = dispatcher.exchange if replay is None else functools.partial(replay.exchange, dispatcher)
        records = replay is not None and replay.scenario.records_unmatched
        # Recording signs with the caller's real credentials, sent to the real endpoint: by real time.
        activation = _Activation(transports.Door(exchange, backend, self._allow_passthrough, real_time=records), replay)
        if not records:
            _swap_environment(activation)
        try:
            transports.activate(activation.door)
        except BaseException:
            _restore_environment(activation)
            raise
        self._activations.append(activation)
        return backend

    def stop(self) -> None:
        """Deactivate the most recent :meth:`start` of this object, restoring everything it changed.

        With a scenario, what was recorded is written, and interactions the test never
        requested raise :class:`~mockfed.errors.UnusedInteractionsError` (unless ``allow_unused``).
        """
        if not self._activations:
            raise RuntimeError("mock_federation.stop() called without a matching start()")
        activation = self._activations.pop()
        try:
            transports.deactivate(activation.door)
        finally:
            _restore_environment(activation)
        replay = activation.replay
        if replay is not None:
            unused = replay.scenario.close()
            if unused:
                listed = "\n".join(f"  - {interaction.describe()}" for interaction in unused)
                raise UnusedInteractionsError(
                    f"{len(unused)} interaction(s) of {replay.scenario.path} were never requested:\n{listed}\n"
                    f"{ALLOW_UNUSED_ADVICE}"
                )

    @property
    def backend(self) -> FederationBackend:
        """The backend of this object's most recent active start."""
        if not self._activations:
            raise RuntimeError("this mock_federation is not active")
        return self._activations[-1].door.backend

    def __enter__(self) -> FederationBackend:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.stop()
        except UnusedInteractionsError:
            if exc is None:  # never hide the test's own failure behind the unused interactions
                raise

    # ---- decorating --------------------------------------------------------------------------------------

    def __call__(self, target: T) -> T:
        if isinstance(target, type):
            return self._decorate_class(target)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(target):
            return self._decorate_async(target)  # type: ignore[return-value]
        if callable(target):
            return self._decorate_function(target)  # type: ignore[return-value]
        raise TypeError(f"mock_federation decorates functions and classes, not {type(target).__name__}")

    def _decorate_function(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper

    def _decorate_async(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return await func(*args, **kwargs)

        return wrapper

    def _decorate_class(self, cls: type) -> type:
        unittest = sys.modules.get("unittest")  # a TestCase subclass means unittest is loaded already
        if unittest is not None and issubclass(cls, unittest.TestCase):
            # setUp, the test and tearDown share one activation, stopped by a cleanup even if setUp fails.
            original_setup = cls.setUp  # type: ignore[attr-defined]

            def setUp(test: Any) -> None:
                self.start()
                test.addCleanup(self.stop)
                original_setup(test)

            cls.setUp = setUp  # type: ignore[attr-defined]
            return cls
        for name, value in list(vars(cls).items()):
            if name.startswith("test") and callable(value):
                setattr(cls, name, self(value))
        return cls

    def __repr__(self) -> str:
        state = "active" if self._activations else "inactive"
        return f"<mock_federation {state} strict_auth={self._strict_auth}>"


@overload
def mock_federation(target: F, /) -> F: ...


@overload
def mock_federation(**options: Unpack[MockOptions]) -> FederationMock: ...


def mock_federation(target: Any = None, /, **options: Unpack[MockOptions]) -> Any:
    """Answer botocore's and ``requests``' STS calls from a simulated STS while active.

    Use it bare or called, as a decorator (sync or async functions, unittest and plain
    test classes), as a context manager, or with ``start()``/``stop()``. Each activation
    gets a fresh :class:`FederationBackend` unless ``backend`` is given. While active, a
    botocore request to any other AWS service that no other mock (moto) answers raises
    :class:`~mockfed.errors.UnmockedRequestError` instead of reaching AWS, unless
    ``allow_passthrough=True``.

    With ``scenario="file.json"`` STS answers come from a recorded scenario, and
    ``record_mode`` (``"none"``, the default, ``"once"``, ``"new_episodes"``, ``"all"``, as in VCR)
    says when requests are sent on to wherever the client points and recorded instead; see
    ``docs/scenarios.md``. ``replay_clock="recorded"`` starts the clock at the recording's time;
    ``allow_unused=True`` accepts interactions the test never requests.

    Example::

        >>> import boto3
        >>> with mock_federation() as backend:
        ...     sts = boto3.client("sts", region_name="us-east-1")
        ...     out = sts.get_federation_token(Name="Bob", DurationSeconds=900)
        >>> out["FederatedUser"]["Arn"]
        'arn:aws:sts::123456789012:federated-user/Bob'
    """
    mock = FederationMock(**options)
    if target is None:
        return mock
    return mock(target)


# ---- environment ---------------------------------------------------------------------------------------------


#: Activations whose environment swap is in force, oldest first (stops may come in any order).
_swapped: list[_Activation] = []
_swap_lock = threading.Lock()


def _swap_environment(activation: _Activation) -> None:
    """Fake keys in, competing credentials out; boto3's already-resolved default credentials set aside."""
    with _swap_lock:
        environ = os.environ
        for name in (*_SET_ENV, *_REMOVED_ENV):
            activation.saved_env[name] = environ.get(name)
        environ.update(_SET_ENV)
        for name in _REMOVED_ENV:
            environ.pop(name, None)
        session = _default_botocore_session()
        if session is not None and hasattr(session, "_credentials"):
            # Resolve again from the environment inside the mock, without throwing away loaded service models.
            activation.default_session = session
            activation.saved_default_credentials = session._credentials
            session._credentials = None
        _swapped.append(activation)


def _restore_environment(activation: _Activation) -> None:
    """Undo :func:`_swap_environment` for ``activation`` (nothing if it never swapped: a recording mock)."""
    with _swap_lock:
        if activation not in _swapped:
            return
        index = _swapped.index(activation)
        del _swapped[index]
        if index < len(_swapped):
            # Not the innermost: the environment now is a later activation's, and that one saved what this one
            # set. Hand it what this one saved instead, so the last one out restores what was there first.
            later = _swapped[index]
            later.saved_env = activation.saved_env
            if activation.saved_default_credentials is not _UNSET:
                later.default_session = activation.default_session
                later.saved_default_credentials = activation.saved_default_credentials
            return
        environ = os.environ
        for name, value in activation.saved_env.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        if activation.saved_default_credentials is not _UNSET:
            activation.default_session._credentials = activation.saved_default_credentials
        session = _default_botocore_session()
        if session is not None and session is not activation.default_session:
            session._credentials = None  # made inside the mock: forget the fake keys it resolved


def _default_botocore_session() -> Any:
    boto3 = sys.modules.get("boto3")
    return getattr(getattr(boto3, "DEFAULT_SESSION", None), "_session", None)


# ---- botocore's web identity, as EKS and GitHub Actions set it up ---------------------------------------------

#: What botocore's web-identity provider reads (``AssumeRoleWithWebIdentityProvider``), and the static keys that
#: would win over it in the credential chain.
_WEB_IDENTITY_ENV = ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME")
_STATIC_KEYS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class WebIdentityEnvironment:
    """The environment EKS (IRSA) and GitHub Actions give a process: ``AWS_ROLE_ARN``, ``AWS_WEB_IDENTITY_TOKEN_FILE``
    and ``AWS_ROLE_SESSION_NAME``, with a token of ``provider`` in the file and no static keys. Any boto3 client
    then gets refreshable credentials through ``AssumeRoleWithWebIdentity``; everything is restored on exit.

    Use :func:`web_identity` (or the pytest fixture ``mockfed_web_identity``) to make one; see its example.
    """

    def __init__(
        self,
        provider: OidcIdentityProvider,
        role_arn: str,
        token_file: str | os.PathLike[str],
        *,
        session_name: str | None = None,
        token: dict[str, Any] | None = None,
    ) -> None:
        self.provider = provider
        self.role_arn = role_arn
        self.token_file = Path(token_file)
        self.session_name = session_name
        self._token = dict(token or {})
        self._saved: list[dict[str, str | None]] = []

    def write_token(self, **token: Any) -> str:
        """Put a fresh token of the provider in the file (as the kubelet or the CI runner does before the old one
        expires): the arguments of :meth:`~mockfed.idp.oidc.OidcIdentityProvider.token`, by default those given at
        the start. botocore reads the file again at each refresh. Returns the token."""
        self._token.update(token)
        self.provider.write_token_file(self.token_file, **self._token)
        return self.token_file.read_text(encoding="ascii")

    def start(self) -> Path:
        """Write the token and set the environment; returns the token file's path."""
        self.write_token()
        names = (*_WEB_IDENTITY_ENV, *_STATIC_KEYS_ENV)
        self._saved.append({name: os.environ.get(name) for name in names})
        for name in _STATIC_KEYS_ENV:
            os.environ.pop(name, None)
        os.environ.pop("AWS_ROLE_SESSION_NAME", None)
        os.environ.update({"AWS_ROLE_ARN": self.role_arn, "AWS_WEB_IDENTITY_TOKEN_FILE": str(self.token_file)})
        if self.session_name is not None:
            os.environ["AWS_ROLE_SESSION_NAME"] = self.session_name
        _forget_default_credentials()
        return self.token_file

    def stop(self) -> None:
        """Restore the environment as :meth:`start` found it."""
        for name, value in self._saved.pop().items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _forget_default_credentials()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def web_identity(
    provider: OidcIdentityProvider,
    role_arn: str,
    token_file: str | os.PathLike[str],
    *,
    session_name: str | None = None,
    **token: Any,
) -> WebIdentityEnvironment:
    """botocore's web-identity credentials for ``role_arn``, from a token of ``provider`` (``token`` are the
    arguments of its :meth:`~mockfed.idp.oidc.OidcIdentityProvider.token`) written to ``token_file``; use it as
    a context manager (or ``start()``/``stop()``) inside an active mock.

    Example::

        >>> import boto3, tempfile
        >>> with mock_federation() as backend, tempfile.TemporaryDirectory() as folder:
        ...     github = backend.create_oidc_provider("https://token.actions.githubusercontent.com",
        ...                                           ["sts.amazonaws.com"])
        ...     role = backend.create_role("Deploy", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        ...         "Principal": {"Federated": github.arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]})
        ...     with web_identity(github, role.arn, Path(folder) / "token", session_name="GitHubActions",
        ...                       sub="repo:acme/app:ref:refs/heads/main"):
        ...         arn = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Arn"]
        >>> arn
        'arn:aws:sts::123456789012:assumed-role/Deploy/GitHubActions'
    """
    return WebIdentityEnvironment(provider, role_arn, token_file, session_name=session_name, token=token)


def _forget_default_credentials() -> None:
    """Make boto3's default session resolve its credentials again, from the environment as it is now."""
    session = _default_botocore_session()
    if session is not None and hasattr(session, "_credentials"):
        session._credentials = None
