"""The model's request constraints, checked server-side with the real service's codes and messages.

The constraints come from botocore's service model at run time (required, min,
max, pattern, list sizes). Every violation is reported together in one
``ValidationError``, as the service does. Rules that only the documentation states
belong to the action they govern (``mockfed.sts``), which passes list maxima the
model lacks as ``list_max``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import Shape

from mockfed import model
from mockfed.errors import validation_error

__all__ = ["check_request", "java_pattern_matcher"]

#: Members the model leaves optional that a request cannot do without: a policy descriptor names its policy
#: (``PolicyArns.member.1.other=x`` alone is an empty descriptor; the service's exact answer is unverified).
DOCUMENTED_REQUIRED: frozenset[tuple[str, str]] = frozenset({("PolicyDescriptorType", "arn")})

_UNICODE_CLASS = re.compile(r"\\p\{(\w+)\}")
_LONG_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{5,6})")


@functools.cache
def java_pattern_matcher(pattern: str) -> Callable[[str], bool]:
    """A full-match predicate for one of the model's Java-flavoured patterns.

    Java's ``\\w`` is ASCII; ``\\u10000`` in the model means the supplementary planes;
    ``\\p{L}``/``\\p{Z}``/``\\p{N}`` are Unicode categories, which Python's ``re`` lacks,
    so non-ASCII text is checked by category.

    Example::

        >>> java_pattern_matcher(r"[\\w+=,.@-]*")("Bob")
        True
        >>> java_pattern_matcher(r"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")("Département 7")
        True
    """
    translated = _LONG_ESCAPE.sub(lambda m: "\\U" + m.group(1).rjust(8, "0"), pattern)
    categories = tuple(_UNICODE_CLASS.findall(translated))
    if not categories:
        compiled = re.compile(translated, re.ASCII)
        return lambda value: compiled.fullmatch(value) is not None
    ascii_equivalent = {"L": "a-zA-Z", "Z": " ", "N": "0-9"}
    ascii_pattern = _UNICODE_CLASS.sub(lambda m: ascii_equivalent.get(m.group(1), ""), translated)
    ascii_compiled = re.compile(ascii_pattern, re.ASCII)
    allows_empty = ascii_compiled.fullmatch("") is not None

    def matches(value: str) -> bool:
        if value.isascii():
            return ascii_compiled.fullmatch(value) is not None
        if not value:
            return allows_empty
        import unicodedata  # only non-ASCII text needs it: not loaded by import mockfed

        return all(
            (ch.isascii() and ascii_compiled.fullmatch(ch) is not None) or unicodedata.category(ch)[0] in categories
            for ch in value
        )

    return matches


def _wire_name(member: str) -> str:
    """The service reports fields in lower camel case: ``DurationSeconds`` -> ``durationSeconds``."""
    return member[:1].lower() + member[1:]


def _show(value: Any) -> str:
    """A value as the service quotes it inside a message."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{_show(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _check_value(shape: Shape, value: Any, path: str, out: list[str], list_max: int | None = None) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            out.append(_violation(value, path, "be a structure"))
            return
        for name, member in shape.members.items():
            sub = f"{path}.{_wire_name(name)}" if path else _wire_name(name)
            if name not in value or value[name] is None:
                if name in shape.required_members or (shape.name, name) in DOCUMENTED_REQUIRED:
                    out.append(_violation(None, sub, "not be null"))
                continue
            _check_value(member, value[name], sub, out)
        return
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            out.append(_violation(value, path, "be a list"))
            return
        maximum = meta.get("max", list_max)
        if maximum is not None and len(value) > maximum:
            out.append(_violation(value, path, f"have length less than or equal to {maximum}"))
        if "min" in meta and len(value) < meta["min"]:
            out.append(_violation(value, path, f"have length greater than or equal to {meta['min']}"))
        for index, item in enumerate(value, start=1):
            _check_value(shape.member, item, f"{path}.{index}.member", out)
        return
    if kind == "string":
        if not isinstance(value, str):
            out.append(_violation(value, path, "be a string"))
            return
        if "max" in meta and len(value) > meta["max"]:
            out.append(_violation(value, path, f"have length less than or equal to {meta['max']}"))
        if "min" in meta and len(value) < meta["min"]:
            out.append(_violation(value, path, f"have length greater than or equal to {meta['min']}"))
        if "pattern" in meta and not java_pattern_matcher(meta["pattern"])(value):
            out.append(_violation(value, path, f"satisfy regular expression pattern: {meta['pattern']}"))
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(_violation(value, path, "be a number"))
            return
        if "max" in meta and value > meta["max"]:
            out.append(_violation(value, path, f"have value less than or equal to {meta['max']}"))
        if "min" in meta and value < meta["min"]:
            out.append(_violation(value, path, f"have value greater than or equal to {meta['min']}"))


def check_request(action: str, params: Mapping[str, Any], *, list_max: Mapping[str, int] | None = None) -> None:
    """Raise the service's ``ValidationError`` listing every constraint of the model ``params`` violates.

    ``list_max`` gives documented maxima of list members that the model leaves open.

    Example::

        >>> from mockfed.errors import StsError
        >>> try:
        ...     check_request("GetFederationToken", {"Name": "Bob", "DurationSeconds": 345600})
        ... except StsError as err:
        ...     print(err.message)
        1 validation error detected: Value '345600' at 'durationSeconds' failed to satisfy constraint: \
Member must have value less than or equal to 129600
    """
    shape = model.input_shape(action)
    if shape is None:
        return
    violations: list[str] = []
    for name, member in shape.members.items():
        path = _wire_name(name)
        value = params.get(name)
        if value is None:
            if name in shape.required_members:
                violations.append(_violation(None, path, "not be null"))
            continue
        _check_value(member, value, path, violations, list_max.get(name) if list_max else None)
    if violations:
        raise validation_error(violations)
