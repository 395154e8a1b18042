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

import base64
import binascii
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore
from botocore.model import Shape

from mockfed import model
from mockfed.clock import EARLIEST, LATEST
from mockfed.errors import ScenarioFormatError, ScenarioSecretError
from mockfed.iam.packing import MAX_SESSION_TOKEN_SIZE
from mockfed.model.limits import java_pattern_matcher
from mockfed.version import __version__

__all__ = [
    "BEARER_REDACTED",
    "Interaction",
    "ScenarioFile",
    "bearer_claims",
    "find_secrets",
    "load_scenario_file",
    "mask_key",
    "rebase",
    "redact",
    "redact_params",
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
#: A web identity token (a signed JWT: header and payload are base64url JSON objects) and a SAML response (base64 of
#: ``<samlp:Response``, ``<saml2p:Response``, ``<Response``): bearer credentials that never go in a file.
_LIVE_JWT = r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
_LIVE_SAML = r"PHNhbWxwOlJlc3BvbnNl|PHNhbWwycDpSZXNwb25zZ|PFJlc3BvbnNl"
#: What a recording writes for a bearer credential: the claims that decide the answer, never the credential.
BEARER_REDACTED = "REDACTED bearer credential; claims: "
_BEARER_FIELDS = frozenset({"WebIdentityToken", "SAMLAssertion"})


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
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        in_range = EARLIEST <= value <= LATEST
    except (ValueError, OverflowError):
        raise ScenarioFormatError(
            f'{where}: {text!r} is not an ISO-8601 time; write it like "2026-11-22T10:00:00Z"'
        ) from None
    if not in_range:
        raise ScenarioFormatError(
            f"{where}: {text!r} is outside the times mockfed's clock can show "
            f"({EARLIEST:%Y-%m-%dT%H:%M:%SZ} to {LATEST:%Y-%m-%dT%H:%M:%SZ})"
        )
    return value


#: Numbers of an answer that the model leaves open above, bounded as the service bounds them: a packed size
#: over 100% is an error, not an answer; no session token is larger than the largest the model issues.
_ANSWER_MAXIMUM = {"PackedPolicySize": 100, "SessionTokenUtilization": 100, "SessionTokenSize": MAX_SESSION_TOKEN_SIZE}


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def check_shape(value: Any, shape: Shape, where: str, *, answer: bool, member: str = "") -> None:
    """Refuse (:class:`ScenarioFormatError` naming ``where``) a value that ``shape`` of the STS model cannot hold.

    Types always; for an ``answer`` (a recorded response) also the required members and the numbers'
    ranges, which a request recorded for its error may break on purpose.

    Example::

        >>> check_shape({"PackedPolicySize": "big"}, model.output_shape("GetFederationToken"),
        ...             "broker.json: interactions[0].response", answer=True)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        mockfed.errors.ScenarioFormatError: broker.json: interactions[0].response.PackedPolicySize: expected an ...
    """
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ScenarioFormatError(f"{where}: expected an object ({shape.name}), got {_shown(value)}")
        unknown = sorted(set(value) - set(shape.members))
        if unknown:
            raise ScenarioFormatError(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))}; {shape.name} has "
                f"{', '.join(shape.members) or 'no fields'}"
            )
        if answer:
            missing = [name for name in shape.required_members if name not in value]
            if missing:
                raise ScenarioFormatError(f"{where}: missing {', '.join(missing)} (every {shape.name} has it)")
        for name, item in value.items():
            check_shape(item, shape.members[name], f"{where}.{name}", answer=answer, member=name)
    elif kind == "list":
        if not isinstance(value, list):
            raise ScenarioFormatError(f"{where}: expected a list, got {_shown(value)}")
        for index, item in enumerate(value):
            check_shape(item, shape.member, f"{where}[{index}]", answer=answer)
    elif kind == "map":
        if not isinstance(value, dict):
            raise ScenarioFormatError(f"{where}: expected an object, got {_shown(value)}")
        for key, item in value.items():
            check_shape(item, shape.value, f"{where}.{key}", answer=answer)
    elif kind in ("integer", "long"):
        _check_integer(value, shape, where, answer=answer, member=member)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise ScenarioFormatError(f"{where}: expected true or false, got {_shown(value)}")
    elif kind == "timestamp":
        _parse_time(value, where)
    elif not isinstance(value, str):  # string, blob: text in the file
        raise ScenarioFormatError(f"{where}: expected a string, got {_shown(value)}")
    elif answer and member not in _REDACTED_MEMBERS:
        _check_text(value, shape, where)


