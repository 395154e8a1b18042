"""Access key ids, secrets and session tokens, shaped like the real ones.

Session tokens are stateless: each carries its session (access key id, expiry,
federated name and the packed policy bytes), sealed with an HMAC under the
backend's key, so a token that was altered or forged is recognised. Its size
therefore grows with the policy and tags, which is what ``SessionTokenSize``
reports.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import random
import struct
import zlib
from typing import NamedTuple

__all__ = [
    "TOKEN_PREFIX",
    "TOKEN_TEXT_PREFIX",
    "KeyFactory",
    "MessageSealer",
    "TokenClaims",
    "TokenCodec",
    "access_key_id_for",
    "account_of_access_key_id",
    "looks_like_mockfed_token",
]

#: Current real tokens start with ``IQoJb3JpZ2luX2Vj`` (the first 12 bytes here, base64-encoded);
#: the marker after it tells a mockfed token from a real one (21 bytes: whole base64 groups).
TOKEN_PREFIX = b"!\n\torigin_ec\x1amockfed:"
TOKEN_TEXT_PREFIX = base64.b64encode(TOKEN_PREFIX).decode("ascii")
_FORMAT_VERSION = 2
_MAC_SIZE = 16
_HEADER = struct.Struct(">BdH")  # version, expiry (POSIX seconds), length of the access key id
_NO_PADDING = struct.pack(">I", 0)


class KeyFactory:
    """Makes access key ids, unique ids and secrets; seedable for reproducible tests.

    Access key ids encode the account as AWS's do (:func:`account_of_access_key_id` reads it back).

    Example::

        >>> keys = KeyFactory(seed=7, account_id="111122223333")
        >>> akid = keys.access_key_id("ASIA")
        >>> (akid[:4], len(akid), len(keys.secret_access_key()), account_of_access_key_id(akid))
        ('ASIA', 20, 40, '111122223333')
        >>> KeyFactory(seed=7, account_id="111122223333").access_key_id("ASIA") == akid
        True
    """

    def __init__(self, seed: int | str | None = None, account_id: str = "000000000000") -> None:
        # Fake credentials need no kernel entropy per key (a system call each): a generator seeded from it once,
        # or from the test's seed for reproducible keys.
        self._random = random.Random(seed if seed is not None else os.urandom(32))
        account = int(account_id) if account_id.isdigit() else 0
        self._account_bits = ((account << _ACCOUNT_SHIFT) & _ACCOUNT_MASK) << 32  # bytes 0-5 of 10

    def access_key_id(self, prefix: str) -> str:
        """``prefix`` and 16 base32 characters whose first 6 bytes carry the account, the rest random."""
        return prefix + _base32((self._random.getrandbits(80) & ~_ACCOUNT_BITS) | self._account_bits)

    def unique_id(self, prefix: str) -> str:
        """A user or role id (``AIDA…``, ``AROA…``): ``prefix`` and 16 random base32 characters."""
        return prefix + _base32(self._random.getrandbits(80))

    def secret_access_key(self) -> str:
        """40 characters of base64, as AWS's secrets are."""
        return base64.b64encode(self._random.randbytes(30)).decode("ascii")

    def signin_token(self) -> str:
        """A console sign-in token: 320 URL-safe base64 characters, as the federation endpoint's are several hundred.

        Example::

            >>> token = KeyFactory(seed=1).signin_token()
            >>> len(token), token.replace("-", "").replace("_", "").isalnum()
            (320, True)
        """
        return base64.urlsafe_b64encode(self._random.randbytes(240)).decode("ascii")

    def totp_secret(self) -> str:
        """A virtual MFA device's secret: 160 random bits in base32, as authenticator apps take them."""
        return base64.b32encode(self._random.randbytes(20)).decode("ascii")

    def token_key(self) -> bytes:
        """The key that seals this backend's session tokens (from the kernel unless a seed was given)."""
        return self._random.randbytes(32)


_ACCOUNT_SHIFT = 7
_ACCOUNT_MASK = 0x7FFFFFFFFF80
_ACCOUNT_BITS = _ACCOUNT_MASK << 32
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [first + second for first in _BASE32 for second in _BASE32]


def _base32(number: int) -> str:
    """The base32 text of an 80-bit number (``base64.b32encode`` of its 10 bytes, at a third of the cost)."""
    pairs = _BASE32_PAIRS
    return (
        pairs[number >> 70]
        + pairs[(number >> 60) & 1023]
        + pairs[(number >> 50) & 1023]
        + pairs[(number >> 40) & 1023]
        + pairs[(number >> 30) & 1023]
        + pairs[(number >> 20) & 1023]
        + pairs[(number >> 10) & 1023]
        + pairs[number & 1023]
    )


def account_of_access_key_id(access_key_id: str) -> str | None:
    """The 12-digit account an access key id encodes (as GetAccessKeyInfo reads it), or None if it encodes none.

    Base32-decode the 16 characters after the 4-character prefix, take the first 6 bytes as a
    big-endian number, keep bits 7 to 46.

    Example::

        >>> account_of_access_key_id("ASIAY34FZKBOKMUTVV7A")
        '609629065308'
    """
    try:
        raw = base64.b32decode(access_key_id[4:20])
    except (ValueError, binascii.Error):
        return None
    if len(access_key_id) != 20:
        return None
    return f"{(int.from_bytes(raw[:6], 'big') & _ACCOUNT_MASK) >> _ACCOUNT_SHIFT:012d}"


