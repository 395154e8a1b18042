"""A SAML 2.0 identity provider a test holds (Okta, Entra ID, ADFS as AWS sees them), and SAML responses read back.

:func:`create_saml_provider` registers an IAM SAML provider whose metadata carries a
certificate of a fresh RSA key; the returned :class:`SamlIdentityProvider` issues base64 SAML
responses with a signed assertion for AWS (the ``Role`` and ``RoleSessionName`` attributes,
``Recipient`` ``https://signin.aws.amazon.com/saml``), timed by the backend's clock.
:func:`parse_response`, :func:`verify_response` and :func:`read_metadata` are what STS does with
a response it receives: the XML read without DTDs or entities, the XML signature checked
against the provider's certificates, and the assertion read from the signed XML only.

signxml (with lxml and ``cryptography``) signs and verifies: the ``saml`` extra,
``pip install 'mockfed[saml]'``; without it the functions here raise
:class:`~mockfed.errors.MissingExtraError`. The libraries are loaded on first use.

Example::

    >>> from mockfed.state import State
    >>> state = State("123456789012")
    >>> okta = create_saml_provider(state, "Okta")
    >>> response = okta.assertion("arn:aws:iam::123456789012:role/Admin", subject="alice@example.com")
    >>> parsed = parse_response(response)
    >>> parsed.issuer == okta.issuer
    True
    >>> assertion = verify_response(parsed, read_metadata(okta.metadata).certificates, state.clock.now())
    >>> assertion.name_id, assertion.attributes[ROLE_ATTRIBUTE]
    ('alice@example.com', ('arn:aws:iam::123456789012:role/Admin,arn:aws:iam::123456789012:saml-provider/Okta',))
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from mockfed.clock import Clock
from mockfed.errors import MissingExtraError, StsError, validation_error
from mockfed.state import State
from mockfed.state.records import SamlProvider

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = [
    "AWS_ENTITY_ID",
    "AWS_SAML_ENDPOINT",
    "ROLE_ATTRIBUTE",
    "ROLE_SESSION_NAME_ATTRIBUTE",
    "SESSION_DURATION_ATTRIBUTE",
    "SamlAssertion",
    "SamlError",
    "SamlIdentityProvider",
    "SamlMetadata",
    "SamlResponse",
    "SamlSignatureError",
    "attribute_name",
    "create_saml_provider",
    "parse_response",
    "read_metadata",
    "verify_response",
]

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
PASSWORD_PROTECTED_TRANSPORT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
NAMEID_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
#: The NameID format a NameID without one has (SAML core 8.3.1).
UNSPECIFIED_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

#: Where AWS takes SAML responses (the assertion's ``Recipient``), and its service-provider entity id.
AWS_SAML_ENDPOINT = "https://signin.aws.amazon.com/saml"
AWS_ENTITY_ID = "urn:amazon:webservices"
#: The attributes AWS reads (IAM User Guide, "Configure SAML assertions for the authentication response").
AWS_ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE = AWS_ATTRIBUTES + "Role"
ROLE_SESSION_NAME_ATTRIBUTE = AWS_ATTRIBUTES + "RoleSessionName"
SESSION_DURATION_ATTRIBUTE = AWS_ATTRIBUTES + "SessionDuration"

#: How long an IdP's assertion is good for, unless the test says otherwise (Okta's and ADFS's five minutes).
DEFAULT_VALIDITY = timedelta(minutes=5)


class SamlError(ValueError):
    """A SAML response that cannot be read as one; the message says why."""


class SamlSignatureError(SamlError):
    """A SAML response whose signature is absent or does not verify against the provider's certificates."""


@dataclass(frozen=True)
class SamlMetadata:
    """What an IdP's metadata document tells AWS: its entity id (the ``Issuer`` of its assertions) and the PEM
    certificates of its signing keys."""

    entity_id: str
    certificates: tuple[str, ...]


@dataclass(frozen=True)
class SamlResponse:
    """A SAML response parsed but not yet trusted: ``issuer`` (the assertion's, or the response's) is what it
    claims; only :func:`verify_response` reads it as the IdP signed it."""

    issuer: str | None
    data: bytes


