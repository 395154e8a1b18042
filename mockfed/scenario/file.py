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

This module knows the file: its format, loading with checks, writing with redaction and a
secret scan, and moving recorded times; it knows nothing about HTTP or matching.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore

from mockfed.errors import ScenarioFormatError, ScenarioSecretError
from mockfed.version import __version__

__all__ = [
    "Interaction",
    "ScenarioFile",
    "find_secrets",
    "load_scenario_file",
    "mask_key",
    "rebase",
    "redact",
    "short_params",
    "timeline",
    "write_scenario_file",
]

FORMAT_VERSION = 1
REDACTED = "REDACTED"
_SECRET_FIELDS = frozenset({"SecretAccessKey", "SessionToken"})
# Patterns of live credentials, compiled (and cached by re) on the first scan: most runs never write a scenario.
_LIVE_KEY = r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"
_LIVE_SECRET = r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
_LIVE_TOKEN = r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|AQoDYXdzE)[A-Za-z0-9/+=]{20,}"
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
        return f"{self.action} in {self.region} ({short_params(self.params)}) -> {self.status} {outcome}"


def short_params(params: Mapping[str, Any]) -> str:
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


def write_scenario_file(path: Path, scenario: ScenarioFile) -> None:
    """Write ``scenario`` to ``path`` atomically, after a scan for anything shaped like a live credential.

    Raises :class:`~mockfed.errors.ScenarioSecretError`, writing nothing, when the scan finds one.
    """
    document = {
        "mockfed_scenario": FORMAT_VERSION,
        "recorded_at": scenario.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mockfed_version": __version__,
        "botocore_version": botocore.__version__,
        "interactions": [interaction.to_json() for interaction in scenario.interactions],
    }
    if scenario.recorded_against:
        document["recorded_against"] = scenario.recorded_against
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    leaks = find_secrets(text)
    if leaks:
        raise ScenarioSecretError(
            f"refused to write {path}: it still holds what looks like live credentials "
            f"({', '.join(leaks)}); nothing was written"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


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
    if re.search(_LIVE_KEY, text):
        found.append("an access key id")
    if re.search(_LIVE_TOKEN, text):
        found.append("a session token")
    for match in re.finditer(_LIVE_SECRET, text):
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
