"""The AWS query protocol's answers: results and errors rendered as STS's XML, and read back.

Rendering walks the service model's output shapes and writes the same XML, in the same
element order and indentation, as the real service. Nothing here knows what federation means.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape  # what xml.sax.saxutils.escape does (&, <, >), without loading xml.sax
from typing import Any

from botocore.model import Shape

from mockfed import model
from mockfed.errors import StsError
from mockfed.http import REASON_HEADER, HttpResponse, reason_header

__all__ = ["parse_response", "render_error", "render_result", "xml_text"]

#: The real service's element order where it differs from the model's member order.
_ELEMENT_ORDER: dict[str, tuple[str, ...]] = {
    "Credentials": ("SessionToken", "SecretAccessKey", "Expiration", "AccessKeyId"),
    "FederatedUser": ("Arn", "FederatedUserId"),
    "GetCallerIdentityResponse": ("Arn", "UserId", "Account"),
    # A captured answer (apache/opendal's reqsign tests); where the members it lacks go is not public.
    "AssumeRoleWithWebIdentityResponse": (
        "Audience",
        "AssumedRoleUser",
        "Provider",
        "Credentials",
        "SubjectFromWebIdentityToken",
        "PackedPolicySize",
        "SourceIdentity",
        "SessionTokenUtilization",
        "SessionTokenSize",
        "TrustedIdentityPropagationContext",
    ),
    # The API reference's example answer.
    "AssumeRoleWithSAMLResponse": (
        "Issuer",
        "AssumedRoleUser",
        "Credentials",
        "Audience",
        "SubjectType",
        "PackedPolicySize",
        "NameQualifier",
        "SourceIdentity",
        "Subject",
        "SessionTokenUtilization",
        "SessionTokenSize",
        "TrustedIdentityPropagationContext",
    ),
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: What makes a value need work: markup to escape, or a character XML 1.0 cannot carry.
_NEEDS_WORK = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    r"""Escaped character data; characters XML 1.0 cannot carry become U+FFFD so the answer always parses.

    Example::

        >>> xml_text("a<b & \x00")
        'a&lt;b &amp; \ufffd'
    """
    if _NEEDS_WORK.search(value) is None:  # nearly every value: nothing to do
        return value
    return escape(_NOT_XML.sub("\ufffd", value), quote=False)


def _timestamp(value: datetime | float) -> str:
    moment = datetime.fromtimestamp(value, UTC) if not isinstance(value, datetime) else value.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}Z"
    )


def _text(value: Any) -> str:
    return xml_text(str(value))


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _number(value: Any) -> str:
    return str(int(value))


_Writer = Callable[[Any, list[str]], None]


def _writer(shape: Shape, indent: str) -> _Writer:
    """A function appending a value of ``shape`` as STS's elements (``indent`` deep) to a list of strings.

    Made from the shape once per action (closures over its members, in the service's element order).
    """
    inner = indent + "  "
    if shape.type_name == "list":
        write_item = _member_writer("member", shape.member, inner)

        def write_list(value: Any, out: list[str]) -> None:
            for item in value:
                write_item(item, out)

        return write_list
    if shape.type_name == "map":  # <entry><key>...</key><value>...</value></entry>, as the query protocol nests maps
        write_key = _member_writer(shape.key.serialization.get("name") or "key", shape.key, inner + "  ")
        write_value = _member_writer(shape.value.serialization.get("name") or "value", shape.value, inner + "  ")
        opening, closing = f"{inner}<entry>\n", f"{inner}</entry>\n"

        def write_map(value: Any, out: list[str]) -> None:
            for key, item in value.items():
                out.append(opening)
                write_key(key, out)
                write_value(item, out)
                out.append(closing)

        return write_map
    members = [
        (name, _member_writer(name, shape.members[name], inner))
        for name in _ELEMENT_ORDER.get(shape.name, shape.members)
    ]

    def write_structure(value: Any, out: list[str]) -> None:
        for name, write_member in members:
            member = value.get(name)
            if member is not None:
                write_member(member, out)

    return write_structure


def _member_writer(name: str, shape: Shape, indent: str) -> _Writer:
    """A function appending one element ``name`` holding a value of ``shape``."""
    if shape.type_name in ("structure", "list", "map"):
        opening, closing = f"{indent}<{name}>\n", f"{indent}</{name}>\n"
        write_inside = _writer(shape, indent)

        def write_element(value: Any, out: list[str]) -> None:
            out.append(opening)
            write_inside(value, out)
            out.append(closing)

        return write_element
    opening, closing = f"{indent}<{name}>", f"</{name}>\n"
    scalar = _scalar(shape)

    def write_scalar(value: Any, out: list[str]) -> None:
        out.append(opening + scalar(value) + closing)

    return write_scalar


def _scalar(shape: Shape) -> Callable[[Any], str]:
    if shape.type_name == "timestamp":
        return _timestamp
    if shape.type_name == "boolean":
        return _boolean
    if shape.type_name in ("integer", "long"):
        return _number
    return _text


def _headers(request_id: str, body: bytes) -> dict[str, str]:
    return {
        "x-amzn-RequestId": request_id,
        "Content-Type": "text/xml",
        "Content-Length": str(len(body)),
    }


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
    write = _result_writer(action)
    out = [f'<{action}Response xmlns="{model.XML_NAMESPACE}">\n  <{action}Result>\n']
    write(result, out)
    out.append(
        f"  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        f"  </ResponseMetadata>\n</{action}Response>\n"
    )
    body = "".join(out).encode()
    return HttpResponse(200, _headers(request_id, body), body)


def _result_writer(action: str) -> _Writer:
    """The writer of ``action``'s result, made once from the model (:func:`mockfed.model.derived`)."""
    return model.derived(_make_result_writer, action)


def _make_result_writer(action: str) -> _Writer:
    return _writer(_output_shape(action), "  ")


def render_error(error: StsError, request_id: str, *, namespace: str = model.XML_NAMESPACE) -> HttpResponse:
    """The ``<ErrorResponse>`` for ``error``, with its HTTP status; ``RequestId`` beside ``Error``."""
    kind = "Sender" if error.sender_fault else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{xml_text(error.code)}</Code>\n"
        f"    <Message>{xml_text(error.message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    ).encode()
    headers = _headers(request_id, body)
    if error.reason:
        headers[REASON_HEADER] = reason_header(error.reason)
    return HttpResponse(error.status, headers, body)


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
