"""IAM's wildcards (``*``, ``?``) matched in time linear in the text, whatever the pattern.

A policy's patterns come from whoever wrote the policy, and the text they are matched against
(a role ARN, a session name, a tag) from whoever sent the request: through ``mockfed serve`` both
can be hostile. A backtracking regex built from ``*a*a*a…*b`` takes exponential time on
``aaaa…``; this matcher runs the pattern as a nondeterministic automaton, all its states at
once in the bits of one integer (the shift-and method), so a text of ``n`` characters costs
``n`` steps of a few integer operations, however many wildcards the pattern holds.

Patterns with one or two stars keep a compiled regex for texts of up to 4,096 characters (its
backtracking is at most quadratic, small there, and a regex runs in C); :func:`compile_wildcards`
chooses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["ANY", "ANY_BUT_COLON", "STAR", "STAR_BUT_COLON", "Wildcards", "compile_wildcards"]

#: The wildcard tokens besides literal characters: one character, one character but ``:``, any run of
#: characters, any run of characters without ``:`` (an ARN's segment).
ANY = "\x00any"
ANY_BUT_COLON = "\x00any-but-colon"
STAR = "\x00star"
STAR_BUT_COLON = "\x00star-but-colon"
_STARS = (STAR, STAR_BUT_COLON)

#: How many ``*`` a pattern may hold and still be matched by a regex (two stars backtrack at most quadratically),
#: and how long a text it is matched against: past that, the automaton (the same answer) takes over.
_REGEX_STARS = 2
_REGEX_TEXT = 4096

_REGEX_PIECES = {ANY: ".", ANY_BUT_COLON: "[^:]", STAR: ".*", STAR_BUT_COLON: "[^:]*"}


class Wildcards:
    """A pattern of literal characters and wildcard tokens, matched against a whole text.

    Example::

        >>> pattern = Wildcards([*"arn:aws:iam::", STAR_BUT_COLON, *":role/", STAR, "b"])
        >>> pattern.fullmatch("arn:aws:iam::123456789012:role/ab"), pattern.fullmatch("arn:aws:iam::1:2:role/ab")
        (True, False)
        >>> hostile = Wildcards([*"role/", *[STAR, "a"] * 30, STAR, "b"])
        >>> hostile.fullmatch("role/" + "a" * 2000)  # at once, where a backtracking regex would never finish
        False
    """

    __slots__ = (
        "_accept", "_any", "_any_but_colon", "_ascii", "_chars", "_folded", "_ignore_case", "_lowered", "_stars",
        "_stars_but_colon",
    )  # fmt: skip

    def __init__(self, tokens: Sequence[str], *, ignore_case: bool = False) -> None:
        collapsed: list[str] = []
        for token in tokens:  # a run of stars is one star (unrestricted if any of them is)
            if token in _STARS and collapsed and collapsed[-1] in _STARS:
                collapsed[-1] = STAR if STAR in (token, collapsed[-1]) else STAR_BUT_COLON
            else:
                collapsed.append(token)
        self._ignore_case = ignore_case
        self._chars: dict[str, int] = {}
        self._any = self._any_but_colon = self._stars = self._stars_but_colon = 0
        for position, token in enumerate(collapsed):
            bit = 1 << position
            if token == ANY:
                self._any |= bit
            elif token == ANY_BUT_COLON:
                self._any_but_colon |= bit
            elif token == STAR:
                self._stars |= bit
            elif token == STAR_BUT_COLON:
                self._stars_but_colon |= bit
            else:
                self._chars[token] = self._chars.get(token, 0) | bit
        self._accept = 1 << len(collapsed)
        # Ignoring case as ``re.IGNORECASE`` does: for ASCII text and an ASCII pattern, by lower case; otherwise each
        # character of the text is asked of each of the pattern's characters, through ``re`` itself (its case rules
        # beyond ASCII: the long s is an s, the Kelvin sign a k), so the answer is the regex's own.
        self._ascii = all(char.isascii() for char in self._chars)
        self._lowered: dict[str, int] = {}
        self._folded: tuple[tuple[re.Pattern[str], int], ...] = ()
        if ignore_case:
            for char, bits in self._chars.items():
                self._lowered[char.lower()] = self._lowered.get(char.lower(), 0) | bits
            self._folded = tuple(
                (re.compile(re.escape(char), re.IGNORECASE), bits) for char, bits in self._chars.items()
            )

    def fullmatch(self, text: str) -> bool:
        """Whether the whole of ``text`` matches the pattern."""
        chars, stars = self._chars, self._stars | self._stars_but_colon
        anything, anything_but_colon = self._any, self._any_but_colon
        stay_anywhere, stay_but_colon = self._stars, self._stars_but_colon
        states = 1 | ((1 & stars) << 1)  # at the start, and past a leading star (it may match nothing)
        if self._ignore_case:
            if self._ascii and text.isascii():
                chars, text = self._lowered, text.lower()
            else:
                chars = self._case_folded(text)
        for char in text:
            if char == ":":
                advance, stay = chars.get(char, 0) | anything, stay_anywhere
            else:
                advance, stay = chars.get(char, 0) | anything | anything_but_colon, stay_anywhere | stay_but_colon
            states = ((states & advance) << 1) | (states & stay)
            states |= (states & stars) << 1  # a star may match nothing: the state after it too
            if not states:
                return False
        return bool(states & self._accept)

    def _case_folded(self, text: str) -> dict[str, int]:
        """For each character of ``text``, the pattern's characters it matches ignoring case, as ``re`` decides."""
        return {
            char: sum(bits for regex, bits in self._folded if regex.fullmatch(char) is not None)
            for char in set(text)
        }


def compile_wildcards(tokens: Sequence[str], *, ignore_case: bool = False) -> Callable[[str], bool]:
    """A whole-text matcher for ``tokens`` (literal characters and the wildcard tokens): a compiled regex when the
    pattern holds at most two stars and the text has at most 4,096 characters, a :class:`Wildcards` automaton
    otherwise (the same answer, in time linear in the text).

    Example::

        >>> match = compile_wildcards([*"s3:", STAR, *"Object", ANY], ignore_case=True)
        >>> match("S3:GetObjects"), match("s3:GetObject")
        (True, False)
    """
    if sum(token in _STARS for token in tokens) > _REGEX_STARS:
        return Wildcards(tokens, ignore_case=ignore_case).fullmatch
    body = "".join(_REGEX_PIECES.get(token) or re.escape(token) for token in tokens)
    regex = re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    automaton: list[Wildcards] = []  # made for the first text too long for the regex

    def matches(text: str) -> bool:
        if len(text) <= _REGEX_TEXT:
            return regex.fullmatch(text) is not None
        if not automaton:
            automaton.append(Wildcards(tokens, ignore_case=ignore_case))
        return automaton[0].fullmatch(text)

    return matches
