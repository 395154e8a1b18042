"""AssumeRoleWithWebIdentity as CI pipelines and Kubernetes pods meet it: GitHub Actions' and EKS's OIDC tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import freezegun
import jwt
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import ec

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, mock_federation
from mockfed.dispatch import handle
from mockfed.http import HttpRequest
from mockfed.idp.oidc import OidcIdentityProvider
from mockfed.mock import web_identity
from mockfed.pytest_plugin import WebIdentitySetup
from tests.conftest import refusal
from tests.test_auth import federated_client

GITHUB = "https://token.actions.githubusercontent.com"
EKS = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
MAIN = "repo:acme/app:ref:refs/heads/main"
NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def github_trust(provider: OidcIdentityProvider, repositories: str = "repo:acme/*") -> dict[str, Any]:
    """The trust policy the IAM User Guide gives for GitHub Actions."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider.arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": repositories},
                },
            }
        ],
    }


@pytest.fixture
def github(mockfed: FederationBackend) -> OidcIdentityProvider:
    return mockfed.create_oidc_provider(GITHUB, client_ids=["sts.amazonaws.com"])


@pytest.fixture
def deploy_role(mockfed: FederationBackend, github: OidcIdentityProvider) -> str:
    return mockfed.create_role("GitHubDeploy", github_trust(github)).arn


# ---- GitHub Actions -------------------------------------------------------------------------------------------


def test_a_token_of_the_trusted_repository_gets_the_role(
    mockfed: FederationBackend, github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    out = anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role, RoleSessionName="GitHubActions", WebIdentityToken=github.token(sub=MAIN)
    )

    assert out["SubjectFromWebIdentityToken"] == MAIN
    assert out["Audience"] == "sts.amazonaws.com"
    assert out["Provider"] == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/GitHubDeploy/GitHubActions"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert out["Credentials"]["Expiration"] == mockfed.role_sessions[0].expiration
    assert mockfed.role_sessions[0].duration_seconds == 3600
    assert (mockfed.role_sessions[0].provider, mockfed.role_sessions[0].subject) == (github.arn, MAIN)
    assert mockfed.calls[-1].caller_arn is None  # unsigned: nobody signed it


def test_the_role_credentials_act_as_the_role(github: OidcIdentityProvider, deploy_role: str, anonymous: Any) -> None:
    creds = anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role, RoleSessionName="run-42", WebIdentityToken=github.token(sub=MAIN)
    )["Credentials"]
    as_role = federated_client(creds).get_caller_identity()
    assert as_role["Arn"] == "arn:aws:sts::123456789012:assumed-role/GitHubDeploy/run-42"


def test_a_token_of_another_repository_is_refused(
    mockfed: FederationBackend, github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    token = github.token(sub="repo:evil-corp/app:ref:refs/heads/main")

    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=token)

    assert refusal(error) == (403, "AccessDenied", NOT_AUTHORIZED)
    assert mockfed.role_sessions == []


def test_a_token_for_another_audience_is_refused(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    token = github.token(sub=MAIN, aud="https://github.com/acme")  # GitHub's default audience, not AWS's

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=token)

    assert refusal(error) == (400, "InvalidIdentityToken", "Incorrect token audience")


def test_a_list_of_audiences_needs_one_the_provider_accepts(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    token = github.token(sub=MAIN, aud=["https://github.com/acme", "sts.amazonaws.com"])

    out = anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=token)

    assert out["Audience"] == "sts.amazonaws.com"


def test_an_expired_token_is_refused_once_the_clock_passes_exp_and_iams_five_minutes(
    mockfed: FederationBackend, github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    token = github.token(sub=MAIN, expires_in=300)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]

    mockfed.clock.advance(seconds=300 + 299)  # past exp, within IAM's leeway
    anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="early", WebIdentityToken=token)
    mockfed.clock.advance(seconds=1)
    with pytest.raises(anonymous.exceptions.ExpiredTokenException) as error:
        anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="late", WebIdentityToken=token)

    now = int(mockfed.clock.now().timestamp())
    assert refusal(error) == (
        400,
        "ExpiredTokenException",
        f"Token expired: current date/time {now} must be before the expiration date/time{exp}",
    )


def test_an_issuer_without_an_iam_provider_is_refused(
    mockfed: FederationBackend, deploy_role: str, anonymous: Any
) -> None:
    gitlab = FederationBackend().create_oidc_provider("https://gitlab.com", ["sts.amazonaws.com"])

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=gitlab.token(sub="project_path:acme/app")
        )

    assert refusal(error) == (
        400,
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://gitlab.com",
    )


