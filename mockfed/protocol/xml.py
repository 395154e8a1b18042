"""The AWS query protocol's answers: results and errors rendered as STS's XML, and read back.

Rendering walks the service model's output shapes and writes the same XML, in the same
element order and indentation, as the real service. Nothing here knows what federation means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
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
    if not _needs_escaping(value):  # nearly every value: nothing to do
        return value
    return escape(_NOT_XML.sub("\ufffd", value), quote=False)


_needs_escaping = _NEEDS_WORK.search
#: Every ASCII byte that needs no work: deleting them from an ASCII value leaves what does (faster than a search
#: over a session token's hundreds of characters).
_SAFE_ASCII = bytes(byte for byte in range(128) if not _NEEDS_WORK.match(chr(byte)))


def _timestamp(value: datetime | float) -> str:
    text = _STAMPS.get(value)
    if text is not None:
        return text
    moment = datetime.fromtimestamp(value, UTC) if not isinstance(value, datetime) else value.astimezone(UTC)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}Z"
    )
    if len(_STAMPS) >= _STAMPS_MAX:
        _STAMPS.clear()
    _STAMPS[value] = text
    return text


#: Times written before (the expiry of every session issued in the same second is the same): bounded.
_STAMPS: dict[datetime | float, str] = {}
_STAMPS_MAX = 256


def _text(value: Any) -> str:
    return xml_text(str(value))


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _number(value: Any) -> str:
    return str(int(value))


_Writer = Callable[[Any, list[str]], None]


def _compile_writer(shape: Shape, indent: str) -> _Writer:
    """A function writing a result of ``shape`` as STS's elements, generated once per action.

    The shape is walked here, not on every call: the function is straight-line code (as
    ``dataclasses`` and ``namedtuple`` generate theirs), one ``if`` per optional member.
    """
    lines = ["def write(value, out):"]
    helpers: dict[str, Any] = {}
    _emit(shape, "value", indent, lines, helpers, depth=1)
    namespace: dict[str, Any] = dict(helpers)
    exec("\n".join(lines), namespace)  # source generated above, from the service model only
    writer: _Writer = namespace["write"]
    return writer


def _emit(shape: Shape, value: str, indent: str, lines: list[str], helpers: dict[str, Any], depth: int) -> None:
    pad = "    " * depth
    inner = indent + "  "
    if shape.type_name == "list":
        item = f"item{depth}"
        lines.append(f"{pad}for {item} in {value}:")
        _emit_member("member", shape.member, item, inner, lines, helpers, depth + 1)
        return
    if shape.type_name == "map":  # <entry><key>...</key><value>...</value></entry>, as the query protocol nests maps
        key, item = f"key{depth}", f"item{depth}"
        lines.append(f"{pad}for {key}, {item} in {value}.items():")
        lines.append(f"{pad}    out.append({inner + '<entry>' + chr(10)!r})")
        key_name = shape.key.serialization.get("name") or "key"
        value_name = shape.value.serialization.get("name") or "value"
        _emit_member(key_name, shape.key, key, inner + "  ", lines, helpers, depth + 1)
        _emit_member(value_name, shape.value, item, inner + "  ", lines, helpers, depth + 1)
        lines.append(f"{pad}    out.append({inner + '</entry>' + chr(10)!r})")
        return
    emitted = False
    for name in _ELEMENT_ORDER.get(shape.name, shape.members):
        member_value = f"v{depth}_{len(lines)}"
        lines.append(f"{pad}{member_value} = {value}.get({name!r})")
        lines.append(f"{pad}if {member_value} is not None:")
        _emit_member(name, shape.members[name], member_value, inner, lines, helpers, depth + 1)
        emitted = True
    if not emitted:
        lines.append(f"{pad}pass")


def _emit_member(
    name: str, shape: Shape, value: str, indent: str, lines: list[str], helpers: dict[str, Any], depth: int
) -> None:
    pad = "    " * depth
    if shape.type_name in ("structure", "list", "map"):
        lines.append(f"{pad}out.append({indent + '<' + name + '>' + chr(10)!r})")
        _emit(shape, value, indent, lines, helpers, depth)
        lines.append(f"{pad}out.append({indent + '</' + name + '>' + chr(10)!r})")
        return
    opening, closing = f"{indent}<{name}>", f"</{name}>\n"
    scalar = _scalar(shape)
    if scalar is _text:  # most values need no escaping: decided inline (ASCII text by deleting what is safe)
        helpers["_needs_escaping"] = _needs_escaping
        helpers["xml_text"] = xml_text
        helpers["_SAFE_ASCII"] = _SAFE_ASCII
        lines.append(f"{pad}{value} = str({value})")
        lines.append(  # a long value (a session token) is decided faster by deleting its safe ASCII characters
            f"{pad}if (_needs_escaping({value}) if len({value}) < 64 else not ({value}.isascii() and not "
            f"{value}.encode('ascii').translate(None, _SAFE_ASCII)) and _needs_escaping({value})):"
        )
        lines.append(f"{pad}    {value} = xml_text({value})")
        lines.append(f"{pad}out.append({opening!r} + {value} + {closing!r})")
        return
    helpers[scalar.__name__] = scalar
    lines.append(f"{pad}out.append({opening!r} + {scalar.__name__}({value}) + {closing!r})")


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


@functools.cache
def _output_shape(action: str) -> Shape:
    shape = model.output_shape(action)
    assert shape is not None, action
    return shape


@functools.cache
def _result_writer(action: str) -> _Writer:
    return _compile_writer(_output_shape(action), "  ")


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
    head, write, tail, flat = _result_parts(action)
    written = None
    if flat:  # a result of plain values (GetCallerIdentity's): the same values are written the same way
        key = (action, *result.items())
        try:
            written = _WRITTEN.get(key)
        except TypeError:  # a value that is not plain after all: written, not kept
            flat = False
    if written is None:
        out = [head]
        write(result, out)
        out.append(tail)
        written = "".join(out)
        if flat:
            if len(_WRITTEN) >= _WRITTEN_MAX:
                _WRITTEN.clear()
            _WRITTEN[key] = written
    body = f"{written}{request_id}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n".encode()
    return HttpResponse(200, _headers(request_id, body), body)


@functools.cache
def _result_parts(action: str) -> tuple[str, _Writer, str, bool]:
    """What every answer of ``action`` starts with, its result's writer, what comes before its request id, and
    whether its results hold plain values only (no structure or list: a result written once is kept)."""
    head = f'<{action}Response xmlns="{model.XML_NAMESPACE}">\n  <{action}Result>\n'
    tail = f"  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>"
    shape = _output_shape(action)
    flat = all(member.type_name in ("string", "integer", "long", "boolean") for member in shape.members.values())
    return head, _result_writer(action), tail, flat


#: Results of plain values written before, by action and values (bounded: emptied when full).
_WRITTEN: dict[tuple[Any, ...], str] = {}
_WRITTEN_MAX = 256


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
