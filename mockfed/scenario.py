"""Scenario files: STS traffic recorded once, replayed offline, faithfully and without secrets.

A scenario is a JSON file (standard library only, hand-editable)::

    {"mockfed_scenario": 1,
     "recorded_at": "2026-11-22T10:00:00Z",
     "mockfed_version": "0.1.0", "botocore_version": "1.44.5",
     "interactions": [
       {"offset": 0.0, "region": "us-east-1", "action": "GetFederationToken",
        "params": {"Name": "Bob", "DurationSeconds": 900},
        "status": 200,
        "response": {"Credentials": {...}, "FederatedUser": {...}, "PackedPolicySize": 36}},
       {"offset": 2.5, "region": "us-east-1", "action": "GetFederationToken", "params": {"Name": "Eve"},
        "status": 400, "error": {"Code": "PackedPolicyTooLarge", "Message": "..."}}]}

This module knows files, matching, redaction and time; it knows nothing about HTTP.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mockfed.errors import (
    RECORD_MODES,
    ScenarioAgeWarning,
    ScenarioFormatError,
    ScenarioMismatchError,
    ScenarioSecretError,
    UnusedInteractionsError,
)

__all__ = [
    "RECORD_MODES",
    "Interaction",
    "Scenario",
    "ScenarioAgeWarning",
    "ScenarioFormatError",
    "ScenarioMismatchError",
    "ScenarioSecretError",
    "UnusedInteractionsError",
    "load_scenario_file",
]

FORMAT_VERSION = 1
REDACTED = "REDACTED"
_SECRET_FIELDS = frozenset({"SecretAccessKey", "SessionToken"})
_LIVE_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_LIVE_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_LIVE_TOKEN = re.compile(r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|AQoDYXdzE)[A-Za-z0-9/+=]{20,}")
_TIMESTAMP_FIELDS = frozenset({"Expiration"})


@dataclass
class Interaction:
    """One recorded request and what the service answered."""

    offset: float
    region: str
    action: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    repeat: str | None = None
    caller: str | None = None
    used: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "offset": round(self.offset, 3),
            "region": self.region,
            "action": self.action,
            "params": self.params,
            "status": self.status,
        }
        if self.caller:
            data["caller"] = self.caller
        if self.error is not None:
            data["error"] = self.error
        else:
            data["response"] = self.response or {}
        if self.repeat:
            data["repeat"] = self.repeat
        return data

    def describe(self) -> str:
        outcome = f"{self.error['Code']}" if self.error else "OK"
        return f"{self.action} in {self.region} ({_short(self.params)}) -> {self.status} {outcome}"


def _short(params: Mapping[str, Any]) -> str:
    parts = []
    for key, value in params.items():
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        parts.append(f"{key}={text[:40] + '…' if len(text) > 40 else text}")
    return ", ".join(parts) or "no parameters"


# ---- reading and checking --------------------------------------------------------------------------------------


def _parse_time(text: Any, where: str) -> datetime:
    if not isinstance(text, str):
        raise ScenarioFormatError(f'{where}: expected an ISO-8601 time such as "2026-11-22T10:00:00Z", got {text!r}')
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ScenarioFormatError(
            f'{where}: {text!r} is not an ISO-8601 time; write it like "2026-11-22T10:00:00Z"'
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _interaction(data: Any, index: int, name: str) -> Interaction:
    where = f"{name}: interactions[{index}]"
    if not isinstance(data, dict):
        raise ScenarioFormatError(f"{where}: expected an object, got {type(data).__name__}")
    known = {"offset", "region", "action", "params", "status", "response", "error", "repeat", "caller"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioFormatError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    for required in ("action", "status"):
        if required not in data:
            raise ScenarioFormatError(f'{where}: missing "{required}"')
    action, status = data["action"], data["status"]
    if not isinstance(action, str) or not action:
        raise ScenarioFormatError(f'{where}.action: expected an STS action name such as "GetFederationToken"')
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ScenarioFormatError(f"{where}.status: expected an HTTP status (100-599), got {status!r}")
    offset = data.get("offset", 0.0)
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or offset < 0:
        raise ScenarioFormatError(f"{where}.offset: expected seconds since recorded_at (a number >= 0), got {offset!r}")
    region = data.get("region", "us-east-1")
    if not isinstance(region, str):
        raise ScenarioFormatError(f'{where}.region: expected a region name such as "us-east-1", got {region!r}')
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ScenarioFormatError(f"{where}.params: expected an object of the request's parameters")
    has_response, has_error = "response" in data, "error" in data
    if has_response == has_error:
        raise ScenarioFormatError(f'{where}: give exactly one of "response" (success) or "error" (failure)')
    error = data.get("error")
    if has_error:
        if not isinstance(error, dict) or not isinstance(error.get("Code"), str):
            raise ScenarioFormatError(f'{where}.error: expected {{"Code": ..., "Message": ...}}')
        if status < 400:
            raise ScenarioFormatError(f'{where}: an "error" needs a 4xx or 5xx status, got {status}')
        error = {"Code": error["Code"], "Message": str(error.get("Message", ""))}
    response = data.get("response")
    if has_response and not isinstance(response, dict):
        raise ScenarioFormatError(f"{where}.response: expected an object (the parsed result)")
    repeat = data.get("repeat")
    if repeat not in (None, "last"):
        raise ScenarioFormatError(f'{where}.repeat: the only value is "last" (answer again when it is the last match)')
    caller = data.get("caller")
    return Interaction(float(offset), region, action, params, status, response, error, repeat, caller)


@dataclass
class ScenarioFile:
    """A scenario file's contents."""

    recorded_at: datetime
    interactions: list[Interaction]
    mockfed_version: str | None = None
    botocore_version: str | None = None
    recorded_against: str | None = None


