"""Signatures verify with the Standard Webhooks reference verifier, also during rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.dates import utcnow
from app.models import WebhookEndpoint
from app.webhooks.signing import new_secret, signature_headers
from app.webhooks.worker import signing_secrets

PAYLOAD = '{"id":"evt_1","type":"offer.created","data":{"object":{"title":"Näherei"}}}'


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_the_reference_verifier_accepts_the_signature() -> None:
    secret = new_secret()
    headers = signature_headers(
        msg_id="evt_1", timestamp=utcnow(), payload=PAYLOAD, secrets=[secret]
    )
    assert Webhook(secret).verify(PAYLOAD, headers) == {
        "id": "evt_1",
        "type": "offer.created",
        "data": {"object": {"title": "Näherei"}},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(PAYLOAD, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(PAYLOAD.replace("1", "2"), headers)


def test_the_signature_is_the_hmac_api_md_describes() -> None:
    secret = new_secret()
    now = utcnow()
    headers = signature_headers(msg_id="evt_9", timestamp=now, payload=PAYLOAD, secrets=[secret])
    assert headers["webhook-id"] == "evt_9"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"evt_9.{headers['webhook-timestamp']}.{PAYLOAD}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_during_rotation_both_secrets_verify_and_the_old_one_stops_after_24_hours() -> None:
    old, new = new_secret(), new_secret()
    now = utcnow()
    endpoint = WebhookEndpoint(
        secret=new, previous_secret=old, previous_secret_expires_at=now + timedelta(hours=24)
    )
    secrets = signing_secrets(endpoint, now)
    assert secrets == (new, old)
    headers = signature_headers(msg_id="evt_1", timestamp=now, payload=PAYLOAD, secrets=secrets)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(PAYLOAD, headers)
    Webhook(new).verify(PAYLOAD, headers)
    assert signing_secrets(endpoint, now + timedelta(hours=24, seconds=1)) == (new,)
