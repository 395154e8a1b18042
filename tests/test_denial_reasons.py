"""Every denial says why: the STS message stays exactly the real one; mockfed's reason (the policy, the statement,
the element or condition key that decided) is in ``Call.reason``, the ``x-mockfed-reason`` header, and
``backend.explain`` for ``is_allowed``."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mockfed import FederationBackend
from mockfed.state.records import Principal

ACCOUNT = "123456789012"
ALLOW_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
ONLY_S3_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
    ],
}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def client_of(credentials: Principal | dict[str, Any]) -> Any:
    if isinstance(credentials, Principal):
        keys = {"aws_access_key_id": credentials.access_key_id, "aws_secret_access_key": credentials.secret_access_key}
    else:
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    return boto3.client("sts", region_name="us-east-1", **keys)


def refused(mockfed: FederationBackend, call: Any) -> tuple[str, str, str]:
    """The refusal's code and message as botocore reads them, and its reason; the header and the log agree."""
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    header = response["ResponseMetadata"]["HTTPHeaders"].get("x-mockfed-reason")
    reason = mockfed.calls[-1].reason
    assert reason is not None
    assert header == reason[:1000]
    return response["Error"]["Code"], response["Error"]["Message"], reason


def not_authorized(caller: str, action: str, resource: str) -> str:
    return f"User: {caller} is not authorized to perform: {action} on resource: {resource}"


# ---- AssumeRole: the trust policy -------------------------------------------------------------------------------


@pytest.fixture
def broker(mockfed: FederationBackend) -> tuple[Principal, str]:
    user = mockfed.create_user("broker", ALLOW_ASSUME)
    role = mockfed.create_role(
        "Reporting",
        trust(
            {
                "Sid": "Broker",
                "Effect": "Allow",
                "Principal": {"AWS": user.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "acme-7"}},
            }
        ),
    )
    return user, role.arn


def test_a_wrong_external_id_names_sts_external_id(mockfed: FederationBackend, broker: tuple[Principal, str]) -> None:
    user, role_arn = broker
    code, message, reason = refused(
        mockfed, lambda: client_of(user).assume_role(RoleArn=role_arn, RoleSessionName="s1", ExternalId="acme-8")
    )
    assert (code, message) == ("AccessDenied", not_authorized(user.arn, "sts:AssumeRole", role_arn))
    assert reason == (
        f"statement 'Broker' of the trust policy of role/Reporting names {user.arn}, but its condition StringEquals "
        "sts:ExternalId ['acme-7'] is not met: the request's sts:ExternalId is 'acme-8'"
    )


def test_a_missing_external_id_says_the_request_has_none(
    mockfed: FederationBackend, broker: tuple[Principal, str]
) -> None:
    user, role_arn = broker
    _, _, reason = refused(mockfed, lambda: client_of(user).assume_role(RoleArn=role_arn, RoleSessionName="s1"))
    assert reason.endswith("sts:ExternalId ['acme-7'] is not met: the request has no sts:ExternalId")


def test_a_missing_mfa_condition_names_aws_multi_factor_auth_present(mockfed: FederationBackend) -> None:
    user = mockfed.create_user("ops", ALLOW_ASSUME)
    role = mockfed.create_role(
        "Admin",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": user.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ),
    )
    _, _, reason = refused(mockfed, lambda: client_of(user).assume_role(RoleArn=role.arn, RoleSessionName="s1"))
    assert reason.endswith(
        "its condition Bool aws:MultiFactorAuthPresent ['true'] is not met: "
        "the request has no aws:MultiFactorAuthPresent"
    )


