"""Recovery codes as plain functions: making them, showing them, reading them back, and the
keyed hash that is all the database keeps. No database here.

A code is 10 symbols of Crockford's base32 alphabet (digits and letters without I, L, O, U):
32 symbols, 5 bits each, 50 bits a code. It is shown in lower case as two groups of five
("7kq4m-x9r2t"); on input case, dashes and spaces do not matter, and I and L read as 1, O as 0.
"""

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
COUNT = 10
BITS_PER_CODE = 50  # LENGTH symbols of log2(len(ALPHABET)) = 5 bits
FEW_LEFT = 3  # this many codes left or fewer: the person is told to generate new ones

_SEPARATORS = re.compile(r"[\s\-]+")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_DIGEST_SALT = "twofactor.recovery.digest"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def generate_codes(count: int = COUNT) -> list[str]:
    """``count`` different codes in canonical form (upper case, no dash)."""
    codes: list[str] = []
    while len(codes) < count:
        code = _new_code()
        if code not in codes:
            codes.append(code)
    return codes


def format_code(canonical: str) -> str:
    """How a code is shown: lower case, a dash after the fifth symbol."""
    half = LENGTH // 2
    return f"{canonical[:half]}-{canonical[half:]}".lower()


def normalize(text: str) -> str | None:
    """The canonical form of a typed code, or None when the text is not a recovery code at all
    (another length, or a symbol outside the alphabet: U, punctuation, non-ASCII)."""
    code = _SEPARATORS.sub("", (text or "").strip()).upper().translate(_READ_AS)
    if len(code) != LENGTH or any(symbol not in ALPHABET for symbol in code):
        return None
    return code


def digest(canonical: str) -> str:
    """The keyed hash stored for a code: HMAC-SHA256 under a key derived from SECRET_KEY."""
    return salted_hmac(_DIGEST_SALT, canonical, algorithm="sha256").hexdigest()


def find(canonical: str, stored_digests: list[str]) -> int | None:
    """The position of ``canonical``'s digest among ``stored_digests``, or None. The digest is
    made once and compared with every stored one in constant time, whatever matches first."""
    wanted = digest(canonical)
    found = None
    for position, stored in enumerate(stored_digests):
        if constant_time_compare(wanted, stored):
            found = position
    return found
