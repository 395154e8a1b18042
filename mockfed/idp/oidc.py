"""An OpenID Connect issuer a test holds: it signs ID tokens with its own RSA key and publishes that key.

:func:`create_oidc_provider` registers the issuer as an IAM OpenID Connect provider of the
account and publishes its JSON Web Key Set where STS looks for it; the returned
:class:`OidcIdentityProvider` mints tokens (``iat``/``exp`` by the backend's clock) as GitHub
Actions, EKS or any OIDC issuer would. :func:`read_token` and :func:`verify_signature` are
what STS does with a token it receives. PyJWT and ``cryptography`` do the JOSE work; they
are loaded on first use, so ``import mockfed`` stays light.

Example::

    >>> from mockfed.state import State
    >>> state = State("123456789012")
    >>> github = create_oidc_provider(state, "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    >>> header, claims = read_token(github.token(sub="repo:acme/app:ref:refs/heads/main"))
    >>> header["alg"], claims["aud"], claims["exp"] - claims["iat"]
    ('RS256', 'sts.amazonaws.com', 300)
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockfed.clock import Clock
from mockfed.state import State
from mockfed.state.records import OidcProvider

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["OidcIdentityProvider", "TokenError", "create_oidc_provider", "read_token", "verify_signature"]

#: What GitHub Actions' tokens live: five minutes.
DEFAULT_TOKEN_SECONDS = 300
#: The audience AWS's own tooling asks issuers for (configure-aws-credentials, EKS).
DEFAULT_AUDIENCE = "sts.amazonaws.com"


class TokenError(ValueError):
    """A web identity token that cannot be read or whose signature does not verify; the message says why."""


@dataclass(frozen=True, kw_only=True)
class OidcIdentityProvider(OidcProvider):
    """An OpenID Connect issuer (GitHub Actions, an EKS cluster, Google, your own) registered in the account.

    It is the IAM provider (``arn``, ``url``, ``client_ids``, ``thumbprints``) with the issuer's key:
    :meth:`token` mints a signed ID token; :meth:`write_token_file` writes one where
    ``AWS_WEB_IDENTITY_TOKEN_FILE`` points.

    Example::

        >>> from mockfed import FederationBackend
        >>> eks = FederationBackend().create_oidc_provider(
        ...     "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", ["sts.amazonaws.com"])
        >>> eks.arn
        'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
        >>> token = eks.token(sub="system:serviceaccount:default:reader")
    """

    clock: Clock = field(repr=False, compare=False)
    key: RSAPrivateKey = field(repr=False, compare=False)
    key_id: str

    @property
    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set the issuer publishes (its ``jwks_uri`` document)."""
        from jwt.algorithms import RSAAlgorithm

        key: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        key.update(kid=self.key_id, alg="RS256", use="sig")
        return {"keys": [key]}

    def token(
        self,
        sub: str = "mockfed-subject",
        aud: str | Sequence[str] | None = None,
        expires_in: float = DEFAULT_TOKEN_SECONDS,
        *,
        algorithm: str = "RS256",
        headers: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A signed ID token of this issuer: ``iss``, ``sub``, ``aud`` (default: the first client id, or
        ``sts.amazonaws.com``), ``iat`` now
        and ``exp`` ``expires_in`` seconds later by the backend's clock, then ``claims`` (which win).

        ``algorithm`` is RS256, RS384 or RS512; ``headers`` adds to (or replaces) the JOSE header
        (``kid`` is this issuer's key). Give ``exp=None`` (or any claim ``None``) to leave it out.

        Example::

            >>> from mockfed import FederationBackend
            >>> github = FederationBackend().create_oidc_provider(
            ...     "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
            >>> token = github.token(sub="repo:acme/app:ref:refs/heads/main", repository="acme/app")
            >>> token.count(".")
            2
        """
        import jwt

        now = int(self.clock.timestamp())
        audience: str | list[str]
        if aud is None:
            audience = self.client_ids[0] if self.client_ids else DEFAULT_AUDIENCE
        else:
            audience = aud if isinstance(aud, str) else list(aud)
        payload: dict[str, Any] = {
            "iss": self.url,
            "sub": sub,
            "aud": audience,
            "iat": now,
            "exp": int(now + expires_in),
            **claims,
        }
        header = {"kid": self.key_id, **(headers or {})}
        present = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(present, self.key, algorithm=algorithm, headers=header)

    def write_token_file(self, path: str | os.PathLike[str], **token: Any) -> Path:
        """Write a fresh :meth:`token` (same arguments) to ``path``, as a CI runner or the kubelet does for
        ``AWS_WEB_IDENTITY_TOKEN_FILE``; returns the path.

        Example::

            >>> import tempfile
            >>> from mockfed import FederationBackend
            >>> github = FederationBackend().create_oidc_provider(
            ...     "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     written = github.write_token_file(Path(folder) / "token", sub="repo:acme/app:ref:refs/heads/main")
            ...     written.read_text().count(".")
            2
        """
        target = Path(path)
        target.write_text(self.token(**token), encoding="ascii")
        return target


def create_oidc_provider(
    state: State, url: str, client_ids: Sequence[str] = (), thumbprints: Sequence[str] = ()
) -> OidcIdentityProvider:
    """Register the issuer ``url`` as an IAM OpenID Connect provider of the account, with a fresh RSA key whose
    public half it publishes for STS; returns the issuer, ready to mint tokens.

    Example::

        >>> state = State("123456789012")
        >>> issuer = create_oidc_provider(state, "https://gitlab.example.com", ["sts.amazonaws.com"])
        >>> state.account.signing_keys("https://gitlab.example.com") == issuer.jwks
        True
    """
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    record = state.account.create_oidc_provider(url, client_ids, thumbprints)
    provider = OidcIdentityProvider(
        **dataclasses.asdict(record), clock=state.clock, key=key, key_id=secrets.token_hex(8)
    )
    state.account.publish_signing_keys(record.url, provider.jwks)
    return provider


def read_token(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JOSE header and the claims of a compact JWS, unverified; :class:`TokenError` if it is not one.

    Example::

        >>> read_token("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
        ({'alg': 'none'}, {'sub': 'x'})
        >>> read_token("hello")
        Traceback (most recent call last):
        ...
        mockfed.idp.oidc.TokenError: The web identity token is not a JSON Web Token (Not enough segments)
    """
    import jwt

    try:
        parts = jwt.PyJWS().decode_complete(token, options={"verify_signature": False})
        claims = json.loads(parts["payload"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise TokenError(f"The web identity token is not a JSON Web Token ({error})") from None
    if not isinstance(claims, dict):
        raise TokenError("The web identity token's payload is not a JSON object of claims")
    return dict(parts["header"]), claims


def verify_signature(token: str, algorithm: str, jwks: Mapping[str, Any]) -> None:
    """Check ``token``'s signature (made with ``algorithm``) against the issuer's published keys: the key its
    ``kid`` names, or any of them if it names none. :class:`TokenError` if none verifies it.

    Example::

        >>> issuer = create_oidc_provider(State("123456789012"), "https://issuer.example.com")
        >>> verify_signature(issuer.token(), "RS256", issuer.jwks)
        >>> verify_signature(issuer.token()[:-4] + "AAAA", "RS256", issuer.jwks)
        Traceback (most recent call last):
        ...
        mockfed.idp.oidc.TokenError: The web identity token's signature does not verify against its issuer's keys
    """
    import jwt

    try:
        keys = jwt.PyJWKSet.from_dict(dict(jwks)).keys
        key_id = jwt.get_unverified_header(token).get("kid")
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        raise TokenError(f"The issuer's keys cannot check this token ({error})") from None
    candidates = [key for key in keys if key_id is None or key.key_id == key_id]
    if not candidates:
        raise TokenError(f"The issuer publishes no key with the token's kid {key_id!r}")
    for key in candidates:
        try:
            jwt.PyJWS().decode(token, key=key.key, algorithms=[algorithm])
        except (jwt.PyJWTError, ValueError, TypeError):
            continue
        return
    raise TokenError("The web identity token's signature does not verify against its issuer's keys")