@dataclass(frozen=True)
class SamlAssertion:
    """A verified assertion, read from the signed XML only.

    ``recipients`` are the ``Recipient``s of its bearer subject confirmations; ``not_on_or_after``
    the earliest ``NotOnOrAfter`` of those and of its conditions; ``attributes`` every attribute's
    values by name.
    """

    issuer: str
    name_id: str | None
    name_id_format: str
    issue_instant: datetime | None
    recipients: tuple[str, ...]
    audiences: tuple[str, ...]
    not_before: datetime | None
    not_on_or_after: datetime | None
    session_not_on_or_after: datetime | None
    attributes: Mapping[str, tuple[str, ...]]


def attribute_name(name: str) -> str:
    """The full name of an attribute: a short one (``RoleSessionName``, ``PrincipalTag:team``) is AWS's.

    Example::

        >>> attribute_name("PrincipalTag:team"), attribute_name("urn:oid:0.9.2342.19200300.100.1.3")
        ('https://aws.amazon.com/SAML/Attributes/PrincipalTag:team', 'urn:oid:0.9.2342.19200300.100.1.3')
    """
    return name if "://" in name or name.startswith("urn:") else AWS_ATTRIBUTES + name


@dataclass(frozen=True, kw_only=True)
class SamlIdentityProvider(SamlProvider):
    """A SAML identity provider registered in the account, holding the key its metadata certifies.

    It is the IAM provider (``arn``, ``name``, ``metadata``) with the IdP's entity id ``issuer``,
    its signing ``certificate`` (PEM) and key: :meth:`assertion` issues a base64 SAML response
    for ``AssumeRoleWithSAML``'s ``SAMLAssertion``. A provider made from your own IdP's metadata
    holds no key: it checks, it does not issue.

    Example::

        >>> from mockfed import FederationBackend
        >>> okta = FederationBackend().create_saml_provider("Okta", issuer="http://www.okta.com/exk1abcd")
        >>> okta.arn, okta.issuer
        ('arn:aws:iam::123456789012:saml-provider/Okta', 'http://www.okta.com/exk1abcd')
    """

    issuer: str
    clock: Clock = field(repr=False, compare=False)
    key_pem: bytes | None = field(default=None, repr=False, compare=False)
    certificate: str | None = field(default=None, repr=False)

    def assertion(
        self,
        role_arn: str | Sequence[str],
        *,
        subject: str = "user@example.com",
        subject_type: str = "persistent",
        session_name: str | None = None,
        attributes: Mapping[str, str | Sequence[str] | None] | None = None,
        session_duration: int | None = None,
        not_on_or_after: datetime | None = None,
        issued_at: datetime | None = None,
        recipient: str = AWS_SAML_ENDPOINT,
        audience: str = AWS_ENTITY_ID,
        sign: Literal["assertion", "response", "both", "none"] = "assertion",
    ) -> str:
        """A base64 SAML response, as the IdP posts it to AWS, asserting ``subject`` may take ``role_arn``.

        ``role_arn`` (one or several) fills the ``Role`` attribute as ``ROLE_ARN,PROVIDER_ARN``
        pairs (a value with a comma is taken as a whole pair); ``session_name`` (default: the
        subject) the ``RoleSessionName`` attribute; ``session_duration`` the ``SessionDuration``
        attribute. ``attributes`` add to or replace those (short names are AWS's, e.g.
        ``PrincipalTag:team`` or ``SourceIdentity``; ``None`` leaves one out). ``subject_type`` is
        the NameID format (``persistent``, ``transient``, ``emailAddress`` or a full URI).
        ``issued_at`` defaults to the backend clock's now, ``not_on_or_after`` to five minutes
        later. ``sign`` says what carries the signature.

        Example::

            >>> from mockfed import FederationBackend
            >>> okta = FederationBackend().create_saml_provider("Okta")
            >>> response = okta.assertion("arn:aws:iam::123456789012:role/Admin", subject="alice@example.com",
            ...                           attributes={"PrincipalTag:team": "blue"}, session_duration=1800)
            >>> b"alice@example.com" in base64.b64decode(response)
            True
        """
        if self.key_pem is None or self.certificate is None:
            raise ValueError(
                f"the SAML provider {self.name} was made from your IdP's metadata and holds no signing key: "
                "issue assertions with that IdP, or create the provider without metadata"
            )
        issued = issued_at or self.clock.now()
        roles = [role_arn] if isinstance(role_arn, str) else list(role_arn)
        values: dict[str, str | Sequence[str] | None] = {
            ROLE_ATTRIBUTE: [role if "," in role else f"{role},{self.arn}" for role in roles],
            ROLE_SESSION_NAME_ATTRIBUTE: subject if session_name is None else session_name,
        }
        if session_duration is not None:
            values[SESSION_DURATION_ATTRIBUTE] = str(session_duration)
        values.update({attribute_name(name): value for name, value in (attributes or {}).items()})
        document = _response_document(
            issuer=self.issuer,
            subject=subject,
            name_id_format=subject_type if ":" in subject_type else NAMEID_FORMAT + subject_type,
            attributes={name: value for name, value in values.items() if value is not None},
            issued=issued,
            not_on_or_after=not_on_or_after or issued + DEFAULT_VALIDITY,
            recipient=recipient,
            audience=audience,
        )
        signed = _sign(document, self.key_pem, self.certificate, sign)
        return base64.b64encode(signed).decode("ascii")


