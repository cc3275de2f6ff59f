"""Time-based one-time passwords (RFC 6238): plain functions, no database, time passed in.

HMAC-SHA1, 6 digits, 30-second steps, one step of clock skew either way.
"""

import base64
import hmac
import re
import secrets
from urllib.parse import quote, urlencode

from django_otp.oath import hotp

ISSUER = "AxurOne"
KEY_BYTES = 20  # 160 bits, the length RFC 4226 recommends for HMAC-SHA1
DIGITS = 6
STEP_SECONDS = 30
TOLERANCE_STEPS = 1

_SEPARATORS = re.compile(r"[\s-]+")


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_to_base32(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def group_for_reading(base32_key: str, size: int = 4) -> str:
    """'JBSWY3DPEHPK3PXP' -> 'JBSW Y3DP EHPK 3PXP', easier to copy by hand."""
    return " ".join(base32_key[i : i + size] for i in range(0, len(base32_key), size))


def provisioning_uri(key: bytes, account: str, issuer: str = ISSUER) -> str:
    """The otpauth URI that authenticator apps read from the QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": key_to_base32(key),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def time_step(at: float, step: int = STEP_SECONDS) -> int:
    return int(at) // step


def code_for_step(key: bytes, t: int, digits: int = DIGITS) -> str:
    return str(hotp(key, t, digits=digits)).zfill(digits)


def code_at(key: bytes, at: float, digits: int = DIGITS, step: int = STEP_SECONDS) -> str:
    return code_for_step(key, time_step(at, step), digits)


def normalize_code(raw: str, digits: int = DIGITS) -> str | None:
    """The code without spaces or dashes ('123 456' -> '123456'), or None if malformed."""
    code = _SEPARATORS.sub("", raw or "")
    if len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    return code


def find_step(
    key: bytes,
    code: str,
    *,
    at: float,
    tolerance: int = TOLERANCE_STEPS,
    digits: int = DIGITS,
    step: int = STEP_SECONDS,
) -> int | None:
    """The time step, within tolerance of ``at``, whose code is ``code``; None if none matches.

    Every candidate is compared in constant time, so timing does not tell which step matched.
    """
    current = time_step(at, step)
    found = None
    for t in range(current - tolerance, current + tolerance + 1):
        if t >= 0 and hmac.compare_digest(code_for_step(key, t, digits), code):
            found = t
    return found
