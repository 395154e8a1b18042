"""Repository-wide pytest configuration.

Doctests in the package run with the suite; every test starts with no AWS
credentials or profile from the developer's machine, so nothing can reach a
real account by accident.
"""

from __future__ import annotations

import os

import pytest

# Module-level clients are built while tests are collected: give them the throwaway keys moto's docs
# recommend, never a developer's real ones (mockfed treats unknown keys as its default user).
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ.pop("AWS_PROFILE", None)

pytest_plugins = ["pytester"]

collect_ignore = ["mockfed/__main__.py", "setup.py", "benchmarks"]


@pytest.fixture(autouse=True)
def _no_real_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
