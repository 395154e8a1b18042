"""The AWS query protocol's requests: form bodies and query strings in, a typed :class:`StsCall` out.

Parsing is driven by the service model's input shapes (``Tags.member.1.Key`` ->
``{"Tags": [{"Key": ...}]}``, integers as ``int``). Nothing here knows what federation means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote

from botocore.model import Shape

from mockfed import model
from mockfed.errors import StsError
from mockfed.http import HttpRequest

__all__ = ["StsCall", "form_fields", "parse_call"]

_AUTH_QUERY_KEYS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)


class StsCall(NamedTuple):
    """A parsed STS request: the action, its typed parameters, and the request text they were read from
    (query, body and content type; None when it was too large to keep)."""

    action: str
    params: dict[str, Any]
    fingerprint: tuple[str, bytes, str | None] | None = None

    def copied(self) -> StsCall:
        """The same call with parameters of its own (its lists and structures copied; strings and numbers shared),
        so nothing done to one call's parameters reaches another's.

        Example::

            >>> call = StsCall("GetFederationToken", {"Name": "Bob", "PolicyArns": [{"arn": "a"}]})
            >>> copy = call.copied()
            >>> copy.params == call.params, copy.params["PolicyArns"] is call.params["PolicyArns"]
            (True, False)
        """
        read_params = self.params
        params = read_params.copy()
        for name, value in read_params.items():
            if value.__class__ is list or value.__class__ is dict:
                params[name] = _copy(value)
        return StsCall(self.action, params, self.fingerprint)


_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits: '²'.isdigit() holds but int('²') raises, as does int('--5')


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def form_fields(request: HttpRequest) -> dict[str, str]:
    """The query string's fields, then the form body's (the body wins), without SigV4's own fields.

    Read as ``urllib.parse.parse_qsl(..., keep_blank_values=True)`` reads them.

    Example::

        >>> form_fields(HttpRequest.build("POST", "https://sts.amazonaws.com/?Action=X", {}, b"Name=B+o%62&e"))
        {'Action': 'X', 'Name': 'B ob', 'e': ''}
    """
    fields: dict[str, str] = {}
    query = request.query
    if query:
        _read_pairs(query, fields)
    body = request.body
    if body:
        content_type = request.headers.get("content-type")
        if not content_type or "x-www-form-urlencoded" in content_type:
            _read_pairs(_decode(body), fields)
    if "X-Amz-" in query or b"X-Amz-" in body:  # a presigned URL's own fields are not parameters
        for key in _AUTH_QUERY_KEYS.intersection(fields):
            del fields[key]
    return fields


def _read_pairs(text: str, fields: dict[str, str]) -> None:
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            if "%" in name or "+" in name:
                name = _unquote(name)
            if "%" in value or "+" in value:
                value = _unquote(value)
            fields[name] = value


def _unquote(text: str) -> str:
    if len(text) > _CACHED_UNQUOTE_MAX:
        return unquote(text.replace("+", " "))
    return _unquote_cached(text)


#: Values repeat from call to call (the same policy, the same ARNs): decoded once, up to this length.
_CACHED_UNQUOTE_MAX = 16384


@functools.lru_cache(maxsize=2048)
def _unquote_cached(text: str) -> str:
    return unquote(text.replace("+", " "))


def parse_call(request: HttpRequest) -> StsCall:
    """Parse an STS request; an unknown action raises ``InvalidAction``, a missing one the service's error.

    A request read before (the same query, body and content type) is not read again: its
    parameters are copied from the first reading, so nothing a caller does to them reaches
    the next one.

    Example::

        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                         b"Action=GetFederationToken&Version=2011-06-15&Name=Bob&Tags.member.1.Key=a"
        ...                         b"&Tags.member.1.Value=b&DurationSeconds=900")
        >>> parse_call(req).params
        {'Name': 'Bob', 'DurationSeconds': 900, 'Tags': [{'Key': 'a', 'Value': 'b'}]}
    """
    key = (request.query, request.body, request.headers.get("content-type"))
    read = _READ.get(key)
    if read is None:
        read = _read_call(request)
        if len(request.body) + len(request.query) > _READ_KEPT_MAX:
            return read  # too large to keep: nothing remembers it (no fingerprint)
        read = read._replace(fingerprint=key)
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[key] = read
    return read.copied()


#: Requests read before, by what the reading depends on (bounded: forgotten all at once when full).
_READ: dict[tuple[str, bytes, str | None], StsCall] = {}
_READ_MAX = 512
_READ_KEPT_MAX = 16384  # bytes of query and body: every well-formed STS request is far smaller


def _copy(value: Any) -> Any:
    """A parameter's value with its own lists and structures (strings and numbers are shared: immutable)."""
    kind = value.__class__
    if kind is list:
        return [_copy(item) if item.__class__ in _NESTED else item for item in value]
    if kind is dict:
        return {name: _copy(item) if item.__class__ in _NESTED else item for name, item in value.items()}
    return value


_NESTED = (list, dict)


def _read_call(request: HttpRequest) -> StsCall:
    fields = form_fields(request)
    action = fields.get("Action", "")
    version = fields.get("Version", model.API_VERSION)
    if not action:
        raise StsError("MissingAction", "Missing Action", 400)
    read = _action_reader(action)
    if read is None:
        raise StsError("InvalidAction", f"Could not find operation {action} for version {version}", 400)
    return StsCall(action, read(fields))


