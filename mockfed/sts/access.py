"""What a credential may do: the IAM decision for a principal of the account, as AWS computes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mockfed.iam import policy
from mockfed.iam.grammar import parse_policy
from mockfed.state import State

__all__ = ["is_allowed"]


def is_allowed(
    state: State,
    access_key_id: str,
    action: str,
    resource: str = "*",
    context: Mapping[str, str | Sequence[str]] | None = None,
) -> bool:
    """Would AWS allow the holder of ``access_key_id`` to do ``action`` on ``resource``?

    For a federated session: the intersection of its IAM user's policies and its session
    policies (inline and managed); no session policy allows nothing; an explicit Deny wins;
    IAM and STS (but ``sts:GetCallerIdentity``) are never allowed; expired credentials
    allow nothing. Keys the account does not know allow nothing.

    Example (``backend.is_allowed(...)`` is this function on the backend's state)::

        >>> from mockfed import FederationBackend
        >>> backend = FederationBackend()
        >>> out = backend.get_federation_token(backend.default_user, {
        ...     "Name": "Bob", "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]})
        >>> key = out["Credentials"]["AccessKeyId"]
        >>> backend.is_allowed(key, "s3:GetObject", "arn:aws:s3:::bucket/key")
        True
        >>> backend.is_allowed(key, "s3:PutObject", "arn:aws:s3:::bucket/key")
        False
        >>> backend.is_allowed("AKIAUNKNOWNUNKNOWN00", "s3:GetObject")
        False
    """
    principal = state.principal(access_key_id)
    if principal is None:
        return False
    if action.lower() == "sts:getcalleridentity":
        return principal.session is None or state.clock.timestamp() < principal.session.expiration.timestamp()
    if principal.kind == "root":
        return True
    identity = [parse_policy(document) for document in principal.policies]
    session = principal.session
    if session is None:
        return policy.is_allowed(identity, None, action, resource, context)
    if state.clock.timestamp() >= session.expiration.timestamp():
        return False
    if action.split(":", 1)[0].lower() in ("iam", "sts"):
        return False
    documents = [session.policy] if session.policy is not None else []
    documents += [state.account.managed_policy(arn) or "" for arn in session.policy_arns]
    session_policies = [parse_policy(document, session=True) for document in documents]
    return policy.is_allowed(identity, session_policies, action, resource, context)
