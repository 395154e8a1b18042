"""Record and replay: a scenario in use, as a layer around the pipeline.

:class:`Scenario` matches requests to recorded interactions (in order, ``repeat="last"``)
and keeps what is recorded; :class:`Replay` wraps a pipeline: a recorded answer, made live
through the pipeline; or, when the scenario records, the request sent on to the real
endpoint and its answer kept.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mockfed import protocol, sts
from mockfed.auth import Credential, credential_of
from mockfed.auth.endpoints import region_of_host
from mockfed.backend import FederationBackend
from mockfed.dispatch import Dispatcher, Exchange
from mockfed.errors import RECORD_MODES, ScenarioAgeWarning, ScenarioMismatchError, StsError
from mockfed.http import HttpRequest, HttpResponse
from mockfed.iam import packing
from mockfed.protocol import StsCall
from mockfed.scenario.file import (
    Interaction,
    ScenarioFile,
    bearer_claims,
    load_scenario_file,
    mask_key,
    rebase,
    redact,
    redact_params,
    short_params,
    write_scenario_file,
)
from mockfed.state import State
from mockfed.state.records import FederatedSession, Principal
from mockfed.sts.federation import DEFAULT_DURATION_SECONDS, answer_federation_token, federated_session_fields
from mockfed.sts.session_policy import Requested, issue

__all__ = ["Replay", "Scenario", "open_scenario"]

# ---- matching --------------------------------------------------------------------------------------------------


def _normal(name: str, value: Any) -> Any:
    """A parameter in a form where order and JSON formatting do not matter (a bearer credential: the claims that
    decide its answer, as a recording keeps them)."""
    if name in ("WebIdentityToken", "SAMLAssertion") and isinstance(value, str):
        claims = bearer_claims(name, value)
        return {"claims": claims} if claims is not None else value
    if name == "Policy" and isinstance(value, str):
        try:
            return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
        except ValueError:
            return value
    if isinstance(value, list):
        return sorted((_normal(name, item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return {key: _normal(key, item) for key, item in value.items()}
    return value


def _normal_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _normal(key, value) for key, value in params.items() if value is not None}


def _differences(request: Mapping[str, Any], recorded: Interaction, action: str, region: str) -> list[str]:
    lines = []
    if recorded.action != action:
        lines.append(f"action: request {action!r} != recorded {recorded.action!r}")
    if recorded.region != region:
        lines.append(f"region: request {region!r} != recorded {recorded.region!r}")
    mine, theirs = _normal_params(request), _normal_params(recorded.params)
    for key in sorted(set(mine) | set(theirs)):
        if key not in theirs:
            lines.append(f"params.{key}: only in the request ({json.dumps(mine[key])[:80]})")
        elif key not in mine:
            lines.append(f"params.{key}: only in the recording ({json.dumps(theirs[key])[:80]})")
        elif mine[key] != theirs[key]:
            lines.append(
                f"params.{key}: request {json.dumps(mine[key])[:80]} != recorded {json.dumps(theirs[key])[:80]}"
            )
    return lines


# ---- the scenario in use ---------------------------------------------------------------------------------------


class Scenario:
    """A scenario file in use by one mock: replays what matches, records what it should, writes on close.

    ``record_mode`` follows VCR: ``"none"`` (the default) replays only, and a missing file is a
    :class:`~mockfed.errors.ScenarioFormatError` naming it and the option that records it;
    ``"once"`` records when the file is missing and replays otherwise, ``"new_episodes"``
    replays what matches and records what does not, ``"all"`` always records afresh.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        record_mode: str | None = None,
        *,
        replay_clock: str = "now",
        allow_unused: bool = False,
        max_age: timedelta = timedelta(days=365),
    ) -> None:
        self.path = Path(os.fspath(path))
        exists = self.path.exists()
        mode = record_mode or "none"  # recording reaches AWS: only when asked, as pytest-recording's default
        if mode not in RECORD_MODES:
            raise ValueError(f"record_mode must be one of {', '.join(RECORD_MODES)}; got {mode!r}")
        if replay_clock not in ("now", "recorded"):
            raise ValueError(f'replay_clock must be "now" or "recorded"; got {replay_clock!r}')
        self.record_mode = mode
        self.replay_clock = replay_clock
        self.allow_unused = allow_unused
        self._lock = threading.Lock()
        self._new: list[Interaction] = []
        self._started: datetime | None = None
        if mode == "all" or (mode == "once" and not exists):
            self._file = ScenarioFile(datetime.now(UTC).replace(microsecond=0), [])
            self._replaying = False
        else:
            self._file = load_scenario_file(self.path)
            self._replaying = True
            self._warn_if_old(max_age)

    # ---- state -------------------------------------------------------------------------------------------

    @property
    def recorded_at(self) -> datetime:
        return self._file.recorded_at

    @property
    def interactions(self) -> list[Interaction]:
        return list(self._file.interactions)

    @property
    def records_unmatched(self) -> bool:
        """Whether a request that matches nothing is sent on and recorded (instead of an error)."""
        return not self._replaying or self.record_mode == "new_episodes"

    def begin(self, now: datetime) -> timedelta:
        """Start using the scenario at ``now``; returns the shift that rebases recorded times onto now."""
        self._started = now
        return now - self._file.recorded_at if self._replaying else timedelta(0)

    def _warn_if_old(self, max_age: timedelta) -> None:
        age = datetime.now(UTC) - self._file.recorded_at
        if age > max_age:
            where = f" against {self._file.recorded_against}" if self._file.recorded_against else ""
            warnings.warn(
                f"scenario {self.path} was recorded{where} {age.days} days ago; the real service may answer "
                'differently now: record it again with record_mode="all"',
                ScenarioAgeWarning,
                stacklevel=4,
            )

    # ---- replay ------------------------------------------------------------------------------------------

    def take(self, action: str, region: str, params: Mapping[str, Any]) -> Interaction | None:
        """The next unused interaction matching the request (in order), or a ``repeat="last"`` one used up."""
        if not self._replaying:
            return None
        wanted = _normal_params(params)
        with self._lock:
            last_repeatable: Interaction | None = None
            for interaction in self._file.interactions:
                if interaction.action != action or interaction.region != region:
                    continue
                if _normal_params(interaction.params) != wanted:
                    continue
                if not interaction.used:
                    interaction.used += 1
                    return interaction
                if interaction.repeat == "last":
                    last_repeatable = interaction
            if last_repeatable is not None:
                last_repeatable.used += 1
            return last_repeatable

    def mismatch(self, action: str, region: str, params: Mapping[str, Any]) -> ScenarioMismatchError:
        """The error for a request nothing matches: the request, and the closest interaction field by field."""
        lines = [f"no interaction in {self.path} matches {action} in {region} ({short_params(params)})."]
        candidates = self._file.interactions
        if not candidates:
            lines.append('The scenario has no interactions: record it with record_mode="once" or "all".')
            return ScenarioMismatchError("\n".join(lines))
        scored = sorted(
            ((len(_differences(params, c, action, region)), i, c) for i, c in enumerate(candidates)),
            key=lambda item: (item[0], item[1]),
        )
        _, index, closest = scored[0]
        differences = _differences(params, closest, action, region)
        if not differences and closest.used:
            differences = [
                "the request equals it, but it was already used (interactions answer once, in order; "
                'add "repeat": "last" to let it answer again)'
            ]
        lines.append(f"Closest: interactions[{index}] {closest.describe()}")
        lines.extend(f"  - {line}" for line in differences)
        lines.append('Record the new request with record_mode="new_episodes", or edit the scenario file.')
        return ScenarioMismatchError("\n".join(lines))

    def where(self, interaction: Interaction) -> str:
        """The place of ``interaction`` in the file, as format errors name it: ``broker.json: interactions[2]``.

        Example::

            >>> import tempfile, os
            >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            ...     _ = handle.write('{"mockfed_scenario": 1, "recorded_at": "2026-11-22T10:00:00Z", "interactions": '
            ...                      '[{"action": "GetCallerIdentity", "status": 400, "error": {"Code": "X"}}]}')
            >>> scenario = Scenario(handle.name, allow_unused=True)
            >>> scenario.where(scenario.interactions[0]) == f"{handle.name}: interactions[0]"
            True
            >>> os.unlink(handle.name)
        """
        index = next((i for i, known in enumerate(self._file.interactions) if known is interaction), -1)
        return f"{self.path}: interactions[{index}]"

    def unused(self) -> list[Interaction]:
        return [interaction for interaction in self._file.interactions if not interaction.used]

    # ---- recording ---------------------------------------------------------------------------------------

    def record(
        self,
        action: str,
        region: str,
        params: Mapping[str, Any],
        status: int,
        *,
        result: Mapping[str, Any] | None = None,
        error: Mapping[str, str] | None = None,
        caller_access_key_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Keep one exchange, redacted, to be written on :meth:`close`."""
        started = self._started or self._file.recorded_at
        now = at or datetime.now(UTC)
        offset = max(0.0, (now - started).total_seconds()) if not self._replaying else self._offset_for_new(now)
        interaction = Interaction(
            offset=offset,
            region=region,
            action=action,
            params=redact_params(params),
            status=status,
            response=redact(result) if error is None else None,
            error=dict(error) if error is not None else None,
            caller=mask_key(caller_access_key_id) if caller_access_key_id else None,
        )
        interaction.used = 1
        with self._lock:
            self._new.append(interaction)

    def _offset_for_new(self, now: datetime) -> float:
        existing = [interaction.offset for interaction in self._file.interactions]
        return max(existing, default=0.0) + (now - (self._started or now)).total_seconds()

    def close(self) -> list[Interaction]:
        """Write what was recorded (redacted, scanned for live secrets); return the interactions never used."""
        if self._new:
            self._file.interactions.extend(self._new)
            self._new = []
            write_scenario_file(self.path, self._file)
        return [] if self.allow_unused else self.unused()

    def note_endpoint(self, url: str) -> None:
        """Remember where the recording was made (real AWS or a local endpoint), for the age warning."""
        if self._file.recorded_against is None:
            self._file.recorded_against = url


# ---- the answer step -------------------------------------------------------------------------------------------


@dataclass
class Replay:
    """A scenario in use, around a pipeline: the file, how far recorded times move, the real endpoint.

    :meth:`exchange` answers what the scenario has recorded through
    :meth:`mockfed.dispatch.Dispatcher.answer` (authenticated as any request is, then the recorded
    answer, made live, as its answer step); a request it has nothing for is sent on with
    ``forward`` and recorded when the scenario records, and raises
    :class:`~mockfed.errors.ScenarioMismatchError` otherwise.
    """

    scenario: Scenario
    shift: timedelta
    forward: Callable[[HttpRequest], HttpResponse] | None = None

    def exchange(self, dispatcher: Dispatcher, request: HttpRequest) -> Exchange:
        """Answer ``request`` from the scenario, or send it on and record what comes back."""
        try:
            call = protocol.parse_call(request)
            credential = credential_of(request)
        except StsError:
            return dispatcher.exchange(request)  # what the scenario cannot read, the pipeline refuses as STS does
        scenario = self.scenario
        region = credential.region if credential else region_of_host(request.host)
        interaction = scenario.take(call.action, region, call.params)
        if interaction is None:
            if not scenario.records_unmatched or self.forward is None:
                raise scenario.mismatch(call.action, region, call.params)
            return Exchange(self._record(dispatcher.backend, call, request, region, credential), call.action)
        clock = dispatcher.backend.clock
        if scenario.replay_clock == "recorded":
            moment = scenario.recorded_at + timedelta(seconds=interaction.offset)
            if clock.now() < moment:
                clock.set(moment)
        if interaction.error is not None:
            error = interaction.error
            refusal = StsError(error["Code"], error["Message"], interaction.status)
            return dispatcher.answer(request, functools.partial(_refuse, dispatcher.backend.state, refusal))
        recorded = rebase(interaction.response or {}, self.shift, f"{scenario.where(interaction)}.response")
        return dispatcher.answer(request, functools.partial(_answer, dispatcher.backend.state, recorded))

    def _record(
        self,
        backend: FederationBackend,
        call: StsCall,
        request: HttpRequest,
        region: str,
        credential: Credential | None,
    ) -> HttpResponse:
        assert self.forward is not None
        at = backend.clock.now()
        response = self.forward(request)
        result, error = protocol.parse_response(call.action, response)
        self.scenario.note_endpoint(request.host)
        self.scenario.record(
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


def _refuse(state: State, refusal: StsError, call: StsCall, caller: Principal | None, region: str) -> dict[str, Any]:
    """The answer step of a recorded error: logged, then raised."""
    at = state.clock.now()
    sts.log_call(state, call.action, call.params, region, caller, at, refusal.status, error=refusal)
    raise refusal


def _answer(
    state: State, recorded: Mapping[str, Any], call: StsCall, caller: Principal | None, region: str
) -> dict[str, Any]:
    """The answer step of a recorded result, logged: a GetFederationToken answer made live (its credentials
    authenticate later calls); any other as it was recorded."""

    def run() -> dict[str, Any]:
        if call.action != "GetFederationToken":
            return dict(recorded)
        return _live_federation_token(state, caller or state.account.default_user, call.params, region, recorded)

    return sts.logged(state, call.action, call.params, region, caller, run)


def _live_federation_token(
    state: State, caller: Principal, params: Mapping[str, Any], region: str, recorded: Mapping[str, Any]
) -> dict[str, Any]:
    """A recorded answer made live: the recorded federated user, size and expiry, with fresh credentials.

    Later calls signed with them authenticate as they did when recorded. ``recorded`` has
    ``Credentials.Expiration`` as a datetime already moved onto today.
    """
    arns = tuple(entry["arn"] for entry in params.get("PolicyArns") or ())
    tags = tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ())
    try:
        packed = packing.pack(params.get("Policy"), arns, tags)
    except (ValueError, TypeError):
        packed = packing.pack(None, arns, tags)
    requested = Requested(params.get("Policy"), arns, tags, packed)
    issued = state.clock.timestamp()
    expiration = (recorded.get("Credentials") or {}).get("Expiration")
    if isinstance(expiration, datetime):
        expires = expiration.timestamp()
        duration = max(0, round(expires - issued))
    else:
        duration = int(params.get("DurationSeconds") or DEFAULT_DURATION_SECONDS)
        expires = float(int(issued) + duration)
    user = recorded.get("FederatedUser") or {}
    percent = int(recorded.get("PackedPolicySize", packed.percent))
    fields = federated_session_fields(
        state, caller, params, region, requested, percent, arn=user.get("Arn"),
        federated_user_id=user.get("FederatedUserId"),
    )
    session = issue(
        state,
        FederatedSession,
        fields,
        caller=caller,
        region=region,
        issued=issued,
        duration=duration,
        packed=requested.packed.data,
        params=params,
        expires=expires,
        minimum_token_size=int(recorded.get("SessionTokenSize") or 0),
    )
    answer = answer_federation_token(session)
    if "SessionTokenUtilization" in recorded:
        answer["SessionTokenUtilization"] = int(recorded["SessionTokenUtilization"])
    return answer



def open_scenario(
    path: str | os.PathLike[str],
    backend: FederationBackend,
    *,
    record_mode: str | None = None,
    replay_clock: str = "now",
    allow_unused: bool = False,
    forward: Callable[[HttpRequest], HttpResponse] | None = None,
) -> Replay:
    """A scenario file opened for one mock: its answer step, with the backend's clock set as asked.

    Example::

        >>> import tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        ...     _ = handle.write('{"mockfed_scenario": 1, "recorded_at": "2026-11-22T10:00:00Z", "interactions": []}')
        >>> open_scenario(handle.name, FederationBackend()).scenario.record_mode
        'none'
        >>> os.unlink(handle.name)
    """
    scenario = Scenario(path, record_mode, replay_clock=replay_clock, allow_unused=allow_unused)
    if replay_clock == "recorded" and not scenario.records_unmatched:
        backend.clock.set(scenario.recorded_at)
    return Replay(scenario, scenario.begin(backend.clock.now()), forward)
