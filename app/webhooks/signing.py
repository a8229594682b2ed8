"""Secrets and signatures of the Standard Webhooks spec (signed with its reference package).

A secret is ``whsec_`` + base64 of 32 random bytes. A delivery carries ``webhook-id``,
``webhook-timestamp`` (unix seconds) and ``webhook-signature``: one ``v1,<base64>`` per
secret that signs, space-separated (the current one and, during a rotation, the old).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature_headers(
    *, msg_id: str, timestamp: datetime, payload: str, secrets: Iterable[str]
) -> dict[str, str]:
    """The three headers of one attempt; ``payload`` is the body exactly as sent."""
    signatures = [
        Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=payload) for secret in secrets
    ]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
