"""Encryption of authenticator keys at rest.

Keys come from settings.TWOFACTOR_ENCRYPTION_KEYS (Fernet keys from the environment): the first
encrypts, every one decrypts, so a new key can be put first and the old ones re-encrypted later
(``manage.py rotate_twofactor_keys``).
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "reencrypt"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TWOFACTOR_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "TWOFACTOR_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes)."
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.TWOFACTOR_ENCRYPTION_KEYS))


def encrypt(secret: bytes) -> str:
    return _current().encrypt(secret).decode("ascii")


def decrypt(token: str) -> bytes:
    return _current().decrypt(token.encode("ascii"))


def reencrypt(token: str) -> str:
    """The same secret encrypted with the first key."""
    return _current().rotate(token.encode("ascii")).decode("ascii")
