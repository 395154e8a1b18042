"""AssumeRoleWithSAML as a company's single sign-on meets it: an Okta-style IdP posting signed SAML responses."""

from __future__ import annotations

import base64
import hashlib
import sys
from datetime import timedelta
from typing import Any

import boto3
import botocore.exceptions
import moto
import pytest
from lxml import etree

from mockfed import FederationBackend, mock_federation
from mockfed.errors import MissingExtraError
from mockfed.idp.saml import SamlIdentityProvider
from tests.conftest import refusal

OKTA_ISSUER = "http://www.okta.com/exk1fcia6d6EMsf331d8"
NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture
def okta(mockfed: FederationBackend) -> SamlIdentityProvider:
    return mockfed.create_saml_provider("Okta", issuer=OKTA_ISSUER)


def saml_trust(provider: SamlIdentityProvider, *actions: str) -> dict[str, Any]:
    """The trust policy the IAM console writes for a SAML 2.0 federation role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider.arn},
                "Action": ["sts:AssumeRoleWithSAML", *actions],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }


@pytest.fixture
def admin(mockfed: FederationBackend, okta: SamlIdentityProvider) -> str:
    return mockfed.create_role("OktaAdmin", saml_trust(okta)).arn


def refused(anonymous: Any, role: str, provider: str, assertion: str) -> tuple[int, str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion)
    return refusal(error)


def edited(assertion: str, old: bytes, new: bytes) -> str:
    document = base64.b64decode(assertion)
    assert old in document
    return base64.b64encode(document.replace(old, new)).decode()


# ---- what a signed assertion gets ------------------------------------------------------------------------------


def test_a_signed_assertion_for_the_role_gets_it(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    out = anonymous.assume_role_with_saml(
        RoleArn=admin, PrincipalArn=okta.arn, SAMLAssertion=okta.assertion(admin, subject="alice@example.com")
    )

    assert out["Subject"] == "alice@example.com"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == OKTA_ISSUER
    assert out["Audience"] == "https://signin.aws.amazon.com/saml"
    qualifier = hashlib.sha1(f"{OKTA_ISSUER}123456789012/Okta".encode()).digest()
    assert out["NameQualifier"] == base64.b64encode(qualifier).decode()
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/OktaAdmin/alice@example.com"
    assert "PackedPolicySize" not in out
    session = mockfed.role_sessions[0]
    assert (session.provider, session.subject, session.subject_type) == (okta.arn, "alice@example.com", "persistent")
    assert session.duration_seconds == 3600


def test_the_role_pair_may_come_in_either_order(okta: SamlIdentityProvider, admin: str, anonymous: Any) -> None:
    assertion = okta.assertion(f"{okta.arn},{admin}", subject="alice@example.com")
    out = anonymous.assume_role_with_saml(RoleArn=admin, PrincipalArn=okta.arn, SAMLAssertion=assertion)
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/OktaAdmin/alice@example.com")


def test_an_assertion_signed_on_the_response_is_accepted(
    okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    assertion = okta.assertion(admin, subject="bob@example.com", sign="response")
    out = anonymous.assume_role_with_saml(RoleArn=admin, PrincipalArn=okta.arn, SAMLAssertion=assertion)
    assert out["Subject"] == "bob@example.com"


def test_session_duration_shortens_the_session(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    assertion = okta.assertion(admin, subject="alice@example.com", session_duration=1800)
    out = anonymous.assume_role_with_saml(RoleArn=admin, PrincipalArn=okta.arn, SAMLAssertion=assertion)
    assert out["Credentials"]["Expiration"] == mockfed.role_sessions[0].issued_at.replace(microsecond=0) + timedelta(
        seconds=1800
    )


def test_a_regional_sign_in_endpoint_is_the_audience(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    trust = saml_trust(okta)
    del trust["Statement"][0]["Condition"]
    anywhere = mockfed.create_role("AnySignIn", trust).arn
    assertion = okta.assertion([anywhere, admin], subject="alice@example.com", recipient=regional)

    out = anonymous.assume_role_with_saml(RoleArn=anywhere, PrincipalArn=okta.arn, SAMLAssertion=assertion)

    assert out["Audience"] == regional
    # OktaAdmin's trust policy wants SAML:aud to be the global endpoint
    assert refused(anonymous, admin, okta.arn, assertion) == (403, "AccessDenied", NOT_AUTHORIZED)
    assert mockfed.calls[-1].reason == (
        f"statement 1 of the trust policy of role/OktaAdmin names {okta.arn}, but its condition StringEquals SAML:aud "
        f"['https://signin.aws.amazon.com/saml'] is not met: the request's SAML:aud is '{regional}'"
    )


def test_session_tags_from_attributes_need_tag_session(
    mockfed: FederationBackend, okta: SamlIdentityProvider, anonymous: Any
) -> None:
    role = mockfed.create_role("Tagged", saml_trust(okta, "sts:TagSession")).arn
    assertion = okta.assertion(
        role, subject="alice@example.com", attributes={"PrincipalTag:team": "blue", "TransitiveTagKeys": ["team"]}
    )
    anonymous.assume_role_with_saml(RoleArn=role, PrincipalArn=okta.arn, SAMLAssertion=assertion)
    assert mockfed.role_sessions[0].tags == (("team", "blue"),)
    assert mockfed.role_sessions[0].transitive_tag_keys == ("team",)


@pytest.mark.parametrize(
    ("attributes", "code", "message"),
    [
        ({"PrincipalTag:Team": "a", "PrincipalTag:team": "b"}, "InvalidParameterValue", "Duplicate tag keys found"),
        ({f"PrincipalTag:k{i}": "v" for i in range(51)}, "ValidationError", "at 'tags' failed to satisfy constraint"),
        ({"PrincipalTag:team!": "v"}, "ValidationError", "at 'tags.1.member.key' failed to satisfy constraint"),
        ({"PrincipalTag:": "v"}, "ValidationError", "at 'tags.1.member.key' failed to satisfy constraint"),
    ],
)
def test_session_tags_from_attributes_follow_the_rules_of_session_tags(
    mockfed: FederationBackend,
    okta: SamlIdentityProvider,
    anonymous: Any,
    attributes: dict[str, str],
    code: str,
    message: str,
) -> None:
    role = mockfed.create_role("Tagged", saml_trust(okta, "sts:TagSession")).arn
    assertion = okta.assertion(role, subject="alice@example.com", attributes=attributes)
    status, got_code, got_message = refused(anonymous, role, okta.arn, assertion)  # were accepted
    assert (status, got_code) == (400, code)
    assert message in got_message
    assert mockfed.role_sessions == []


def test_a_provider_made_from_your_idps_metadata_checks_its_assertions(
    mockfed: FederationBackend, anonymous: Any
) -> None:
    company_idp = FederationBackend().create_saml_provider("Elsewhere", issuer="https://sso.example.com")
    corp = mockfed.create_saml_provider("Corp", metadata=company_idp.metadata)
    role = mockfed.create_role("Corp", saml_trust(corp)).arn

    out = anonymous.assume_role_with_saml(
        RoleArn=role, PrincipalArn=corp.arn, SAMLAssertion=company_idp.assertion(f"{role},{corp.arn}", subject="eve")
    )

    assert (out["Issuer"], corp.issuer) == ("https://sso.example.com", "https://sso.example.com")
    with pytest.raises(ValueError, match="holds no signing key"):
        corp.assertion(role)


# ---- what is refused -------------------------------------------------------------------------------------------


def test_an_assertion_for_a_role_not_in_its_role_attribute_is_refused(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    readonly = mockfed.create_role("OktaReadOnly", saml_trust(okta)).arn
    assertion = okta.assertion(readonly, subject="alice@example.com")  # the IdP grants ReadOnly only

    assert refused(anonymous, admin, okta.arn, assertion) == (403, "AccessDenied", NOT_AUTHORIZED)
    assert mockfed.role_sessions == []
    assert mockfed.calls[-1].reason == (
        "the assertion's https://aws.amazon.com/SAML/Attributes/Role attribute pairs "
        f"{okta.arn} with {readonly}, not with {admin}"
    )


def test_a_tampered_assertion_is_refused(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    assertion = okta.assertion(admin, subject="alice@example.com")
    tampered = edited(assertion, b"alice@example.com</saml:NameID>", b"root@example.com</saml:NameID>")

    assert refused(anonymous, admin, okta.arn, tampered) == (400, "InvalidIdentityToken", "Response signature invalid")
    assert mockfed.calls[-1].error_code == "InvalidIdentityToken"


def test_an_unsigned_assertion_is_refused(okta: SamlIdentityProvider, admin: str, anonymous: Any) -> None:
    assertion = okta.assertion(admin, subject="alice@example.com", sign="none")
    assert refused(anonymous, admin, okta.arn, assertion) == (400, "InvalidIdentityToken", "Response signature invalid")


def test_a_wrapped_second_assertion_is_not_read(okta: SamlIdentityProvider, admin: str, anonymous: Any) -> None:
    """XML signature wrapping: the signed assertion moved aside, a forged one where the reader looks."""
    document = etree.fromstring(base64.b64decode(okta.assertion(admin, subject="alice@example.com")))
    signed = document.find(f"{{{ASSERTION_NS}}}Assertion")
    assert signed is not None
    forged = etree.fromstring(etree.tostring(signed))
    forged.set("ID", "_forged")
    name_id = forged.find(f"{{{ASSERTION_NS}}}Subject/{{{ASSERTION_NS}}}NameID")
    assert name_id is not None
    name_id.text = "root@example.com"
    document.replace(signed, forged)
    genuine_signature = signed.find(f"{{{DSIG_NS}}}Signature")
    assert genuine_signature is not None
    signed.remove(genuine_signature)  # so that the genuine assertion's digest still matches its signature
    forged.append(signed)  # hidden inside the forged one, where the signature's reference still finds it

    wrapped = base64.b64encode(etree.tostring(document)).decode()
    assert refused(anonymous, admin, okta.arn, wrapped) == (400, "InvalidIdentityToken", "Response signature invalid")


def test_an_assertion_of_another_idp_is_refused(admin: str, okta: SamlIdentityProvider, anonymous: Any) -> None:
    entra = FederationBackend().create_saml_provider("Okta", issuer="https://sts.windows.net/tenant-id/")
    status, code, message = refused(anonymous, admin, okta.arn, entra.assertion(admin, subject="alice@example.com"))
    assert (status, code) == (400, "InvalidIdentityToken")
    assert message.startswith("Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; ")


def test_an_assertion_not_redeemed_within_five_minutes_is_refused(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    an_hour = mockfed.clock.now() + timedelta(hours=1)  # as Entra ID's assertions: only the 5 minutes rule applies
    assertion = okta.assertion(admin, subject="alice@example.com", not_on_or_after=an_hour)
    mockfed.clock.advance(minutes=5, seconds=1)
    assert refused(anonymous, admin, okta.arn, assertion) == (
        400,
        "ExpiredTokenException",
        "Token must be redeemed within 5 minutes of issuance",
    )


def test_an_assertion_past_its_not_on_or_after_is_refused(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    until = mockfed.clock.now() + timedelta(minutes=1)
    assertion = okta.assertion(admin, subject="alice@example.com", not_on_or_after=until)
    mockfed.clock.advance(minutes=2)
    status, code, message = refused(anonymous, admin, okta.arn, assertion)
    assert (status, code) == (400, "ExpiredTokenException")
    assert "NotOnOrAfter" in message


def test_an_assertion_for_another_service_provider_is_refused(
    okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    assertion = okta.assertion(admin, subject="alice", recipient="https://app.example.com/saml/acs")
    assert refused(anonymous, admin, okta.arn, assertion) == (
        400,
        "InvalidIdentityToken",
        "Response does not contain the required audience.",
    )


@pytest.mark.parametrize(
    ("session_name", "message"),
    [
        (None, "RoleSessionName is required in AuthnResponse"),
        ("alice smith", "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"),
    ],
)
def test_the_role_session_name_attribute_is_required_and_checked(
    okta: SamlIdentityProvider, admin: str, anonymous: Any, session_name: str | None, message: str
) -> None:
    assertion = okta.assertion(admin, subject="alice", attributes={"RoleSessionName": session_name})
    assert refused(anonymous, admin, okta.arn, assertion) == (400, "InvalidIdentityToken", message)


def test_a_duration_above_the_roles_maximum_is_a_validation_error(
    okta: SamlIdentityProvider, admin: str, anonymous: Any
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        anonymous.assume_role_with_saml(
            RoleArn=admin, PrincipalArn=okta.arn, SAMLAssertion=okta.assertion(admin), DurationSeconds=7200
        )
    assert refusal(error) == (
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_a_principal_arn_that_is_no_saml_provider_is_invalid(admin: str, anonymous: Any) -> None:
    assert refused(anonymous, admin, admin, "bm90IHhtbA==") == (400, "ValidationError", "Principal ARN is invalid")


def test_a_saml_provider_that_does_not_exist_is_refused(admin: str, anonymous: Any) -> None:
    unknown = "arn:aws:iam::123456789012:saml-provider/Nope"
    assert refused(anonymous, admin, unknown, "bm90IHhtbA==") == (
        400,
        "InvalidIdentityToken",
        "Specified provider doesn't exist.",
    )


def test_a_document_type_declaration_is_refused(okta: SamlIdentityProvider, admin: str, anonymous: Any) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&b;</samlp:Response>'
    )
    status, code, message = refused(anonymous, admin, okta.arn, base64.b64encode(bomb).decode())
    assert (status, code) == (400, "InvalidIdentityToken")
    assert "document type declaration" in message


def test_saml_condition_keys_reach_the_trust_policy(
    mockfed: FederationBackend, okta: SamlIdentityProvider, anonymous: Any
) -> None:
    trust = saml_trust(okta)
    trust["Statement"][0]["Condition"]["StringLike"] = {"saml:sub": "*@example.com", "saml:iss": OKTA_ISSUER}
    role = mockfed.create_role("Employees", trust).arn

    anonymous.assume_role_with_saml(RoleArn=role, PrincipalArn=okta.arn, SAMLAssertion=okta.assertion(role))
    status, code, _ = refused(anonymous, role, okta.arn, okta.assertion(role, subject="mallory@evil.example"))

    assert (status, code) == (403, "AccessDenied")
    assert len(mockfed.role_sessions) == 1


def test_without_the_saml_extra_the_errors_name_it(
    mockfed: FederationBackend, okta: SamlIdentityProvider, admin: str, anonymous: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "signxml", None)  # as if `pip install mockfed` without [saml]
    advice = "SAML federation needs mockfed's 'saml' extra (signxml): pip install 'mockfed[saml]'"

    with pytest.raises(MissingExtraError) as missing:
        mockfed.create_saml_provider("Other")
    answer = refused(anonymous, admin, okta.arn, "bm90IHhtbA==")

    assert str(missing.value) == advice
    assert answer == (501, "NotImplemented", f"mockfed cannot simulate AssumeRoleWithSAML here: {advice}")
    assert [call.error_code for call in mockfed.calls] == ["NotImplemented"]


def test_without_the_saml_extra_no_provider_can_be_made_and_a_request_is_refused_as_for_none(
    mockfed: FederationBackend, okta: SamlIdentityProvider, anonymous: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = FederationBackend().create_saml_provider("Okta", issuer=OKTA_ISSUER).metadata  # an IdP's metadata
    monkeypatch.setitem(sys.modules, "signxml", None)  # as if `pip install mockfed` without [saml]
    unknown = "arn:aws:iam::123456789012:saml-provider/Other"

    with pytest.raises(MissingExtraError, match=r"pip install 'mockfed\[saml\]'"):
        mockfed.create_saml_provider("Other", metadata=elsewhere)
    answer = refused(anonymous, mockfed.create_role("OtherAdmin", saml_trust(okta)).arn, unknown, "bm90IHhtbA==")

    assert answer == (400, "InvalidIdentityToken", "Specified provider doesn't exist.")  # docs/saml.md says so


def test_without_the_saml_extra_a_provider_of_motos_iam_is_answered_501_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "signxml", None)
    advice = "SAML federation needs mockfed's 'saml' extra (signxml): pip install 'mockfed[saml]'"

    with moto.mock_aws(), mock_federation():
        iam = boto3.client("iam", region_name="us-east-1")
        provider = iam.create_saml_provider(Name="Okta", SAMLMetadataDocument="m" * 1000)["SAMLProviderArn"]
        with pytest.raises(botocore.exceptions.ClientError) as error:
            boto3.client("sts", region_name="us-east-1").assume_role_with_saml(
                RoleArn="arn:aws:iam::123456789012:role/OktaAdmin", PrincipalArn=provider, SAMLAssertion="bm90IHhtbA=="
            )

    assert refusal(error) == (501, "NotImplemented", f"mockfed cannot simulate AssumeRoleWithSAML here: {advice}")