#: Fields a recording writes redacted (a masked key id, ``REDACTED``): their form is not the service's.
_REDACTED_MEMBERS = frozenset({"AccessKeyId", "SecretAccessKey", "SessionToken"})


def _check_text(value: str, shape: Shape, where: str) -> None:
    """A recorded answer's text within the model's lengths and pattern for it (a replayed answer is one STS could
    give)."""
    low, high, pattern = shape.metadata.get("min"), shape.metadata.get("max"), shape.metadata.get("pattern")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        raise ScenarioFormatError(
            f"{where}: {len(value)} characters; STS answers {low or 0} to {high if high is not None else 'any'}"
        )
    if pattern is not None and not java_pattern_matcher(pattern)(value):
        raise ScenarioFormatError(f"{where}: {_shown(value)} is not of the form STS answers ({pattern})")


def _check_integer(value: Any, shape: Shape, where: str, *, answer: bool, member: str) -> None:
    low, high = -(2**63), 2**63 - 1  # a request's number is checked by the service, as recorded
    if answer:
        low = shape.metadata.get("min", low)
        high = _ANSWER_MAXIMUM.get(member, shape.metadata.get("max", high))
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        bounds = f" from {low} to {high}" if answer else ""
        raise ScenarioFormatError(f"{where}: expected an integer{bounds}, got {_shown(value)}")


def _interaction(data: Any, index: int, name: str, recorded_at: datetime) -> Interaction:
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
        raise ScenarioFormatError(f"{where}.status: expected an HTTP status (100-599), got {_shown(status)}")
    offset = data.get("offset", 0.0)
    if isinstance(offset, bool) or not isinstance(offset, int | float) or not math.isfinite(offset) or offset < 0:
        raise ScenarioFormatError(
            f"{where}.offset: expected seconds since recorded_at (a number >= 0), got {_shown(offset)}"
        )
    if offset > (LATEST - recorded_at).total_seconds():
        raise ScenarioFormatError(
            f"{where}.offset: recorded_at + {offset:g} s is after {LATEST:%Y-%m-%dT%H:%M:%SZ}, the last time "
            "mockfed's clock can show"
        )
    region = data.get("region", "us-east-1")
    if not isinstance(region, str) or not region:
        raise ScenarioFormatError(
            f'{where}.region: expected a region name such as "us-east-1", got {_shown(region)}'
        )
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ScenarioFormatError(f"{where}.params: expected an object of the request's parameters")
    operation = model.operation(action)
    if operation is not None:
        check_shape(params, operation.input_shape, f"{where}.params", answer=False)
    has_response, has_error = "response" in data, "error" in data
    if has_response == has_error:
        raise ScenarioFormatError(f'{where}: give exactly one of "response" (success) or "error" (failure)')
    error = data.get("error")
    if has_error:
        error = _error(error, status, where)
    response = data.get("response")
    if has_response:
        if operation is None:
            raise ScenarioFormatError(
                f"{where}.action: {action!r} is not an STS action, so it has no response to replay (an "
                '"error" interaction may record an unknown action)'
            )
        if not 200 <= status <= 299:
            raise ScenarioFormatError(f'{where}.status: a "response" needs a 2xx status, got {status}')
        check_shape(response, operation.output_shape, f"{where}.response", answer=True)
    repeat = data.get("repeat")
    if repeat not in (None, "last"):
        raise ScenarioFormatError(f'{where}.repeat: the only value is "last" (answer again when it is the last match)')
    caller = data.get("caller")
    if caller is not None and not isinstance(caller, str):
        raise ScenarioFormatError(f"{where}.caller: expected the caller's masked key id, got {_shown(caller)}")
    return Interaction(float(offset), region, action, params, status, response, error, repeat, caller)


