"""SigV4 verification: mockfed's verifier agrees with botocore's signer, and nothing lets a forgery in.

mockfed recomputes signatures itself (signing keys derived once per secret, day, region and
service; no request object round trip). These tests sign generated requests with botocore, header
and presigned, and check that mockfed computes the very same signature; then they alter what was
signed and check that the answer is a refusal, after many good requests.
"""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.auth.sigv4 import credential_of, expected_signature
from mockfed.dispatch import handle
from mockfed.http import HttpRequest

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

hosts = st.sampled_from(
    [
        "https://sts.amazonaws.com",
        "https://sts.eu-west-1.amazonaws.com",
        "https://STS.US-EAST-2.AMAZONAWS.COM",
        "http://127.0.0.1:5566",
        "http://localhost:80",
        "https://sts.us-east-1.amazonaws.com:443",
        "http://[::1]:8080",
    ]
)
paths = st.sampled_from(["/", "", "/a/b", "/a/./b/../c", "//double", "/spaced%20path", "/~tilde"])
texts = st.text(alphabet=string.printable + "éü€漢\u2028", max_size=40)
params = st.dictionaries(st.text(alphabet=string.ascii_letters + "._-~", min_size=1, max_size=12), texts, max_size=5)
header_values = st.text(alphabet=string.ascii_letters + string.digits + " \t-_=/", min_size=1, max_size=30)
extra_headers = st.dictionaries(
    st.sampled_from(["x-custom", "content-type", "x-amz-meta-a"]), header_values, max_size=2
)
tokens = st.one_of(st.none(), st.text(alphabet=string.ascii_letters + string.digits + "+/=", min_size=1, max_size=60))


def as_request(aws: AWSRequest) -> HttpRequest:
    body = aws.body if isinstance(aws.body, bytes) else (aws.body or "").encode("utf-8")
    return HttpRequest.build(aws.method, aws.url, dict(aws.headers.items()), body)


def agrees(request: HttpRequest) -> bool:
    credential = credential_of(request)
    assert credential is not None
    return expected_signature(request, credential, SECRET)[0] == credential.signature


@settings(max_examples=300, deadline=None)
@given(hosts, paths, params, params, extra_headers, tokens, st.sampled_from(["POST", "GET", "PUT"]))
def test_header_signatures_agree_with_botocore(
    host: str,
    path: str,
    query: dict[str, str],
    form: dict[str, str],
    headers: dict[str, str],
    token: str | None,
    method: str,
) -> None:
    # Query strings as SDKs write them: every character but A-Z a-z 0-9 - _ . ~ percent-encoded.
    url = host + path + ("?" + urlencode(query, quote_via=quote, safe="-_.~") if query else "")
    aws = AWSRequest(method, url, data=urlencode(form).encode("utf-8"), headers=dict(headers))
    SigV4Auth(Credentials("AKIDEXAMPLE", SECRET, token), "sts", "us-east-1").add_auth(aws)
    assert agrees(as_request(aws))


@settings(max_examples=200, deadline=None)
@given(hosts, params, tokens, st.sampled_from(["GET", "POST"]))
def test_presigned_signatures_agree_with_botocore(
    host: str, query: dict[str, str], token: str | None, method: str
) -> None:
    aws = AWSRequest(method, host + "/", data=b"", params=dict(query))
    aws.prepare()
    SigV4QueryAuth(Credentials("AKIDEXAMPLE", SECRET, token), "sts", "us-east-1").add_auth(aws)
    assert agrees(as_request(aws))


def test_presigned_url_of_a_boto3_client_agrees() -> None:
    sts = boto3.client(
        "sts", region_name="eu-west-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SECRET
    )
    for method in ("GET", "POST"):
        url = sts.generate_presigned_url(
            "get_federation_token", Params={"Name": "Bob", "Policy": '{"a": "b c"}'}, HttpMethod=method
        )
        assert agrees(HttpRequest.build(method, url, {}, b""))


# ---- forgeries, with every cache warm ----------------------------------------------------------------------


def signed(body: str, *, secret: str = DEFAULT_SECRET_ACCESS_KEY, region: str = "us-east-1") -> AWSRequest:
    aws = AWSRequest(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(DEFAULT_ACCESS_KEY_ID, secret), "sts", region).add_auth(aws)
    return aws


def answer(backend: FederationBackend, aws: AWSRequest, **changes: Any) -> tuple[int, bytes]:
    request = as_request(aws)._replace(**changes) if changes else as_request(aws)
    response = handle(request, backend)
    return response.status, response.body


BODY = "Action=GetFederationToken&Version=2011-06-15&Name=Bob&DurationSeconds=900"