def test_a_trust_policy_naming_someone_else_says_whom_it_names(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", ALLOW_ASSUME)
    mockfed.create_user("bob")
    role = mockfed.create_role(
        "BobsRole",
        trust(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"}, "Action": "sts:AssumeRole"}
        ),
    )
    _, _, reason = refused(mockfed, lambda: client_of(alice).assume_role(RoleArn=role.arn, RoleSessionName="s1"))
    assert reason == (
        f"no statement of the trust policy of role/BobsRole names {alice.arn} as its Principal "
        f"(it names arn:aws:iam::{ACCOUNT}:user/bob)"
    )


def test_an_explicit_deny_in_the_trust_policy_names_its_statement(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", ALLOW_ASSUME)
    role = mockfed.create_role(
        "Guarded",
        trust(
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
            {"Sid": "NotAlice", "Effect": "Deny", "Principal": {"AWS": alice.arn}, "Action": "sts:AssumeRole"},
        ),
    )
    _, _, reason = refused(mockfed, lambda: client_of(alice).assume_role(RoleArn=role.arn, RoleSessionName="s1"))
    assert reason == "explicitly denied by statement 'NotAlice' of the trust policy of role/Guarded"


def test_a_trust_naming_the_account_points_at_the_callers_own_policies(mockfed: FederationBackend) -> None:
    carol = mockfed.create_user("carol", ONLY_S3_READ)
    role = mockfed.create_role(
        "Shared",
        trust({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}),
    )
    _, _, reason = refused(mockfed, lambda: client_of(carol).assume_role(RoleArn=role.arn, RoleSessionName="s1"))
    assert reason == (
        "the trust policy names only the caller's account, so its own policies must allow it: no identity-based "
        f"policy allows sts:AssumeRole on {role.arn}: no statement of inline policy 1 of {carol.arn} matches the action"
    )


def test_a_role_that_does_not_exist_and_a_root_caller_say_so(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", ALLOW_ASSUME)
    missing = f"arn:aws:iam::{ACCOUNT}:role/Nowhere"
    _, _, reason = refused(mockfed, lambda: client_of(alice).assume_role(RoleArn=missing, RoleSessionName="s1"))
    assert reason == f"the account has no role {missing}"
    _, message, reason = refused(
        mockfed, lambda: client_of(mockfed.root_user).assume_role(RoleArn=missing, RoleSessionName="s1")
    )
    assert (message, reason) == (
        "Roles may not be assumed by root accounts.",
        "the request is signed with the root user's credentials",
    )


def test_session_credentials_of_the_wrong_kind_say_which_kind(mockfed: FederationBackend) -> None:
    role = mockfed.create_role(
        "Open", trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    )
    creds = client_of(mockfed.default_user).assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]
    _, message, reason = refused(mockfed, lambda: client_of(creds).get_federation_token(Name="Bob"))
    assert (message, reason) == (
        "Cannot call GetFederationToken with session credentials",
        "a role session's credentials may not call sts:GetFederationToken, whatever their policies say",
    )


# ---- MFA ----------------------------------------------------------------------------------------------------------


def test_each_mfa_refusal_says_what_was_wrong(mockfed: FederationBackend) -> None:
    ops = mockfed.create_user("ops", ALLOW_ASSUME)
    mockfed.create_user("dev")
    phone = mockfed.create_mfa_device("ops-phone", user="ops")
    other = mockfed.create_mfa_device("dev-phone", user="dev")
    sts = client_of(ops)
    code = mockfed.mfa_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    reasons = [
        refused(mockfed, lambda: sts.get_session_token(SerialNumber=phone.serial_number))[2],
        refused(mockfed, lambda: sts.get_session_token(SerialNumber=f"arn:aws:iam::{ACCOUNT}:mfa/x", TokenCode=code))[
            2
        ],
        refused(mockfed, lambda: sts.get_session_token(SerialNumber=other.serial_number, TokenCode=code))[2],
        refused(mockfed, lambda: sts.get_session_token(SerialNumber=phone.serial_number, TokenCode=wrong))[2],
    ]
    sts.get_session_token(SerialNumber=phone.serial_number, TokenCode=code)
    reasons.append(refused(mockfed, lambda: sts.get_session_token(SerialNumber=phone.serial_number, TokenCode=code))[2])
    assert reasons == [
        "the request gives SerialNumber without TokenCode",
        f"the account has no MFA device arn:aws:iam::{ACCOUNT}:mfa/x",
        f"the MFA device {other.serial_number} is user dev's, not {ops.arn}'s",
        f"TokenCode is not the code of {phone.serial_number} within 30 seconds of the backend clock",
        f"TokenCode was used already with {phone.serial_number}: STS takes each code once",
    ]


# ---- GetFederationToken and DecodeAuthorizationMessage: the caller's permission -----------------------------------


def test_get_federation_token_without_permission_names_the_missing_allow(mockfed: FederationBackend) -> None:
    carol = mockfed.create_user("carol", ONLY_S3_READ)
    code, message, reason = refused(mockfed, lambda: client_of(carol).get_federation_token(Name="Bob"))
    resource = f"arn:aws:sts::{ACCOUNT}:federated-user/Bob"
    assert (code, message) == ("AccessDenied", not_authorized(carol.arn, "sts:GetFederationToken", resource))
    assert reason == (
        f"no identity-based policy allows sts:GetFederationToken on {resource}: no statement of inline policy 1 of "
        f"{carol.arn} matches the action"
    )


def test_decode_authorization_message_without_permission_says_why(mockfed: FederationBackend) -> None:
    carol = mockfed.create_user(
        "carol",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
                {"Sid": "NoDecoding", "Effect": "Deny", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"},
            ],
        },
    )
    _, _, reason = refused(mockfed, lambda: client_of(carol).decode_authorization_message(EncodedMessage="x" * 10))
    assert reason == f"explicitly denied by statement 'NoDecoding' of inline policy 1 of {carol.arn}"


# ---- web identity ---------------------------------------------------------------------------------------------------


def test_a_web_identity_condition_names_its_key_and_the_tokens_value(mockfed: FederationBackend) -> None:
    github = mockfed.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    role = mockfed.create_role(
        "Deploy",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Federated": github.arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}},
            }
        ),
    )
    token = github.token(sub="repo:evil/app:ref:refs/heads/main", aud="sts.amazonaws.com")
    anonymous = boto3.client("sts", region_name="us-east-1")
    code, message, reason = refused(
        mockfed,
        lambda: anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="ci", WebIdentityToken=token),
    )
    assert (code, message) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    assert reason == (
        f"statement 1 of the trust policy of role/Deploy names {github.arn}, but its condition StringLike "
        "token.actions.githubusercontent.com:sub ['repo:acme/app:*'] is not met: the request's "
        "token.actions.githubusercontent.com:sub is 'repo:evil/app:ref:refs/heads/main'"
    )