def test_a_token_signed_with_another_key_of_the_same_issuer_is_refused(deploy_role: str, anonymous: Any) -> None:
    impostor = FederationBackend().create_oidc_provider(GITHUB, ["sts.amazonaws.com"])  # same iss, its own key

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=impostor.token(sub=MAIN)
        )

    assert refusal(error)[:2] == (400, "InvalidIdentityToken")
    assert "kid" in refusal(error)[2]


def test_a_forged_signature_is_refused(github: OidcIdentityProvider, deploy_role: str, anonymous: Any) -> None:
    header, payload, signature = github.token(sub="repo:evil/app").split(".")
    forged_claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "sub": MAIN}
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("=")

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=f"{header}.{forged}.{signature}"
        )

    assert refusal(error) == (
        400,
        "InvalidIdentityToken",
        "The web identity token's signature does not verify against its issuer's keys",
    )


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_and_hmac_tokens_are_refused(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any, algorithm: str
) -> None:
    claims = jwt.decode(github.token(sub=MAIN), options={"verify_signature": False})
    token = jwt.encode(claims, None if algorithm == "none" else "a-shared-secret-of-32-bytes-long!", algorithm)

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=token)

    status, code, message = refusal(error)
    assert (status, code) == (400, "InvalidIdentityToken")
    assert message.startswith(f"The token's algorithm '{algorithm}' is not accepted")


def test_an_ecdsa_token_is_checked_against_the_issuers_keys(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    """ES256 is an algorithm STS accepts: the token is refused only because the issuer never published this key."""
    claims = jwt.decode(github.token(sub=MAIN), options={"verify_signature": False})
    token = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), "ES256")

    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=token)

    assert "signature does not verify" in refusal(error)[2]


def test_a_token_not_yet_valid_is_refused(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any, mockfed: FederationBackend
) -> None:
    later = int(mockfed.clock.now().timestamp()) + 3600
    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=github.token(sub=MAIN, nbf=later)
        )
    assert refusal(error) == (400, "InvalidIdentityToken", "The token is not yet valid: its nbf is in the future")


def test_a_duration_above_the_roles_maximum_is_a_validation_error(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=github.token(sub=MAIN), DurationSeconds=7200
        )
    assert refusal(error) == (
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_a_role_that_does_not_exist_is_refused_like_a_role_that_says_no(
    github: OidcIdentityProvider, anonymous: Any
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/Nope", RoleSessionName="ci", WebIdentityToken=github.token(sub=MAIN)
        )
    assert refusal(error) == (403, "AccessDenied", NOT_AUTHORIZED)


def test_a_signed_request_works_too(mockfed: FederationBackend, github: OidcIdentityProvider, deploy_role: str) -> None:
    body = (
        f"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={deploy_role}&RoleSessionName=signed"
        f"&WebIdentityToken={github.token(sub=MAIN)}"
    ).encode()
    url = "https://sts.amazonaws.com/"
    request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), "sts", "us-east-1").add_auth(request)

    response = handle(HttpRequest.build("POST", url, dict(request.headers.items()), body), mockfed, strict_auth=True)

    assert response.status == 200
    assert mockfed.calls[-1].caller_arn == mockfed.default_user.arn


# ---- other issuers ----------------------------------------------------------------------------------------------


def test_an_eks_service_account_gets_its_role(mockfed: FederationBackend, anonymous: Any) -> None:
    eks = mockfed.create_oidc_provider(EKS, client_ids=["sts.amazonaws.com"])
    host = EKS.removeprefix("https://")
    role = mockfed.create_role(
        "S3Reader",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": eks.arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{host}:sub": "system:serviceaccount:default:s3-reader",
                            f"{host}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        },
    )

    out = anonymous.assume_role_with_web_identity(
        RoleArn=role.arn,
        RoleSessionName="botocore-session-1",
        WebIdentityToken=eks.token(sub="system:serviceaccount:default:s3-reader", expires_in=86400),
    )
    assert out["Provider"] == f"arn:aws:iam::123456789012:oidc-provider/{host}"
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=role.arn,
            RoleSessionName="botocore-session-2",
            WebIdentityToken=eks.token(sub="system:serviceaccount:kube-system:other"),
        )
    assert refusal(error) == (403, "AccessDenied", NOT_AUTHORIZED)