def access_key_id_for(account_id: str, like: str = "AKIA") -> str:
    """An access key id encoding ``account_id``: ``like`` (a 20-character ``AKIA``/``ASIA`` key id) with the
    account's bits set in it, or, given only a 4-character prefix, that prefix with the account and no random
    bits. A fixed key for a user (``create_user(..., access_key_id=...)``) must encode its account.

    Example::

        >>> access_key_id_for("123456789012")
        'AKIABZPUZDIKAAAAAAAA'
        >>> access_key_id_for("111122223333", like="AKIAIOSFODNN7EXAMPLE")
        'AKIABTX3GSDS7EXAMPLE'
        >>> account_of_access_key_id("AKIABTX3GSDS7EXAMPLE")
        '111122223333'
    """
    try:
        rest = int.from_bytes(base64.b32decode(like[4:20]), "big") if len(like) == 20 else 0
    except (ValueError, binascii.Error):
        rest = 0
    account = int(account_id) if account_id.isascii() and account_id.isdigit() else 0
    return like[:4] + _base32((rest & ~_ACCOUNT_BITS) | (((account << _ACCOUNT_SHIFT) & _ACCOUNT_MASK) << 32))


class TokenClaims(NamedTuple):
    """What a session token carries."""

    access_key_id: str
    expires_at: float
    packed: bytes = b""


class TokenCodec:
    """Seals and opens session tokens with one backend's key.

    Example::

        >>> codec = TokenCodec(b"k" * 32)
        >>> token = codec.seal(TokenClaims("ASIAEXAMPLEEXAMPLE00", 1.0e9, b"policy"))
        >>> token.startswith("IQoJb3JpZ2luX2Vj"), codec.open(token).access_key_id
        (True, 'ASIAEXAMPLEEXAMPLE00')
        >>> altered = token[:40] + ("B" if token[40] == "A" else "A") + token[41:]
        >>> codec.open(altered) is None, TokenCodec(b"other key" * 4).open(token) is None
        (True, True)
    """

    def __init__(self, key: bytes) -> None:
        # Keyed BLAKE2b is a MAC by design (RFC 7693), at half the cost of HMAC-SHA256 per token; the keyed
        # state is made once and copied for each token.
        self._keyed = hashlib.blake2b(key=key, digest_size=_MAC_SIZE)

    def _mac(self, body: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(body)
        return mac.digest()

    def seal(self, claims: TokenClaims, minimum_size: int = 0) -> str:
        """The token for ``claims``, padded so its text is at least ``minimum_size`` bytes."""
        akid = claims.access_key_id.encode("ascii")
        header = _HEADER.pack(_FORMAT_VERSION, claims.expires_at, len(akid))
        tail = _NO_PADDING
        if minimum_size:
            raw_size = len(TOKEN_PREFIX) + _MAC_SIZE + len(header) + len(akid) + len(claims.packed) + 4
            needed_raw = -(-minimum_size // 4) * 3  # base64 turns 3 bytes into 4 characters
            padding = max(0, needed_raw - raw_size)
            tail = b"\0" * padding + struct.pack(">I", padding)
        mac = self._keyed.copy()  # over the body's parts in turn: the body is made once, in the token
        mac.update(header)
        mac.update(akid)
        mac.update(claims.packed)
        mac.update(tail)
        raw = b"".join((TOKEN_PREFIX, mac.digest(), header, akid, claims.packed, tail))
        return binascii.b2a_base64(raw, newline=False).decode("ascii")

    def open(self, token: str) -> TokenClaims | None:
        """The claims of a token this codec sealed, or None if it is not one (altered, forged, foreign)."""
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not raw.startswith(TOKEN_PREFIX) or len(raw) < len(TOKEN_PREFIX) + _MAC_SIZE + _HEADER.size + 4:
            return None
        mac = raw[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + _MAC_SIZE]
        body = raw[len(TOKEN_PREFIX) + _MAC_SIZE :]
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        version, expires_at, akid_size = _HEADER.unpack_from(body)
        if version != _FORMAT_VERSION:
            return None
        (padding,) = struct.unpack(">I", body[-4:])
        start = _HEADER.size
        akid = body[start : start + akid_size].decode("ascii")
        packed = body[start + akid_size : len(body) - 4 - padding]
        return TokenClaims(akid, expires_at, packed)


class MessageSealer:
    """Seals opaque messages (encoded authorization messages) with a backend's key; opens only its own.

    Example::

        >>> sealer = MessageSealer(b"k" * 32)
        >>> sealer.open(sealer.seal(b"hello")), sealer.open("garbage"), MessageSealer(b"x" * 32).open(sealer.seal(b"h"))
        (b'hello', None, None)
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, data: bytes) -> str:
        mac = hashlib.blake2b(data, key=self._key, digest_size=_MAC_SIZE, person=b"mockfed-message").digest()
        return base64.urlsafe_b64encode(mac + zlib.compress(data)).decode("ascii").rstrip("=")

    def open(self, text: str) -> bytes | None:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = zlib.decompress(raw[_MAC_SIZE:], bufsize=4096)
        except (ValueError, binascii.Error, zlib.error):
            return None
        mac = hashlib.blake2b(data, key=self._key, digest_size=_MAC_SIZE, person=b"mockfed-message").digest()
        return data if hmac.compare_digest(mac, raw[:_MAC_SIZE]) else None


def looks_like_mockfed_token(token: str) -> bool:
    """True when ``token`` has the shape of a mockfed session token (sealed by any backend, or altered).

    Example::

        >>> looks_like_mockfed_token(TOKEN_TEXT_PREFIX + "AAAA"), looks_like_mockfed_token("IQoJb3JpZ2luX2VjEGoa")
        (True, False)
    """
    return token.startswith(TOKEN_TEXT_PREFIX)
