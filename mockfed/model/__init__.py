"""botocore's STS service model, loaded once: the source of truth for shapes and constraints.

Only botocore's data loader and shape classes are used here (never its transport), so
the protocol (parsing, rendering) and the actions (:mod:`mockfed.model.limits`) stay
data-driven without copying the model.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "API_VERSION",
    "XML_NAMESPACE",
    "Params",
    "fingerprint_of",
    "fingerprinted",
    "input_shape",
    "needs_signature",
    "operation",
    "output_shape",
    "service_model",
]

API_VERSION = "2011-06-15"
XML_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


class Params(dict[str, Any]):
    """A call's parameters as the model shapes them, with the ``fingerprint`` of the request text they were read
    from (:func:`fingerprinted`; a plain mapping has none). Two calls with the same fingerprint asked for the same
    thing, so an action may remember what it decided for the first.

    Example::

        >>> params = fingerprinted({"Name": "Bob"}, ("", b"Action=GetFederationToken&Name=Bob", None))
        >>> params["Name"], fingerprint_of(params) is not None, fingerprint_of({"Name": "Bob"})
        ('Bob', True, None)
    """

    __slots__ = ("fingerprint",)
    fingerprint: Hashable | None


def fingerprinted(values: dict[str, Any], fingerprint: Hashable | None) -> Params:
    """A copy of ``values`` (the top level: nested lists and structures are shared) marked with ``fingerprint``."""
    params = Params(values)
    params.fingerprint = fingerprint
    return params


def fingerprint_of(params: Any) -> Hashable | None:
    """The fingerprint of a call's parameters (:class:`Params`), or None for a plain mapping."""
    return params.fingerprint if params.__class__ is Params else None


@functools.cache
def service_model() -> ServiceModel:
    """The STS model botocore itself uses (read from its installed data files)."""
    data: dict[str, Any] = Loader().load_service_model("sts", "service-2", API_VERSION)
    return ServiceModel(data, service_name="sts")


@functools.cache
def operation(action: str) -> OperationModel | None:
    """The operation named ``action`` (exact AWS spelling), or None for an unknown action."""
    model = service_model()
    if action not in model.operation_names:
        return None
    return model.operation_model(action)


def input_shape(action: str) -> Shape | None:
    op = operation(action)
    return None if op is None else op.input_shape


def output_shape(action: str) -> Shape | None:
    op = operation(action)
    return None if op is None else op.output_shape


@functools.cache
def needs_signature(action: str) -> bool:
    """Whether the model has requests of ``action`` signed; an unsigned one (``smithy.api#noAuth``) needs no
    credentials at all: the web identity token or SAML assertion it carries is the proof.

    Example::

        >>> needs_signature("AssumeRole"), needs_signature("AssumeRoleWithWebIdentity")
        (True, False)
    """
    op = operation(action)
    if op is None:
        return True
    return op.auth_type != "none" and "smithy.api#noAuth" not in (op.auth or ())