def warm(backend: FederationBackend) -> None:
    for _ in range(3):
        assert answer(backend, signed(BODY))[0] == 200


def test_an_altered_body_is_refused_with_caches_warm() -> None:
    backend = FederationBackend()
    warm(backend)
    status, body = answer(backend, signed(BODY), body=BODY.replace("Bob", "Eve").encode())
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert [session.name for session in backend.sessions] == ["Bob", "Bob", "Bob"]


def test_a_wrong_secret_is_refused_with_caches_warm() -> None:
    backend = FederationBackend()
    warm(backend)
    status, body = answer(backend, signed(BODY, secret="not-the-secret"))
    assert (status, b"<Code>SignatureDoesNotMatch</Code>" in body) == (403, True)


def test_a_signature_over_another_date_scope_is_refused_with_caches_warm() -> None:
    backend = FederationBackend()
    warm(backend)
    aws = signed(BODY)
    authorization = aws.headers["Authorization"]
    day = aws.context["timestamp"][:8]
    other_day = str(int(day) - 1)
    # The client derived its key for another day than the one its X-Amz-Date names.
    aws_other = AWSRequest(aws.method, aws.url, data=aws.body, headers=dict(aws.headers.items()))
    aws_other.headers["Authorization"] = authorization.replace(f"/{day}/", f"/{other_day}/")
    status, body = answer(backend, aws_other)
    timestamp = aws.context["timestamp"]
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'{other_day}' != '{day}', from '{timestamp}'. "
    ).encode() in body


def test_a_signature_for_another_region_is_refused_with_caches_warm() -> None:
    backend = FederationBackend()
    warm(backend)
    aws = signed(BODY, region="eu-west-1")
    status, body = answer(backend, aws, url="https://sts.eu-west-1.amazonaws.com/")
    assert status == 403  # signed for eu-west-1 but sent to us-east-1's host
    status, body = answer(backend, aws)
    assert (status, b"scoped to a valid region" in body) == (403, True)


def test_a_verified_signature_moved_to_another_scope_is_refused_on_a_local_server() -> None:
    # A local server's host names no region: any region's scope is accepted there, but the signature is over the
    # scope, so the same signature under another region's scope must be computed again and refused.
    backend = FederationBackend()
    local = "http://127.0.0.1:5000/"
    aws = signed(BODY)
    for _ in range(2):
        assert answer(backend, aws, url=local)[0] == 403  # signed for the STS host, not this one
    aws = AWSRequest("POST", local, data=BODY.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), "sts", "us-east-1").add_auth(aws)
    for _ in range(2):
        assert answer(backend, aws)[0] == 200
    moved = as_request(aws)
    headers = dict(moved.headers)
    headers["authorization"] = headers["authorization"].replace("/us-east-1/", "/eu-west-1/")
    status, body = answer(backend, aws, headers=headers)
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert len(backend.sessions) == 2


def test_every_scope_violation_is_reported_in_the_service_order() -> None:
    aws = signed(BODY)
    day = aws.context["timestamp"][:8]
    aws.headers["Authorization"] = aws.headers["Authorization"].replace(
        f"/{day}/us-east-1/sts/aws4_request", "/20000101/us-west-1/iam/aws5_request"
    )
    status, body = answer(FederationBackend(), aws)
    assert status == 403
    assert (
        "<Message>Credential should be scoped to a valid region, not 'us-west-1'. "
        "Credential should be scoped to correct service: 'sts'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20000101' != '{day}', from '{aws.context['timestamp']}'. </Message>"
    ).encode() in body


@pytest.mark.parametrize("flip", [0, 17, 63])
def test_a_flipped_signature_character_is_refused_with_caches_warm(flip: int) -> None:
    backend = FederationBackend()
    warm(backend)
    aws = signed(BODY)
    authorization = aws.headers["Authorization"]
    signature = authorization.rsplit("Signature=", 1)[1]
    changed = signature[:flip] + ("0" if signature[flip] != "0" else "1") + signature[flip + 1 :]
    aws.headers["Authorization"] = authorization.replace(signature, changed)
    status, body = answer(backend, aws)
    assert (status, b"<Code>SignatureDoesNotMatch</Code>" in body) == (403, True)


def test_boto3_with_a_wrong_secret_after_many_good_calls(mockfed: FederationBackend) -> None:
    good = boto3.client("sts", region_name="us-east-1")
    for _ in range(5):
        good.get_federation_token(Name="Bob", DurationSeconds=900)
    bad = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY[:-1] + "1",
    )
    with pytest.raises(ClientError) as info:
        bad.get_federation_token(Name="Bob", DurationSeconds=900)
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