# ---- is_allowed and backend.explain -------------------------------------------------------------------------------


def test_explain_names_the_allowing_statement_and_the_resource_that_did_not_match(mockfed: FederationBackend) -> None:
    carol = mockfed.create_user("carol", ONLY_S3_READ)
    allowed = mockfed.explain(carol.access_key_id, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
    refused_ = mockfed.explain(carol.access_key_id, "s3:GetObject", "arn:aws:s3:::payroll/q3.csv")
    assert (allowed.allowed, allowed.effect, allowed.reason) == (
        True,
        "Allow",
        f"allowed by statement 'ReadReports' of inline policy 1 of {carol.arn}",
    )
    assert (refused_.allowed, refused_.effect) == (False, None)
    assert refused_.reason == (
        f"no identity-based policy allows s3:GetObject on arn:aws:s3:::payroll/q3.csv: statement 'ReadReports' of "
        f"inline policy 1 of {carol.arn}: its Resource ['arn:aws:s3:::reports/*'] does not match "
        "arn:aws:s3:::payroll/q3.csv"
    )


def test_explain_names_the_session_policy_a_federated_user_lacks(mockfed: FederationBackend) -> None:
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket",'
        '"Resource":"arn:aws:s3:::reports"}]}'
    )
    out = client_of(mockfed.default_user).get_federation_token(Name="Bob", Policy=policy)
    key = out["Credentials"]["AccessKeyId"]
    explained = mockfed.explain(key, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
    assert explained.allowed is mockfed.is_allowed(key, "s3:GetObject", "arn:aws:s3:::reports/q3.csv") is False
    assert explained.reason == (
        "no session policy allows s3:GetObject on arn:aws:s3:::reports/q3.csv: no statement of the session policy "
        "(Policy) matches the action"
    )
    nothing = client_of(mockfed.default_user).get_federation_token(Name="Eve")["Credentials"]["AccessKeyId"]
    assert mockfed.explain(nothing, "s3:GetObject").reason == (
        "no session policy allows s3:GetObject on *: there is none "
        "(a federated session may do only what its session policies allow)"
    )


def test_explain_names_an_explicit_deny_a_condition_and_an_unknown_key(mockfed: FederationBackend) -> None:
    dave = mockfed.create_user(
        "dave",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
                {"Sid": "KeepTheBucket", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            ],
        },
    )
    assert mockfed.explain(dave.access_key_id, "s3:DeleteBucket", context={"aws:SourceIp": "10.1.2.3"}).reason == (
        f"explicitly denied by statement 'KeepTheBucket' of inline policy 1 of {dave.arn}"
    )
    assert mockfed.explain(dave.access_key_id, "s3:GetObject", context={"aws:SourceIp": "192.168.0.1"}).reason == (
        f"no identity-based policy allows s3:GetObject on *: statement 1 of inline policy 1 of {dave.arn}: its "
        "condition IpAddress aws:SourceIp ['10.0.0.0/8'] is not met: the request's aws:SourceIp is '192.168.0.1'"
    )
    assert mockfed.explain("AKIAUNKNOWNUNKNOWN00", "s3:GetObject").reason == (
        "no credentials of the account have the access key id AKIAUNKNOWNUNKNOWN00"
    )


