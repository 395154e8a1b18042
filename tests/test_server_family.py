"""A plain ``mockfed serve``, shaped only through its admin API, and real clients against it.

The issue: against a plain server ``aws sts assume-role`` could never succeed, for no role,
policy, identity provider or MFA device could be made over HTTP, nor a token, assertion or
MFA code be had. Here a test holds nothing but the server's URL: ``RemoteBackend`` makes the
account, mints the token and the code, and boto3 (a client in another process would do the
same) takes the roles, each with its refusal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import boto3
import jwt
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from mockfed.remote import RemoteBackend, RemoteError
from mockfed.server import FederationServer, admin

ACCOUNT = "123456789012"
GITHUB = "https://token.actions.githubusercontent.com"
CI_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:GetSessionToken"], "Resource": "*"}],
}
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}


def trust_ci_with_external_id(user_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": user_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "build-42"}},
            }
        ],
    }


def trust_github(provider_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"},
                },
            }
        ],
    }


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer(port=0) as running:
        yield running


def sts(server: FederationServer, key: str | None = None, secret: str | None = None) -> Any:
    """boto3's STS client at ``server``: signed with ``key``, or unsigned (as web identity and SAML are)."""
    config = Config(signature_version=UNSIGNED, retries={"max_attempts": 1}) if key is None else None
    return boto3.session.Session().client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=config,
    )


