"""The AWS query protocol's requests: form bodies and query strings in, a typed :class:`StsCall` out.

Parsing is driven by the service model's input shapes (``Tags.member.1.Key`` ->
``{"Tags": [{"Key": ...}]}``, integers as ``int``). Nothing here knows what federation means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

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
    """A parsed STS request: the action and its typed parameters."""

    action: str
    params: dict[str, Any]


_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits: '²'.isdigit() holds but int('²') raises, as does int('--5')


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def form_fields(request: HttpRequest) -> dict[str, str]:
    """The query string's fields, then the form body's (the body wins), without SigV4's own fields."""
    fields: dict[str, str] = {}
    query = request.query
    if query:
        fields.update(parse_qsl(query, keep_blank_values=True))
    if request.body:
        content_type = request.header("content-type")
        if not content_type or "x-www-form-urlencoded" in content_type:
            fields.update(parse_qsl(_decode(request.body), keep_blank_values=True))
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
    shape = model.input_shape(action)
    if shape is None:
        raise StsError("InvalidAction", f"Could not find operation {action} for version {version}", 400)
    return StsCall(action, _read_structure(shape, fields, ""))


def _read_structure(shape: Shape, fields: Mapping[str, str], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        key = prefix + member.serialization.get("name", name)
        value = _read_value(member, fields, key)
        if value is not None:
            out[name] = value
    return out


def _read_value(shape: Shape, fields: Mapping[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        nested = key + "."
        if not any(field.startswith(nested) for field in fields):
            return None
        return _read_structure(shape, fields, nested)
    if kind == "list":
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
        member = shape.member
        if member.type_name == "structure":
            return [
                _read_structure(member, fields, f"{item_prefix}{index}.") if nested else None
                for index, nested in sorted(items.items())
            ]
        return [_read_value(member, fields, f"{item_prefix}{index}") for index in sorted(items)]
    raw = fields.get(key)
    if raw is None:
        return None
    if kind in ("integer", "long"):
        stripped = raw.strip()
        if _INTEGER.fullmatch(stripped):
            return int(stripped)
        return raw  # not a number: validation reports it as the service does
    if kind == "boolean":
        return raw.lower() == "true"
    return raw
