"""Defaults of the two-factor app, read at call time so tests and deployments can override them."""

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, f"TWOFACTOR_{name}", default)


def pending_sign_in_seconds() -> int:
    """How long a password-verified (not yet code-verified) sign-in stays valid."""
    return _get("PENDING_SECONDS", 5 * 60)


def step_up_seconds() -> int:
    """How long a second factor passed in a session counts for step-up (adding or removing an
    authenticator)."""
    return _get("STEP_UP_SECONDS", 10 * 60)


def throttle_factor() -> int:
    """Back-off after wrong codes: factor * 2**(failures - 1) seconds."""
    return _get("THROTTLE_FACTOR", 1)


def lock_after_failures() -> int:
    return _get("LOCK_AFTER_FAILURES", 10)


def lock_seconds() -> int:
    return _get("LOCK_SECONDS", 60 * 60)


def trusted_browser_days() -> int:
    return _get("TRUSTED_BROWSER_DAYS", 30)


def trusted_browser_cookie_name() -> str:
    """Production sets ``__Host-axur_trusted_browser``: Secure, path /, no domain."""
    return _get("TRUSTED_BROWSER_COOKIE_NAME", "axur_trusted_browser")


def trusted_browser_cookie_secure() -> bool:
    return _get("TRUSTED_BROWSER_COOKIE_SECURE", settings.SESSION_COOKIE_SECURE)


def refused_attempts_window_seconds() -> int:
    """Refused attempts are counted in one row per person (or address) in each such window."""
    return _get("REFUSED_ATTEMPTS_WINDOW_SECONDS", 60 * 60)


def passkey_address_from_portal_url() -> bool:
    """Whether the passkeys' relying party is ``PORTAL_URL`` (production) rather than the
    request's validated host (development, tests)."""
    return _get("PASSKEY_ADDRESS_FROM_PORTAL_URL", getattr(settings, "PRODUCTION", False))


def passkey_ceremony_seconds() -> int:
    """How long the browser has to answer a passkey's challenge: django-otp-webauthn's prompt
    timeout."""
    return getattr(settings, "OTP_WEBAUTHN_TIMEOUT_SECONDS", 3 * 60)


def not_me_link_seconds() -> int:
    """How long the "This wasn't me" link of a security email works."""
    return _get("NOT_ME_LINK_SECONDS", 7 * 24 * 60 * 60)
