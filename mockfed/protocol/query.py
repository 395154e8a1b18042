"""The AWS query protocol's requests: form bodies and query strings in, a typed :class:`StsCall` out.

Parsing is driven by the service model's input shapes (``Tags.member.1.Key`` ->
``{"Tags": [{"Key": ...}]}``, integers as ``int``). Nothing here knows what federation means.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from botocore.model import Shape

from mockfed import model
from mockfed.errors import StsError
from mockfed.http import HttpRequest, form_pairs

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
    """A parsed STS request: the action and its typed parameters (as botocore's model shapes them)."""

    action: str
    params: dict[str, Any]


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
        fields.update(form_pairs(query))
    body = request.body
    if body:
        content_type = request.headers.get("content-type")
        if not content_type or "x-www-form-urlencoded" in content_type:
            fields.update(form_pairs(_decode(body)))
    if "X-Amz-" in query or b"X-Amz-" in body:  # a presigned URL's own fields are not parameters
        for key in _AUTH_QUERY_KEYS.intersection(fields):
            del fields[key]
    return fields


def parse_call(request: HttpRequest) -> StsCall:
    """Parse an STS request; an unknown action raises ``InvalidAction``, a missing one the service's error.

    Example::

        >>> req = HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
        ...                         b"Action=GetFederationToken&Version=2011-06-15&Name=Bob&Tags.member.1.Key=a"
        ...                         b"&Tags.member.1.Value=b&DurationSeconds=900")
        >>> parse_call(req).params
        {'Name': 'Bob', 'DurationSeconds': 900, 'Tags': [{'Key': 'a', 'Value': 'b'}]}
    """
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


def _action_reader(action: str) -> Callable[[Mapping[str, str]], dict[str, Any]] | None:
    """The reader of ``action``'s parameters (see :func:`_make_reader`), made once (:func:`mockfed.model.derived`);
    None for a name that is not an action's."""
    if model.operation(action) is None:
        return None
    return model.derived(_make_reader, action)


def _make_reader(action: str) -> Callable[[Mapping[str, str]], dict[str, Any]] | None:
    """The reader of ``action``'s parameters, made from its input shape (a pure function of botocore's model).

    Member by member in the model's order: a scalar is looked up by name; a list or structure member
    reads only the fields under its own name (``Tags.member.1.Key``), grouped in one pass over the
    request's fields, made only when the action has such members.
    """
    shape = model.input_shape(action)
    if shape is None:
        return None
    scalars: list[tuple[str, str, Callable[[str], Any]]] = []
    nested: list[tuple[str, str, _Read]] = []
    for name, member in shape.members.items():
        wire_name = member.serialization.get("name", name)
        kind = member.type_name
        if kind in ("list", "structure"):
            nested.append((name, wire_name, _reader(member)))
        else:
            scalars.append((name, wire_name, _CONVERSIONS.get(kind, _as_text)))

    def read_parameters(fields: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, wire_name, convert in scalars:
            value = fields.get(wire_name)
            if value is not None:
                out[name] = convert(value)
        if nested:
            groups = _groups(fields)
            for name, wire_name, read in nested:
                found = _read_nested(fields, groups, wire_name, read)
                if found is not None:
                    out[name] = found
        return out

    return read_parameters


def _as_text(value: str) -> str:
    return value


def _as_boolean(value: str) -> bool:
    return value.lower() == "true"


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


_CONVERSIONS: dict[str, Callable[[str], Any]] = {"integer": _integer, "long": _integer, "boolean": _as_boolean}
