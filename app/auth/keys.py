"""API keys: how they look, how they are made and how they are verified.

Keys are 256-bit random secrets with a readable prefix (``cmp_`` partner, ``cmo_``
organisation). Because they are high-entropy, a single SHA-256 of the whole key is a
safe and cheap verifier (a slow password hash protects guessable secrets, which these
are not); the hash is unique-indexed, so verifying a key is one indexed lookup.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from app.core.hashing import hash_secret

PARTNER_KEY_PREFIX = "cmp_"
ORGANIZATION_KEY_PREFIX = "cmo_"
DISPLAY_PREFIX_LENGTH = 12
KeyKind = Literal["partner", "organization"]


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    plaintext: str
    prefix: str
    secret_hash: str


def looks_like_key(token: str) -> bool:
    return token.startswith((PARTNER_KEY_PREFIX, ORGANIZATION_KEY_PREFIX))


def generate_key(kind: KeyKind) -> GeneratedKey:
    prefix = PARTNER_KEY_PREFIX if kind == "partner" else ORGANIZATION_KEY_PREFIX
    plaintext = prefix + secrets.token_urlsafe(32)
    return GeneratedKey(
        plaintext=plaintext,
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        secret_hash=hash_secret(plaintext),
    )
