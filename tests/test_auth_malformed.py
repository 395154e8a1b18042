"""A request that tries to sign and gets it wrong is refused as STS refuses it, never run as the default user.

Each case is a boto3 client whose ``Authorization`` header (or presigned URL) is altered after
botocore signed it, the way a signing bug in user code alters it. Real STS answers each with
its own code, status and message (``IncompleteSignature`` 400, ``MissingAuthenticationToken``
403, ``SignatureDoesNotMatch`` 403), and so must mockfed, with or without ``strict_auth``: a
test that checks a signing bug must fail under mockfed as it fails against AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend

WRONG_SECRET = "not-the-secret-of-the-default-user-000000"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)


def altered_client(change: Callable[[str], str], *, secret: str = WRONG_SECRET, header: str = "Authorization") -> Any:
    """An STS client of the default user's key id whose signed ``header`` is passed through ``change``."""
    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id=DEFAULT_ACCESS_KEY_ID, aws_secret_access_key=secret
    )

    def alter(request: Any, **_: Any) -> None:
        request.headers[header] = change(request.headers[header])

    sts.meta.events.register_last("request-created.sts", alter)  # after botocore's signer
    return sts


def refusal(sts: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        sts.get_caller_identity()
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_an_unknown_algorithm_is_an_incomplete_signature(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: header.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
    assert refusal(sts) == ("IncompleteSignature", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.", 400)
    [call] = mockfed.calls  # refused before any action ran, never as the default user, and in the record
    assert (call.action, call.status, call.error_code, call.caller_arn) == (
        "GetCallerIdentity", 400, "IncompleteSignature", None)


def test_a_scheme_not_starting_aws4_is_a_missing_authentication_token(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: header.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256", 1))
    assert refusal(sts) == ("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    bearer = altered_client(lambda header: "Bearer eyJhbGciOiJIUzI1NiJ9")
    assert refusal(bearer) == ("MissingAuthenticationToken", "Request is missing Authentication Token", 403)


def test_a_missing_signature_is_named_with_the_header(mockfed: FederationBackend) -> None:
    def drop_signature(header: str) -> str:
        return re.sub(r",\s*Signature=[0-9a-f]+", "", header)

    code, message, status = refusal(altered_client(drop_signature))
    assert (code, status) == ("IncompleteSignature", 400)
    assert message.startswith("Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 ")
    assert "SignedHeaders=" in message
    assert "Signature=" not in message.replace("SignedHeaders=", "")


def test_every_missing_part_is_named_in_the_service_order(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: "AWS4-HMAC-SHA256")
    assert refusal(sts) == (
        "IncompleteSignature",
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
        400,
    )


def test_a_parameter_without_an_equal_sign(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: header.replace("Credential=", "Credential=not ", 1))
    code, message, status = refusal(sts)
    assert (code, status) == ("IncompleteSignature", 400)
    assert re.fullmatch(
        r"'AKIABZPUZDIKAMOCKFED/\d{8}/us-east-1/sts/aws4_request' not a valid key=value pair \(missing equal-sign\) "
        r"in Authorization header: 'AWS4-HMAC-SHA256 Credential=not AKIA.*'\.",
        message,
    ), message


def test_a_header_spaced_or_ordered_differently_is_still_verified(mockfed: FederationBackend) -> None:
    def respace(header: str) -> str:  # parameters in another order, a space before each comma
        scheme, _, rest = header.partition(" ")
        return f"{scheme}  " + " ,  ".join(reversed(rest.split(", ")))

    assert refusal(altered_client(respace)) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    right = altered_client(respace, secret=DEFAULT_SECRET_ACCESS_KEY)
    assert right.get_caller_identity()["Arn"] == mockfed.default_user.arn  # parsed as STS parses it
    spaced = altered_client(lambda header: header.replace("Credential=", "Credential = ", 1))
    assert refusal(spaced)[:1] == ("IncompleteSignature",)  # 'Credential' not a valid key=value pair


def test_a_credential_without_five_parts(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: re.sub(r"/us-east-1/sts/", "/us-east-1/", header))
    code, message, status = refusal(sts)
    assert (code, status) == ("IncompleteSignature", 400)
    assert message.startswith("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region")


def test_a_date_not_in_basic_format(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda date: date[:4] + "-" + date[4:], header="X-Amz-Date")
    code, message, status = refusal(sts)
    assert (code, status) == ("IncompleteSignature", 400)
    assert re.fullmatch(
        r"Date must be in ISO-8601 'basic format'\. Got '\d{4}-\d{4}T\d{6}Z'\. See http://en\.wikipedia\.org/wiki/ISO_8601",
        message,
    )


def test_host_must_be_signed(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: re.sub(r"SignedHeaders=[^,]*", "SignedHeaders=x-amz-date", header))
    assert refusal(sts) == (
        "SignatureDoesNotMatch",
        "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        403,
    )


@pytest.mark.mockfed(strict_auth=True)
def test_strict_auth_answers_the_real_code_for_a_malformed_header(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: header.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
    assert refusal(sts)[0] == "IncompleteSignature"  # not MissingAuthenticationToken: it is signed, badly


def test_a_presigned_url_with_another_algorithm_or_no_signature(mockfed: FederationBackend) -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    other = requests.get(url.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"), timeout=5)
    assert other.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in other.text
    unsigned = requests.get(re.sub(r"&X-Amz-Signature=[0-9a-f]+", "", url), timeout=5)
    assert unsigned.status_code == 400
    assert (
        "<Message>AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string "
        "parameters.</Message>" in unsigned.text
    )
    assert requests.get(url, timeout=5).status_code == 200


def test_a_signature_with_a_character_beyond_ascii_is_a_mismatch_not_a_failure(mockfed: FederationBackend) -> None:
    sts = altered_client(lambda header: header[:-1] + "é", secret=DEFAULT_SECRET_ACCESS_KEY)
    assert refusal(sts) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    presigned = boto3.client("sts", region_name="us-east-1").generate_presigned_url(
        "get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET"
    )
    answer = requests.get(re.sub(r"(X-Amz-Signature=)[0-9a-f]", r"\g<1>%C3%A9", presigned), timeout=5)
    assert answer.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text
