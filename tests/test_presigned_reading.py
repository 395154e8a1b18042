"""A presigned URL is read one way: the parameters it carries are exactly what was signed.

Its query is decoded once (``+`` a space, as a form) for both the signature and the parameters: a
URL changed after signing is refused, and a URL spelled another way for the same text is accepted.
"""

from __future__ import annotations

import boto3
import requests

from mockfed import FederationBackend

POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}]}'
)


def presigned(**params: object) -> str:
    sts = boto3.client("sts", region_name="us-east-1")
    url: str = sts.generate_presigned_url("get_federation_token", Params=params, ExpiresIn=300, HttpMethod="GET")
    return url


def test_a_plus_put_for_an_encoded_plus_is_another_request_and_refused(mockfed: FederationBackend) -> None:
    url = presigned(Name="Bob", Policy=POLICY, Tags=[{"Key": "team", "Value": "x+y"}])
    assert "%2B" in url
    changed = requests.get(url.replace("%2B", "+"), timeout=5)
    assert changed.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in changed.text
    assert mockfed.sessions == []
    signed = requests.get(url, timeout=5)
    assert signed.status_code == 200
    [session] = mockfed.sessions
    assert (session.policy, session.tags) == (POLICY, (("team", "x+y"),))


def test_a_space_sent_as_a_plus_is_the_space_that_was_signed(mockfed: FederationBackend) -> None:
    url = presigned(Name="Bob", Tags=[{"Key": "team", "Value": "blue green"}])
    assert "%20" in url
    answer = requests.get(url.replace("%20", "+"), timeout=5)
    assert answer.status_code == 200, answer.text
    assert mockfed.sessions[0].tags == (("team", "blue green"),)


def test_a_presigned_url_lives_fifteen_minutes_whatever_its_x_amz_expires_as_sts_does() -> None:
    # STS ignores X-Amz-Expires (only S3 honours it): aws/aws-sdk-go#2167, aws/aws-sdk-ruby#2887.
    import freezegun

    from mockfed import mock_federation

    with freezegun.freeze_time("2026-06-01 12:00:00") as frozen, mock_federation():
        url = boto3.client("sts", region_name="us-east-1").generate_presigned_url(
            "get_caller_identity", ExpiresIn=60, HttpMethod="GET"
        )
        frozen.tick(600)
        later = requests.get(url, timeout=5)
        frozen.tick(360)
        stale = requests.get(url, timeout=5)
    assert later.status_code == 200
    assert stale.status_code == 403
    assert "<Message>Signature expired: 20260601T120000Z is now earlier than 20260601T120100Z" in stale.text
