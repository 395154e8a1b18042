"""Every way to use mock_federation, and what it restores on the way out."""

from __future__ import annotations

import asyncio
import os
import unittest
from typing import Any

import boto3
import pytest

import mockfed
from mockfed import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    FederationBackend,
    active_backend,
    mock_federation,
)


def federate(name: str = "Bob") -> str:
    out = boto3.client("sts", region_name="us-east-1").get_federation_token(Name=name)
    arn: str = out["FederatedUser"]["Arn"]
    return arn


@mock_federation
def bare_decorated() -> tuple[str, int]:
    return federate(), len(active_backend().sessions)


@mock_federation()
def called_decorated() -> tuple[str, int]:
    return federate("Alice"), len(active_backend().sessions)


def test_bare_decorator() -> None:
    assert bare_decorated() == ("arn:aws:sts::123456789012:federated-user/Bob", 1)


def test_called_decorator_gets_a_fresh_backend_each_call() -> None:
    assert called_decorated() == ("arn:aws:sts::123456789012:federated-user/Alice", 1)
    assert called_decorated() == ("arn:aws:sts::123456789012:federated-user/Alice", 1)


def test_async_function() -> None:
    @mock_federation
    async def broker() -> str:
        await asyncio.sleep(0)
        return federate("Async")

    assert asyncio.run(broker()) == "arn:aws:sts::123456789012:federated-user/Async"


@mock_federation
async def test_async_test_function_under_pytest_asyncio() -> None:
    await asyncio.sleep(0)
    assert federate("Carol").endswith("federated-user/Carol")


@mock_federation
class TestPlainClass:
    def test_one(self) -> None:
        assert federate("One").endswith("/One")
        assert len(active_backend().sessions) == 1

    def test_two_has_its_own_backend(self) -> None:
        assert federate("Two").endswith("/Two")
        assert [s.name for s in active_backend().sessions] == ["Two"]


@mock_federation
class UnittestClass(unittest.TestCase):
    def setUp(self) -> None:
        self.sts = boto3.client("sts", region_name="us-east-1")
        self.sts.get_federation_token(Name="FromSetUp")

    def test_setup_and_test_share_one_backend(self) -> None:
        self.sts.get_federation_token(Name="FromTest")
        assert [s.name for s in active_backend().sessions] == ["FromSetUp", "FromTest"]


def test_unittest_class_runs_under_the_mock() -> None:
    result = unittest.TextTestRunner(stream=open(os.devnull, "w")).run(  # noqa: SIM115
        unittest.defaultTestLoader.loadTestsFromTestCase(UnittestClass)
    )
    assert (result.testsRun, result.wasSuccessful()) == (1, True)
    assert mockfed.transports.active_state() is None


def test_context_manager_yields_the_backend() -> None:
    with mock_federation() as backend:
        federate()
    assert isinstance(backend, FederationBackend)
    assert [s.name for s in backend.sessions] == ["Bob"]


def test_start_and_stop() -> None:
    mock = mock_federation()
    backend = mock.start()
    try:
        federate()
        assert mock.backend is backend
    finally:
        mock.stop()
    assert len(backend.sessions) == 1
    with pytest.raises(RuntimeError, match="without a matching start"):
        mock.stop()


def test_a_given_backend_is_used_and_kept() -> None:
    shared = FederationBackend()
    with mock_federation(backend=shared):
        federate("First")
    with mock_federation(backend=shared):
        federate("Second")
    assert [s.name for s in shared.sessions] == ["First", "Second"]


def test_nested_mocks_answer_from_the_innermost() -> None:
    with mock_federation() as outer:
        with mock_federation() as inner:
            federate("Inner")
        federate("Outer")
    assert [s.name for s in inner.sessions] == ["Inner"]
    assert [s.name for s in outer.sessions] == ["Outer"]


def test_environment_is_faked_inside_and_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALDEVELOPERKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_PROFILE", "sso-dev")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    before = dict(os.environ)
    with mock_federation():
        assert os.environ["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == DEFAULT_SECRET_ACCESS_KEY
        assert "AWS_SESSION_TOKEN" not in os.environ
        assert "AWS_PROFILE" not in os.environ
    assert dict(os.environ) == before


def test_environment_is_restored_after_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "sso-dev")
    before = dict(os.environ)
    with pytest.raises(ZeroDivisionError), mock_federation():
        _ = 1 / 0
    assert dict(os.environ) == before
    assert mockfed.transports.active_state() is None


def test_decorated_function_restores_after_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    before = dict(os.environ)

    @mock_federation
    def failing() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        failing()
    assert dict(os.environ) == before


def test_default_session_credentials_resolved_before_are_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEVELOPERSSOKEY1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "developer-secret")
    boto3.setup_default_session()
    session_before = boto3.DEFAULT_SESSION
    resolved = session_before.get_credentials()
    assert resolved.access_key == "AKIADEVELOPERSSOKEY1"
    try:
        # strict: a request signed with the developer's key would be refused, so success proves the fake keys
        with mock_federation(strict_auth=True) as backend:
            identity = boto3.client("sts", region_name="us-east-1").get_caller_identity()
        assert identity["Arn"] == backend.default_user.arn
        assert boto3.DEFAULT_SESSION is session_before  # kept, with its loaded service models
        assert boto3.DEFAULT_SESSION.get_credentials() is resolved
    finally:
        boto3.DEFAULT_SESSION = None


def test_decorating_something_else_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="decorates functions and classes"):
        mock_federation()(42)


def test_no_active_mock_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no mockfed mock is active"):
        active_backend()


def test_fixture_gives_an_active_backend(mockfed: FederationBackend) -> None:
    federate("Fixture")
    assert [s.name for s in mockfed.sessions] == ["Fixture"]


@pytest.mark.mockfed(account_id="111122223333")
def test_marker_sets_options(mockfed: FederationBackend) -> None:
    assert federate().startswith("arn:aws:sts::111122223333:")


def test_clock_fixture(mockfed: FederationBackend, mockfed_clock: Any) -> None:
    assert mockfed_clock is mockfed.clock
