"""The AWS-managed policies shipped as package data (``mockfed/data/managed_policies``), with their real ARNs."""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["aws_managed_policy_arns", "managed_policy_document"]

# --- AWS-managed policies --------------------------------------------------------------------------------------

_MANAGED_PREFIX = "arn:aws:iam::aws:policy"
# Shipped policies whose IAM path is not "/" (the path is part of the real ARN).
_MANAGED_PATHS: dict[str, str] = {
    "AWSLambdaBasicExecutionRole": "/service-role/",
    "ViewOnlyAccess": "/job-function/",
}


def _managed_dir() -> Traversable:
    return resources.files("mockfed").joinpath("data").joinpath("managed_policies")


@functools.cache
def _shipped() -> dict[str, str]:
    """The shipped documents by policy name, read once: package data, which does not change while a process runs."""
    return {
        entry.name[: -len(".json")]: entry.read_text(encoding="utf-8")
        for entry in _managed_dir().iterdir()
        if entry.name.endswith(".json")
    }


def managed_policy_document(arn: str) -> str | None:
    """The JSON document of a shipped AWS-managed policy, or ``None`` if not shipped.

    The ARN must be the real one, path included
    (``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``).
    Documents are read from package data once, on first use.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> doc = managed_policy_document("arn:aws:iam::aws:policy/AdministratorAccess")
        >>> parse_policy(doc or "").evaluate("ec2:RunInstances")
        'Allow'
        >>> managed_policy_document("arn:aws:iam::123456789012:policy/Mine") is None
        True
    """
    if not arn.startswith(_MANAGED_PREFIX + "/"):
        return None
    path_and_name = arn[len(_MANAGED_PREFIX) :]
    path, _, name = path_and_name.rpartition("/")
    if path + "/" != _MANAGED_PATHS.get(name, "/"):
        return None
    return _shipped().get(name)


def aws_managed_policy_arns() -> tuple[str, ...]:
    """The ARNs of every shipped AWS-managed policy, sorted.

    Example::

        >>> "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in aws_managed_policy_arns()
        True
    """
    return tuple(sorted(f"{_MANAGED_PREFIX}{_MANAGED_PATHS.get(name, '/')}{name}" for name in _shipped()))