def load_scenario_file(path: str | os.PathLike[str]) -> ScenarioFile:
    """Read and check a scenario file; every problem is a :class:`ScenarioFormatError` naming its place.

    Example::

        >>> import tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        ...     _ = handle.write('{"mockfed_scenario": 1, "recorded_at": "2026-11-22T10:00:00Z", "interactions": []}')
        >>> load_scenario_file(handle.name).recorded_at.year
        2026
        >>> os.unlink(handle.name)
    """
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFormatError(f'{name}: no such scenario; record it with record_mode="once" (or "all")') from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScenarioFormatError(f"{name}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    if not isinstance(data, dict):
        raise ScenarioFormatError(f'{name}: expected a JSON object with "mockfed_scenario" and "interactions"')
    version = data.get("mockfed_scenario")
    if version != FORMAT_VERSION:
        raise ScenarioFormatError(
            f'{name}: "mockfed_scenario" must be {FORMAT_VERSION} (the format this mockfed reads), got {version!r}'
        )
    recorded_at = _parse_time(data.get("recorded_at"), f"{name}: recorded_at")
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        raise ScenarioFormatError(f'{name}: "interactions" must be a list')
    return ScenarioFile(
        recorded_at,
        [_interaction(item, index, name) for index, item in enumerate(interactions)],
        data.get("mockfed_version"),
        data.get("botocore_version"),
        data.get("recorded_against"),
    )


# ---- matching --------------------------------------------------------------------------------------------------


def _normal(name: str, value: Any) -> Any:
    """A parameter in a form where order and JSON formatting do not matter."""
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

    ``record_mode`` follows VCR: ``"none"`` replays only (the default when the file exists),
    ``"once"`` records when the file is missing and replays otherwise (the default when it is
    missing), ``"new_episodes"`` replays what matches and records what does not, ``"all"``
    always records afresh.
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
        mode = record_mode or ("none" if exists else "once")
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
        lines = [f"no interaction in {self.path} matches {action} in {region} ({_short(params)})."]
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
            params=json.loads(json.dumps(dict(params), default=str)),
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
            self._write()
        return [] if self.allow_unused else self.unused()

    def _write(self) -> None:
        import botocore

        from mockfed import __version__

        document = {
            "mockfed_scenario": FORMAT_VERSION,
            "recorded_at": self._file.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "mockfed_version": __version__,
            "botocore_version": botocore.__version__,
            "interactions": [interaction.to_json() for interaction in self._file.interactions],
        }
        if self._file.recorded_against:
            document["recorded_against"] = self._file.recorded_against
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        leaks = find_secrets(text)
        if leaks:
            raise ScenarioSecretError(
                f"refused to write {self.path}: it still holds what looks like live credentials "
                f"({', '.join(leaks)}); nothing was written"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.path)

    def note_endpoint(self, url: str) -> None:
        """Remember where the recording was made (real AWS or a local endpoint), for the age warning."""
        if self._file.recorded_against is None:
            self._file.recorded_against = url


# ---- redaction -------------------------------------------------------------------------------------------------


def mask_key(access_key_id: str) -> str:
    """An access key id with all but its first and last four characters hidden: ``ASIA************WXYZ``."""
    if len(access_key_id) <= 8:
        return "*" * len(access_key_id)
    return access_key_id[:4] + "*" * (len(access_key_id) - 8) + access_key_id[-4:]


def redact(value: Any, key: str = "") -> Any:
    """A parsed result with secrets replaced, key ids masked and timestamps as ISO-8601 text."""
    if isinstance(value, Mapping):
        return {k: redact(v, k) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [redact(item, key) for item in value]
    if key in _SECRET_FIELDS:
        return REDACTED
    if key == "AccessKeyId" and isinstance(value, str):
        return mask_key(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def find_secrets(text: str) -> list[str]:
    """What in ``text`` looks like a live AWS credential (key ids, 40-character secrets, session tokens)."""
    found = []
    if _LIVE_KEY.search(text):
        found.append("an access key id")
    if _LIVE_TOKEN.search(text):
        found.append("a session token")
    for match in _LIVE_SECRET.finditer(text):
        candidate = match.group(0)
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            found.append("a secret access key")
            break
    return found


def rebase(value: Any, shift: timedelta, key: str = "") -> Any:
    """A recorded result with its timestamps moved by ``shift`` (as datetimes, ready to render)."""
    if isinstance(value, Mapping):
        return {k: rebase(v, shift, k) for k, v in value.items()}
    if isinstance(value, list):
        return [rebase(item, shift, key) for item in value]
    if key in _TIMESTAMP_FIELDS and isinstance(value, str):
        return _parse_time(value, key) + shift
    return value


def timeline(path: str | os.PathLike[str]) -> Iterable[str]:
    """A readable timeline of a scenario file (``mockfed scenario show``)."""
    scenario = load_scenario_file(path)
    yield (
        f"{os.fspath(path)}: recorded {scenario.recorded_at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        + (f" against {scenario.recorded_against}" if scenario.recorded_against else "")
        + (
            f" (mockfed {scenario.mockfed_version}, botocore {scenario.botocore_version})"
            if scenario.mockfed_version
            else ""
        )
    )
    if not scenario.interactions:
        yield "  (no interactions)"
    for index, interaction in enumerate(scenario.interactions):
        repeat = "  [repeat: last]" if interaction.repeat else ""
        yield f"  [{index}] +{interaction.offset:8.3f}s  {interaction.describe()}{repeat}"
        if interaction.error:
            yield f"        {interaction.error.get('Message', '')}"
        elif interaction.response:
            user = interaction.response.get("FederatedUser", {})
            credentials = interaction.response.get("Credentials", {})
            details = []
            if user:
                details.append(f"federated user {user.get('Arn')}")
            if credentials.get("Expiration"):
                details.append(f"expires {credentials['Expiration']}")
            if "PackedPolicySize" in interaction.response:
                details.append(f"PackedPolicySize {interaction.response['PackedPolicySize']}")
            if "Arn" in interaction.response:
                details.append(f"caller {interaction.response['Arn']}")
            if details:
                yield "        " + ", ".join(details)