def create_saml_provider(
    state: State, name: str, metadata: str | None = None, *, issuer: str | None = None
) -> SamlIdentityProvider:
    """Register an IAM SAML provider ``name``: from your IdP's ``metadata``, or (None) from a fresh key and
    certificate of an IdP whose entity id is ``issuer`` (default ``https://idp.example.com/NAME``).

    Example::

        >>> state = State("123456789012")
        >>> adfs = create_saml_provider(state, "ADFS", issuer="http://adfs.example.com/adfs/services/trust")
        >>> copy = create_saml_provider(State("123456789012"), "ADFS", adfs.metadata)  # checks, cannot issue
        >>> copy.issuer, copy.certificate is None
        ('http://adfs.example.com/adfs/services/trust', True)
    """
    for value, at, what in ((metadata, "samlMetadataDocument", "the IdP's metadata XML"), (issuer, "issuer", "a URI")):
        if value is not None and not isinstance(value, str):
            raise validation_error([f"Value '{value!r}' at '{at}' failed to satisfy constraint: Member must be {what} "
                                    "(a string)"])
    if metadata is not None:
        try:
            entity_id = read_metadata(metadata).entity_id
        except SamlError:
            raise StsError("InvalidInput", "Could not parse metadata", 400) from None  # IAM's CreateSAMLProvider
        record = state.account.create_saml_provider(name, metadata)
        return SamlIdentityProvider(**dataclasses.asdict(record), issuer=entity_id, clock=state.clock)
    entity_id = issuer or f"https://idp.example.com/{name}"
    key_pem, certificate = _key_and_certificate(entity_id)
    record = state.account.create_saml_provider(name, _metadata_document(entity_id, certificate))
    return SamlIdentityProvider(
        **dataclasses.asdict(record), issuer=entity_id, clock=state.clock, key_pem=key_pem, certificate=certificate
    )


# ---- reading what STS receives --------------------------------------------------------------------------------


def parse_response(encoded: str) -> SamlResponse:
    """The SAML response in ``SAMLAssertion`` (base64, line breaks allowed), parsed without trusting it.

    Example::

        >>> parse_response("bm90IHhtbA==")
        Traceback (most recent call last):
        ...
        mockfed.idp.saml.SamlError: SAMLAssertion is not a SAML response: its XML does not parse
    """
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except ValueError:
        raise SamlError("SAMLAssertion is not base64 of a SAML response") from None
    root = _parse(data, "SAMLAssertion is not a SAML response")
    if root.tag != f"{{{PROTOCOL}}}Response":
        raise SamlError("SAMLAssertion is not a SAML response: its root is not a samlp:Response")
    assertion = root.find(f"{{{ASSERTION}}}Assertion")
    issuer = _text(assertion if assertion is not None else root, "Issuer")
    return SamlResponse(issuer, data)


