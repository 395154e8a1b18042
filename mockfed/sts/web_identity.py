"""AssumeRoleWithWebIdentity: a role session for whoever an OpenID Connect issuer's ID token names.

Checked as the service checks it, with its codes and, where public captures show them, its
messages: the model's limits; the token a signed JWT (RS256/384/512 or ES256/384/512 only:
``none`` and HMAC are refused); its ``iss`` an IAM OpenID Connect provider of the role's
account; its signature by a key the issuer publishes; ``exp`` an integer not yet passed by the
backend clock, with IAM's five minutes of leeway (``ExpiredTokenException``); ``iat``/``nbf``
not in the future; ``aud`` one of the provider's client ids; then the role's trust policy
(``Federated`` principal = the provider, conditions on ``HOST/PATH:aud``, ``:sub``, ``:amr``,
``:azp``) and the duration. ``ProviderId`` (OAuth 2.0 access tokens of Login with Amazon and
Facebook) is validated, and such tokens are refused as those providers refuse a token they did
not issue: mockfed hosts no Amazon or Facebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockfed import errors
from mockfed.errors import StsError
from mockfed.idp import oidc
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import OidcProvider, Principal
from mockfed.sts.federated_role import Vouched, assume_for_provider, invalid_token, source_identity_checked
from mockfed.sts.roles import answer_role_session, role_arn_checked
from mockfed.sts.session_policy import LIST_MAX

__all__ = ["SIGNING_ALGORITHMS", "assume_role_with_web_identity"]

ACTION = "AssumeRoleWithWebIdentity"
#: The model's documentation: "Tokens must be signed using either RSA keys (RS256, RS384, or RS512) or ECDSA keys
#: (ES256, ES384, or ES512)."
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
#: IAM's leeway past a token's ``exp`` (IAM User Guide, "Create an OpenID Connect (OIDC) identity provider").
CLOCK_SKEW_SECONDS = 300
#: The only providers of OAuth 2.0 access tokens the service accepts (model: ``ProviderId``).
OAUTH_PROVIDERS = ("www.amazon.com", "graph.facebook.com")
#: Session tags and source identity, as an issuer puts them in its tokens (IAM User Guide, "Passing session tags
#: using AssumeRoleWithWebIdentity").
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
#: Claims a trust policy can test, as ``HOST/PATH:CLAIM`` (IAM User Guide, "Available keys for AWS web identity
#: federation"); any other claim gives no condition key.
CONDITION_CLAIMS = ("aud", "sub", "amr", "azp")

# Messages captured from the service (docs/web-identity.md lists the sources).
NO_PROVIDER = "No OpenIDConnect provider found in your account for {issuer}"
NO_KEYS = (
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity "
    "documentation for requirements"
)
WRONG_AUDIENCE = "Incorrect token audience"
EXPIRED = "Token expired: current date/time {now} must be before the expiration date/time{exp}"


def assume_role_with_web_identity(
    state: State, caller: Principal, params: Mapping[str, Any], region: str
) -> dict[str, Any]:
    """``AssumeRoleWithWebIdentity``: the request needs no signature; the token is the proof.

    Example::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> github = backend.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
        >>> role = backend.create_role("Deploy", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        ...     "Principal": {"Federated": github.arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]})
        >>> out = assume_role_with_web_identity(backend.state, backend.default_user, {
        ...     "RoleArn": role.arn, "RoleSessionName": "ci", "WebIdentityToken": github.token(sub="repo:acme/app")},
        ...     "us-east-1")
        >>> out["SubjectFromWebIdentityToken"], out["Provider"] == github.arn, out["AssumedRoleUser"]["Arn"]
        ('repo:acme/app', True, 'arn:aws:sts::123456789012:assumed-role/Deploy/ci')
    """
    if state.account.region_disabled(region):
        raise errors.region_disabled(state.account_id)
    check_request(ACTION, params, list_max=LIST_MAX)
    role_arn = role_arn_checked(params["RoleArn"])
    if params.get("ProviderId") is not None:
        _refuse_oauth_token(params["ProviderId"])
    vouched = _vouched(state, role_arn, params)
    session = assume_for_provider(state, f"sts:{ACTION}", params, region, vouched)
    answer = answer_role_session(session, params)
    answer.update(SubjectFromWebIdentityToken=vouched.subject, Audience=vouched.audience, Provider=vouched.provider)
    return answer


def _vouched(state: State, role_arn: str, params: Mapping[str, Any]) -> Vouched:
    """The token read, its provider found, its signature and claims checked: what it vouches for."""
    token = params["WebIdentityToken"]
    try:
        header, claims = oidc.read_token(token)
    except oidc.TokenError as error:
        raise invalid_token(str(error)) from None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in SIGNING_ALGORITHMS:
        accepted = ", ".join(sorted(SIGNING_ALGORITHMS))
        raise invalid_token(f"The token's algorithm {algorithm!r} is not accepted: sign it with one of {accepted}")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise invalid_token("The token has no iss claim: STS finds the OpenID Connect provider by it")
    _, partition, _, _, account, _ = role_arn.split(":", 5)
    host_path = issuer.removeprefix("https://").rstrip("/")
    provider = state.account.oidc_provider(f"arn:{partition}:iam::{account}:oidc-provider/{host_path}")
    if provider is None or issuer != provider.url:  # the provider's URL exactly: https://, no trailing slash
        raise invalid_token(NO_PROVIDER.format(issuer=issuer))
    keys = state.account.signing_keys(provider.url)
    if keys is None:
        raise invalid_token(NO_KEYS)
    try:
        oidc.verify_signature(token, algorithm, keys)
    except oidc.TokenError as error:
        raise invalid_token(str(error)) from None
    _check_times(claims, state.clock.timestamp())
    audience = _audience(claims, provider)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise invalid_token("The token has no sub claim")
    tags, transitive = _session_tags(claims)
    conditions: dict[str, str | Sequence[str]] = {}
    for claim in CONDITION_CLAIMS:
        value = audience if claim == "aud" else claims.get(claim)
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            conditions[f"{provider.host_path}:{claim}"] = value
    return Vouched(
        provider=provider.arn,
        names=(provider.arn, provider.host_path),
        issuer=issuer,
        subject=subject,
        audience=audience,
        session_name=params["RoleSessionName"],
        conditions=conditions,
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity_checked(claims.get(SOURCE_IDENTITY_CLAIM)),
    )


def _refuse_oauth_token(provider_id: str) -> None:
    """OAuth 2.0 access tokens go to their provider to be checked: mockfed hosts none, so no token is one it issued."""
    if provider_id not in OAUTH_PROVIDERS:
        raise StsError(
            "InvalidParameterValue",
            f"ProviderId {provider_id} is not supported: it is {' or '.join(OAUTH_PROVIDERS)} for an OAuth 2.0 access "
            "token, and left out for an OpenID Connect ID token",
            400,
        )
    raise StsError("IDPRejectedClaim", f"{provider_id}: {provider_id} responded with HTTP/1.1 400 Bad Request", 403)


def _integer_claim(claims: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_token(f"The token's {name} claim must be an integer (seconds since the epoch)")
    return value


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    expires = _integer_claim(claims, "exp", required=True)
    assert expires is not None
    if now >= expires + CLOCK_SKEW_SECONDS:
        raise StsError("ExpiredTokenException", EXPIRED.format(now=int(now), exp=expires), 400)
    for name in ("iat", "nbf"):
        moment = _integer_claim(claims, name)
        if moment is not None and moment > now + CLOCK_SKEW_SECONDS:
            raise invalid_token(f"The token is not yet valid: its {name} is in the future")


def _audience(claims: Mapping[str, Any], provider: OidcProvider) -> str:
    """The token's audience the provider accepts (one of a list of audiences is enough)."""
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    for candidate in audiences:
        if isinstance(candidate, str) and candidate in provider.client_ids:
            return candidate
    raise invalid_token(WRONG_AUDIENCE)


def _session_tags(claims: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The session tags an issuer passes: ``{"principal_tags": {"K": ["v"]}, "transitive_tag_keys": ["K"]}``."""
    given = claims.get(TAGS_CLAIM)
    if given is None:
        return (), ()
    principal_tags = given.get("principal_tags", {}) if isinstance(given, dict) else None
    transitive = given.get("transitive_tag_keys", []) if isinstance(given, dict) else None
    if (
        not isinstance(principal_tags, dict)
        or not all(_single_string(value) for value in principal_tags.values())
        or not isinstance(transitive, list)
        or not all(isinstance(key, str) and key in principal_tags for key in transitive)
    ):
        raise invalid_token(
            f"The token's {TAGS_CLAIM} claim must be {{\"principal_tags\": {{KEY: [VALUE]}}, "
            "\"transitive_tag_keys\": [KEY, ...]}"
        )
    return tuple((key, value[0]) for key, value in principal_tags.items()), tuple(transitive)


def _single_string(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 1 and isinstance(value[0], str)
