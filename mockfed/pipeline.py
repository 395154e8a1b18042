"""One pipeline for every door: parse, authenticate, dispatch, render."""

from __future__ import annotations

import logging
import uuid

from mockfed import auth, wire
from mockfed.backend import FederationBackend
from mockfed.errors import StsError
from mockfed.http import HttpRequest, HttpResponse

__all__ = ["handle"]

logger = logging.getLogger("mockfed")


def handle(request: HttpRequest, backend: FederationBackend, *, strict_auth: bool = False) -> HttpResponse:
    """Answer one STS request from ``backend``: always an STS response or an STS error, never a traceback.

    Example::

        >>> from mockfed.backend import FederationBackend
        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                         b"Action=GetCallerIdentity&Version=2011-06-15")
        >>> handle(req, FederationBackend()).status
        200
    """
    request_id = str(uuid.uuid4())
    try:
        call = wire.parse_call(request)
        caller, region = auth.authenticate(request, backend, strict=strict_auth)
        result = backend.invoke(call.action, call.params, caller, region)
        return wire.render_result(call.action, result, request_id)
    except StsError as error:
        return wire.render_error(error, request_id)
    except Exception as exc:  # a mockfed bug must reach the test as an STS error, not a traceback from inside
        logger.exception("mockfed failed to answer an STS request")
        failure = StsError(
            "InternalFailure",
            f"mockfed internal error ({type(exc).__name__}: {exc}); please report it with this request",
            500,
            sender_fault=False,
        )
        return wire.render_error(failure, request_id)


IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


def deny_federated_iam(request: HttpRequest, backend: FederationBackend) -> HttpResponse | None:
    """The IAM answer to a request signed by one of ``backend``'s federated sessions; None for anyone else.

    Federated users cannot call IAM at all, whatever their policies say.
    """
    try:
        credential = auth.credential_of(request)
    except StsError:
        return None
    principal = backend.principal(credential.access_key_id) if credential else None
    if principal is None or principal.kind != "federated":
        return None
    action = wire.form_fields(request).get("Action", "")
    error = StsError(
        "AccessDenied",
        f"User: {principal.arn} is not authorized to perform: iam:{action} because federated user sessions "
        "(GetFederationToken credentials) cannot call IAM",
        403,
    )
    return wire.render_error(error, str(uuid.uuid4()), namespace=IAM_NAMESPACE)