def verify_response(response: SamlResponse, certificates: Sequence[str], at: datetime) -> SamlAssertion:
    """The response's one assertion, with its signature (on the assertion or on the response) verified against one
    of ``certificates`` (PEM, valid at ``at``) and read from the signed XML only, so that nothing around the
    signed part (a wrapped second assertion, a comment inside the NameID) counts.

    Example::

        >>> state = State("123456789012")
        >>> okta = create_saml_provider(state, "Okta")
        >>> unsigned = parse_response(okta.assertion("arn:aws:iam::123456789012:role/R", sign="none"))
        >>> verify_response(unsigned, [okta.certificate or ""], state.clock.now())
        Traceback (most recent call last):
        ...
        mockfed.idp.saml.SamlSignatureError: Neither the SAML response nor its assertion is signed
    """
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    root = _parse(response.data, "SAMLAssertion is not a SAML response")
    assertions = root.findall(f"{{{ASSERTION}}}Assertion")
    if len(assertions) != 1:
        encrypted = root.find(f"{{{ASSERTION}}}EncryptedAssertion") is not None
        raise SamlError(
            "Encrypted SAML assertions are not simulated: send the assertion unencrypted"
            if encrypted
            else f"A SAML response for AWS carries exactly one Assertion, not {len(assertions)}"
        )
    if assertions[0].find(f"{{{DSIG}}}Signature") is not None:
        location = f"./{{{ASSERTION}}}Assertion/"
    elif root.find(f"{{{DSIG}}}Signature") is not None:
        location = "./"
    else:
        raise SamlSignatureError("Neither the SAML response nor its assertion is signed")
    config = SignatureConfiguration(location=location, expect_references=1, verification_time=at)
    for certificate in certificates:
        try:
            verified = XMLVerifier().verify(response.data, x509_cert=certificate, expect_config=config)
        except Exception:  # whatever signxml, lxml or cryptography raise on hostile XML, nothing was verified
            continue
        if isinstance(verified, list):  # expect_references=1 gives one result
            continue
        signed = verified.signed_xml
        if signed is not None and signed.tag == f"{{{PROTOCOL}}}Response":
            inner = signed.findall(f"{{{ASSERTION}}}Assertion")
            signed = inner[0] if len(inner) == 1 else None
        if signed is not None and signed.get("ID") == assertions[0].get("ID"):
            return _assertion(signed)
    raise SamlSignatureError("The signature does not verify against the provider's certificates")


def read_metadata(document: str) -> SamlMetadata:
    """The entity id and signing certificates of an IdP's SAML metadata document.

    Example::

        >>> read_metadata('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        ...               'entityID="http://www.okta.com/exk1"/>')
        SamlMetadata(entity_id='http://www.okta.com/exk1', certificates=())
    """
    root = _parse(document.encode("utf-8"), "The SAML metadata document")
    descriptor = root.find(f".//{{{METADATA}}}EntityDescriptor")
    if root.tag == f"{{{METADATA}}}EntityDescriptor":
        descriptor = root
    entity_id = descriptor.get("entityID") if descriptor is not None else None
    if descriptor is None or not entity_id:
        raise SamlError("The SAML metadata document has no EntityDescriptor with an entityID")
    certificates = []
    for key in descriptor.iterfind(f"{{{METADATA}}}IDPSSODescriptor/{{{METADATA}}}KeyDescriptor"):
        if key.get("use") in (None, "signing"):
            for element in key.iterfind(f"{{{DSIG}}}KeyInfo/{{{DSIG}}}X509Data/{{{DSIG}}}X509Certificate"):
                body = "".join((element.text or "").split())
                pem = "\n".join(textwrap.wrap(body, 64))
                certificates.append(f"-----BEGIN CERTIFICATE-----\n{pem}\n-----END CERTIFICATE-----\n")
    return SamlMetadata(entity_id, tuple(certificates))


# ---- the XML ----------------------------------------------------------------------------------------------------


def _libraries_present() -> None:
    """Raise :class:`~mockfed.errors.MissingExtraError` when the ``saml`` extra is not installed."""
    try:
        import lxml.etree  # noqa: F401
        import signxml  # noqa: F401
    except ImportError as error:
        raise MissingExtraError("SAML federation", "saml", "signxml") from error


