"""A role taken on an identity provider's word: what AssumeRoleWithWebIdentity and AssumeRoleWithSAML share.

Once an action has checked what the provider vouches for (a token, an assertion), the rest is
common: the session policies and the provider's session tags, the role (a role that does not
exist is refused like one whose trust policy says no, as the service does not reveal which),
its trust policy for the action (the ``Federated`` principal naming the provider, and the
provider's condition keys), ``sts:TagSession`` for tags and ``sts:SetSourceIdentity`` for a
source identity, the duration, and the session issued as AssumeRole issues one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockfed import errors
from mockfed.iam import trust
from mockfed.iam.grammar import parse_policy
from mockfed.state import State
from mockfed.state.records import RoleSession
from mockfed.sts.access import time_context
from mockfed.sts.roles import issue_role_session, role_duration
from mockfed.sts.session_policy import check_provider_tags, requested_session, tag_context

__all__ = ["Vouched", "assume_for_provider", "invalid_token", "not_authorized", "source_identity_checked"]

_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


@dataclass(frozen=True)
class Vouched:
    """What an identity provider vouches for, checked: who it is and what it says of the person.

    ``names`` are what a trust policy's ``Federated`` principal may call the provider (its ARN;
    for OIDC also its host); ``conditions`` the condition keys the provider's claims give
    (``HOST/PATH:sub``, ``saml:aud``, ...); ``longest`` a limit the provider puts on the
    session (SAML's ``SessionDuration``), in seconds.

    Example::

        >>> Vouched("arn:aws:iam::123456789012:saml-provider/Okta", ("arn:aws:iam::123456789012:saml-provider/Okta",),
        ...         issuer="http://www.okta.com/exk1", subject="alice", audience="https://signin.aws.amazon.com/saml",
        ...         session_name="alice").session_name
        'alice'
    """

    provider: str
    names: tuple[str, ...]
    issuer: str
    subject: str
    audience: str
    session_name: str
    subject_type: str | None = None
    conditions: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    longest: int | None = None


def not_authorized(action: str, reason: str | None = None) -> errors.StsError:
    """The service's refusal of a federated request (403 ``AccessDenied``): it names the action, not the caller.

    Example::

        >>> not_authorized("sts:AssumeRoleWithSAML").message
        'Not authorized to perform sts:AssumeRoleWithSAML'
    """
    return errors.access_denied(f"Not authorized to perform {action}", reason)


def invalid_token(message: str) -> errors.StsError:
    """The service's refusal of a token or assertion it cannot accept (400 ``InvalidIdentityToken``).

    Example::

        >>> invalid_token("Incorrect token audience").status
        400
    """
    return errors.StsError("InvalidIdentityToken", message, 400)


def source_identity_checked(value: object) -> str | None:
    """The source identity a provider passes (None: none), if it has the form the service requires.

    Example::

        >>> source_identity_checked("alice"), source_identity_checked(None)
        ('alice', None)
    """
    if value is None:
        return None
    if not isinstance(value, str) or not _SOURCE_IDENTITY.fullmatch(value) or value.lower().startswith("aws:"):
        raise invalid_token('Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"')
    return value


def assume_for_provider(
    state: State, action: str, params: Mapping[str, Any], region: str, vouched: Vouched
) -> RoleSession:
    """A session of the request's ``RoleArn`` for the person the provider vouches for, if the role trusts it.

    ``action`` is the trust policy's action (``sts:AssumeRoleWithWebIdentity``, ``sts:AssumeRoleWithSAML``).

    Example::

        >>> state = State("123456789012")
        >>> okta = "arn:aws:iam::123456789012:saml-provider/Okta"
        >>> role = state.account.create_role("Admin", {"Version": "2012-10-17", "Statement": [
        ...     {"Effect": "Allow", "Principal": {"Federated": okta}, "Action": "sts:AssumeRoleWithSAML"}]})
        >>> vouched = Vouched(okta, (okta,), issuer="http://www.okta.com/exk1", subject="alice",
        ...                   audience="https://signin.aws.amazon.com/saml", session_name="alice", longest=900)
        >>> session = assume_for_provider(state, "sts:AssumeRoleWithSAML", {"RoleArn": role.arn}, "us-east-1", vouched)
        >>> session.arn, session.duration_seconds, session.subject
        ('arn:aws:sts::123456789012:assumed-role/Admin/alice', 900, 'alice')
    """
    check_provider_tags(vouched.tags)
    requested = requested_session(state, params, inherited_tags=vouched.tags)
    role = state.account.role(params["RoleArn"])
    if role is None:
        raise not_authorized(action, f"the account has no role {params['RoleArn'][:200]}")
    now = state.clock.timestamp()
    context: dict[str, str | Sequence[str]] = {
        "aws:FederatedProvider": vouched.provider,
        "aws:RequestedRegion": region,
        **time_context(now),
        "sts:RoleSessionName": vouched.session_name,
        **tag_context(requested.tags),
        **vouched.conditions,
    }
    if vouched.source_identity is not None:
        context["sts:SourceIdentity"] = vouched.source_identity
    policy = parse_policy(role.trust_policy, trust=True)
    requester = trust.Requester("Federated", vouched.names)
    for needed, asked in (
        (action, True),
        ("sts:TagSession", bool(requested.tags)),
        ("sts:SetSourceIdentity", vouched.source_identity is not None),
    ):
        if asked and trust.decide(policy, needed, role.arn, requester, context) != "principal":
            raise not_authorized(needed, trust.refusal_reason(policy, needed, role.arn, requester, context))
    duration = role_duration(params, role)
    if vouched.longest is not None:
        duration = min(duration, vouched.longest)
    return issue_role_session(
        state,
        None,
        role,
        {**params, "RoleSessionName": vouched.session_name},
        region,
        requested,
        duration=duration,
        source_identity=vouched.source_identity,
        transitive_tag_keys=vouched.transitive_tag_keys,
        extra={
            "provider": vouched.provider,
            "issuer": vouched.issuer,
            "subject": vouched.subject,
            "subject_type": vouched.subject_type,
            "audience": vouched.audience,
        },
    )
