"""The PackedPolicySize model: how much of the packed session limit a request uses.

AWS packs the session policies (inline document and managed policy ARNs) and the
session tags of a request into a binary form carried by the session token, and
reports ``PackedPolicySize``: that form's size as a percentage of a fixed limit.
The algorithm is not published; this module is a calibrated approximation
(see ``docs/packing.md`` for the data points and the model's error on each).

The model, in short:

* the inline policy is parsed and re-serialised compactly, so whitespace never
  matters; its ``Version`` goes into the one-byte format header, and each
  statement becomes a *skeleton* (the statement without ``Sid`` and with its
  ``Action``/``NotAction``/``Resource``/``NotResource`` names taken out) plus one
  item per name;
* every item (skeleton, action, resource, managed policy ARN, ``key=value`` tag)
  is compressed on its own as a raw DEFLATE stream primed with a dictionary of
  IAM policy grammar and common tag keys: grammar costs almost nothing, names
  cost about a byte per character, as the public data points show;
* ``percent`` is the packed size over :data:`_PACKED_LIMIT` bytes, rounded up.

Because the packed size is a sum over independently compressed items, adding a
statement, an ARN or a tag (anywhere in the request) adds bytes and never lowers
the percentage.

Example::

    >>> from mockfed.iam.packing import pack
    >>> session = pack('{"Version": "2012-10-17", "Statement": '
    ...                '{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}}')
    >>> session.percent, session.too_large
    (5, False)
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockfed.iam.policy import Policy

__all__ = ["MAX_SESSION_TOKEN_SIZE", "PackedSession", "pack", "packed_policy_size"]

MAX_SESSION_TOKEN_SIZE: int = 4096
"""Largest session token, in bytes, the model issues (the top of ``MinimumSessionTokenSize``).

A token carries at most :data:`_PACKED_LIMIT` bytes of packed data (beyond that
the request is refused), so every accepted request fits.

Example::

    >>> MAX_SESSION_TOKEN_SIZE
    4096