def test_a_condition_on_amr_sees_every_value(mockfed: FederationBackend, anonymous: Any) -> None:
    cognito = mockfed.create_oidc_provider("https://cognito-identity.amazonaws.com", ["us-east-1:pool-id"])
    role = mockfed.create_role(
        "SignedIn",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
                }
            ],
        },
    )

    signed_in = cognito.token(sub="us-east-1:1234", amr=["authenticated", "accounts.google.com"])
    out = anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="app", WebIdentityToken=signed_in)
    assert out["SubjectFromWebIdentityToken"] == "us-east-1:1234"
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=role.arn, RoleSessionName="app", WebIdentityToken=cognito.token(sub="x", amr=["unauthenticated"])
        )
    assert refusal(error)[1] == "AccessDenied"


def test_session_tags_in_the_token_need_tag_session(
    mockfed: FederationBackend, github: OidcIdentityProvider, anonymous: Any
) -> None:
    tags = {"principal_tags": {"team": ["payments"]}, "transitive_tag_keys": ["team"]}
    token = github.token(sub=MAIN, **{"https://aws.amazon.com/tags": tags})
    trust = github_trust(github)
    untagged = mockfed.create_role("NoTags", trust)
    trust["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    tagged = mockfed.create_role("Tags", trust)

    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(RoleArn=untagged.arn, RoleSessionName="ci", WebIdentityToken=token)
    out = anonymous.assume_role_with_web_identity(RoleArn=tagged.arn, RoleSessionName="ci", WebIdentityToken=token)

    assert refusal(error) == (403, "AccessDenied", "Not authorized to perform sts:TagSession")
    assert isinstance(out["PackedPolicySize"], int)
    assert (mockfed.role_sessions[-1].tags, mockfed.role_sessions[-1].transitive_tag_keys) == (
        (("team", "payments"),),
        ("team",),
    )


@pytest.mark.parametrize(
    ("principal_tags", "code", "message"),
    [
        ({"Team": ["a"], "team": ["b"]}, "InvalidParameterValue", "Duplicate tag keys found"),
        ({f"k{i}": ["v"] for i in range(51)}, "ValidationError", "at 'tags' failed to satisfy constraint"),
        ({"team!": ["v"]}, "ValidationError", "at 'tags.1.member.key' failed to satisfy constraint"),
        ({"team": ["v" * 257]}, "ValidationError", "at 'tags.1.member.value' failed to satisfy constraint"),
    ],
)
def test_session_tags_in_the_token_follow_the_rules_of_session_tags(
    mockfed: FederationBackend,
    github: OidcIdentityProvider,
    anonymous: Any,
    principal_tags: dict[str, list[str]],
    code: str,
    message: str,
) -> None:
    trust = github_trust(github)
    trust["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    role = mockfed.create_role("Tags", trust)
    claim = {"principal_tags": principal_tags, "transitive_tag_keys": []}
    token = github.token(sub=MAIN, **{"https://aws.amazon.com/tags": claim})
    with pytest.raises(botocore.exceptions.ClientError) as error:  # were accepted, unlike the same Tags in AssumeRole
        anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="ci", WebIdentityToken=token)
    status, got_code, got_message = refusal(error)
    assert (status, got_code) == (400, code)
    assert message in got_message
    assert mockfed.role_sessions == []


@pytest.mark.parametrize(
    ("provider_id", "status", "code"),
    [("accounts.google.com", 400, "InvalidParameterValue"), ("graph.facebook.com", 403, "IDPRejectedClaim")],
)
def test_oauth_provider_ids_are_validated(
    deploy_role: str, anonymous: Any, provider_id: str, status: int, code: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="app", WebIdentityToken="EAAGm0PX4ZCpsBA", ProviderId=provider_id
        )
    assert refusal(error)[:2] == (status, code)


def test_an_oidc_provider_made_in_motos_iam_is_found() -> None:
    """The IAM side may come from moto; the issuer's keys from mockfed's provider objects (here none published)."""
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), mock_federation() as backend:
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
        role = iam.create_role(RoleName="FromMoto", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        issuer = FederationBackend().create_oidc_provider(GITHUB, ["sts.amazonaws.com"])
        sts = boto3.client("sts", region_name="us-east-1", config=Config(signature_version=UNSIGNED))

        with pytest.raises(sts.exceptions.InvalidIdentityTokenException) as error:
            sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken=issuer.token())

    assert backend.calls[-1].error_code == "InvalidIdentityToken"
    assert refusal(error)[2] == (
        "Couldn't retrieve verification key from your identity provider,  please reference "
        "AssumeRoleWithWebIdentity documentation for requirements"
    )


