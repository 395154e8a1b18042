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
from typing import NamedTuple

__all__ = ["TOKEN_PREFIX", "TOKEN_TEXT_PREFIX", "KeyFactory", "TokenClaims", "TokenCodec", "looks_like_mockfed_token"]

#: Current real tokens start with ``IQoJb3JpZ2luX2Vj`` (the first 12 bytes here, base64-encoded);
#: the marker after it tells a mockfed token from a real one (21 bytes: whole base64 groups).
TOKEN_PREFIX = b"!\n\torigin_ec\x1amockfed:"
TOKEN_TEXT_PREFIX = base64.b64encode(TOKEN_PREFIX).decode("ascii")
_FORMAT_VERSION = 1
_MAC_SIZE = 16
_HEADER = struct.Struct(">BdH")  # version, expiry (POSIX seconds), length of the access key id


class KeyFactory:
    """Makes access key ids and secrets; seedable for reproducible tests.

    Example::

        >>> keys = KeyFactory(seed=7)
        >>> akid = keys.access_key_id("ASIA")
        >>> (akid[:4], len(akid), len(keys.secret_access_key()))
        ('ASIA', 20, 40)
        >>> KeyFactory(seed=7).access_key_id("ASIA") == akid
        True
    """

    def __init__(self, seed: int | str | None = None) -> None:
        # One read of random bytes per key: base32 is exactly the key alphabet, base64 the secret's.
        self._bytes = random.Random(seed).randbytes if seed is not None else os.urandom

    def access_key_id(self, prefix: str) -> str:
        return prefix + base64.b32encode(self._bytes(10)).decode("ascii")[: 20 - len(prefix)]

    def secret_access_key(self) -> str:
        return base64.b64encode(self._bytes(30)).decode("ascii")

    def token_key(self) -> bytes:
        return self._bytes(32)


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
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_SIZE]

    def seal(self, claims: TokenClaims, minimum_size: int = 0) -> str:
        """The token for ``claims``, padded so its text is at least ``minimum_size`` bytes."""
        akid = claims.access_key_id.encode("ascii")
        body = _HEADER.pack(_FORMAT_VERSION, claims.expires_at, len(akid)) + akid + claims.packed
        raw_size = len(TOKEN_PREFIX) + _MAC_SIZE + len(body) + 4
        needed_raw = -(-minimum_size // 4) * 3  # base64 turns 3 bytes into 4 characters
        padding = max(0, needed_raw - raw_size)
        body += b"\0" * padding + struct.pack(">I", padding)
        return base64.b64encode(TOKEN_PREFIX + self._mac(body) + body).decode("ascii")

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


def looks_like_mockfed_token(token: str) -> bool:
    """True when ``token`` has the shape of a mockfed session token (sealed by any backend, or altered).

    Example::

        >>> looks_like_mockfed_token(TOKEN_TEXT_PREFIX + "AAAA"), looks_like_mockfed_token("IQoJb3JpZ2luX2VjEGoa")
        (True, False)
    """
    return token.startswith(TOKEN_TEXT_PREFIX)
