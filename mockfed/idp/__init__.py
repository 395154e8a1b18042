"""Identity providers outside AWS, as a test holds them: they issue what STS's federation actions check.

:mod:`mockfed.idp.oidc` is an OpenID Connect issuer (GitHub Actions, EKS, Google, your own)
that mints signed ID tokens for AssumeRoleWithWebIdentity; :mod:`mockfed.idp.saml` a SAML 2.0
identity provider (Okta, Entra ID, ADFS) that issues signed SAML responses for
AssumeRoleWithSAML. Each registers itself as an IAM identity provider of the account, and
each module also reads what STS receives (tokens, SAML responses, metadata);
:mod:`mockfed.idp.discovery` is what they publish at their own URLs (discovery documents, keys,
metadata). Nothing here knows about HTTP; the cryptography libraries load on first use.
"""

from mockfed.idp.oidc import OidcIdentityProvider, create_oidc_provider
from mockfed.idp.saml import SamlIdentityProvider, create_saml_provider

__all__ = ["OidcIdentityProvider", "SamlIdentityProvider", "create_oidc_provider", "create_saml_provider"]
