"""SigV4: a request's signature read from its header or presigned query, and checked as STS checks it.

Scope (service and region), the 15-minute skew (against the backend clock or the process's own time), and the
signature itself, recomputed over exactly what the client signed (the tests check it against
botocore's own signer). Nothing here knows whose key it is: :mod:`mockfed.auth` resolves that.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import SplitResult, quote

from botocore.utils import normalize_url_path

from mockfed.auth.endpoints import signing_region_of_host
from mockfed.errors import StsError
from mockfed.http import HttpRequest, form_pairs
from mockfed.model.regions import valid_region

__all__ = [
    "Credential",
    "check_request_time",
    "check_scope",
    "check_signature",
    "credential_of",
    "expected_signature",
    "missing_authentication_token",
]

#: The one signing algorithm STS accepts.
ALGORITHM = "AWS4-HMAC-SHA256"
#: The Authorization header's parameters are separated by commas and white space (a space inside a value
#: splits it: STS answers ``'valid/...' not a valid key=value pair`` for ``Credential=not valid/...``).
_PARAMETER_SEPARATORS = re.compile(r"[\s,]+")
#: The header as SDKs write it: read by one match; any other form by the general reading below.
_USUAL_HEADER = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^\s,=]+), SignedHeaders=([^\s,=]+), Signature=([^\s,=]+)"
)
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
_SKEW_SECONDS = 15 * 60
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class Credential(NamedTuple):
    """A request's SigV4 signature: key id, scope, what was signed, and the token."""

    access_key_id: str
    date: str
    region: str
    service: str
    session_token: str | None  # never in a repr, a log line or an assertion message
    signature: str
    signed_headers: tuple[str, ...]
    amz_date: str
    presigned: bool
    terminator: str = "aws4_request"
    signed_at: int | None = None
    """``amz_date`` as POSIX seconds (None: read again from it)."""

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._asdict().items() if name != "session_token")
        return f"Credential({shown})"


def credential_of(request: HttpRequest) -> Credential | None:
    """The SigV4 signature of ``request`` (Authorization header or presigned query), or None if it has neither.

    A request that tries to sign and gets it wrong is refused here, as STS refuses it and in its
    order: an ``Authorization`` header whose scheme does not start ``AWS4-`` (403
    ``MissingAuthenticationToken``); a parameter without ``=``, a missing ``Credential``,
    ``Signature``, ``SignedHeaders`` or date header, a date not in ISO-8601 basic format, an
    algorithm other than ``AWS4-HMAC-SHA256``, a credential without its five parts (400
    ``IncompleteSignature``); ``host`` not signed (403 ``SignatureDoesNotMatch``). Only a request
    with neither a header nor query parameters of SigV4 is unsigned.

    Example::

        >>> request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {
        ...     "Authorization": "AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request, "
        ...                      "SignedHeaders=host;x-amz-date, Signature=00", "X-Amz-Date": "20260101T000000Z"}, b"")
        >>> credential_of(request)
        Traceback (most recent call last):
        ...
        mockfed.errors.StsError: IncompleteSignature: Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.
    """
    header = request.headers.get("authorization")
    if header is not None:
        return _from_header(request, header)
    if "X-Amz-" in request.url:
        query = dict(form_pairs(request.query))
        if "X-Amz-Algorithm" in query or "X-Amz-Credential" in query:
            return _from_query(request, query)
    return None


def _from_header(request: HttpRequest, header: str) -> Credential:
    usual = _USUAL_HEADER.fullmatch(header)
    if usual is not None:
        headers = request.headers
        amz_date = headers.get("x-amz-date")
        if amz_date is None:
            amz_date = headers.get("date")
        if amz_date is not None:
            scope, signed_headers, signature = usual.groups()
            token = headers.get("x-amz-security-token") or None
            return _credential(ALGORITHM, scope, signed_headers, signature, token, amz_date, presigned=False)
    scheme, _, rest = header.strip().partition(" ")
    if not scheme.startswith("AWS4-"):
        raise missing_authentication_token()
    fields: dict[str, str] = {}
    for parameter in _PARAMETER_SEPARATORS.split(rest):
        if not parameter:
            continue
        name, equals, value = parameter.partition("=")
        if not equals:
            raise _incomplete(
                f"'{parameter}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            )
        fields[name] = value  # a repeated parameter: the last one counts
    amz_date = request.headers.get("x-amz-date")
    if amz_date is None:
        amz_date = request.headers.get("date")
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name) and not (name == "SignedHeaders" and name in fields)
    ]
    if amz_date is None:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing or amz_date is None:
        raise _incomplete(f"{' '.join(missing)} Authorization={header}")
    token = request.headers.get("x-amz-security-token") or None
    return _credential(
        scheme, fields["Credential"], fields["SignedHeaders"], fields["Signature"], token, amz_date, presigned=False
    )


