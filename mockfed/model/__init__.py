"""botocore's STS service model, loaded once: the source of truth for shapes and constraints.

Only botocore's data loader and shape classes are used here (never its transport), so
the protocol (parsing, rendering) and the actions (:mod:`mockfed.model.limits`) stay
data-driven without copying the model.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from contextvars import ContextVar
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "API_VERSION",
    "XML_NAMESPACE",
    "asked",
    "fingerprint",
    "input_shape",
    "needs_signature",
    "operation",
    "output_shape",
    "service_model",
]

API_VERSION = "2011-06-15"
XML_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


#: The fingerprint of the request whose call is being answered: its query, body and content type (None: a call
#: made some other way, e.g. by a test calling the backend). Two calls with the same fingerprint asked for the
#: same thing, so an action may remember what it decided for the first. Set by the pipeline around each call.
asked: ContextVar[Hashable | None] = ContextVar("mockfed_asked", default=None)


def fingerprint() -> Hashable | None:
    """The fingerprint of the request being answered (see :data:`asked`), or None.

    Example::

        >>> fingerprint() is None
        True
        >>> token = asked.set(("", b"Action=GetCallerIdentity", None))
        >>> fingerprint()
        ('', b'Action=GetCallerIdentity', None)
        >>> asked.reset(token)
    """
    return asked.get()


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