"""

# Packed bytes that make 100%; calibrated so the AWS CLI docs example answers 36 and
# botocore's example 8 (any value in 584..599 does), see docs/packing.md.
_PACKED_LIMIT = 592

# Header byte: high nibble is the format, low nibble the policy language version
# (0 no inline policy, 3 absent or unusual Version, kept in a document item instead).
_FORMAT = 0x10
_VERSION_CODES = {"2012-10-17": 1, "2008-10-17": 2}
_OTHER_VERSION = 3

# Statement members whose names are packed one item each, like the real service stores them.
_NAME_LISTS = ("Action", "NotAction", "Resource", "NotResource")

# Preset dictionary: IAM grammar and common tag keys, least frequent first, because
# DEFLATE codes nearer (later) dictionary matches in fewer bits. Service names and
# verbs are left out on purpose: with them the CLI example (made of exactly such
# words) packs far below its real 36% relative to botocore's 8% (docs/packing.md).
_DICTIONARY_PHRASES = (
    "arn:aws:",
    ',"Condition":{"StringEquals":{"aws:',
    '"StringLike":{',
    '"StringNotEquals":{',
    '"ArnLike":{',
    '"IpAddress":{"aws:SourceIp":',
    '"Bool":{"aws:SecureTransport":"true"}',
    '"aws:MultiFactorAuthPresent":"true"',
    '"DateGreaterThan":{"aws:CurrentTime":"',
    '"ForAnyValue:',
    '"aws:PrincipalTag/',
    '"aws:RequestTag/',
    '"aws:ResourceTag/',
    '"aws:RequestedRegion"',
    '"Principal":{"AWS":"',
    '"Service":"',
    '{"Effect":"Deny","NotAction":[],"Resource":[]}',
    '{"Effect":"Allow","Action":[],"NotResource":[]}',
    '{"Effect":"Deny","Action":[],"Resource":[]}',
    '{"Effect":"Allow","Action":[],"Resource":[]}',
    "Stage=",
    "Service=",
    "Customer=",
    "Environment=",
    "Owner=",
    "Team=",
    "Department=",
    "Application=",
    "Name=",
    "CostCenter=",
    "Cost-Center=",
    "Project=",
)
_ZDICT = "".join(_DICTIONARY_PHRASES).encode("ascii")


@dataclass(frozen=True)
class PackedSession:
    """The packed form of a request's session policies and tags, and the percentages AWS reports.

    ``policy_percent`` is what the same request without tags would report, so
    ``percent`` is ``policy_percent + tags_percent`` or one less (rounding).

    Example::

        >>> session = pack(policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"], tags=[("Project", "Pegasus")])
        >>> (session.policy_percent, session.tags_percent, session.percent)
        (6, 2, 7)
        >>> session.too_large, session.exceeded_by_tags
        (False, False)
    """

    data: bytes = field(repr=False)
    """The packed binary: a format byte, then one raw DEFLATE stream per item; the session token carries it."""
    policy_percent: int
    """Share of the packed limit used by the inline policy and managed policy ARNs (format byte included)."""
    tags_percent: int
    """Share of the packed limit used by the session tags (0 without tags)."""
    percent: int
    """``PackedPolicySize`` as AWS reports it: the whole packed size, rounded up."""

    @property
    def too_large(self) -> bool:
        """True when the request exceeds the packed limit (AWS answers ``PackedPolicyTooLarge``).

        Example::

            >>> PackedSession(data=b"...", policy_percent=95, tags_percent=7, percent=101).too_large
            True
        """
        return self.percent > 100

    @property
    def exceeded_by_tags(self) -> bool:
        """True when the request is too large, has tags, and its policies alone would have fit.

        AWS then blames the tags: ``Packed size of session tags consumes N% of allotted space.``

        Example::

            >>> PackedSession(data=b"...", policy_percent=95, tags_percent=7, percent=101).exceeded_by_tags
            True
            >>> PackedSession(data=b"...", policy_percent=112, tags_percent=7, percent=118).exceeded_by_tags
            False
        """
        return self.too_large and self.tags_percent > 0 and self.policy_percent <= 100


def pack(
    policy: str | Mapping[str, Any] | Policy | None = None,
    policy_arns: Sequence[str] = (),
    tags: Sequence[tuple[str, str]] | Mapping[str, str] = (),
) -> PackedSession:
    """Pack an inline policy (JSON text, the document it reads as, or the policy parsed from it), managed policy ARNs
    and session tags (``(key, value)`` pairs or a mapping) as the session token carries them.

    Raises ``ValueError`` when ``policy`` is not valid JSON. The grammar of the
    policy is not checked here: that is the policy validator's job.

    Example::

        >>> pack('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets",'
        ...      '"Resource":"*"}]}', tags=[("Project", "Pegasus"), ("Cost-Center", "98765")]).percent
        8
    """
    version: int
    policy_items: tuple[str, ...]
    if policy is None:
        version, policy_items = 0, ()
    elif isinstance(policy, str):
        version, policy_items = _policy_items(policy)
    elif isinstance(policy, Policy):
        version, policy_items = _parsed_items(policy)
    else:
        version, policy_items = _document_items(policy)
    return _pack_normalised(version, policy_items, _as_arns(policy_arns), _as_tags(tags))


def packed_policy_size(
    policy: str | None = None,
    policy_arns: Sequence[str] = (),
    tags: Sequence[tuple[str, str]] | Mapping[str, str] = (),
) -> int:
    """``PackedPolicySize`` for a request, as AWS reports it: ``pack(...).percent``; tags may be a mapping.

    Example::

        >>> packed_policy_size(tags={"Project": "Pegasus", "Cost-Center": "98765"})
        4
    """
    return pack(policy, policy_arns, tags).percent


def _as_arns(policy_arns: Sequence[str]) -> tuple[str, ...]:
    if isinstance(policy_arns, str):
        raise TypeError("policy_arns must be a sequence of ARNs, not one string: wrap it in a list")
    return tuple(policy_arns)


def _as_tags(tags: object) -> tuple[tuple[str, str], ...]:
    """``pack``'s tags as (key, value) pairs, from pairs or a mapping; a ``TypeError`` showing both otherwise."""
    wrong = TypeError(
        'tags must be a mapping or a sequence of (key, value) pairs of text, such as {"Project": "Pegasus"} '
        'or [("Project", "Pegasus")]'
    )
    if isinstance(tags, str | bytes) or not isinstance(tags, Iterable):
        raise wrong
    items = list(tags.items()) if isinstance(tags, Mapping) else list(tags)
    if any(isinstance(pair, str | bytes) for pair in items):
        raise wrong  # "ab" would unpack as the pair ("a", "b")
    try:
        pairs = tuple((key, value) for key, value in items)
    except (TypeError, ValueError):
        raise wrong from None
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in pairs):
        raise wrong
    return pairs