def _from_query(request: HttpRequest, query: dict[str, str]) -> Credential:
    algorithm = query.get("X-Amz-Algorithm")
    if algorithm is not None and algorithm != ALGORITHM:
        raise missing_authentication_token()
    names = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
    missing = [f"AWS query-string parameters must include '{name}'." for name in names if name not in query]
    if missing:
        raise _incomplete(f"{' '.join(missing)} Re-examine the query-string parameters.")
    return _credential(
        ALGORITHM,
        query["X-Amz-Credential"],
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"],
        query.get("X-Amz-Security-Token") or None,
        query["X-Amz-Date"],
        presigned=True,
    )


def _credential(
    algorithm: str,
    scope: str,
    signed_headers: str,
    signature: str,
    token: str | None,
    amz_date: str,
    *,
    presigned: bool,
) -> Credential:
    """The checks that follow reading the parameters, in the service's order: date format, host signed,
    algorithm, the credential's five parts."""
    signed_at = _signed_at(amz_date)
    if signed_at is None:
        raise _date_format_error(amz_date)
    headers = tuple(signed_headers.split(";"))
    if "host" not in headers and "host" not in signed_headers.lower().split(";"):
        raise StsError("SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.", 403)
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    parts = scope.rstrip("/").split("/")
    if len(parts) != 5:
        raise _incomplete(
            f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{scope}'"
        )
    key, day, region, service, terminator = parts
    return Credential(key, day, region, service, token, signature, headers, amz_date, presigned, terminator, signed_at)


def _incomplete(message: str) -> StsError:
    return StsError("IncompleteSignature", message, 400)


def _date_format_error(amz_date: str) -> StsError:
    return _incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def missing_authentication_token() -> StsError:
    """STS's answer to a request that is not signed (or not with a scheme it knows) where a signature is needed.

    Example::

        >>> missing_authentication_token().status
        403
    """
    return StsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)


def check_scope(request: HttpRequest, credential: Credential) -> None:
    """The credential's scope: the host's region (a local server: any AWS region, spelled as AWS spells it), STS,
    ``aws4_request``, the request's day.

    Every violation is reported, in the service's order and words, each sentence ending in a space.
    """
    expected = signing_region_of_host(request.host)
    day = credential.amz_date[:8]
    region_ok = credential.region == expected if expected is not None else valid_region(credential.region)
    if (
        region_ok
        and credential.service == "sts"
        and credential.terminator == "aws4_request"
        and (credential.date == day or len(credential.amz_date) != 16)
    ):
        return
    problems = []
    if not region_ok:
        problems.append(f"Credential should be scoped to a valid region, not '{credential.region}'. ")
    if credential.service != "sts":
        problems.append("Credential should be scoped to correct service: 'sts'. ")
    if credential.terminator != "aws4_request":
        problems.append(
            f"Credential should be scoped with a valid terminator: 'aws4_request', not '{credential.terminator}'. "
        )
    if len(credential.amz_date) == 16 and credential.date != day:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{credential.date}' != '{day}', from '{credential.amz_date}'. "
        )
    if problems:
        raise StsError("SignatureDoesNotMatch", "".join(problems), 403)


def check_request_time(credential: Credential, clock_now: float | None = None) -> None:
    """Refuse a request signed more than 15 minutes from the backend clock's now (``clock_now``, POSIX seconds)
    and more than 15 minutes from the process's own now (frozen or not), as STS refuses one 15 minutes from its own.

    botocore's clients in the process sign STS requests by the backend clock while a mock is active; every other
    signer (the clients of ``mockfed serve``, a signer called directly) by its own time, which cannot see the
    clock's offset: a signature near either is current. Without an offset the two are one instant. A refusal
    counts from the clock.

    Example::

        >>> credential = Credential("AKIA", "20300101", "us-east-1", "sts", None, "", ("host",), "20300101T000000Z",
        ...                         presigned=False, signed_at=1893456000)
        >>> check_request_time(credential, clock_now=1893456000 + 600)  # 10 minutes after the clock's now
        >>> check_request_time(credential, clock_now=1893456000 + 3600)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        mockfed.errors.StsError: SignatureDoesNotMatch: Signature expired: 20300101T000000Z is now earlier than ...
    """
    signed = credential.signed_at if credential.signed_at is not None else _signed_at(credential.amz_date)
    if signed is None:  # credential_of refuses it first; a Credential made by hand may still hold one
        raise _date_format_error(credential.amz_date)
    process_now = int(time.time())
    now = process_now if clock_now is None else int(clock_now)
    if abs(signed - now) <= _SKEW_SECONDS or abs(signed - process_now) <= _SKEW_SECONDS:
        return
    if signed < now - _SKEW_SECONDS:
        raise StsError(
            "SignatureDoesNotMatch",
            f"Signature expired: {credential.amz_date} is now earlier than {_amz_date(now - _SKEW_SECONDS)} "
            f"({_amz_date(now)} - 15 min.)",
            403,
        )
    raise StsError(
        "SignatureDoesNotMatch",
        f"Signature not yet current: {credential.amz_date} is still later than "
        f"{_amz_date(now + _SKEW_SECONDS)} ({_amz_date(now)} + 15 min.)",
        403,
    )


