"""SigV4: a request's signature read from its header or presigned query, and checked as STS checks it.

Scope (service and region), the 15-minute skew against the process's own time, and the
signature itself, recomputed with botocore's own signer over exactly what the client signed.
Nothing here knows whose key it is: :mod:`mockfed.auth` resolves that.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mockfed.auth.endpoints import signing_region_of_host
from mockfed.errors import StsError
from mockfed.http import HttpRequest

__all__ = ["Credential", "check_request_time", "check_scope", "check_signature", "credential_of"]

_AUTH_HEADER = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<scope>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<sig>[0-9a-f]+)"
)
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
_SKEW = timedelta(minutes=15)
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

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._asdict().items() if name != "session_token")
        return f"Credential({shown})"


def credential_of(request: HttpRequest) -> Credential | None:
    """The SigV4 signature of ``request`` (Authorization header or presigned query), or None if unsigned."""
    match = _AUTH_HEADER.match(request.header("authorization"))
    if match:
        scope, headers, signature = match.group("scope"), match.group("headers"), match.group("sig")
        token = request.header("x-amz-security-token") or None
        amz_date = request.header("x-amz-date")
        presigned = False
    elif "X-Amz-Credential" in request.url:
        query = dict(parse_qsl(request.query, keep_blank_values=True))
        scope = query.get("X-Amz-Credential", "")
        headers = query.get("X-Amz-SignedHeaders", "host")
        signature = query.get("X-Amz-Signature", "")
        token = query.get("X-Amz-Security-Token") or None
        amz_date = query.get("X-Amz-Date", "")
        presigned = True
    else:
        return None
    parts = scope.split("/")
    if len(parts) != 5:
        raise StsError(
            "IncompleteSignature",
            f"Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{scope}'",
            400,
        )
    return Credential(
        parts[0], parts[1], parts[2], parts[3], token, signature, tuple(headers.split(";")), amz_date, presigned
    )


def check_scope(request: HttpRequest, credential: Credential) -> None:
    """The credential must be scoped to STS and, on an AWS host, to the host's region (a local server: any)."""
    if credential.service != "sts":
        raise StsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ", 403)
    expected = signing_region_of_host(request.host)
    if expected is not None and credential.region != expected:
        raise StsError(
            "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not '{credential.region}'. ", 403
        )


def check_request_time(credential: Credential) -> None:
    """Signed more than 15 minutes from the process's own now (frozen or not; never the clock's offset)."""
    text = credential.amz_date
    try:
        if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
            raise ValueError(text)
        signed = datetime(
            int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]), int(text[13:15]),
            tzinfo=UTC,
        )  # strptime costs ~20 us on every request
    except ValueError:
        raise StsError(
            "IncompleteSignature",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            400,
        ) from None
    now = datetime.fromtimestamp(time.time(), UTC).replace(microsecond=0)
    if signed < now - _SKEW:
        raise StsError(
            "SignatureDoesNotMatch",
            f"Signature expired: {credential.amz_date} is now earlier than {(now - _SKEW).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} - 15 min.)",
            403,
        )
    if signed > now + _SKEW:
        raise StsError(
            "SignatureDoesNotMatch",
            f"Signature not yet current: {credential.amz_date} is still later than "
            f"{(now + _SKEW).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} + 15 min.)",
            403,
        )


def check_signature(request: HttpRequest, credential: Credential, secret: str) -> None:
    """Recompute the signature with botocore's signer over exactly what the client signed."""
    try:
        signature, canonical, string_to_sign = _expected_signature(request, credential, secret)
    except (ValueError, AttributeError):
        # botocore cannot canonicalize the request (a URL like 'https://[::1/', no host at all): nobody signed it.
        raise StsError("SignatureDoesNotMatch", _SIGNATURE_MISMATCH, 403) from None
    if signature == credential.signature:
        return
    message = _SIGNATURE_MISMATCH
    if credential.presigned:
        message += (
            f"\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n"
        )
    raise StsError("SignatureDoesNotMatch", message, 403)


def _expected_signature(request: HttpRequest, credential: Credential, secret: str) -> tuple[str, str, str]:
    """The signature botocore computes for ``request`` with ``secret``, its canonical request and string to sign."""
    creds = Credentials(credential.access_key_id, secret, credential.session_token)
    parts = urlsplit(request.url)
    netloc = parts.netloc or request.header("host")
    scheme = parts.scheme or "http"
    if credential.presigned:
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
        url = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
        signer: SigV4Auth = SigV4QueryAuth(creds, credential.service, credential.region)
        headers = {name: request.header(name) for name in credential.signed_headers if name != "host"}
    else:
        url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
        signer = SigV4Auth(creds, credential.service, credential.region)
        headers = {name: request.header(name) for name in credential.signed_headers if name != "host"}
    if "host" in credential.signed_headers and request.header("host"):
        headers["host"] = request.header("host")
    aws_request = AWSRequest(method=request.method, url=url, headers=headers, data=request.body)
    aws_request.context["timestamp"] = credential.amz_date
    canonical = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical)
    return signer.signature(string_to_sign, aws_request), canonical, string_to_sign
