"""Invitation links: a random token of which only the SHA-256 digest is stored. No database.

A fast hash is enough: the token carries 256 random bits, so it cannot be guessed, and a
stolen table of digests gives no link.
"""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