def _policy_items(policy: str) -> tuple[int, tuple[str, ...]]:
    """Parse ``policy`` into its version code and the compact texts packed one item each."""
    try:
        return _document_items(json.loads(policy))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"policy is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            'pass a JSON policy document such as {"Version":"2012-10-17","Statement":[...]}'
        ) from None
    except RecursionError:
        raise ValueError("policy nests too deeply to be a policy document") from None


def _parsed_items(policy: Policy) -> tuple[int, tuple[str, ...]]:
    """The items of a parsed policy's document, kept with it: a part of the policy's parsed form, which a text
    always has the same (the grammar keeps the parsed form of recent texts)."""
    items = policy.packed_items
    if items is None:
        items = _document_items(policy.document if policy.document is not None else {})
        object.__setattr__(policy, "packed_items", items)
    return items


def _document_items(document: object) -> tuple[int, tuple[str, ...]]:
    if not isinstance(document, dict):
        return _OTHER_VERSION, (_compact(document),)
    rest = dict(document)
    declared = rest.get("Version")
    version = _VERSION_CODES.get(declared, _OTHER_VERSION) if isinstance(declared, str) else _OTHER_VERSION
    if version != _OTHER_VERSION:
        del rest["Version"]
    statements = rest.pop("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    elif not isinstance(statements, list):
        rest["Statement"], statements = statements, []
    items = [_compact(rest)] if rest else []
    for statement in statements:
        items.extend(_statement_items(statement))
    return version, tuple(items)


def _statement_items(statement: object) -> list[str]:
    """A statement's skeleton, then its action and resource names; ``Sid`` is a label, not packed."""
    if not isinstance(statement, dict):
        return [_compact(statement)]
    skeleton: dict[str, object] = {}
    names: list[str] = []
    plain: list[str] = []  # the skeleton's text while it holds only name lists and an Effect (most statements)
    for key, value in statement.items():
        if key == "Sid":
            continue
        listed = [value] if isinstance(value, str) else value
        if key in _NAME_LISTS and isinstance(listed, list) and all(isinstance(name, str) for name in listed):
            skeleton[key] = []
            names.extend(listed)
            plain.append(f'"{key}":[]')
        else:
            skeleton[key] = value
            plain.append(f'"Effect":"{value}"' if key == "Effect" and value in _EFFECTS else "")
    if all(plain):
        return ["{" + ",".join(plain) + "}", *names]
    return [_compact(skeleton), *names]


_EFFECTS = ("Allow", "Deny")


def _compact(value: object) -> str:
    return _COMPACT(value)


#: ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``, with the encoder made once.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode




@functools.lru_cache(maxsize=4096)
def _packed_item(text: str) -> bytes:
    """One item compressed on its own: a pure function of its text (the same actions, resources, managed policy ARNs
    and statement skeletons come in many policies), kept for the most recent items."""
    # Raw DEFLATE (no zlib header), primed with the dictionary; a 4 KiB window holds the dictionary and a
    # 2,048-character item, and memLevel 6 keeps such an item in one block. A new compressor costs less than a copy
    # of a primed one (which copies its whole 48 KiB state).
    compressor = zlib.compressobj(9, zlib.DEFLATED, -12, 6, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    raw = text.encode("utf-8", "surrogatepass")
    return compressor.compress(raw) + compressor.flush()


def _pack_normalised(
    version: int,
    policy_items: tuple[str, ...],
    policy_arns: tuple[str, ...],
    tags: tuple[tuple[str, str], ...],
) -> PackedSession:
    header = bytes([_FORMAT | version])
    policies = b"".join(_packed_item(text) for text in (*policy_items, *policy_arns))
    packed_tags = b"".join(_packed_item(f"{key}={value}") for key, value in tags)
    data = header + policies + packed_tags
    # The format byte counts with the policies: a request with no policy and no ARNs reports its tags alone, and
    # one with nothing at all reports 0, as the real service answered a GetFederationToken with no Policy,
    # PolicyArns or Tags (the token still carries the format byte).
    policy_size = len(header) + len(policies) if policies else 0
    return PackedSession(
        data=data,
        policy_percent=_percent(policy_size),
        tags_percent=_percent(len(packed_tags)),
        percent=_percent(policy_size + len(packed_tags)),
    )


def _percent(size: int) -> int:
    return -(-100 * size // _PACKED_LIMIT)
