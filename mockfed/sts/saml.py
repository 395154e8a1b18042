"""AssumeRoleWithSAML: a role session for whoever a SAML identity provider's signed assertion names.

Checked as the service checks it, with its codes and, where public captures or the IAM User
Guide show them, its messages: the model's limits; ``PrincipalArn`` a SAML provider of the
account; the response's ``Issuer`` the entity id of the provider's metadata; its XML signature
(on the assertion or the response) by a certificate of that metadata, read from the signed XML
only; ``Recipient`` and ``Audience`` AWS's sign-in endpoint (global or regional) or entity id;
issued less than five minutes ago and ``NotOnOrAfter`` not passed, by the backend clock; the
``Role`` attribute holding the pair ``RoleArn,PrincipalArn`` (either order); a ``NameID``; the
``RoleSessionName`` attribute; then the role's trust policy (``Federated`` principal = the
provider, ``saml:*`` conditions) and the duration (``DurationSeconds``, shortened by the
``SessionDuration`` attribute and ``SessionNotOnOrAfter``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from mockfed import errors
from mockfed.auth.endpoints import SAML_AUDIENCE, SAML_RECIPIENT
from mockfed.errors import MissingExtraError, StsError
from mockfed.idp import saml
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import Principal, SamlProvider
from mockfed.sts.federated_role import (
    Vouched,
    assume_for_provider,
    invalid_token,
    not_authorized,
    source_identity_checked,
)
from mockfed.sts.roles import answer_role_session, role_arn_checked
from mockfed.sts.session_policy import LIST_MAX

__all__ = ["assume_role_with_saml", "name_qualifier"]

ACTION = "AssumeRoleWithSAML"
#: How long after its issuance an assertion may be redeemed.
REDEEM_WITHIN_SECONDS = 300
PRINCIPAL_TAG = saml.AWS_ATTRIBUTES + "PrincipalTag:"
TRANSITIVE_TAG_KEYS = saml.AWS_ATTRIBUTES + "TransitiveTagKeys"
SOURCE_IDENTITY = saml.AWS_ATTRIBUTES + "SourceIdentity"
_PROVIDER_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::\d{12}:saml-provider/[\w.-]{1,128}", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)

# Messages captured from the service or given by the IAM User Guide (docs/saml.md lists the sources).
PRINCIPAL_ARN_INVALID = "Principal ARN is invalid"
NO_PROVIDER = "Specified provider doesn't exist."
ISSUER_NOT_PRESENT = (
    "Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: "
    "AuthSamlInvalidSamlResponseException; Request ID: {request_id}; Proxy: null)"
)
SIGNATURE_INVALID = "Response signature invalid"
NO_AUDIENCE = "Response does not contain the required audience."
NOT_REDEEMED = "Token must be redeemed within 5 minutes of issuance"
SESSION_NAME_REQUIRED = "RoleSessionName is required in AuthnResponse"
SESSION_NAME_INVALID = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"


def assume_role_with_saml(state: State, caller: Principal, params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``AssumeRoleWithSAML``: the request needs no signature; the IdP's signed assertion is the proof.

    Example::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> okta = backend.create_saml_provider("Okta", issuer="http://www.okta.com/exk1abcd")
        >>> role = backend.create_role("Admin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        ...     "Principal": {"Federated": okta.arn}, "Action": "sts:AssumeRoleWithSAML"}]})
        >>> out = assume_role_with_saml(backend.state, backend.default_user, {"RoleArn": role.arn,
        ...     "PrincipalArn": okta.arn, "SAMLAssertion": okta.assertion(role.arn, subject="alice@example.com")},
        ...     "us-east-1")
        >>> out["Subject"], out["SubjectType"], out["AssumedRoleUser"]["Arn"]
        ('alice@example.com', 'persistent', 'arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com')
    """
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    check_request(ACTION, params, list_max=LIST_MAX)
    role_arn = role_arn_checked(params["RoleArn"])
    if not _PROVIDER_ARN.fullmatch(params["PrincipalArn"]):
        raise StsError("ValidationError", PRINCIPAL_ARN_INVALID, 400)
    provider = state.account.saml_provider(params["PrincipalArn"])
    if provider is None:
        raise invalid_token(NO_PROVIDER)
    try:
        assertion = _verified(state, provider, params["SAMLAssertion"])
    except MissingExtraError as error:
        raise errors.missing_extra(ACTION, error) from None
    recipient = _audience(assertion)
    longest = _check_times(assertion, state.clock.now())
    vouched = _vouched(assertion, provider, role_arn, recipient, longest)
    session = assume_for_provider(state, f"sts:{ACTION}", params, region, vouched)
    answer = answer_role_session(session, params)
    answer.update(
        Subject=vouched.subject,
        SubjectType=vouched.subject_type,
        Issuer=vouched.issuer,
        Audience=recipient,
        NameQualifier=name_qualifier(vouched.issuer, provider),
    )
    return answer


