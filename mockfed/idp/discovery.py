"""What the identity providers a test holds publish at their own URLs: OpenID Connect discovery, keys, SAML metadata.

Code that checks tokens itself (PyJWT's ``PyJWKClient``, authlib, an API's own middleware)
reads the issuer's discovery document, ``ISSUER/.well-known/openid-configuration``, then the
JSON Web Key Set at the ``jwks_uri`` it names (here ``ISSUER/.well-known/jwks``, as GitHub
Actions publishes it). :func:`issuer_document` says which of those documents a URL names among
the issuers an account holds, read from the account at each question (an issuer made later, or
gone with a reset, counts at once). The requests and urllib doors answer those URLs while a mock
is active; ``mockfed serve`` serves the same documents under ``/_mockfed/oidc/`` and SAML
metadata (:func:`saml_metadata`) under ``/_mockfed/saml/``. Nothing here knows about HTTP.

Example::

    >>> from mockfed.state import State
    >>> from mockfed.idp.oidc import create_oidc_provider
    >>> state = State("123456789012")
    >>> github = create_oidc_provider(state, "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    >>> found = issuer_document(state.account, "https://token.actions.githubusercontent.com/.well-known/openid-configuration")
    >>> found["issuer"], found["jwks_uri"]
    ('https://token.actions.githubusercontent.com', 'https://token.actions.githubusercontent.com/.well-known/jwks')
    >>> issuer_document(state.account, found["jwks_uri"]) == github.jwks
    True
    >>> issuer_document(state.account, "https://gitlab.com/.well-known/openid-configuration") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mockfed.state.account import Account

__all__ = [
    "DISCOVERY_PATH",
    "JWKS_PATH",
    "held_issuer",
    "issuer_document",
    "jwks_path",
    "openid_configuration",
    "saml_metadata",
]

#: Where an issuer publishes its discovery document, after its own URL (OpenID Connect Discovery 1.0, section 4).
DISCOVERY_PATH = "/.well-known/openid-configuration"
#: Where mockfed's issuers publish their keys, after their own URL (GitHub Actions' place for them).
JWKS_PATH = "/.well-known/jwks"
#: The claims every token of :meth:`~mockfed.idp.oidc.OidcIdentityProvider.token` carries (others are the test's).
CLAIMS = ("aud", "exp", "iat", "iss", "sub")


#: An EKS cluster's issuer (``https://oidc.eks.REGION.amazonaws.com/id/CLUSTER``), which publishes its keys at
#: ``ISSUER/keys``.
_EKS_ISSUER = re.compile(r"https://oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/", re.IGNORECASE)


def jwks_path(issuer: str) -> str:
    """Where ``issuer`` publishes its keys, after its URL: EKS clusters at ``/keys`` (their discovery document's
    ``jwks_uri``), every other issuer at :data:`JWKS_PATH` (GitHub Actions' path).

    Example::

        >>> jwks_path("https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")
        '/keys'
        >>> jwks_path("https://token.actions.githubusercontent.com")
        '/.well-known/jwks'
    """
    return "/keys" if _EKS_ISSUER.match(issuer) else JWKS_PATH


def openid_configuration(issuer: str, jwks: Mapping[str, Any], jwks_uri: str | None = None) -> dict[str, Any]:
    """The discovery document of ``issuer`` whose keys are ``jwks``, served at ``jwks_uri`` (default: the issuer's
    own :data:`JWKS_PATH`): the members GitHub Actions' and EKS's documents carry.

    ``id_token_signing_alg_values_supported`` is what the keys are for (their ``alg``: RS256 for
    mockfed's issuers, the algorithm of :meth:`~mockfed.idp.oidc.OidcIdentityProvider.token` unless
    a test asks for another).

    Example::

        >>> document = openid_configuration("https://oidc.example.com", {"keys": [{"kty": "RSA", "alg": "RS256"}]})
        >>> document["jwks_uri"], document["id_token_signing_alg_values_supported"]
        ('https://oidc.example.com/.well-known/jwks', ['RS256'])
    """
    keys = jwks.get("keys")
    algorithms = sorted(
        {key["alg"] for key in keys if isinstance(key, Mapping) and isinstance(key.get("alg"), str)}
        if isinstance(keys, list)
        else set()
    )
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri or issuer + jwks_path(issuer),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms or ["RS256"],
        "scopes_supported": ["openid"],
        "claims_supported": list(CLAIMS),
    }


def issuer_document(account: Account, url: str) -> dict[str, Any] | None:
    """The document an issuer of ``account`` publishes at ``url``: its discovery document at
    ``ISSUER/.well-known/openid-configuration``, its keys at ``ISSUER/.well-known/jwks``; None for every other URL.

    ``url`` must be ``https`` on the issuer's host (any case, a trailing dot) and port, with the
    issuer's path exactly; its query is not read. Only issuers with published keys (made by
    :func:`~mockfed.idp.oidc.create_oidc_provider`) publish documents: an IAM provider made in moto
    has no issuer behind it.

    Example::

        >>> from mockfed.state import State
        >>> from mockfed.idp.oidc import create_oidc_provider
        >>> state = State("123456789012")
        >>> eks = create_oidc_provider(state, "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE")
        >>> keys = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE/keys"  # where EKS publishes them
        >>> issuer_document(state.account, "https://" + keys) == eks.jwks
        True
        >>> issuer_document(state.account, "https://OIDC." + keys.removeprefix("oidc.")) == eks.jwks
        True
        >>> issuer_document(state.account, "http://" + keys) is None
        True
    """
    asked = _place(url)
    if asked is None:
        return None
    for issuer in account.publishing_issuers():
        held = _place(issuer)
        if held is None or held[:2] != asked[:2]:
            continue
        keys = account.signing_keys(issuer)
        if keys is None:  # gone since the list was read
            continue
        if asked[2] == held[2] + DISCOVERY_PATH:
            return openid_configuration(issuer, keys)
        if asked[2] == held[2] + jwks_path(issuer):
            return dict(keys)
    return None


def held_issuer(account: Account, host_path: str) -> tuple[str, Mapping[str, Any]] | None:
    """The issuer ``https://HOST_PATH`` of ``account`` and its keys, matched exactly; None when it publishes none.

    Example::

        >>> from mockfed.state import State
        >>> from mockfed.idp.oidc import create_oidc_provider
        >>> state = State("123456789012")
        >>> _ = create_oidc_provider(state, "https://gitlab.example.com/oidc")
        >>> held_issuer(state.account, "gitlab.example.com/oidc")[0], held_issuer(state.account, "gitlab.example.com")
        ('https://gitlab.example.com/oidc', None)
    """
    issuer = "https://" + host_path
    keys = account.signing_keys(issuer) if issuer in account.publishing_issuers() else None
    return None if keys is None else (issuer, keys)


def saml_metadata(account: Account, name: str) -> str | None:
    """The metadata document (an ``EntityDescriptor`` with the IdP's signing certificate) of the account's SAML
    provider ``name``, as IAM holds it; None when there is no such provider or it has none.

    Example::

        >>> from mockfed.state import State
        >>> state = State("123456789012")
        >>> _ = state.account.create_saml_provider("Okta", "<md:EntityDescriptor/>")
        >>> saml_metadata(state.account, "Okta"), saml_metadata(state.account, "Entra")
        ('<md:EntityDescriptor/>', None)
    """
    provider = account.saml_provider(f"arn:aws:iam::{account.account_id}:saml-provider/{name}")
    return provider.metadata if provider is not None else None


def _place(url: str) -> tuple[str, int, str] | None:
    """An ``https`` URL's host (lower case, no trailing dot), port and path; None for any other URL."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:  # an unreadable URL or port
        return None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme.lower() != "https" or not host:
        return None
    return host, port, parts.path
