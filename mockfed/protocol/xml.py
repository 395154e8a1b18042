"""The AWS query protocol's answers: results and errors rendered as STS's XML, and read back.

Rendering walks the service model's output shapes and writes the same XML, in the same
element order and indentation, as the real service. Nothing here knows what federation means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape  # what xml.sax.saxutils.escape does (&, <, >), without loading xml.sax
from typing import Any

from botocore.model import Shape

from mockfed import model
from mockfed.errors import StsError
from mockfed.http import HttpResponse

__all__ = ["parse_response", "render_error", "render_result", "xml_text"]

#: The real service's element order where it differs from the model's member order.
_ELEMENT_ORDER: dict[str, tuple[str, ...]] = {
    "Credentials": ("SessionToken", "SecretAccessKey", "Expiration", "AccessKeyId"),
    "FederatedUser": ("Arn", "FederatedUserId"),
    "GetCallerIdentityResponse": ("Arn", "UserId", "Account"),
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escaped character data; characters XML 1.0 cannot carry become U+FFFD so the answer always parses."""
    return escape(_NOT_XML.sub("\ufffd", value), quote=False)


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
    shape = model.output_shape(action)
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
        f'<{action}Response xmlns="{model.XML_NAMESPACE}">\n',
        f"  <{action}Result>\n",
    ]
    _write(_output_shape(action), result, "  ", out)
    out.append(
        f"  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        f"  </ResponseMetadata>\n</{action}Response>\n"
    )
    body = "".join(out).encode("utf-8")
    return HttpResponse(200, _headers(request_id, body), body)


def render_error(error: StsError, request_id: str, *, namespace: str = model.XML_NAMESPACE) -> HttpResponse:
    """The ``<ErrorResponse>`` for ``error``, with its HTTP status; ``RequestId`` beside ``Error``."""
    kind = "Sender" if error.sender_fault else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{xml_text(error.code)}</Code>\n"
        f"    <Message>{xml_text(error.message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    ).encode()
    return HttpResponse(error.status, _headers(request_id, body), body)


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