def name_qualifier(issuer: str, provider: SamlProvider) -> str:
    """``NameQualifier``: base64 of the SHA-1 of the issuer, the account and ``/`` and the provider's name, as
    the model documents it (``BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP"))``).

    Example::

        >>> name_qualifier("https://idp.example.com/saml",
        ...                SamlProvider("arn:aws:iam::123456789012:saml-provider/MySAMLIdP", "MySAMLIdP"))
        'TtCcwMp3+3waQE8fauvyRmgjOSg='
    """
    account = provider.arn.split(":")[4]
    digest = hashlib.sha1(f"{issuer}{account}/{provider.name}".encode(), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def _verified(state: State, provider: SamlProvider, encoded: str) -> saml.SamlAssertion:
    """The assertion, from the provider's issuer and signed with one of its certificates."""
    try:
        response = saml.parse_response(encoded)
    except saml.SamlError as error:
        raise invalid_token(str(error)) from None
    try:
        metadata = saml.read_metadata(provider.metadata or "")
    except saml.SamlError:
        metadata = None
    if metadata is None or response.issuer != metadata.entity_id:
        raise invalid_token(ISSUER_NOT_PRESENT.format(request_id=uuid.uuid4()))
    try:
        return saml.verify_response(response, metadata.certificates, state.clock.now())
    except saml.SamlSignatureError:
        raise invalid_token(SIGNATURE_INVALID) from None
    except saml.SamlError as error:
        raise invalid_token(str(error)) from None


def _audience(assertion: saml.SamlAssertion) -> str:
    """The assertion's ``Recipient`` at AWS (the answer's ``Audience``), if its ``Audience`` is AWS too."""
    recipient = next((url for url in assertion.recipients if SAML_RECIPIENT.fullmatch(url)), None)
    if recipient is None or not any(SAML_AUDIENCE.fullmatch(audience) for audience in assertion.audiences):
        raise invalid_token(NO_AUDIENCE)
    return recipient


def _check_times(assertion: saml.SamlAssertion, now: datetime) -> int | None:
    """Refuse an assertion redeemed too late or too early; the seconds its ``SessionNotOnOrAfter`` leaves."""
    issued = assertion.issue_instant
    if issued is not None and (now - issued).total_seconds() > REDEEM_WITHIN_SECONDS:
        raise StsError("ExpiredTokenException", NOT_REDEEMED, 400)
    if assertion.not_on_or_after is not None and now >= assertion.not_on_or_after:
        raise StsError(
            "ExpiredTokenException", f"The SAML assertion expired at {assertion.not_on_or_after:%Y-%m-%dT%H:%M:%SZ} "
            "(its NotOnOrAfter)", 400
        )
    if assertion.not_before is not None and now < assertion.not_before:
        raise invalid_token(f"The SAML assertion is not valid before {assertion.not_before:%Y-%m-%dT%H:%M:%SZ}")
    if assertion.session_not_on_or_after is None:
        return None
    left = int((assertion.session_not_on_or_after - now).total_seconds())
    if left <= 0:
        raise StsError("ExpiredTokenException", "The SAML session's SessionNotOnOrAfter has passed", 400)
    return left


def _vouched(
    assertion: saml.SamlAssertion, provider: SamlProvider, role_arn: str, recipient: str, longest: int | None
) -> Vouched:
    """Who the assertion names and what it lets them do: the role pair, the NameID, the session's attributes."""
    attributes = assertion.attributes
    pairs = [{part.strip() for part in value.split(",")} for value in attributes.get(saml.ROLE_ATTRIBUTE, ())]
    if {role_arn, provider.arn} not in pairs:
        granted = sorted(part[:200] for pair in pairs for part in pair if ":role/" in part)
        raise not_authorized(
            f"sts:{ACTION}",
            f"the assertion's {saml.ROLE_ATTRIBUTE} attribute pairs {provider.arn} with "
            f"{', '.join(granted[:5]) or 'no role'}{' and more' if len(granted) > 5 else ''}, "
            f"not with {role_arn[:200]}",
        )
    if not assertion.name_id:
        raise not_authorized(f"sts:{ACTION}", "the assertion's Subject has no NameID")
    names = attributes.get(saml.ROLE_SESSION_NAME_ATTRIBUTE, ())
    if not names:
        raise invalid_token(SESSION_NAME_REQUIRED)
    if not _SESSION_NAME.fullmatch(names[0]):
        raise invalid_token(SESSION_NAME_INVALID)
    duration = _session_duration(attributes.get(saml.SESSION_DURATION_ATTRIBUTE, ()))
    if duration is not None:
        longest = duration if longest is None else min(longest, duration)
    tags = tuple((name.removeprefix(PRINCIPAL_TAG), values[0]) for name, values in attributes.items()
                 if name.startswith(PRINCIPAL_TAG) and values)
    transitive = attributes.get(TRANSITIVE_TAG_KEYS, ())
    if not set(transitive) <= {key for key, _ in tags}:
        raise StsError(
            "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.", 400
        )
    subject_type = assertion.name_id_format.removeprefix(saml.NAMEID_FORMAT)
    account = provider.arn.split(":")[4]
    qualifier = name_qualifier(assertion.issuer, provider)
    conditions: dict[str, str | Sequence[str]] = {
        "saml:aud": recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.name_id,
        "saml:sub_type": subject_type,
        "saml:namequalifier": qualifier,
        "saml:doc": f"{account}/{provider.name}",
    }
    return Vouched(
        provider=provider.arn,
        names=(provider.arn,),
        issuer=assertion.issuer,
        subject=assertion.name_id,
        audience=recipient,
        session_name=names[0],
        subject_type=subject_type,
        conditions=conditions,
        tags=tags,
        transitive_tag_keys=tuple(transitive),
        source_identity=source_identity_checked(next(iter(attributes.get(SOURCE_IDENTITY, ())), None)),
        longest=longest,
    )


def _session_duration(values: Sequence[str]) -> int | None:
    if not values:
        return None
    if not values[0].isascii() or not values[0].isdigit() or not 900 <= int(values[0]) <= 43200:
        raise invalid_token("SessionDuration in AuthnResponse must be a number of seconds from 900 to 43200")
    return int(values[0])