def refused(call: Any, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    response = info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_a_plain_server_shaped_over_http_lets_boto3_assume_its_roles(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)  # all the test holds of the server is its URL
    ci = remote.create_user("ci", CI_POLICY)
    deployer = remote.create_role("Deployer", trust_ci_with_external_id(ci.arn), policy=S3_READ)
    github = remote.create_oidc_provider(GITHUB, ["sts.amazonaws.com"])
    from_github = remote.create_role("FromGitHub", trust_github(github.arn), max_session_duration=7200)
    phone = remote.create_mfa_device("ci-phone", user="ci")
    as_ci = sts(server, ci.access_key_id, ci.secret_access_key)

    # AssumeRole with the ExternalId the trust policy asks for; without it, refused
    out = as_ci.assume_role(RoleArn=deployer.arn, RoleSessionName="build", ExternalId="build-42")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/build"
    assert refused(as_ci.assume_role, RoleArn=deployer.arn, RoleSessionName="build", ExternalId="build-41") == (
        403,
        "AccessDenied",
        f"User: {ci.arn} is not authorized to perform: sts:AssumeRole on resource: {deployer.arn}",
    )

    # AssumeRoleWithWebIdentity with a token the server minted; one for another repository is refused
    token = github.token(sub="repo:acme/app:ref:refs/heads/main")
    web = sts(server).assume_role_with_web_identity(
        RoleArn=from_github.arn, RoleSessionName="gha", WebIdentityToken=token
    )
    assert web["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/FromGitHub/gha"
    assert web["Provider"] == github.arn
    assert web["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    stranger = github.token(sub="repo:evil/app:ref:refs/heads/main")
    assert refused(
        sts(server).assume_role_with_web_identity, RoleArn=from_github.arn, RoleSessionName="gha",
        WebIdentityToken=stranger,
    ) == (403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")  # fmt: skip

    # GetSessionToken with the code the device shows now; the same code again is refused (spent)
    code = remote.mfa_code(phone)
    session = as_ci.get_session_token(SerialNumber=phone.serial_number, TokenCode=code)["Credentials"]
    assert session["AccessKeyId"].startswith("ASIA")
    assert refused(as_ci.get_session_token, SerialNumber=phone.serial_number, TokenCode=code) == (
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )

    # What the server saw: the same as its backend's record
    calls = [(call["action"], call["status"], call["error_code"]) for call in remote.calls]
    assert calls == [
        ("AssumeRole", 200, None),
        ("AssumeRole", 403, "AccessDenied"),
        ("AssumeRoleWithWebIdentity", 200, None),
        ("AssumeRoleWithWebIdentity", 403, "AccessDenied"),
        ("GetSessionToken", 200, None),
        ("GetSessionToken", 403, "AccessDenied"),
    ]
    assert remote.explain(ci.access_key_id, "s3:GetObject").allowed is False
    assert remote.is_allowed(out["Credentials"]["AccessKeyId"], "s3:GetObject") is True


def test_a_token_is_refused_once_the_server_clock_passes_its_expiry_and_leeway(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    github = remote.create_oidc_provider(GITHUB, ["sts.amazonaws.com"])
    role = remote.create_role("FromGitHub", trust_github(github.arn))
    token = github.token(sub="repo:acme/app:ref:refs/heads/main", expires_in=300)

    remote.clock.advance(seconds=300 + 301)  # its life, and the five minutes of leeway STS allows

    assert refused(
        sts(server).assume_role_with_web_identity, RoleArn=role.arn, RoleSessionName="gha", WebIdentityToken=token
    )[:2] == (400, "ExpiredTokenException")


def test_a_saml_assertion_issued_over_http_is_taken_by_assume_role_with_saml(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    okta = remote.create_saml_provider("Okta", issuer="http://www.okta.com/exk1abcd")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": okta.arn},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    role = remote.create_role("Admin", trust)
    assertion = okta.assertion(role.arn, subject="alice@example.com")

    out = sts(server).assume_role_with_saml(RoleArn=role.arn, PrincipalArn=okta.arn, SAMLAssertion=assertion)
    unsigned = okta.assertion(role.arn, subject="alice@example.com", sign="none")

    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@example.com"
    assert out["Issuer"] == "http://www.okta.com/exk1abcd"
    assert refused(
        sts(server).assume_role_with_saml, RoleArn=role.arn, PrincipalArn=okta.arn, SAMLAssertion=unsigned
    )[:2] == (400, "InvalidIdentityToken")


def test_refusals_carry_the_backends_code_and_status(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    remote.create_user("ci")

    with pytest.raises(RemoteError) as taken:
        remote.create_user("ci")
    with pytest.raises(RemoteError) as missing:
        remote.attach_role_policy("Nope", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    with pytest.raises(RemoteError) as malformed:
        remote.create_role("Bad", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    with pytest.raises(RemoteError) as no_device:
        remote.mfa_code(f"arn:aws:iam::{ACCOUNT}:mfa/none")

    assert (taken.value.status, taken.value.code) == (409, "EntityAlreadyExists")
    assert taken.value.message == "EntityAlreadyExists: User with name ci already exists."
    assert (missing.value.status, missing.value.code) == (404, "NoSuchEntity")
    assert (malformed.value.status, malformed.value.code) == (400, "MalformedPolicyDocument")
    assert (no_device.value.status, no_device.value.code) == (404, "NoSuchEntity")


def test_a_provider_the_server_forgot_or_never_held_the_key_of_mints_nothing(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    github = remote.create_oidc_provider(GITHUB)
    okta = remote.create_saml_provider("Okta")
    remote.reset()
    keyless = server.backend.state.account.create_oidc_provider("https://gitlab.example.com", (), ())  # IAM's record

    with pytest.raises(RemoteError) as forgotten:
        github.token()
    with pytest.raises(RemoteError) as forgotten_idp:
        okta.assertion(f"arn:aws:iam::{ACCOUNT}:role/Admin")
    with pytest.raises(RemoteError) as elsewhere:
        RemoteBackend(server.url)._call(admin.OIDC_TOKEN, {"provider": keyless.arn})

    assert (forgotten.value.status, forgotten.value.code) == (404, "NoSuchEntity")
    assert forgotten.value.message.startswith(f'the OpenID Connect provider "{github.arn}" does not exist')
    assert forgotten_idp.value.status == 404
    assert "was not made by this backend (its key is in the process that made it" in elsewhere.value.message


def test_a_provider_the_servers_backend_made_in_its_own_process_mints_over_http(server: FederationServer) -> None:
    made = server.backend.create_oidc_provider("https://gitlab.example.com", ["sts.amazonaws.com"])
    answer = requests.post(f"{server.url}/_mockfed/oidc-providers/token", timeout=5,
                           json={"provider": made.arn, "sub": "project:7", "aud": "sts.amazonaws.com"})
    assert answer.status_code == 200
    token = answer.json()["token"]
    claims = jwt.decode(token, made.key.public_key(), algorithms=["RS256"], audience="sts.amazonaws.com")
    assert (claims["iss"], claims["sub"]) == ("https://gitlab.example.com", "project:7")


def test_saml_without_the_extra_on_the_server_answers_501_naming_it(
    server: FederationServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "signxml", None)  # as if the server ran `pip install mockfed` without [saml]

    with pytest.raises(RemoteError) as missing:
        RemoteBackend(server.url).create_saml_provider("Okta")

    assert (missing.value.status, missing.value.code) == (501, "MissingExtra")
    assert "pip install 'mockfed[saml]'" in missing.value.message


def test_signin_url_from_remotely_issued_credentials_signs_in(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    ci = remote.create_user("ci", CI_POLICY)
    role = remote.create_role("Deployer", trust_ci_with_external_id(ci.arn), policy=S3_READ)
    credentials = sts(server, ci.access_key_id, ci.secret_access_key).assume_role(
        RoleArn=role.arn, RoleSessionName="console", ExternalId="build-42"
    )["Credentials"]

    url = remote.signin_url(credentials, destination="https://console.aws.amazon.com/s3/", issuer="Example.org")

    assert url.startswith("https://signin.aws.amazon.com/federation?Action=login&Issuer=Example.org&Destination=")
    assert "&SigninToken=" in url


def test_remote_backend_reads_the_account_as_the_backend_does(server: FederationServer) -> None:
    remote = RemoteBackend(server.url)
    remote.create_user("alice")
    assert remote.account_id == server.backend.account_id
    assert remote.describe_account() == server.backend.describe_account()
    device = remote.create_mfa_device("root-phone")
    code = remote.mfa_code(device.serial_number)
    assert code.isdigit()
    assert len(code) == 6
