"""The one way capmatch hashes an API key, shared by authentication (which stores only
the hash) and the rate limiter (which tells keys apart by it without storing them)."""

from __future__ import annotations

import hashlib


def hash_secret(plaintext: str) -> str:
    """SHA-256 of the whole key, hex: what the database keeps instead of the key."""
    return hashlib.sha256(plaintext.encode()).hexdigest()
