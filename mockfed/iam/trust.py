"""A role's trust policy: may this requester take the role, and on whose word?

The trust policy is a resource policy on the role. For a requester of the role's own
account, a statement naming the requester itself (its user or role ARN, a session ARN, or
``"*"``) is enough; a statement naming only the account hands the decision to IAM: the
requester's own policies must then allow the action too. An explicit ``Deny`` wins.

Example::

    >>> from mockfed.iam.grammar import parse_policy
    >>> trust = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    ...     '"Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "sts:AssumeRole"}]}', trust=True)
    >>> alice = Requester("AWS", ("arn:aws:iam::123456789012:user/alice",), "123456789012")
    >>> decide(trust, "sts:AssumeRole", "arn:aws:iam::123456789012:role/R", alice)
    'principal'
    >>> decide(trust, "sts:TagSession", "arn:aws:iam::123456789012:role/R", alice) is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mockfed.iam.policy import Context, Policy, Statement, miss, statement_name

__all__ = ["Decision", "Requester", "decide", "refusal_reason"]

#: ``"principal"``: a statement names the requester; ``"account"``: only its account is named (IAM must
#: allow too); ``"deny"``: an explicit Deny; None: nothing allows it.
Decision = Literal["principal", "account", "deny"] | None


@dataclass(frozen=True)
class Requester:
    """Who asks for a role, as a trust policy names them.

    ``kind`` is the principal type that can name them (``AWS``, ``Federated``, ``Service``);
    ``names`` every value that names exactly them (a user's ARN; for a role session, the
    role's ARN and the session's ARN; for web identity, the provider's ARN and host);
    ``account`` the account they belong to (``None`` for a service or an identity provider's user).
    """

    kind: str
    names: tuple[str, ...]
    account: str | None = None


def decide(
    policy: Policy, action: str, role_arn: str, requester: Requester, context: Context | None = None
) -> Decision:
    """The trust policy's verdict on ``requester`` doing ``action`` (``sts:AssumeRole``, ``sts:TagSession``, ...)."""
    verdict: Decision = None
    for statement in policy.statements:
        named = _names(statement, requester)
        if named is None or not statement.applies(action, role_arn, context):
            continue
        if statement.effect == "Deny":
            return "deny"
        if named == "principal" or verdict is None:
            verdict = named
    return verdict


def _names(statement: Statement, requester: Requester) -> Literal["principal", "account"] | None:
    """Whether the statement's principal element covers the requester, and how specifically."""
    if statement.principals is not None:
        return _match(statement.principals, requester)
    if statement.not_principals is not None:
        return None if _match(statement.not_principals, requester) else "principal"
    return None


def _match(principals: tuple[tuple[str, tuple[str, ...]], ...], requester: Requester) -> Literal[
    "principal", "account"
] | None:
    found: Literal["principal", "account"] | None = None
    for kind, values in principals:
        if kind == "*":
            return "principal"
        if kind != requester.kind:
            continue
        for value in values:
            if value == "*" or value in requester.names:
                return "principal"
            if requester.account is not None and value in (
                requester.account,
                f"arn:aws:iam::{requester.account}:root",
                f"arn:aws-cn:iam::{requester.account}:root",
                f"arn:aws-us-gov:iam::{requester.account}:root",
            ):
                found = "account"
    return found


def refusal_reason(
    policy: Policy, action: str, role_arn: str, requester: Requester, context: Context | None = None
) -> str:
    """Why the trust policy of ``role_arn`` does not let ``requester`` do ``action``: the Deny, the condition or
    element of a statement that names them, or that no statement names them. For a refusal :func:`decide` gave.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> trust = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
        ...     '{"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "sts:AssumeRole", '
        ...     '"Condition": {"StringEquals": {"sts:ExternalId": "acme-7"}}}]}', trust=True)
        >>> alice = Requester("AWS", ("arn:aws:iam::123456789012:user/alice",), "123456789012")
        >>> refusal_reason(trust, "sts:AssumeRole", "arn:aws:iam::123456789012:role/R", alice, {})
        "statement 1 of the trust policy of role/R names arn:aws:iam::123456789012:user/alice, but its condition \
StringEquals sts:ExternalId ['acme-7'] is not met: the request has no sts:ExternalId"
    """
    where = f"the trust policy of role/{role_arn.rpartition('/')[2]}"
    who = requester.names[0] if requester.names else requester.kind
    named_any = False
    for index, statement in enumerate(policy.statements):
        named = _names(statement, requester)
        if named is None:
            continue
        named_any = True
        if statement.effect == "Deny" and statement.applies(action, role_arn, context):
            return f"explicitly denied by {statement_name(statement, index)} of {where}"
    for index, statement in enumerate(policy.statements):
        if statement.effect == "Allow" and _names(statement, requester) is not None:
            why = miss(statement, action, role_arn, context)
            if why:
                return f"{statement_name(statement, index)} of {where} names {who}, but {why}"
    if named_any:
        return f"{where} names {who} only by its account, so its own policies must allow {action} too"
    principals = sorted({value for st in policy.statements for _, values in st.principals or () for value in values})
    excluded = sorted({v for st in policy.statements for _, values in st.not_principals or () for v in values})
    shown = ", ".join(value[:200] for value in principals[:5]) + (
        f" and {len(principals) - 5} more" if len(principals) > 5 else "")
    if not shown and excluded:
        shown = "everyone but " + ", ".join(value[:200] for value in excluded[:5]) + " (NotPrincipal)"
    return f"no statement of {where} names {who} as its Principal (it names {shown or 'no principal'})"
