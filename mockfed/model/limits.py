"""The model's request constraints, checked server-side with the real service's codes and messages.

The constraints come from botocore's service model at run time (required, min,
max, pattern, list sizes). Every violation is reported together in one
``ValidationError``, as the service does. Rules that only the documentation states
belong to the action they govern (``mockfed.sts``), which passes list maxima the
model lacks as ``list_max``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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


_Check = Callable[[Any, str, list[str]], None]


def _checker(shape: Shape, list_max: int | None = None) -> _Check:
    """A function appending ``shape``'s violations by a value to a list, compiled from the model once."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        return _structure_checker(shape)
    if kind == "list":
        return _list_checker(shape, meta.get("max", list_max), meta.get("min"))
    if kind == "string":
        return _string_checker(meta.get("max"), meta.get("min"), meta.get("pattern"))
    if kind in ("integer", "long"):
        return _number_checker(meta.get("max"), meta.get("min"))
    return _unchecked


def _unchecked(value: Any, path: str, out: list[str]) -> None:
    return None


def _structure_checker(shape: Shape) -> _Check:
    members = [
        (
            name,
            _wire_name(name),
            _checker(member),
            name in shape.required_members or (shape.name, name) in DOCUMENTED_REQUIRED,
        )
        for name, member in shape.members.items()
    ]

    def check_structure(value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, Mapping):
            out.append(_violation(value, path, "be a structure"))
            return
        _check_members(members, value, path, out)

    return check_structure


_Member = tuple[str, str, _Check, bool]  # name, name as reported, its check, whether it is required


def _check_members(members: Sequence[_Member], value: Mapping[str, Any], path: str, out: list[str]) -> None:
    for name, wire_name, check, required in members:
        sub = f"{path}.{wire_name}" if path else wire_name
        member_value = value.get(name)
        if member_value is None:
            if required:
                out.append(_violation(None, sub, "not be null"))
            continue
        check(member_value, sub, out)


def _list_checker(shape: Shape, maximum: int | None, minimum: int | None) -> _Check:
    check_item = _checker(shape.member)

    def check_list(value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, (list, tuple)):
            out.append(_violation(value, path, "be a list"))
            return
        if maximum is not None and len(value) > maximum:
            out.append(_violation(value, path, f"have length less than or equal to {maximum}"))
        if minimum is not None and len(value) < minimum:
            out.append(_violation(value, path, f"have length greater than or equal to {minimum}"))
        for index, item in enumerate(value, start=1):
            check_item(item, f"{path}.{index}.member", out)

    return check_list


def _string_checker(maximum: int | None, minimum: int | None, pattern: str | None) -> _Check:
    matches = java_pattern_matcher(pattern) if pattern is not None else None

    def check_string(value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, str):
            out.append(_violation(value, path, "be a string"))
            return
        if maximum is not None and len(value) > maximum:
            out.append(_violation(value, path, f"have length less than or equal to {maximum}"))
        if minimum is not None and len(value) < minimum:
            out.append(_violation(value, path, f"have length greater than or equal to {minimum}"))
        if matches is not None and not matches(value):
            out.append(_violation(value, path, f"satisfy regular expression pattern: {pattern}"))

    return check_string


def _number_checker(maximum: int | None, minimum: int | None) -> _Check:
    def check_number(value: Any, path: str, out: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(_violation(value, path, "be a number"))
            return
        if maximum is not None and value > maximum:
            out.append(_violation(value, path, f"have value less than or equal to {maximum}"))
        if minimum is not None and value < minimum:
            out.append(_violation(value, path, f"have value greater than or equal to {minimum}"))

    return check_number


def _action_checks(action: str, list_max: tuple[tuple[str, int], ...]) -> tuple[_Member, ...]:
    """Each top-level member of ``action``: name, reported name, its checker, whether it is required (made once
    from the model and the documented maxima, :func:`mockfed.model.derived`)."""
    if model.operation(action) is None:
        return ()
    return model.derived(_make_action_checks, action, list_max)


def _make_action_checks(action: str, list_max: tuple[tuple[str, int], ...]) -> tuple[_Member, ...]:
    shape = model.input_shape(action)
    if shape is None:
        return ()
    maxima = dict(list_max)
    return tuple(
        (name, _wire_name(name), _checker(member, maxima.get(name)), name in shape.required_members)
        for name, member in shape.members.items()
    )


def check_request(
    action: str,
    params: Mapping[str, Any],
    *,
    list_max: tuple[tuple[str, int], ...] = (),
    members: frozenset[str] | None = None,
) -> None:
    """Raise the service's ``ValidationError`` listing every constraint of the model ``params`` violates.

    ``list_max`` gives documented maxima of list members that the model leaves open, as
    ``(("PolicyArns", 10),)``; ``members`` (None: all) limits the check to those members of the action's input.

    Example::

        >>> from mockfed.errors import StsError
        >>> try:
        ...     check_request("GetFederationToken", {"Name": "Bob", "DurationSeconds": 345600})
        ... except StsError as err:
        ...     print(err.message)
        1 validation error detected: Value '345600' at 'durationSeconds' failed to satisfy constraint: \
Member must have value less than or equal to 129600
    """
    violations: list[str] = []
    checks = _action_checks(action, list_max)
    if members is not None:
        checks = tuple(check for check in checks if check[0] in members)
    _check_members(checks, params, "", violations)
    if violations:
        raise validation_error(violations)