def _error(error: Any, status: int, where: str) -> dict[str, str]:
    """An error interaction's ``error``: ``Code`` and ``Message`` strings (``Type`` too, as STS writes it)."""
    if not isinstance(error, dict) or not isinstance(error.get("Code"), str) or not error["Code"]:
        raise ScenarioFormatError(f'{where}.error: expected {{"Code": ..., "Message": ...}}, got {_shown(error)}')
    unknown = sorted(set(error) - {"Code", "Message", "Type"})
    if unknown:
        raise ScenarioFormatError(f"{where}.error: unknown field(s) {', '.join(unknown)}; allowed: Code, Message")
    for name in ("Message", "Type"):
        if not isinstance(error.get(name, ""), str):
            raise ScenarioFormatError(f"{where}.error.{name}: expected a string, got {_shown(error[name])}")
    if status < 400:
        raise ScenarioFormatError(f'{where}: an "error" needs a 4xx or 5xx status, got {status}')
    return {"Code": error["Code"], "Message": error.get("Message", "")}


@dataclass
class ScenarioFile:
    """A scenario file's contents."""

    recorded_at: datetime
    interactions: list[Interaction]
    mockfed_version: str | None = None
    botocore_version: str | None = None
    recorded_against: str | None = None


#: The largest scenario file read (a recording of thousands of interactions is a few megabytes).
SCENARIO_MAX_BYTES = 16 * 1024 * 1024