# ---- botocore's own web-identity credentials -------------------------------------------------------------------


def test_botocore_gets_and_refreshes_credentials_through_web_identity(
    mockfed: FederationBackend, github: OidcIdentityProvider, deploy_role: str, tmp_path: Path
) -> None:
    with freezegun.freeze_time("2026-06-01 12:00:00"):
        environment = web_identity(github, deploy_role, tmp_path / "token", session_name="GitHubActions", sub=MAIN)
        with environment:
            session = boto3.Session(region_name="us-east-1")
            first = session.client("sts").get_caller_identity()
            first_key = session.get_credentials().get_frozen_credentials().access_key

            mockfed.clock.advance(minutes=55)  # five minutes left: botocore must refresh before it signs
            environment.write_token()  # the runner's fresh token (the first expired 50 minutes ago)
            second = session.client("sts").get_caller_identity()
            second_key = session.get_credentials().get_frozen_credentials().access_key

    assert first["Arn"] == second["Arn"] == "arn:aws:sts::123456789012:assumed-role/GitHubDeploy/GitHubActions"
    assert first_key != second_key
    assert [session.access_key_id for session in mockfed.role_sessions] == [first_key, second_key]
    assert mockfed.role_sessions[1].issued_at == datetime(2026, 6, 1, 12, 55, tzinfo=UTC)
    assert [call.action for call in mockfed.calls] == [
        "AssumeRoleWithWebIdentity",
        "GetCallerIdentity",
        "AssumeRoleWithWebIdentity",
        "GetCallerIdentity",
    ]


def test_botocore_refresh_with_a_stale_token_file_fails_with_the_services_error(
    mockfed: FederationBackend,
    github: OidcIdentityProvider,
    deploy_role: str,
    mockfed_web_identity: WebIdentitySetup,
) -> None:
    with freezegun.freeze_time("2026-06-01 12:00:00"):
        mockfed_web_identity(github, deploy_role, sub=MAIN)
        session = boto3.Session(region_name="us-east-1")
        session.client("sts").get_caller_identity()
        mockfed.clock.advance(minutes=55)  # nobody rewrote the token file: its token expired long ago

        with pytest.raises(botocore.exceptions.ClientError) as error:
            session.client("sts").get_caller_identity()

    assert refusal(error)[1] == "ExpiredTokenException"
    assert mockfed.calls[-1].action == "AssumeRoleWithWebIdentity"


def test_the_fixture_sets_the_environment_and_undoes_it(
    mockfed: FederationBackend,
    github: OidcIdentityProvider,
    deploy_role: str,
    mockfed_web_identity: WebIdentitySetup,
) -> None:
    import os

    keys_before = os.environ.get("AWS_ACCESS_KEY_ID")
    environment = mockfed_web_identity(github, deploy_role, session_name="pod", sub="system:serviceaccount:ns:sa")

    assert os.environ["AWS_ROLE_ARN"] == deploy_role
    assert os.environ["AWS_WEB_IDENTITY_TOKEN_FILE"] == str(environment.token_file)
    assert os.environ["AWS_ROLE_SESSION_NAME"] == "pod"
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    environment.stop()
    assert "AWS_ROLE_ARN" not in os.environ
    assert os.environ.get("AWS_ACCESS_KEY_ID") == keys_before
    environment.start()  # the fixture stops it again at teardown


def test_token_expiry_defaults_like_github_and_follows_the_backend_clock(
    mockfed: FederationBackend, github: OidcIdentityProvider
) -> None:
    mockfed.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    claims = jwt.decode(github.token(sub=MAIN), options={"verify_signature": False})
    assert claims["iat"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert claims["exp"] - claims["iat"] == int(timedelta(minutes=5).total_seconds())
    assert claims["iss"] == GITHUB


@pytest.mark.parametrize(
    "issuer", ["token.actions.githubusercontent.com", f"{GITHUB}/", "http://token.actions.githubusercontent.com"]
)
def test_an_issuer_written_otherwise_than_the_providers_url_is_refused(
    github: OidcIdentityProvider, deploy_role: str, anonymous: Any, issuer: str
) -> None:
    with pytest.raises(anonymous.exceptions.InvalidIdentityTokenException) as error:
        anonymous.assume_role_with_web_identity(
            RoleArn=deploy_role, RoleSessionName="ci", WebIdentityToken=github.token(sub=MAIN, iss=issuer)
        )
    assert refusal(error) == (
        400,
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {issuer}",
    )