@pytest.mark.parametrize(
    ("action", "resource", "context"),
    [
        ("s3:GetObject", "arn:aws:s3:::reports/a", None),
        ("s3:GetObject", "arn:aws:s3:::other/a", None),
        ("s3:PutObject", "*", {"aws:SourceIp": "10.0.0.1"}),
        ("s3:DeleteBucket", "*", {"aws:SourceIp": "10.0.0.1"}),
        ("ec2:RunInstances", "*", None),
        ("sts:GetCallerIdentity", "*", None),
    ],
)
def test_explain_always_agrees_with_is_allowed(
    mockfed: FederationBackend, action: str, resource: str, context: dict[str, str] | None
) -> None:
    erin = mockfed.create_user(
        "erin",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"},
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            ],
        },
    )
    role = mockfed.create_role(
        "Reader",
        trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}),
        policy=ONLY_S3_READ,
    )
    session = client_of(mockfed.default_user).assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]
    for key in (erin.access_key_id, session["AccessKeyId"]):
        explained = mockfed.explain(key, action, resource, context)
        assert explained.allowed is mockfed.is_allowed(key, action, resource, context)
        assert explained.reason


def test_explain_names_the_permissions_boundary_that_stops_a_role(mockfed: FederationBackend) -> None:
    boundary = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    role = mockfed.create_role(
        "Bounded",
        trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}),
        policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
        permissions_boundary=boundary,
    )
    key = client_of(mockfed.default_user).assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]
    explained = mockfed.explain(key["AccessKeyId"], "s3:PutObject", "arn:aws:s3:::reports/a")
    assert explained.allowed is False
    assert explained.reason.startswith(
        f"no boundary allows s3:PutObject on arn:aws:s3:::reports/a: no statement of the permissions boundary "
        f"{boundary} of {role.arn} matches the action"
    )


def test_mockfed_serve_sends_the_reason_and_shows_it_in_its_state() -> None:
    import requests

    from mockfed.server import FederationServer

    backend = FederationBackend()
    carol = backend.create_user("carol", ONLY_S3_READ)
    with FederationServer(backend=backend, port=0) as server:
        sts = boto3.client(
            "sts", region_name="us-east-1", endpoint_url=server.url,
            aws_access_key_id=carol.access_key_id, aws_secret_access_key=carol.secret_access_key,
        )  # fmt: skip
        with pytest.raises(ClientError) as info:
            sts.get_federation_token(Name="Bob")
        state = requests.get(f"{server.url}/_mockfed/state", timeout=5).json()
    header = info.value.response["ResponseMetadata"]["HTTPHeaders"]["x-mockfed-reason"]
    assert header.startswith("no identity-based policy allows sts:GetFederationToken on ")
    assert state["calls"][-1]["reason"] == header


def test_explain_names_itself_in_a_type_error(mockfed: FederationBackend) -> None:
    with pytest.raises(TypeError, match=r"^explain: action must be a string"):
        mockfed.explain(mockfed.default_user.access_key_id, 7)  # type: ignore[arg-type]


def test_a_trust_policy_of_not_principal_alone_says_so(mockfed: FederationBackend) -> None:
    alice = mockfed.create_user("alice", ALLOW_ASSUME)
    role = mockfed.create_role("NotAlice", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotPrincipal": {"AWS": alice.arn}, "Action": "sts:AssumeRole"}]})
    _, _, reason = refused(mockfed, lambda: client_of(alice).assume_role(RoleArn=role.arn, RoleSessionName="s1"))
    assert reason.endswith(f"(it names everyone but {alice.arn} (NotPrincipal))")