def _signed_at(text: str) -> int | None:
    """``X-Amz-Date`` (``20260101T000000Z``) as POSIX seconds, or None when it is not one."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
        return None
    try:
        moment = datetime(
            int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]), int(text[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return int(moment.timestamp())


def _amz_date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(_AMZ_DATE)


def check_signature(request: HttpRequest, credential: Credential, secret: str) -> None:
    """Recompute the signature over exactly what the client signed; refuse the request if it differs."""
    try:
        signature, canonical, string_to_sign = expected_signature(request, credential, secret)
    except ValueError:
        # A URL nothing can canonicalize (``https://[::1/``, a port that is not a number): nobody signed it.
        raise StsError("SignatureDoesNotMatch", _SIGNATURE_MISMATCH, 403) from None
    given = credential.signature
    if given.isascii() and hmac.compare_digest(signature, given):  # compare_digest refuses text beyond ASCII
        return
    message = _SIGNATURE_MISMATCH
    if credential.presigned:
        message += (
            f"\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n"
        )
    raise StsError("SignatureDoesNotMatch", message, 403)


def expected_signature(request: HttpRequest, credential: Credential, secret: str) -> tuple[str, str, str]:
    """The signature of ``request`` with ``secret``, its canonical request and its string to sign.

    Built as SigV4 defines them (and botocore's signer computes them): method, normalised path,
    the query's parameters encoded and sorted, the signed headers trimmed (``host`` from the URL
    when the request has none), and the payload's SHA-256; the signing key is derived once per
    secret, day, region and service (a pure function of them: :func:`_signing_key`).

    Example::

        >>> from botocore.auth import SigV4Auth
        >>> from botocore.awsrequest import AWSRequest
        >>> from botocore.credentials import Credentials
        >>> aws = AWSRequest("POST", "https://sts.amazonaws.com/", data=b"Action=GetCallerIdentity")
        >>> SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "sts", "us-east-1").add_auth(aws)
        >>> request = HttpRequest.build("POST", aws.url, dict(aws.headers.items()), aws.body)
        >>> credential = credential_of(request)
        >>> expected_signature(request, credential, "secret")[0] == credential.signature
        True
    """
    parts = request.parts
    if parts is None:
        raise ValueError(request.url)
    amz_date = credential.amz_date
    day = amz_date[:8]
    query = _canonical_query(parts.query, skip="X-Amz-Signature" if credential.presigned else None)
    # The body's hash, presigned URLs included (botocore signs theirs over the empty body): a body that
    # was not signed cannot ride along.
    payload = hashlib.sha256(request.body).hexdigest() if request.body else _EMPTY_SHA256
    names = sorted(set(credential.signed_headers))
    headers = "".join(f"{name}:{_header_value(request, name)}\n" for name in names)
    path = _canonical_path(parts.path)
    canonical = f"{request.method.upper()}\n{path}\n{query}\n{headers}\n{';'.join(names)}\n{payload}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    scope = f"{day}/{credential.region}/{credential.service}/aws4_request"
    string_to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest}"
    key = _signing_key(secret, day, credential.region, credential.service)
    signature = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()
    return signature, canonical, string_to_sign


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=1024)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    """SigV4's derived key: HMAC-SHA256 over the day, region, service and ``aws4_request`` in turn."""
    key = ("AWS4" + secret).encode("utf-8")
    for part in (day, region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return key


def _canonical_path(path: str) -> str:
    if path == "/":  # every STS request
        return path
    return quote(normalize_url_path(path), safe="/~")


def _canonical_query(query: str, skip: str | None = None) -> str:
    """Each parameter's name and value percent-encoded as SigV4 encodes them, sorted by name, then value: the
    parameters as the pipeline reads them (:func:`mockfed.http.form_pairs`, ``+`` a space), so a request can never
    be signed as one thing and read as another."""
    if not query:
        return ""
    pairs = [
        (quote(name, safe="-_.~"), quote(value, safe="-_.~")) for name, value in form_pairs(query) if name != skip
    ]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _header_value(request: HttpRequest, name: str) -> str:
    """A signed header's value as SigV4 canonicalizes it: trimmed, each run of white space one space."""
    value = request.headers.get(name)
    if value is None:
        if name != "host":
            return ""
        parts = request.parts  # split already: the signature is computed over it
        value = _host_of(parts) if parts is not None else ""
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # nearly every value: nothing to trim
    return " ".join(value.split())


def _host_of(parts: SplitResult) -> str:
    """The ``host`` a client signs for a URL: lower case, the port only when it is not the scheme's default."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host
