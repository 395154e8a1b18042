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
from mockfed.iam.policy import OPERATORS, Condition, Effect, Policy, Statement, split_operator

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
    statements_raw = _check_syntax(document)
    if session and any("Principal" in st or "NotPrincipal" in st for st in statements_raw):
        raise malformed_policy(PRINCIPAL_IN_SESSION)
    if trust:
        if any("Principal" not in st and "NotPrincipal" not in st for st in statements_raw):
            raise malformed_policy(TRUST_WITHOUT_PRINCIPAL)
        if any("Resource" in st or "NotResource" in st for st in statements_raw):
            raise malformed_policy(TRUST_WITH_RESOURCE)
        statements_raw = [{**st, "Resource": "*"} for st in statements_raw]  # a trust policy's resource is its role
    _check_semantics(statements_raw)
    version = document.get("Version", "2008-10-17")
    assert isinstance(version, str)
    policy_id = document.get("Id")
    assert policy_id is None or isinstance(policy_id, str)
    return Policy(tuple(_build_statement(st) for st in statements_raw), version, policy_id)


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


def _is_string_or_strings(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _is_condition_scalar(value: object) -> bool:
    # Real AWS-managed documents use JSON booleans as condition values; numbers are accepted alike.
    return isinstance(value, str | bool | int | float)


def _check_syntax(document: dict[str, object]) -> list[dict[str, object]]:
    """The grammar stage: every failure here is ``Syntax errors in policy.``."""
    if not set(document) <= _TOP_KEYS:
        raise malformed_policy(SYNTAX_ERROR)
    if "Version" in document and document["Version"] not in VERSIONS:
        raise malformed_policy(SYNTAX_ERROR)
    if "Id" in document and not isinstance(document["Id"], str):
        raise malformed_policy(SYNTAX_ERROR)
    raw = document.get("Statement")
    statements: list[object]
    if isinstance(raw, dict):
        statements = [raw]
    elif isinstance(raw, list) and raw:
        statements = raw
    else:
        raise malformed_policy(SYNTAX_ERROR)
    checked: list[dict[str, object]] = []
    for st in statements:
        if not isinstance(st, dict) or not _statement_syntax_ok(st):
            raise malformed_policy(SYNTAX_ERROR)
        checked.append(st)
    return checked


def _statement_syntax_ok(st: dict[str, object]) -> bool:
    if not set(st) <= _STATEMENT_KEYS:
        return False
    if ("Action" in st and "NotAction" in st) or ("Resource" in st and "NotResource" in st):
        return False
    if ("Principal" in st and "NotPrincipal" in st) or st.get("Effect") not in ("Allow", "Deny"):
        return False
    if "Sid" in st and not isinstance(st["Sid"], str):
        return False
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in st and not _is_string_or_strings(st[key]):
            return False
    for key in ("Principal", "NotPrincipal"):
        if key in st and not _principal_syntax_ok(st[key]):
            return False
    return "Condition" not in st or _condition_syntax_ok(st["Condition"])


def _principal_syntax_ok(principal: object) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict) or not principal:
        return False
    return all(kind in PRINCIPAL_TYPES and _is_string_or_strings(value) for kind, value in principal.items())


def _principals(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value == "*":
        return (("*", ("*",)),)
    assert isinstance(value, dict)
    return tuple((kind, _strings(names)) for kind, names in value.items())


def _condition_syntax_ok(condition: object) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return False
        for value in block.values():
            values = value if isinstance(value, list) else [value]
            if not all(_is_condition_scalar(v) for v in values):
                return False
        if split_operator(operator)[1] not in OPERATORS and block:
            return False
    return True


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    assert isinstance(value, list)
    return tuple(str(v) for v in value)


def _check_semantics(statements: list[dict[str, object]]) -> None:
    """The stages after the grammar, in the order IAM applies them."""
    seen: set[str] = set()
    for st in statements:
        sid = st.get("Sid")
        if isinstance(sid, str) and sid:
            if sid in seen:
                raise malformed_policy(DUPLICATE_SID)
            seen.add(sid)
    for st in statements:
        if not any(_strings(st[key]) for key in ("Action", "NotAction") if key in st):
            raise malformed_policy(MISSING_ACTIONS)
    for st in statements:
        if not any(_strings(st[key]) for key in ("Resource", "NotResource") if key in st):
            raise malformed_policy(MISSING_RESOURCES)
    for st in statements:
        for key in ("Resource", "NotResource"):
            for resource in _strings(st.get(key, [])):
                if resource != "*" and ":" not in resource:
                    raise malformed_policy(f'Resource {resource} must be in ARN format or "*".')
    for st in statements:
        for key in ("Action", "NotAction"):
            for action in _strings(st.get(key, [])):
                _check_action(action)
        condition = st.get("Condition", {})
        assert isinstance(condition, dict)
        for block in condition.values():
            if any(":" not in condition_key for condition_key in block):
                raise malformed_policy(MISSING_VENDOR)


def _check_action(action: str) -> None:
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


def _build_statement(st: dict[str, object]) -> Statement:
    def opt(key: str) -> tuple[str, ...] | None:
        return _strings(st[key]) if key in st else None

    conditions: list[Condition] = []
    condition = st.get("Condition", {})
    assert isinstance(condition, dict)
    for operator, block in condition.items():
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            conditions.append(Condition(operator, key, tuple(_condition_value(v) for v in values)))
    effect: Effect = "Allow" if st["Effect"] == "Allow" else "Deny"
    sid = st.get("Sid")
    return Statement(
        effect=effect,
        actions=opt("Action"),
        not_actions=opt("NotAction"),
        resources=opt("Resource"),
        not_resources=opt("NotResource"),
        conditions=tuple(conditions),
        sid=sid if isinstance(sid, str) else None,
        principals=_principals(st["Principal"]) if "Principal" in st else None,
        not_principals=_principals(st["NotPrincipal"]) if "NotPrincipal" in st else None,
    )

