"""botocore's STS service model: the source of truth for shapes and constraints, and what is derived from it.

Only botocore's data loader and shape classes are used here (never its transport), so
the protocol (parsing, rendering) and the actions (:mod:`mockfed.model.limits`) stay
data-driven without copying the model.

The model is read from botocore's installed data files, which do not change while a process
runs; so is everything a layer derives from them (a reader of an action's parameters, a checker of
its constraints, a writer of its answer, the partitions' region patterns). :func:`derived` keeps
each such derivation once: the one cache of this package, a pure function of immutable input.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "API_VERSION",
    "XML_NAMESPACE",
    "action_names",
    "derived",
    "input_shape",
    "needs_signature",
    "operation",
    "output_shape",
    "service_model",
]

API_VERSION = "2011-06-15"
XML_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"

T = TypeVar("T")

#: What has been derived from the service model, by deriving function and its arguments (names of actions,
#: documented limits): every value a pure function of botocore's installed model, so it is never stale.
_DERIVED: dict[tuple[Callable[..., Any], tuple[Hashable, ...]], Any] = {}


def derived(derive: Callable[..., T], *args: Hashable) -> T:
    """``derive(*args)``, made once per process: ``derive`` must be a pure function of botocore's installed data
    (the service model, the partitions) and of ``args`` (two threads may both make it the first time; either result
    is the same).

    Example::

        >>> derived(needs_signature, "AssumeRole") is derived(needs_signature, "AssumeRole")
        True
    """
    key = (derive, args)
    try:
        value: T = _DERIVED[key]
    except KeyError:
        value = _DERIVED.setdefault(key, derive(*args))
    return value


def _load() -> ServiceModel:
    data: dict[str, Any] = Loader().load_service_model("sts", "service-2", API_VERSION)
    return ServiceModel(data, service_name="sts")


def service_model() -> ServiceModel:
    """The STS model botocore itself uses (read from its installed data files).

    Example::

        >>> service_model().metadata["protocol"]
        'query'
    """
    return derived(_load)


def _operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def action_names() -> frozenset[str]:
    """The names of every STS action in botocore's model.

    Example::

        >>> "GetFederationToken" in action_names(), "getfederationtoken" in action_names()
        (True, False)
    """
    return derived(_operation_names)


def _operation(action: str) -> OperationModel:
    return service_model().operation_model(action)


def operation(action: str) -> OperationModel | None:
    """The operation named ``action`` (exact AWS spelling), or None for an unknown action (nothing is kept of a
    name that is not an action's: only the model's own names are keys of :func:`derived`).

    Example::

        >>> operation("GetFederationToken").name, operation("getfederationtoken")
        ('GetFederationToken', None)
    """
    if action not in derived(_operation_names):
        return None
    return derived(_operation, action)


def input_shape(action: str) -> Shape | None:
    """The input shape of ``action``, or None for an unknown action."""
    op = operation(action)
    return None if op is None else op.input_shape


def output_shape(action: str) -> Shape | None:
    """The output shape of ``action``, or None for an unknown action."""
    op = operation(action)
    return None if op is None else op.output_shape


def _needs_signature(action: str) -> bool:
    op = operation(action)
    assert op is not None
    return op.auth_type != "none" and "smithy.api#noAuth" not in (op.auth or ())


def needs_signature(action: str) -> bool:
    """Whether the model has requests of ``action`` signed; an unsigned one (``smithy.api#noAuth``) needs no
    credentials at all: the web identity token or SAML assertion it carries is the proof.

    Example::

        >>> needs_signature("AssumeRole"), needs_signature("AssumeRoleWithWebIdentity"), needs_signature("Nope")
        (True, False, True)
    """
    return operation(action) is None or derived(_needs_signature, action)
