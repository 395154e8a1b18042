"""A parsed IAM policy and how AWS evaluates it.

:class:`Policy`, :class:`Statement` and :class:`Condition` are what
:func:`mockfed.iam.grammar.parse_policy` returns; :meth:`Policy.evaluate` and
:func:`is_allowed` answer whether a request is allowed, following the IAM evaluation
logic: an explicit ``Deny`` anywhere wins, identity policies must ``Allow``, and for a
federated session the session policies must ``Allow`` too (the intersection).

Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``,
``${*}``, ``${?}``, ``${$}``) are substituted from the request context in
``Resource``/``NotResource`` and in string and ARN condition values when the
policy's ``Version`` is ``2012-10-17``; with ``2008-10-17`` they are literal text,
as AWS documents. A variable whose key is absent (and has no default) makes
that pattern match nothing. ``Principal``/``NotPrincipal`` are not evaluated here.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from mockfed.iam import wildcard

__all__ = [
    "OPERATORS",
    "Condition",
    "Context",
    "Effect",
    "LazyContext",
    "Policy",
    "Statement",
    "Verdict",
    "context_values",
    "decide_request",
    "explain_request",
    "is_allowed",
    "miss",
    "split_operator",
    "statement_name",
]

Effect = Literal["Allow", "Deny"]
ContextValue = str | Sequence[str]


class LazyContext:
    """Condition keys made only when a condition or a policy variable first asks for one.

    Most policies test no condition: the request's context (the principal's tags, the time,
    the MFA age, ...) is then never built. Accepted wherever a context mapping is.

    Example::

        >>> made = []
        >>> context = LazyContext(lambda: made.append(1) or {"aws:username": "alice"})
        >>> Condition("StringEquals", "aws:username", ("alice",)).test(context), made
        (True, [1])
        >>> Statement("Allow", actions=("s3:*",)).applies("s3:GetObject", "*", context), made
        (True, [1])
    """

    __slots__ = ("_make", "_normal", "_values")

    def __init__(self, make: Callable[[], Mapping[str, ContextValue] | None]) -> None:
        self._make = make
        self._values: Mapping[str, ContextValue] | None = None
        self._normal: dict[str, tuple[str, ...]] | None = None

    def values(self) -> Mapping[str, ContextValue]:
        """The context, made now if it was not yet."""
        if self._values is None:
            self._values = self._make() or {}
        return self._values

    def get(self, key: str) -> tuple[str, ...] | None:
        """The values of a lower-case condition ``key``, or None."""
        normal = self._normal
        if normal is None:
            normal = self._normal = _normalize_mapping(self.values())
        return normal.get(key)


Context = Mapping[str, ContextValue] | LazyContext

# Condition operators (without the ForAnyValue:/ForAllValues: prefix and the IfExists suffix).
_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "ArnNotEquals",
        "ArnNotLike",
        "NotIpAddress",
    }
)
OPERATORS = frozenset(
    {
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "ArnEquals",
        "ArnLike",
        "Null",
    }
    | _NEGATED
)
_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
_IF_EXISTS = "IfExists"

# --- model -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition test: an operator, a condition key and the policy's values (ORed).

    ``operator`` is as written in the policy, e.g. ``"ForAnyValue:StringLikeIfExists"``;
    ``key`` is compared case-insensitively with the request context.

    Example::

        >>> c = Condition("StringEquals", "aws:RequestedRegion", ("eu-west-1",))
        >>> c.test({"AWS:RequestedRegion": "eu-west-1"}), c.test({})
        (True, False)
    """

    operator: str
    key: str
    values: tuple[str, ...]
    #: The operator read once: its set qualifier, its base operator, whether it is ``...IfExists``.
    _parts: tuple[str | None, str, bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_parts", split_operator(self.operator))

    def test(self, context: Context | None = None, *, variables: bool = True) -> bool:
        """Whether the condition holds for ``context`` (``variables``: substitute ``${...}``)."""
        return _test_condition(self, _normalize_context(context), variables)


@dataclass(frozen=True)
class Statement:
    """One policy statement.

    A parsed statement sets exactly one of ``actions``/``not_actions`` and one of
    ``resources``/``not_resources`` (the other is ``None``); in a statement built by
    hand an element left ``None`` does not constrain the request. ``conditions`` are ANDed.
    ``principals`` (of a trust or resource policy) pairs each principal type with its values:
    ``(("AWS", ("arn:aws:iam::123456789012:root",)),)``; ``"Principal": "*"`` is ``(("*", ("*",)),)``.

    Example::

        >>> st = Statement("Allow", actions=("s3:Get*",), resources=("arn:aws:s3:::bucket/*",))
        >>> st.applies("s3:GetObject", "arn:aws:s3:::bucket/key"), st.applies("s3:PutObject", "arn:aws:s3:::bucket/k")
        (True, False)
    """

    effect: Effect
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None
    principals: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    not_principals: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    #: The action and resource patterns as matchers, made the first time the statement is evaluated (a part of
    #: the statement: a function of its patterns alone). A policy checked and never evaluated never makes them.
    _matchers: _StatementMatchers | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def matchers(self) -> _StatementMatchers:
        matchers = self._matchers
        if matchers is None:
            matchers = _StatementMatchers(
                _action_matcher(self.actions) if self.actions is not None else None,
                _action_matcher(self.not_actions) if self.not_actions is not None else None,
                _resource_matchers(self.resources),
                _resource_matchers(self.not_resources),
            )
            object.__setattr__(self, "_matchers", matchers)
        return matchers

    def applies(
        self, action: str, resource: str = "*", context: Context | None = None, *, variables: bool = True
    ) -> bool:
        """Whether this statement matches the request (action, resource and every condition)."""
        return _statement_applies(self, action, resource, _normalize_context(context), variables)


@dataclass(frozen=True)
class Policy:
    """A parsed, validated IAM policy document.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> p = parse_policy('{"Version": "2012-10-17", "Statement": ['
        ...     '{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},'
        ...     '{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}')
        >>> p.evaluate("s3:GetObject"), p.evaluate("s3:DeleteBucket"), p.evaluate("ec2:RunInstances")
        ('Allow', 'Deny', None)
    """

    statements: tuple[Statement, ...]
    version: str = "2012-10-17"
    id: str | None = None
    document: Mapping[str, object] | None = field(default=None, repr=False, compare=False)
    """The JSON document the policy was read from (never to be changed: a parsed policy is shared)."""
    packed_items: tuple[int, tuple[str, ...]] | None = field(default=None, init=False, repr=False, compare=False)
    """What :mod:`mockfed.iam.packing` makes of the document, the first time it packs it."""

    def evaluate(
        self, action: str, resource: str = "*", context: Context | None = None
    ) -> Literal["Allow", "Deny"] | None:
        """``"Deny"`` if a Deny statement applies, else ``"Allow"`` if an Allow applies, else ``None``.

        ``resource`` is the ARN the request acts on (``"*"`` matches only statements whose
        resource pattern matches the literal ``*``); ``context`` maps condition keys
        (case-insensitive) to a value or a list of values.
        """
        return _evaluate(self, action, resource, _normalize_context(context))


# --- evaluation ------------------------------------------------------------------------------------------------

_NormalContext = dict[str, tuple[str, ...]] | LazyContext


def _normalize_context(context: Context | None) -> _NormalContext:
    if context is None:
        return {}
    if isinstance(context, LazyContext):
        return context
    return _normalize_mapping(context)


def _normalize_mapping(context: Mapping[str, ContextValue]) -> dict[str, tuple[str, ...]]:
    return {key.lower(): (value,) if isinstance(value, str) else tuple(value) for key, value in context.items()}


def context_values(context: Context | None) -> Mapping[str, ContextValue]:
    """``context`` as a mapping (a :class:`LazyContext` made now).

    Example::

        >>> dict(context_values(LazyContext(lambda: {"aws:username": "alice"}))), dict(context_values(None))
        ({'aws:username': 'alice'}, {})
    """
    if context is None:
        return {}
    return context.values() if isinstance(context, LazyContext) else context


def _evaluate(policy: Policy, action: str, resource: str, context: _NormalContext) -> Effect | None:
    variables = policy.version == "2012-10-17"
    allowed = False
    for st in policy.statements:
        if _statement_applies(st, action, resource, context, variables):
            if st.effect == "Deny":
                return "Deny"
            allowed = True
    return "Allow" if allowed else None


_Match = Callable[[str], bool]


class _StatementMatchers(NamedTuple):
    """A statement's patterns as matchers: its actions and not-actions, and each resource pattern with its
    matcher as written (a pattern holding a policy variable is matched again with the request's values)."""

    actions: _Match | None
    not_actions: _Match | None
    resources: tuple[tuple[str, _Match], ...] | None
    not_resources: tuple[tuple[str, _Match], ...] | None


def _action_matcher(patterns: tuple[str, ...]) -> _Match:
    """Whether an action matches one of ``patterns`` (``*``/``?`` wildcards, case-insensitive): ``*`` alone, a
    name without wildcards and a name ending in its only ``*`` are compared as text; the rest by one regex.

    Example::

        >>> match = _action_matcher(("s3:Get*", "ec2:DescribeInstances", "iam:?etUser"))
        >>> match("S3:GetObject"), match("ec2:describeinstances"), match("iam:GetUser"), match("s3:PutObject")
        (True, True, True, False)
    """
    if "*" in patterns:
        return _everything
    exact = frozenset(p.lower() for p in patterns if p.isascii() and "*" not in p and "?" not in p)
    prefixes = tuple(
        p[:-1].lower() for p in patterns if p.isascii() and p.endswith("*") and "*" not in p[:-1] and "?" not in p
    )
    rest = tuple(p for p in patterns if not p.isascii() or (p.lower() not in exact and p[:-1].lower() not in prefixes))
    wildcards = tuple(_action_wildcards(p) for p in rest)
    everything: list[_Match] = []  # every pattern as a matcher: made for the first action beyond ASCII

    def match(action: str) -> bool:
        if not action.isascii():  # case rules beyond ASCII: re's, pattern by pattern
            if not everything:
                everything.extend(_action_wildcards(p) for p in patterns)
            return any(matches(action) for matches in everything)
        lowered = action.lower()
        return (
            lowered in exact
            or (bool(prefixes) and lowered.startswith(prefixes))
            or any(matches(action) for matches in wildcards)
        )

    return match


def _everything(value: str) -> bool:
    return True


def _resource_matchers(patterns: tuple[str, ...] | None) -> tuple[tuple[str, _Match], ...] | None:
    if patterns is None:
        return None
    return tuple((pattern, _resource_matcher(pattern)) for pattern in patterns)


def _resource_matcher(pattern: str) -> _Match:
    """Whether a resource ARN matches ``pattern`` as written (wildcards kept to ARN segments): ``*`` alone, a
    pattern without wildcards and one ending in its only ``*`` are compared as text; the rest by a regex.

    Example::

        >>> _resource_matcher("arn:aws:s3:::reports/*")("arn:aws:s3:::reports/q3.csv")
        True
        >>> _resource_matcher("arn:aws:s3:::reports")("arn:aws:s3:::Reports")
        False
    """
    if pattern == "*":
        return _everything
    if "?" not in pattern and "*" not in pattern:
        return pattern.__eq__
    if "?" not in pattern and "*" not in pattern[:-1]:  # a * ending the pattern runs past colons: a prefix
        prefix = pattern[:-1]
        return lambda resource: resource.startswith(prefix)
    return _glob_matcher([(False, pattern)], arn=True)


def _statement_applies(st: Statement, action: str, resource: str, context: _NormalContext, variables: bool) -> bool:
    matchers = st.matchers
    if matchers.actions is not None and not matchers.actions(action):
        return False
    if matchers.not_actions is not None and matchers.not_actions(action):
        return False
    if matchers.resources is not None and not any(
        _resource_matches(pattern, static, resource, context, variables) for pattern, static in matchers.resources
    ):
        return False
    if matchers.not_resources is not None and any(
        _resource_matches(pattern, static, resource, context, variables) for pattern, static in matchers.not_resources
    ):
        return False
    return all(_test_condition(c, context, variables) for c in st.conditions)


_ACTION_WILDCARDS = {"*": wildcard.STAR, "?": wildcard.ANY}


def _action_wildcards(pattern: str) -> _Match:
    """Whether an action matches ``pattern`` (``*``/``?`` wildcards), ignoring case as ``re.IGNORECASE`` does."""
    return wildcard.compile_wildcards([_ACTION_WILDCARDS.get(ch, ch) for ch in pattern], ignore_case=True)


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_Token = tuple[bool, str]  # (is_literal_text_from_a_variable, text)


def _substitute(pattern: str, context: _NormalContext, variables: bool) -> list[_Token] | None:
    """Split ``pattern`` into pattern text and substituted variable values; ``None`` if a key is absent."""
    if not variables or "${" not in pattern:
        return [(False, pattern)]
    tokens: list[_Token] = []
    position = 0
    for match in _VARIABLE.finditer(pattern):
        tokens.append((False, pattern[position : match.start()]))
        position = match.end()
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            tokens.append((True, inner))
            continue
        key, _, default = inner.partition(",")
        values = context.get(key.strip().lower())
        if values is not None and len(values) == 1:
            tokens.append((True, values[0]))
            continue
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            tokens.append((True, default[1:-1]))
            continue
        return None
    tokens.append((False, pattern[position:]))
    return tokens


def _glob_matcher(tokens: list[_Token], *, arn: bool) -> _Match:
    """A whole-text matcher for wildcard text (:mod:`mockfed.iam.wildcard`: linear in the text, whatever the pattern).

    With ``arn`` the wildcards keep to one colon-separated ARN segment, except that a
    ``*`` ending a segment may run past colons and the sixth segment (the resource)
    is free, as the IAM User Guide documents for resource ARNs. Text a policy variable gave is literal.
    """
    text = "".join(t for literal, t in tokens if not literal)
    segment_wise = arn and text.startswith("arn:")
    parts: list[str] = []
    colons = 0
    for literal, chunk in tokens:
        if literal:
            parts.extend(chunk)
            continue
        for index, ch in enumerate(chunk):
            if ch == ":":
                colons += 1
                parts.append(":")
            elif ch == "*":
                ends_segment = index + 1 == len(chunk) or chunk[index + 1] == ":"
                free = not segment_wise or colons >= 5 or ends_segment
                parts.append(wildcard.STAR if free else wildcard.STAR_BUT_COLON)
            elif ch == "?":
                parts.append(wildcard.ANY if not segment_wise or colons >= 5 else wildcard.ANY_BUT_COLON)
            else:
                parts.append(ch)
    return wildcard.compile_wildcards(parts)


def _pattern_matcher(pattern: str, context: _NormalContext, variables: bool, *, arn: bool) -> _Match | None:
    tokens = _substitute(pattern, context, variables)
    return None if tokens is None else _glob_matcher(tokens, arn=arn)


def _resource_matches(pattern: str, static: _Match, resource: str, context: _NormalContext, variables: bool) -> bool:
    if variables and "${" in pattern:
        matches = _pattern_matcher(pattern, context, variables, arn=True)
        return matches is not None and matches(resource)
    return static(resource)


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """``"ForAllValues:StringLikeIfExists"`` -> ``("ForAllValues", "StringLike", True)``.

    Example::

        >>> split_operator("ForAllValues:StringLikeIfExists"), split_operator("Bool")
        (('ForAllValues', 'StringLike', True), (None, 'Bool', False))
    """
    qualifier = None
    for prefix in _SET_PREFIXES:
        if operator.startswith(prefix):
            qualifier, operator = prefix[:-1], operator[len(prefix) :]
            break
    if_exists = operator.endswith(_IF_EXISTS) and operator != _IF_EXISTS
    if if_exists:
        operator = operator[: -len(_IF_EXISTS)]
    return qualifier, operator, if_exists


def _test_condition(condition: Condition, context: _NormalContext, variables: bool) -> bool:
    qualifier, base, if_exists = condition._parts
    if base not in OPERATORS:
        return True  # an unknown operator passes the grammar only with an empty block: nothing to test
    request = context.get(condition.key.lower())
    present = request is not None and len(request) > 0
    if base == "Null":
        # "true": the key must be absent; "false": it must be present. Several values are ORed.
        return any((v.lower() == "true") != present for v in condition.values)
    if not present:
        if if_exists or qualifier == "ForAllValues":
            return True
        return qualifier is None and base in _NEGATED
    assert request is not None
    negated = base in _NEGATED
    matcher = _MATCHERS[base.replace("Not", "", 1) if negated else base]
    substitutes = variables and base.startswith(("String", "Arn"))

    def value_ok(value: str) -> bool:
        hit = any(matcher(value, p, context if substitutes else None) for p in condition.values)
        return not hit if negated else hit

    if qualifier == "ForAllValues" or (qualifier is None and negated):
        return all(value_ok(v) for v in request)
    return any(value_ok(v) for v in request)


_Matcher = Callable[[str, str, _NormalContext | None], bool]


def _resolved(pattern: str, context: _NormalContext | None) -> str | None:
    if context is None or "${" not in pattern:
        return pattern
    tokens = _substitute(pattern, context, True)
    return None if tokens is None else "".join(t for _, t in tokens)


def _string_equals(value: str, pattern: str, context: _NormalContext | None) -> bool:
    return _resolved(pattern, context) == value


def _string_equals_ignore_case(value: str, pattern: str, context: _NormalContext | None) -> bool:
    resolved = _resolved(pattern, context)
    return resolved is not None and resolved.casefold() == value.casefold()


def _string_like(value: str, pattern: str, context: _NormalContext | None) -> bool:
    matches = _pattern_matcher(pattern, context or {}, context is not None, arn=False)
    return matches is not None and matches(value)


def _arn_like(value: str, pattern: str, context: _NormalContext | None) -> bool:
    matches = _pattern_matcher(pattern, context or {}, context is not None, arn=True)
    return matches is not None and matches(value)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _numeric(compare: Callable[[float, float], bool]) -> _Matcher:
    def matcher(value: str, pattern: str, context: _NormalContext | None) -> bool:
        left, right = _number(value), _number(pattern)
        return left is not None and right is not None and compare(left, right)

    return matcher


def _date(text: str) -> datetime | None:
    text = text.strip()
    try:
        if re.fullmatch(r"-?\d+", text):
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _dated(compare: Callable[[datetime, datetime], bool]) -> _Matcher:
    def matcher(value: str, pattern: str, context: _NormalContext | None) -> bool:
        left, right = _date(value), _date(pattern)
        return left is not None and right is not None and compare(left, right)

    return matcher


def _bool(value: str, pattern: str, context: _NormalContext | None) -> bool:
    return value.lower() in ("true", "false") and value.lower() == pattern.lower()


def _ip_address(value: str, pattern: str, context: _NormalContext | None) -> bool:
    try:
        address = ipaddress.ip_address(value.strip())
        network = ipaddress.ip_network(pattern.strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


_MATCHERS: dict[str, _Matcher] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
    "DateEquals": _dated(lambda a, b: a == b),
    "DateLessThan": _dated(lambda a, b: a < b),
    "DateLessThanEquals": _dated(lambda a, b: a <= b),
    "DateGreaterThan": _dated(lambda a, b: a > b),
    "DateGreaterThanEquals": _dated(lambda a, b: a >= b),
    "Bool": _bool,
    "BinaryEquals": lambda value, pattern, context: value == pattern,
    "IpAddress": _ip_address,
    # ArnEquals and ArnLike behave alike: each ARN segment compared, wildcards allowed.
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}


def is_allowed(
    identity_policies: Sequence[Policy],
    session_policies: Sequence[Policy] | None,
    action: str,
    resource: str = "*",
    context: Context | None = None,
) -> bool:
    """The IAM decision for a request.

    An explicit Deny in any policy wins; otherwise an identity policy must Allow,
    and when ``session_policies`` is not ``None`` (a federated session) a session
    policy must Allow as well -- an empty list allows nothing.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> from mockfed.iam.managed import managed_policy_document
        >>> user = [parse_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", '
        ...                      '"Resource": "*"}}')]
        >>> session = [parse_policy(managed_policy_document("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess") or "")]
        >>> is_allowed(user, session, "s3:GetObject"), is_allowed(user, session, "s3:PutObject")
        (True, False)
        >>> is_allowed(user, None, "s3:PutObject"), is_allowed(user, [], "s3:GetObject")
        (True, False)
    """
    return decide_request(identity_policies, session_policies, action, resource, context) == "Allow"


def decide_request(
    identity_policies: Sequence[Policy],
    session_policies: Sequence[Policy] | None,
    action: str,
    resource: str = "*",
    context: Context | None = None,
) -> Effect | None:
    """:func:`is_allowed`'s verdict with the reason: ``"Deny"`` for an explicit Deny, ``"Allow"``, or ``None``.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> deny = parse_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*", '
        ...                     '"Resource": "*"}}')
        >>> decide_request([deny], None, "s3:GetObject"), decide_request([], None, "s3:GetObject")
        ('Deny', None)
    """
    normal = _normalize_context(context)
    identity = [_evaluate(p, action, resource, normal) for p in identity_policies]
    session = [_evaluate(p, action, resource, normal) for p in session_policies or ()]
    if "Deny" in identity or "Deny" in session:
        return "Deny"
    if "Allow" not in identity:
        return None
    return "Allow" if session_policies is None or "Allow" in session else None



# --- reasons ---------------------------------------------------------------------------------------------------


class Verdict(NamedTuple):
    """An IAM decision with its reason: ``effect`` (``"Allow"``, ``"Deny"`` for an explicit Deny, None for no
    Allow) and ``reason``, naming the policy and statement, or the element or condition key, that decided it.

    Example::

        >>> Verdict("Deny", "explicitly denied by statement 'NoDelete' of the inline policy").allowed
        False
    """

    effect: Effect | None
    reason: str

    @property
    def allowed(self) -> bool:
        """Whether the request is allowed."""
        return self.effect == "Allow"


def statement_name(statement: Statement, index: int) -> str:
    """How a reason names a statement: its ``Sid``, or its place in the policy.

    Example::

        >>> statement_name(Statement("Allow", sid="ReadReports"), 0), statement_name(Statement("Allow"), 2)
        ("statement 'ReadReports'", 'statement 3')
    """
    return f"statement {statement.sid!r}" if statement.sid else f"statement {index + 1}"


def miss(statement: Statement, action: str, resource: str, context: Context | None, *, variables: bool = True) -> str:
    """Why ``statement`` does not apply to the request: the element (``Action``, ``NotAction``, ``Resource``,
    ``NotResource``) or the condition, with the request's value of its key; "" when it applies.

    Example::

        >>> st = Statement("Allow", actions=("sts:AssumeRole",),
        ...                conditions=(Condition("StringEquals", "sts:ExternalId", ("acme-7",)),))
        >>> miss(st, "sts:AssumeRole", "*", {"sts:ExternalId": "acme-8"})
        "its condition StringEquals sts:ExternalId ['acme-7'] is not met: the request's sts:ExternalId is 'acme-8'"
        >>> miss(st, "s3:GetObject", "*", {})
        "its Action ['sts:AssumeRole'] does not match s3:GetObject"
    """
    normal = _normalize_context(context)
    matchers = statement.matchers
    if matchers.actions is not None and not matchers.actions(action):
        return f"its Action {_shown(statement.actions)} does not match {action}"
    if matchers.not_actions is not None and matchers.not_actions(action):
        return f"its NotAction {_shown(statement.not_actions)} excludes {action}"
    if matchers.resources is not None and not any(
        _resource_matches(pattern, static, resource, normal, variables) for pattern, static in matchers.resources
    ):
        return f"its Resource {_shown(statement.resources)} does not match {resource}"
    if matchers.not_resources is not None and any(
        _resource_matches(pattern, static, resource, normal, variables) for pattern, static in matchers.not_resources
    ):
        return f"its NotResource {_shown(statement.not_resources)} excludes {resource}"
    for condition in statement.conditions:
        if not _test_condition(condition, normal, variables):
            values = normal.get(condition.key.lower())
            had = (
                f"the request's {condition.key} is {_shown(values) if len(values) > 1 else repr(values[0][:120])}"
                if values
                else f"the request has no {condition.key}"
            )
            return f"its condition {condition.operator} {condition.key} {_shown(condition.values)} is not met: {had}"
    return ""


def _shown(values: Sequence[str] | None) -> str:
    """A pattern list as a reason shows it: at most five values, each cut to 120 characters."""
    values = tuple(values or ())
    shown = [value[:120] for value in values[:5]]
    return str(shown) if len(values) <= 5 else f"{str(shown)[:-1]}, ... {len(values) - 5} more]"


def explain_request(
    identity_policies: Sequence[tuple[str, Policy]],
    session_policies: Sequence[tuple[str, Policy]] | None,
    action: str,
    resource: str = "*",
    context: Context | None = None,
) -> Verdict:
    """:func:`decide_request`'s verdict, with the reason: each policy comes with a name (``"the inline policy
    'Reports' of user/alice"``, a managed policy's ARN) that the reason uses.

    Example::

        >>> from mockfed.iam.grammar import parse_policy
        >>> s3 = parse_policy('{"Version": "2012-10-17", "Statement": {"Sid": "Read", "Effect": "Allow", '
        ...                   '"Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}}')
        >>> explain_request([("policy Reports", s3)], None, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
        Verdict(effect='Allow', reason="allowed by statement 'Read' of policy Reports")
        >>> explain_request([("policy Reports", s3)], None, "s3:GetObject", "arn:aws:s3:::other/q3.csv").reason
        "no identity-based policy allows s3:GetObject on arn:aws:s3:::other/q3.csv: statement 'Read' of policy \
Reports: its Resource ['arn:aws:s3:::reports/*'] does not match arn:aws:s3:::other/q3.csv"
    """
    normal = _normalize_context(context)
    for label, policy in (*identity_policies, *(session_policies or ())):
        variables = policy.version == "2012-10-17"
        for index, statement in enumerate(policy.statements):
            if statement.effect == "Deny" and _statement_applies(statement, action, resource, normal, variables):
                return Verdict("Deny", f"explicitly denied by {statement_name(statement, index)} of {label}")
    allowed_by = _allowing(identity_policies, action, resource, normal)
    if allowed_by is None:
        return Verdict(None, _no_allow("identity-based policy", identity_policies, action, resource, normal))
    if session_policies is None:
        return Verdict("Allow", f"allowed by {allowed_by}")
    session_allowed_by = _allowing(session_policies, action, resource, normal)
    if session_allowed_by is None:
        return Verdict(None, _no_allow("session policy", session_policies, action, resource, normal))
    return Verdict("Allow", f"allowed by {allowed_by} and by {session_allowed_by}")


def _allowing(
    policies: Sequence[tuple[str, Policy]], action: str, resource: str, context: _NormalContext
) -> str | None:
    for label, policy in policies:
        variables = policy.version == "2012-10-17"
        for index, statement in enumerate(policy.statements):
            if statement.effect == "Allow" and _statement_applies(statement, action, resource, context, variables):
                return f"{statement_name(statement, index)} of {label}"
    return None


def _no_allow(
    kind: str, policies: Sequence[tuple[str, Policy]], action: str, resource: str, context: _NormalContext
) -> str:
    """Why nothing allows the request: the nearest miss (an Allow whose action matched), or that none is there."""
    head = f"no {kind} allows {action} on {resource}"
    if not policies:
        return f"{head}: there is none" + (" (a federated session may do only what its session policies allow)"
                                           if kind == "session policy" else "")
    nearest = ""
    for label, policy in policies:
        variables = policy.version == "2012-10-17"
        for index, statement in enumerate(policy.statements):
            if statement.effect != "Allow":
                continue
            why = miss(statement, action, resource, context, variables=variables)
            if why and not why.startswith(("its Action", "its NotAction")):
                return f"{head}: {statement_name(statement, index)} of {label}: {why}"
            nearest = nearest or f"{statement_name(statement, index)} of {label}: {why}"
    names = ", ".join(label for label, _ in policies[:5])
    return f"{head}: no statement of {names} matches the action" if nearest else f"{head}: {names} allow nothing"
