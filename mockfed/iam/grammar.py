"""IAM policy documents: the grammar STS enforces, with the real service's messages.

:func:`parse_policy` validates a policy document the way STS does for the
``Policy`` parameter of GetFederationToken (raising :class:`~mockfed.errors.StsError`
``MalformedPolicyDocument`` with the real messages) and returns an immutable
:class:`~mockfed.iam.policy.Policy`, which :mod:`mockfed.iam.policy` evaluates.

Real messages and where they come from:

* ``The policy is not in the valid JSON format.`` -- STS, for a policy that is not
  JSON (Apache Hadoop S3A assumed-role troubleshooting guide, captured
  ``MalformedPolicyDocumentException`` from ``AWSSecurityTokenService``).
* ``Syntax errors in policy.`` -- STS, for a grammar error (same guide).
* ``Policy document should not specify a principal.`` -- a ``Principal`` in a
  GetFederationToken session policy (localstack/localstack#10746, reporting real
  AWS; IAM answers the same for identity policies, hashicorp/terraform-provider-aws#10419).
* ``Statement IDs (SID) in a single policy must be unique.``,
  ``Policy statement must contain actions.``, ``Policy statement must contain resources.``,
  ``Resource X must be in ARN format or "*".``,
  ``Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.``,
  ``Actions/Condition can contain only one colon.``, ``Vendor X is not valid`` --
  IAM's messages for these checks (kubernetes/kops#4951, aws-cloudformation/cfn-lint#3973,
  and moto's ``moto/iam/policy_validation.py``, which mirrors IAM). No public
  capture shows STS answering them; STS shares IAM's principal message, so it is
  assumed to share these too.
* An unknown ``Version`` value is a grammar error (``Syntax errors in policy.``),
  as in IAM (moto's validator); a missing ``Version`` is accepted and means
  ``2008-10-17``, as the IAM User Guide documents.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from mockfed.errors import malformed_policy
from mockfed.iam.policy import OPERATORS, Condition, Policy, Statement, split_operator

__all__ = ["parse_policy", "policy_text"]

# --- messages --------------------------------------------------------------------------------------------------

NOT_JSON = "The policy is not in the valid JSON format."
SYNTAX_ERROR = "Syntax errors in policy."
PRINCIPAL_IN_SESSION = "Policy document should not specify a principal."
#: IAM's messages for a role's trust policy (CreateRole, UpdateAssumeRolePolicy).
TRUST_WITHOUT_PRINCIPAL = "Missing required field Principal"
TRUST_WITH_RESOURCE = "Has prohibited field Resource"
PRINCIPAL_TYPES = frozenset({"AWS", "Federated", "Service", "CanonicalUser"})
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
MISSING_ACTIONS = "Policy statement must contain actions."
MISSING_RESOURCES = "Policy statement must contain resources."
MISSING_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
TOO_MANY_COLONS = "Actions/Condition can contain only one colon."

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "NotPrincipal"}
)
_VENDOR_INVALID = re.compile(r"[^a-zA-Z0-9\-.]")
_VENDOR = re.compile(r"[a-zA-Z0-9\-.]+")

# --- parsing ---------------------------------------------------------------------------------------------------


def policy_text(document: str | Mapping[str, Any]) -> str:
    """A policy as the JSON text STS and IAM carry: a string as it is, a dict written as compact JSON.

    Example::

        >>> policy_text({"Version": "2012-10-17", "Statement": []})
        '{"Version":"2012-10-17","Statement":[]}'
    """
    if isinstance(document, str):
        return document
    if isinstance(document, Mapping):
        return json.dumps(document, separators=(",", ":"))
    raise TypeError(f"a policy is a JSON string or a dict, not {type(document).__name__}")


def parse_policy(text: str | Mapping[str, Any], *, session: bool = False, trust: bool = False) -> Policy:
    """Validate ``text`` (JSON, or a dict) against the IAM policy grammar and return the :class:`Policy`.

    With ``session=True`` (a session policy passed to STS) a ``Principal`` or
    ``NotPrincipal`` element is rejected; with ``trust=True`` (a role's trust policy) every
    statement must name a principal and none may name a resource. Errors are ``StsError``
    with code ``MalformedPolicyDocument`` and the real service's message. Results are cached,
    since the same text comes with every mocked call.

    Example::

        >>> parse_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
        ... # doctest: +ELLIPSIS
        Policy(statements=(Statement(effect='Allow', actions=('*',), ...),), version='2012-10-17', id=None)
        >>> parse_policy("nope")
        Traceback (most recent call last):
        ...
        mockfed.errors.StsError: MalformedPolicyDocument: The policy is not in the valid JSON format.
    """
    return _parse_cached(policy_text(text), session, trust)


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str, session: bool, trust: bool) -> Policy:
    document = _load_json(text)
    statements = _statements(document, trust)  # the grammar's stage: every failure is ``Syntax errors in policy.``
    if session and any(st.principals is not None or st.not_principals is not None for st in statements):
        raise malformed_policy(PRINCIPAL_IN_SESSION)
    if trust:
        if any(st.principals is None and st.not_principals is None for st in statements):
            raise malformed_policy(TRUST_WITHOUT_PRINCIPAL)
        if any("Resource" in st or "NotResource" in st for st in _raw_statements(document) if isinstance(st, dict)):
            raise malformed_policy(TRUST_WITH_RESOURCE)
    _check_semantics(statements)
    version = document.get("Version", "2008-10-17")
    assert isinstance(version, str)
    policy_id = document.get("Id")
    assert policy_id is None or isinstance(policy_id, str)
    return Policy(statements, version, policy_id, document)


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _load_json(text: str) -> dict[str, object]:
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise malformed_policy(NOT_JSON) from None
    if not isinstance(document, dict):
        raise malformed_policy(SYNTAX_ERROR)
    return document


def _raw_statements(document: dict[str, object]) -> list[object]:
    raw = document.get("Statement")
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list) and raw:
        return raw
    raise malformed_policy(SYNTAX_ERROR)


def _statements(document: dict[str, object], trust: bool) -> tuple[Statement, ...]:
    """The document's statements, read and checked against the grammar in one pass (a trust policy's statements
    act on their role: their resource is ``*``)."""
    if not document.keys() <= _TOP_KEYS:
        raise malformed_policy(SYNTAX_ERROR)
    if "Version" in document and document["Version"] not in VERSIONS:
        raise malformed_policy(SYNTAX_ERROR)
    if "Id" in document and not isinstance(document["Id"], str):
        raise malformed_policy(SYNTAX_ERROR)
    return tuple(_statement(raw, trust) for raw in _raw_statements(document))


def _statement(st: object, trust: bool) -> Statement:
    """One statement, read as the grammar allows it; ``Syntax errors in policy.`` for anything else."""
    if not isinstance(st, dict) or not st.keys() <= _STATEMENT_KEYS:
        raise malformed_policy(SYNTAX_ERROR)
    effect = st.get("Effect")
    if effect != "Allow" and effect != "Deny":
        raise malformed_policy(SYNTAX_ERROR)
    sid = st.get("Sid", "")
    if not isinstance(sid, str):
        raise malformed_policy(SYNTAX_ERROR)
    actions, not_actions = _names(st, "Action"), _names(st, "NotAction")
    resources, not_resources = _names(st, "Resource"), _names(st, "NotResource")
    principal, not_principal = st.get("Principal", _ABSENT), st.get("NotPrincipal", _ABSENT)
    if (
        (actions is not None and not_actions is not None)
        or (resources is not None and not_resources is not None)
        or (principal is not _ABSENT and not_principal is not _ABSENT)
    ):
        raise malformed_policy(SYNTAX_ERROR)
    condition = st.get("Condition", _ABSENT)
    if trust:
        resources, not_resources = ("*",), None
    return Statement(
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        conditions=_conditions(condition) if condition is not _ABSENT else (),
        sid=sid if "Sid" in st else None,
        principals=_principals(principal) if principal is not _ABSENT else None,
        not_principals=_principals(not_principal) if not_principal is not _ABSENT else None,
    )


_ABSENT = object()


def _names(st: dict[str, object], key: str) -> tuple[str, ...] | None:
    """An element holding a string or a list of strings, as a tuple (None: absent)."""
    value = st.get(key, _ABSENT)
    if value is _ABSENT:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise malformed_policy(SYNTAX_ERROR)


def _principals(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value == "*":
        return (("*", ("*",)),)
    if not isinstance(value, dict) or not value:
        raise malformed_policy(SYNTAX_ERROR)
    principals = []
    for kind, names in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise malformed_policy(SYNTAX_ERROR)
        if isinstance(names, str):
            principals.append((kind, (names,)))
        elif isinstance(names, list) and all(isinstance(name, str) for name in names):
            principals.append((kind, tuple(names)))
        else:
            raise malformed_policy(SYNTAX_ERROR)
    return tuple(principals)


def _conditions(condition: object) -> tuple[Condition, ...]:
    if not isinstance(condition, dict):
        raise malformed_policy(SYNTAX_ERROR)
    conditions = []
    for operator, block in condition.items():
        if not isinstance(block, dict) or (block and split_operator(operator)[1] not in OPERATORS):
            raise malformed_policy(SYNTAX_ERROR)
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if not all(_is_condition_scalar(item) for item in values):
                raise malformed_policy(SYNTAX_ERROR)
            conditions.append(Condition(operator, key, tuple(_condition_value(item) for item in values)))
    return tuple(conditions)


def _is_condition_scalar(value: object) -> bool:
    # Real AWS-managed documents use JSON booleans as condition values; numbers are accepted alike.
    return isinstance(value, str | bool | int | float)


def _check_semantics(statements: tuple[Statement, ...]) -> None:
    """The stages after the grammar, in the order IAM applies them (each over every statement, in turn)."""
    seen: set[str] = set()
    for st in statements:
        if st.sid:
            if st.sid in seen:
                raise malformed_policy(DUPLICATE_SID)
            seen.add(st.sid)
    for st in statements:
        if not (st.actions or st.not_actions):
            raise malformed_policy(MISSING_ACTIONS)
    for st in statements:
        if not (st.resources or st.not_resources):
            raise malformed_policy(MISSING_RESOURCES)
    for st in statements:
        for resource in st.resources or st.not_resources or ():
            if resource != "*" and ":" not in resource:
                raise malformed_policy(f'Resource {resource} must be in ARN format or "*".')
    for st in statements:
        for action in st.actions or st.not_actions or ():
            _check_action(action)
        if any(":" not in condition.key for condition in st.conditions):
            raise malformed_policy(MISSING_VENDOR)


def _check_action(action: str) -> None:
    if action == "*" or (action.count(":") == 1 and _VENDOR.fullmatch(action.partition(":")[0])):
        return  # nearly every action: a vendor of its characters, one colon
    parts = action.split(":")
    if len(parts) == 1 and parts[0] != "*":
        raise malformed_policy(MISSING_VENDOR)
    if len(parts) > 2:
        raise malformed_policy(TOO_MANY_COLONS)
    if parts[0] != "*" and _VENDOR_INVALID.search(parts[0]):
        raise malformed_policy(f"Vendor {parts[0]} is not valid")


def _condition_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
