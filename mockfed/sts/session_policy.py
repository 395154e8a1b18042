"""What every credential-issuing action checks of the session it is asked for, and how sessions are issued.

Session policies (an inline ``Policy`` and up to ten ``PolicyArns``), session ``Tags`` and the
packed size they take in the token are checked the same way by GetFederationToken and the
AssumeRole family; :func:`issue` gives a session its credentials and registers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from mockfed import errors
from mockfed.errors import StsError, validation_error
from mockfed.iam import packing
from mockfed.iam.grammar import parse_policy
from mockfed.model.limits import check_request
from mockfed.state import State
from mockfed.state.records import Principal, Session

__all__ = [
    "LIST_MAX",
    "POLICY_ARNS_MAX",
    "SESSION_POLICY_TEXT_MAX",
    "Requested",
    "access_denied",
    "answer_credentials",
    "check_provider_tags",
    "issue",
    "requested_session",
    "tag_context",
]

#: Limits the documentation states but the service model does not carry.
POLICY_ARNS_MAX = 10
SESSION_POLICY_TEXT_MAX = 2048
LIST_MAX = (("PolicyArns", POLICY_ARNS_MAX),)
_TAGS_ONLY = frozenset({"Tags"})

_S = TypeVar("_S", bound=Session)


class Requested(NamedTuple):
    """The session policies and tags a request asks for, checked, and their packed form."""

    policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    packed: packing.PackedSession


def requested_session(
    state: State, params: Mapping[str, Any], *, inherited_tags: Sequence[tuple[str, str]] = ()
) -> Requested:
    """The request's session policies and tags, with the service's checks in its order.

    The inline policy and the policy ARNs together may hold 2,048 characters; tag keys are
    unique regardless of case; the inline policy follows the grammar and names no principal;
    each ARN names a managed policy of the account or of AWS; the packed policies and tags
    (``inherited_tags`` too: transitive tags of the calling session) fit in the token.
    """
    _check_documented_limits(params)
    policy: str | None = params.get("Policy")
    parsed = parse_policy(policy, session=True) if policy is not None else None
    arns = tuple(entry["arn"] for entry in params.get("PolicyArns") or ())
    for arn in arns:
        if state.account.managed_policy(arn) is None:
            raise errors.malformed_policy(f"Policy {arn} does not exist or is not attachable.")
    tags = (*inherited_tags, *((tag["Key"], tag["Value"]) for tag in params.get("Tags") or ()))
    packed = packing.pack(parsed, arns, tags)
    if packed.too_large:
        raise errors.packed_policy_too_large(packed.percent, tags=packed.exceeded_by_tags)
    return Requested(policy, arns, tags, packed)


def tag_context(tags: Sequence[tuple[str, str]]) -> dict[str, str | list[str]]:
    """The condition keys a trust policy sees for a session's tags: ``aws:TagKeys`` and ``aws:RequestTag/KEY``.

    Example::

        >>> tag_context([("team", "blue")])
        {'aws:TagKeys': ['team'], 'aws:RequestTag/team': 'blue'}
    """
    if not tags:
        return {}
    context: dict[str, str | list[str]] = {"aws:TagKeys": [key for key, _ in tags]}
    for key, value in tags:
        context[f"aws:RequestTag/{key}"] = value
    return context


def issue(
    state: State,
    kind: type[_S],
    fields: dict[str, Any],
    *,
    caller: Principal | None,
    region: str,
    issued: float,
    duration: int,
    packed: bytes,
    params: Mapping[str, Any],
    caller_arn: str = "",
    mfa_authenticated_at: float | None = None,
    minimum_token_size: int = 0,
    expires: float | None = None,
) -> _S:
    """A new session of ``kind``, registered under its key id: the ``fields`` of its kind, and what every session
    has: fresh credentials (the token sealing ``packed``) lasting ``duration`` whole seconds from ``issued`` (or
    until ``expires``: a recorded expiry), who asked for it, where, and when MFA was given."""
    if expires is None:
        expires = float(int(issued) + duration)  # the service answers whole seconds
    minimum = max(minimum_token_size, int(params.get("MinimumSessionTokenSize") or 0))
    access_key_id, secret_access_key, session_token = state.sessions.credentials(
        expires, packed=packed, minimum_token_size=minimum
    )
    mfa_at = datetime.fromtimestamp(mfa_authenticated_at, UTC) if mfa_authenticated_at is not None else None
    session = kind(
        duration_seconds=duration,
        issued_at=datetime.fromtimestamp(issued, UTC),
        expiration=datetime.fromtimestamp(expires, UTC),
        session_token_size=len(session_token),
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        caller_arn=caller.arn if caller is not None else caller_arn,
        region=region,
        caller=caller,
        mfa_authenticated_at=mfa_at,
        **fields,
    )
    return state.sessions.add(session)


def answer_credentials(session: Session) -> dict[str, Any]:
    """The ``Credentials``, ``SessionTokenUtilization`` and ``SessionTokenSize`` fields of an answer."""
    size = session.session_token_size
    return {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expiration,
        },
        "SessionTokenUtilization": min(100, -(-size * 100 // packing.MAX_SESSION_TOKEN_SIZE)),
        "SessionTokenSize": size,
    }


def access_denied(caller_arn: str, action: str, resource: str, reason: str | None = None) -> StsError:
    """STS's refusal naming who was refused what on which resource (403 ``AccessDenied``), with mockfed's reason."""
    return errors.access_denied(
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}", reason
    )


def _check_documented_limits(params: Mapping[str, Any]) -> None:
    """Rules the documentation states beyond the model's per-field constraints."""
    policy = params.get("Policy") or ""
    arns: Sequence[Mapping[str, str]] = params.get("PolicyArns") or ()
    plain_text = len(policy) + sum(len(entry.get("arn", "")) for entry in arns)
    if plain_text > SESSION_POLICY_TEXT_MAX:
        # The service's wording for this combined limit is not public; this names the field and the fix.
        raise validation_error(
            [
                f"Value '{plain_text} characters of inline and managed session policy text' at 'policy' failed to "
                f"satisfy constraint: Member must have length less than or equal to {SESSION_POLICY_TEXT_MAX} "
                "(the inline policy and the policy ARNs together)"
            ]
        )
    tags = params.get("Tags") or ()
    reserved = [
        f"Value '{tag['Key']}' at 'tags.{index}.member.key' failed to satisfy constraint: Member must not begin with "
        "'aws:'"
        for index, tag in enumerate(tags, start=1)
        if tag["Key"].lower().startswith("aws:")
    ]
    if reserved:  # the prefix is AWS's own (IAM User Guide, tagging rules); the wording is mockfed's reading
        raise validation_error(reserved)
    _check_unique_keys(tag["Key"] for tag in tags)


def _check_unique_keys(keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key.lower() in seen:
            raise StsError(
                "InvalidParameterValue",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                400,
            )
        seen.add(key.lower())


def check_provider_tags(tags: Sequence[tuple[str, str]]) -> None:
    """The session tags an identity provider passes (a token's claim, an assertion's attributes) follow the rules of
    the ``Tags`` parameter: at most 50, keys and values of the model's length and characters, keys unique
    regardless of case. (The service's answer for a provider's tags is unpublished: these are AssumeRole's.)

    Example::

        >>> check_provider_tags([("team", "blue")])
        >>> check_provider_tags([("Team", "a"), ("team", "b")])
        Traceback (most recent call last):
        ...
        mockfed.errors.StsError: InvalidParameterValue: Duplicate tag keys found. Please note that Tag keys are \
case insensitive.
    """
    listed = [{"Key": key, "Value": value} for key, value in tags]
    check_request("AssumeRole", {"Tags": listed}, members=_TAGS_ONLY)
    _check_unique_keys(key for key, _ in tags)
