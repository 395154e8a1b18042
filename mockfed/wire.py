"""The AWS query protocol: form bodies and query strings in, STS's XML out.

Parsing is driven by the service model's input shapes (``Tags.member.1.Key`` ->
``{"Tags": [{"Key": ...}]}``, integers as ``int``); rendering walks the output
shapes and writes the same XML, in the same element order and indentation, as
the real service. Nothing here knows what federation means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import Shape

from mockfed import servicemodel
from mockfed.errors import StsError
from mockfed.http import HttpRequest, HttpResponse

__all__ = ["StsCall", "parse_call", "parse_response", "render_error", "render_result"]

#: The real service's element order where it differs from the model's member order.
_ELEMENT_ORDER: dict[str, tuple[str, ...]] = {
    "Credentials": ("SessionToken", "SecretAccessKey", "Expiration", "AccessKeyId"),
    "FederatedUser": ("Arn", "FederatedUserId"),
    "GetCallerIdentityResponse": ("Arn", "UserId", "Account"),
}
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


@dataclass(frozen=True)
class StsCall:
    """A parsed STS request: the action and its typed parameters."""

    action: str
    params: dict[str, Any]


_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits: '²'.isdigit() holds but int('²') raises, as does int('--5')
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escaped character data; characters XML 1.0 cannot carry become U+FFFD so the answer always parses."""
    return escape(_NOT_XML.sub("\ufffd", value))


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
    version = fields.get("Version", servicemodel.API_VERSION)
    if not action:
        raise StsError("MissingAction", "Missing Action", 400)
    shape = servicemodel.input_shape(action)
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


# ---- rendering -------------------------------------------------------------------------------------------------


def _timestamp(value: datetime | float) -> str:
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"


def _write(shape: Shape, value: Any, indent: str, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        inner = indent + "  "
        for name in _ELEMENT_ORDER.get(shape.name, shape.members):
            member_value = value.get(name)
            if member_value is None:
                continue
            member = shape.members[name]
            if member.type_name in ("structure", "list"):
                out.append(f"{inner}<{name}>\n")
                _write(member, member_value, inner, out)
                out.append(f"{inner}</{name}>\n")
            else:
                out.append(f"{inner}<{name}>{_scalar(member, member_value)}</{name}>\n")
    elif kind == "list":
        inner = indent + "  "
        for item in value:
            if shape.member.type_name == "structure":
                out.append(f"{inner}<member>\n")
                _write(shape.member, item, inner, out)
                out.append(f"{inner}</member>\n")
            else:
                out.append(f"{inner}<member>{_scalar(shape.member, item)}</member>\n")


def _scalar(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp":
        return _timestamp(value)
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return xml_text(str(value))


def _headers(request_id: str, body: bytes) -> dict[str, str]:
    return {
        "x-amzn-RequestId": request_id,
        "Content-Type": "text/xml",
        "Content-Length": str(len(body)),
    }


@functools.cache
def _output_shape(action: str) -> Shape:
    shape = servicemodel.output_shape(action)
    assert shape is not None, action
    return shape


def render_result(action: str, result: Mapping[str, Any], request_id: str) -> HttpResponse:
    """The 200 answer for ``action``, as STS writes it.

    Example::

        >>> resp = render_result("GetCallerIdentity", {"UserId": "AIDA", "Account": "1", "Arn": "arn"}, "rid")
        >>> print(resp.body.decode())  # doctest: +NORMALIZE_WHITESPACE
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <GetCallerIdentityResult>
            <Arn>arn</Arn>
            <UserId>AIDA</UserId>
            <Account>1</Account>
          </GetCallerIdentityResult>
          <ResponseMetadata>
            <RequestId>rid</RequestId>
          </ResponseMetadata>
        </GetCallerIdentityResponse>
    """
    out = [
        f'<{action}Response xmlns="{servicemodel.XML_NAMESPACE}">\n',
        f"  <{action}Result>\n",
    ]
    _write(_output_shape(action), result, "  ", out)
    out.append(
        f"  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        f"  </ResponseMetadata>\n</{action}Response>\n"
    )
    body = "".join(out).encode("utf-8")
    return HttpResponse(200, _headers(request_id, body), body)


def render_error(error: StsError, request_id: str, *, namespace: str = servicemodel.XML_NAMESPACE) -> HttpResponse:
    """The ``<ErrorResponse>`` for ``error``, with its HTTP status; ``RequestId`` beside ``Error``."""
    kind = "Sender" if error.sender_fault else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{xml_text(error.code)}</Code>\n"
        f"    <Message>{xml_text(error.message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    ).encode()
    return HttpResponse(error.status, _headers(request_id, body), body, error_code=error.code)


def parse_response(action: str, response: HttpResponse) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """An STS answer read back as botocore reads it: ``(result, None)`` or ``(None, {"Code", "Message"})``.

    Example::

        >>> answer = render_result("GetCallerIdentity", {"UserId": "AIDA", "Account": "1", "Arn": "arn"}, "rid")
        >>> parse_response("GetCallerIdentity", answer)
        ({'UserId': 'AIDA', 'Account': '1', 'Arn': 'arn'}, None)
    """
    from botocore.parsers import QueryParser

    parsed: dict[str, Any] = QueryParser().parse(
        {"status_code": response.status, "headers": response.headers, "body": response.body},
        _output_shape(action),
    )
    parsed.pop("ResponseMetadata", None)
    if response.status >= 300 or "Error" in parsed:
        error = parsed.get("Error") or {}
        return None, {"Code": str(error.get("Code", "")), "Message": str(error.get("Message", ""))}
    return parsed, None
