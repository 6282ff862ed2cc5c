"""Idempotency-Key: a retry with the same key and the same body gets the first answer; a different body is refused.

Keys live in a namespace per client (the caller names the client: auth/clients.py) and are stored hashed
with it, so one client's key can never return another client's case; the body a key was first used with
is stored as a hash, so the same key with a different body is refused (422) instead of answered with a
receipt for something else.
"""

import hashlib
import json

from ..errors import UnprocessableError


def scoped_key(scope, key):
    """Return the stored form of a client's key: a hash of the client's name and the key."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def body_hash(body):
    """Return a hash of a JSON body that ignores key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_same_body(stored_hash, request_hash):
    """Refuse a replayed key whose body differs from the one it was first used with."""
    if stored_hash != request_hash:
        raise UnprocessableError(
            "这个 Idempotency-Key 已用于另一份不同的上报；新的上报请使用新的 Idempotency-Key "
            "(this Idempotency-Key was already used with a different body; send a new key for a new request)",
            field="Idempotency-Key", code="idempotency_key_reused")