def _read_bounded(name: str) -> bytes:
    """A file's bytes, at most :data:`SCENARIO_MAX_BYTES`: a larger file, or an endless device (``/dev/zero``), is
    refused once that much was read."""
    with open(name, "rb") as handle:
        data = handle.read(SCENARIO_MAX_BYTES + 1)
    if len(data) > SCENARIO_MAX_BYTES:
        raise ScenarioFormatError(
            f"{name}: more than {SCENARIO_MAX_BYTES} bytes; a scenario is a JSON file of a few megabytes at most: "
            "split it into files"
        )
    return data


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
        text = _read_bounded(name).decode("utf-8")
    except FileNotFoundError:
        raise ScenarioFormatError(
            f"{name}: no such scenario file, and no record mode asks to record it (nothing was sent anywhere); "
            'record it with record_mode="once" (pytest: --mockfed-record-mode=once, or '
            '@pytest.mark.mockfed(scenario=..., record_mode="once"))'
        ) from None
    except UnicodeDecodeError as err:
        raise ScenarioFormatError(
            f"{name}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}); scenario files "
            "are UTF-8 JSON"
        ) from None
    except OSError as err:
        raise ScenarioFormatError(f"{name}: cannot be read ({err.strerror or err})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScenarioFormatError(f"{name}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except (ValueError, RecursionError) as err:  # an integer of thousands of digits; nesting Python cannot follow
        raise ScenarioFormatError(f"{name}: not JSON mockfed can read ({type(err).__name__}: {err})") from None
    if not isinstance(data, dict):
        raise ScenarioFormatError(f'{name}: expected a JSON object with "mockfed_scenario" and "interactions"')
    version = data.get("mockfed_scenario")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ScenarioFormatError(
            f'{name}: "mockfed_scenario" must be {FORMAT_VERSION} (the format this mockfed reads), '
            f"got {_shown(version)}"
        )
    unknown = sorted(set(data) - _TOP_LEVEL_FIELDS)
    if unknown:
        raise ScenarioFormatError(
            f"{name}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_TOP_LEVEL_FIELDS))}"
        )
    for optional in ("mockfed_version", "botocore_version", "recorded_against"):
        if not isinstance(data.get(optional, ""), str):
            raise ScenarioFormatError(f"{name}: {optional}: expected a string, got {_shown(data[optional])}")
    recorded_at = _parse_time(data.get("recorded_at"), f"{name}: recorded_at")
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        raise ScenarioFormatError(f'{name}: "interactions" must be a list')
    return ScenarioFile(
        recorded_at,
        [_interaction(item, index, name, recorded_at) for index, item in enumerate(interactions)],
        data.get("mockfed_version"),
        data.get("botocore_version"),
        data.get("recorded_against"),
    )


_TOP_LEVEL_FIELDS = frozenset(
    {"mockfed_scenario", "recorded_at", "mockfed_version", "botocore_version", "recorded_against", "interactions"}
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


def bearer_claims(name: str, value: str) -> dict[str, Any] | None:
    """What decides the answer to a bearer credential (a ``WebIdentityToken``'s ``iss``, ``sub`` and ``aud``; a
    ``SAMLAssertion``'s issuer, subject, audience and roles), read without checking it; the claims a redacted
    recording kept. None for a value that is neither.

    Example::

        >>> bearer_claims("WebIdentityToken", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2kiLCJzdWIiOiJhIn0.")
        {'iss': 'https://i', 'sub': 'a'}
        >>> bearer_claims("WebIdentityToken", BEARER_REDACTED + '{"iss": "https://i", "sub": "a"}')
        {'iss': 'https://i', 'sub': 'a'}
    """
    if value.startswith(BEARER_REDACTED):
        try:
            kept = json.loads(value[len(BEARER_REDACTED) :])
        except ValueError:
            return None
        return kept if isinstance(kept, dict) else None
    if name == "WebIdentityToken":
        return _jwt_claims(value)
    if name == "SAMLAssertion":
        return _saml_claims(value)
    return None


def _jwt_claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(payload, dict):
        return None
    return {claim: payload[claim] for claim in ("iss", "sub", "aud") if claim in payload}


_SAML_FIELDS = {
    "issuer": re.compile(r"<(?:\w+:)?Issuer\b[^>]*>([^<]*)<"),
    "subject": re.compile(r"<(?:\w+:)?NameID\b[^>]*>([^<]*)<"),
    "audience": re.compile(r"<(?:\w+:)?Audience\b[^>]*>([^<]*)<"),
    "roles": re.compile(r"<(?:\w+:)?AttributeValue\b[^>]*>([^<]*:role/[^<]*)<"),
}


def _saml_claims(assertion: str) -> dict[str, Any] | None:
    try:
        document = base64.b64decode(assertion, validate=False).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return None
    claims: dict[str, Any] = {}
    for name, pattern in _SAML_FIELDS.items():
        found = [value.strip() for value in pattern.findall(document)]
        if found:
            claims[name] = sorted(found) if name == "roles" else found[0]
    return claims or None


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A request's parameters as a recording writes them: a bearer credential (``WebIdentityToken``,
    ``SAMLAssertion``) replaced by its claims (:func:`bearer_claims`), the rest as they are.

    Example::

        >>> redact_params({"RoleArn": "r", "WebIdentityToken": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."})
        {'RoleArn': 'r', 'WebIdentityToken': 'REDACTED bearer credential; claims: {"sub": "a"}'}
    """
    redacted: dict[str, Any] = json.loads(json.dumps(dict(params), default=str))
    for name in _BEARER_FIELDS.intersection(redacted):
        value = redacted[name]
        claims = bearer_claims(name, value) if isinstance(value, str) else None
        redacted[name] = BEARER_REDACTED + json.dumps(claims or {}, sort_keys=True)
    return redacted


def find_secrets(text: str) -> list[str]:
    """What in ``text`` looks like a live credential (key ids, 40-character secrets, session tokens, web identity
    tokens, SAML responses)."""
    found = []
    if re.search(_LIVE_JWT, text):
        found.append("a web identity token (a signed JWT)")
    if re.search(_LIVE_SAML, text):
        found.append("a SAML response")
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


def rebase(value: Any, shift: timedelta, where: str, key: str = "") -> Any:
    """A recorded result with its timestamps moved by ``shift`` (as datetimes, ready to render).

    A time moved past what a datetime holds raises :class:`ScenarioFormatError` naming ``where``.

    Example::

        >>> rebase({"Credentials": {"Expiration": "2026-01-01T00:15:00Z"}}, timedelta(days=1), "f.json")
        {'Credentials': {'Expiration': datetime.datetime(2026, 1, 2, 0, 15, tzinfo=datetime.timezone.utc)}}
    """
    if isinstance(value, Mapping):
        return {k: rebase(v, shift, f"{where}.{k}", k) for k, v in value.items()}
    if isinstance(value, list):
        return [rebase(item, shift, f"{where}[{index}]", key) for index, item in enumerate(value)]
    if key in _TIMESTAMP_FIELDS and isinstance(value, str):
        try:
            return _parse_time(value, where) + shift
        except OverflowError:
            raise ScenarioFormatError(
                f"{where}: {value} moved by {shift} onto the clock's now is past the year 9999"
            ) from None
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
