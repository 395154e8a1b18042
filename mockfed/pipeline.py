"""One pipeline for every door: parse, authenticate, dispatch, render."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from mockfed import auth, errors, wire
from mockfed.backend import FederationBackend
from mockfed.errors import ScenarioMismatchError, StsError
from mockfed.http import HttpRequest, HttpResponse

__all__ = ["Replay", "handle"]

if TYPE_CHECKING:
    from mockfed.scenario import Scenario

logger = logging.getLogger("mockfed")


@dataclass
class Replay:
    """A scenario in use: the file, how far recorded times move, and how to reach the real endpoint."""

    scenario: Scenario
    shift: timedelta
    forward: Callable[[HttpRequest], HttpResponse] | None = None


def _with_scenario(
    replay: Replay,
    call: wire.StsCall,
    request: HttpRequest,
    backend: FederationBackend,
    strict_auth: bool,
    request_id: str,
) -> HttpResponse:
    """Answer from the scenario, or send the request on and record what comes back."""
    scenario = replay.scenario
    credential = auth.credential_of(request)
    region = credential.region if credential else auth.region_of_host(request.host)
    interaction = scenario.take(call.action, region, call.params)
    if interaction is None:
        if not scenario.records_unmatched or replay.forward is None:
            raise scenario.mismatch(call.action, region, call.params)
        at = backend.clock.now()
        response = replay.forward(request)
        result, error = wire.parse_response(call.action, response)
        scenario.note_endpoint(f"{request.host}")
        scenario.record(
            call.action,
            region,
            call.params,
            response.status,
            result=result,
            error=error,
            caller_access_key_id=credential.access_key_id if credential else None,
        )
        failure = StsError(error["Code"], error["Message"], response.status) if error else None
        backend.log_call(call.action, call.params, region, None, at, response.status, result=result, error=failure)
        return response
    if scenario.replay_clock == "recorded":
        moment = scenario.recorded_at + timedelta(seconds=interaction.offset)
        if backend.clock.now() < moment:
            backend.clock.set(moment)
    caller, region = auth.authenticate(request, backend, strict=strict_auth)
    if interaction.error is not None:
        recorded = StsError(interaction.error["Code"], interaction.error.get("Message", ""), interaction.status)
        backend.log_call(call.action, call.params, region, caller, backend.clock.now(), recorded.status, error=recorded)
        return wire.render_error(recorded, request_id)
    from mockfed.scenario import rebase

    result = backend.replay(call.action, call.params, caller, region, rebase(interaction.response or {}, replay.shift))
    return wire.render_result(call.action, result, request_id)


def handle(
    request: HttpRequest,
    backend: FederationBackend,
    *,
    strict_auth: bool = False,
    scenario: Replay | None = None,
) -> HttpResponse:
    """Answer one STS request from ``backend``: always an STS response or an STS error, never a traceback.

    Example::

        >>> from mockfed.backend import FederationBackend
        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                         b"Action=GetCallerIdentity&Version=2011-06-15")
        >>> handle(req, FederationBackend()).status
        200
    """
    request_id = str(uuid.uuid4())
    action: str | None = None
    caller_arn: str | None = None
    try:
        call = wire.parse_call(request)
        action = call.action
        if scenario is not None:
            response = _with_scenario(scenario, call, request, backend, strict_auth, request_id)
        else:
            caller, region = auth.authenticate(request, backend, strict=strict_auth)
            caller_arn = caller.arn
            result = backend.invoke(call.action, call.params, caller, region)
            response = wire.render_result(call.action, result, request_id)
    except StsError as error:
        response = wire.render_error(error, request_id)
    except ScenarioMismatchError:
        raise  # the test's own mistake: it must reach the test as it is
    except Exception as exc:  # a mockfed bug must reach the test as an STS error, not a traceback from inside
        logger.exception("mockfed failed to answer an STS request")
        failure = StsError(
            "InternalFailure",
            f"mockfed internal error ({type(exc).__name__}: {exc}); please report it with this request",
            500,
            sender_fault=False,
        )
        response = wire.render_error(failure, request_id)
    response.action, response.caller_arn = action, caller_arn
    return response


IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


def deny_federated_iam(request: HttpRequest, backend: FederationBackend) -> HttpResponse | None:
    """The IAM answer to a request signed by one of ``backend``'s federated sessions; None for anyone else.

    Federated users cannot call IAM at all, whatever their policies say. IAM does not answer
    ``AccessDenied`` but refuses the session token itself: 403 ``InvalidClientTokenId``, as
    captured from real IAM for session credentials (aws-cli issue 8918, aws-vault issue 15).
    """
    try:
        credential = auth.credential_of(request)
    except StsError:
        return None
    principal = backend.principal(credential.access_key_id) if credential else None
    if principal is None or principal.kind != "federated":
        return None
    return wire.render_error(errors.invalid_client_token_id(), str(uuid.uuid4()), namespace=IAM_NAMESPACE)