def _parse(data: bytes, what: str) -> _Element:
    """XML as STS reads it: no DTD, no entities, no network."""
    _libraries_present()
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        raise SamlError(f"{what}: its XML does not parse") from None
    if root is None or root.getroottree().docinfo.doctype:
        raise SamlError(f"{what}: a document type declaration is not allowed")
    return root


def _text(parent: _Element, tag: str) -> str | None:
    element = parent.find(f"{{{ASSERTION}}}{tag}")
    return None if element is None else (element.text or "").strip()


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SamlError(f"{value!r} is not a SAML time (xs:dateTime)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _assertion(element: _Element) -> SamlAssertion:
    """The fields AWS reads from a (verified) assertion."""
    name_id = element.find(f"{{{ASSERTION}}}Subject/{{{ASSERTION}}}NameID")
    recipients: list[str] = []
    ends: list[datetime] = []
    for confirmation in element.iterfind(f"{{{ASSERTION}}}Subject/{{{ASSERTION}}}SubjectConfirmation"):
        data = confirmation.find(f"{{{ASSERTION}}}SubjectConfirmationData")
        if confirmation.get("Method") != BEARER or data is None:
            continue
        recipients.append(data.get("Recipient") or "")
        end = _instant(data.get("NotOnOrAfter"))
        ends += [end] if end is not None else []
    conditions = element.find(f"{{{ASSERTION}}}Conditions")
    not_before = None
    audiences: list[str] = []
    if conditions is not None:
        not_before = _instant(conditions.get("NotBefore"))
        end = _instant(conditions.get("NotOnOrAfter"))
        ends += [end] if end is not None else []
        audiences = [(audience.text or "").strip() for audience in conditions.iter(f"{{{ASSERTION}}}Audience")]
    authn = element.find(f"{{{ASSERTION}}}AuthnStatement")
    attributes: dict[str, tuple[str, ...]] = {}
    for attribute in element.iterfind(f"{{{ASSERTION}}}AttributeStatement/{{{ASSERTION}}}Attribute"):
        values = tuple((value.text or "").strip() for value in attribute.iterfind(f"{{{ASSERTION}}}AttributeValue"))
        name = attribute.get("Name") or ""
        attributes[name] = attributes.get(name, ()) + values
    return SamlAssertion(
        issuer=_text(element, "Issuer") or "",
        name_id=(name_id.text or "").strip() if name_id is not None else None,
        name_id_format=(name_id.get("Format") if name_id is not None else None) or UNSPECIFIED_FORMAT,
        issue_instant=_instant(element.get("IssueInstant")),
        recipients=tuple(recipients),
        audiences=tuple(audiences),
        not_before=not_before,
        not_on_or_after=min(ends) if ends else None,
        session_not_on_or_after=_instant(authn.get("SessionNotOnOrAfter")) if authn is not None else None,
        attributes=attributes,
    )


def _xml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _response_document(
    *,
    issuer: str,
    subject: str,
    name_id_format: str,
    attributes: Mapping[str, str | Sequence[str]],
    issued: datetime,
    not_on_or_after: datetime,
    recipient: str,
    audience: str,
) -> _Element:
    """A SAML response as IdPs send AWS one, unsigned: the Response, its Issuer and Status, one Assertion."""
    _libraries_present()
    from lxml import etree

    def child(parent: _Element, namespace: str, tag: str, text: str | None = None, **attrs: str) -> _Element:
        element = etree.SubElement(parent, f"{{{namespace}}}{tag}", attrs)
        element.text = text
        return element

    now, until = _xml_time(issued), _xml_time(not_on_or_after)
    response = etree.Element(
        f"{{{PROTOCOL}}}Response",
        {"ID": _new_id(), "Version": "2.0", "IssueInstant": now, "Destination": recipient},
        nsmap={"samlp": PROTOCOL, "saml": ASSERTION},
    )
    child(response, ASSERTION, "Issuer", issuer)
    child(child(response, PROTOCOL, "Status"), PROTOCOL, "StatusCode", Value=SUCCESS)
    assertion = child(response, ASSERTION, "Assertion", ID=_new_id(), Version="2.0", IssueInstant=now)
    child(assertion, ASSERTION, "Issuer", issuer)
    subject_element = child(assertion, ASSERTION, "Subject")
    child(subject_element, ASSERTION, "NameID", subject, Format=name_id_format)
    confirmation = child(subject_element, ASSERTION, "SubjectConfirmation", Method=BEARER)
    child(confirmation, ASSERTION, "SubjectConfirmationData", NotOnOrAfter=until, Recipient=recipient)
    conditions = child(assertion, ASSERTION, "Conditions", NotBefore=now, NotOnOrAfter=until)
    child(child(conditions, ASSERTION, "AudienceRestriction"), ASSERTION, "Audience", audience)
    authn = child(assertion, ASSERTION, "AuthnStatement", AuthnInstant=now, SessionIndex=_new_id())
    context = child(authn, ASSERTION, "AuthnContext")
    child(context, ASSERTION, "AuthnContextClassRef", PASSWORD_PROTECTED_TRANSPORT)
    statement = child(assertion, ASSERTION, "AttributeStatement")
    for name, value in attributes.items():
        attribute = child(statement, ASSERTION, "Attribute", Name=name)
        for item in [value] if isinstance(value, str) else value:
            child(attribute, ASSERTION, "AttributeValue", item)
    return response


def _sign(
    response: _Element, key_pem: bytes, certificate: str, where: Literal["assertion", "response", "both", "none"]
) -> bytes:
    """The response's bytes with an enveloped RSA-SHA256 signature on the assertion, the response, or both, placed
    after the element's Issuer as the SAML schema orders it."""
    from lxml import etree
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
    from signxml.signer import XMLSigner

    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )

    def signed(element: _Element) -> _Element:
        placeholder = etree.Element(f"{{{DSIG}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DSIG})
        issuer = element.find(f"{{{ASSERTION}}}Issuer")
        assert issuer is not None
        issuer.addnext(placeholder)
        return signer.sign(element, key=key_pem, cert=certificate, reference_uri="#" + str(element.get("ID")))

    if where in ("assertion", "both"):
        assertion = response.find(f"{{{ASSERTION}}}Assertion")
        assert assertion is not None
        response.replace(assertion, signed(assertion))
    if where in ("response", "both"):
        response = signed(response)
    return bytes(etree.tostring(response, xml_declaration=True, encoding="UTF-8"))


def _metadata_document(entity_id: str, certificate: str) -> str:
    """IdP metadata as Okta or ADFS export it: the entity id, one signing certificate, a sign-on endpoint."""
    _libraries_present()
    from lxml import etree

    body = "".join(line for line in certificate.splitlines() if "-----" not in line)
    root = etree.Element(f"{{{METADATA}}}EntityDescriptor", {"entityID": entity_id}, nsmap={"md": METADATA})
    idp = etree.SubElement(
        root,
        f"{{{METADATA}}}IDPSSODescriptor",
        {"WantAuthnRequestsSigned": "false", "protocolSupportEnumeration": PROTOCOL},
    )
    key = etree.SubElement(idp, f"{{{METADATA}}}KeyDescriptor", {"use": "signing"})
    info = etree.SubElement(key, f"{{{DSIG}}}KeyInfo", nsmap={"ds": DSIG})
    etree.SubElement(etree.SubElement(info, f"{{{DSIG}}}X509Data"), f"{{{DSIG}}}X509Certificate").text = body
    for name_id_format in ("persistent", "transient"):
        etree.SubElement(idp, f"{{{METADATA}}}NameIDFormat").text = NAMEID_FORMAT + name_id_format
    etree.SubElement(
        idp,
        f"{{{METADATA}}}SingleSignOnService",
        {"Binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "Location": entity_id.rstrip("/") + "/sso"},
    )
    return str(etree.tostring(root, encoding="unicode"))


def _key_and_certificate(entity_id: str) -> tuple[bytes, str]:
    """A fresh RSA key (PEM) and a self-signed certificate for it (PEM), valid whatever the test's clock says."""
    _libraries_present()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, entity_id[:64])])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(1970, 1, 2, tzinfo=UTC))
        .not_valid_after(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _new_id() -> str:
    """An XML ID as IdPs make them (an NCName: it may not start with a digit)."""
    return "_" + secrets.token_hex(16)