_Read = Callable[[Mapping[str, str], str], Any]


@functools.cache
def _action_reader(action: str) -> Callable[[Mapping[str, str]], dict[str, Any]] | None:
    """The reader of ``action``'s parameters, generated from its input shape once, on its first request.

    Straight-line code, member by member in the model's order: a scalar is looked up by name;
    a list or structure member reads only the fields under its own name (``Tags.member.1.Key``),
    grouped in one pass over the request's fields, made only when the action has such members.
    """
    shape = model.input_shape(action)
    if shape is None:
        return None
    lines = ["def read_parameters(fields):", "    out = {}", "    groups = None"]
    namespace: dict[str, Any] = {"_groups": _groups, "_read_nested": _read_nested, "_integer": _integer}
    for index, (name, member) in enumerate(shape.members.items()):
        wire_name = member.serialization.get("name", name)
        kind = member.type_name
        if kind in ("list", "structure"):
            namespace[f"read{index}"] = _reader(member)
            lines += [
                "    if groups is None:",
                "        groups = _groups(fields)",
                f"    value = _read_nested(fields, groups, {wire_name!r}, read{index})",
                "    if value is not None:",
                f"        out[{name!r}] = value",
            ]
            continue
        convert = {"integer": "_integer(value)", "long": "_integer(value)", "boolean": 'value.lower() == "true"'}
        lines += [
            f"    value = fields.get({wire_name!r})",
            "    if value is not None:",
            f"        out[{name!r}] = {convert.get(kind, 'value')}",
        ]
    lines.append("    return out")
    exec("\n".join(lines), namespace)  # source generated above, from the service model only
    reader: Callable[[Mapping[str, str]], dict[str, Any]] = namespace["read_parameters"]
    return reader


def _groups(fields: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The request's dotted fields by their first name: ``{"Tags": {"Tags.member.1.Key": ..., ...}}``."""
    groups: dict[str, dict[str, str]] = {}
    for field, text in fields.items():
        head, dot, _ = field.partition(".")
        if dot:
            group = groups.get(head)
            if group is None:
                group = groups[head] = {}
            group[field] = text
    return groups


def _read_nested(fields: Mapping[str, str], groups: dict[str, dict[str, str]], wire_name: str, read: _Read) -> Any:
    under = groups.get(wire_name)
    if under is None:
        if wire_name not in fields:
            return None
        under = {}
    if wire_name in fields:
        under[wire_name] = fields[wire_name]
    return read(under, wire_name)


def _structure_reader(shape: Shape) -> Callable[[Mapping[str, str], str], dict[str, Any]]:
    members = [
        (name, member.serialization.get("name", name), _reader(member)) for name, member in shape.members.items()
    ]

    def read_structure(fields: Mapping[str, str], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, wire_name, read in members:
            value = read(fields, prefix + wire_name)
            if value is not None:
                out[name] = value
        return out

    return read_structure


def _reader(shape: Shape) -> _Read:
    kind = shape.type_name
    if kind == "structure":
        read_structure = _structure_reader(shape)

        def read_nested(fields: Mapping[str, str], key: str) -> Any:
            nested = key + "."
            if not any(field.startswith(nested) for field in fields):
                return None
            return read_structure(fields, nested)

        return read_nested
    if kind == "list":
        return _list_reader(shape)
    if kind in ("integer", "long"):
        return _read_integer
    if kind == "boolean":
        return _read_boolean
    return _read_string


def _list_reader(shape: Shape) -> _Read:
    member = shape.member
    structures = member.type_name == "structure"
    read_item: Any = _structure_reader(member) if structures else _reader(member)

    def read_list(fields: Mapping[str, str], key: str) -> Any:
        # One pass over the fields (index -> has nested fields): a list of structures read member by member
        # with a scan each was quadratic, 16,000 tags took half a minute.
        item_prefix = key + ".member."
        start = len(item_prefix)
        items: dict[int, bool] = {}
        for field in fields:
            if field.startswith(item_prefix):
                index, dot, _ = field[start:].partition(".")
                if index.isascii() and index.isdigit() and len(index) < 7:
                    number = int(index)
                    items[number] = items.get(number, False) or (bool(dot) and index == str(number))
        if not items:
            return [] if key in fields else None
        if structures:
            return [
                read_item(fields, f"{item_prefix}{index}.") if nested else None
                for index, nested in sorted(items.items())
            ]
        return [read_item(fields, f"{item_prefix}{index}") for index in sorted(items)]

    return read_list


def _read_string(fields: Mapping[str, str], key: str) -> Any:
    return fields.get(key)


def _read_integer(fields: Mapping[str, str], key: str) -> Any:
    raw = fields.get(key)
    return None if raw is None else _integer(raw)


def _integer(raw: str) -> int | str:
    stripped = raw.strip()
    if _INTEGER.fullmatch(stripped):
        return int(stripped)
    return raw  # not a number: validation reports it as the service does


def _read_boolean(fields: Mapping[str, str], key: str) -> Any:
    raw = fields.get(key)
    return None if raw is None else raw.lower() == "true"
