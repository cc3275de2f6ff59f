"""Passkeys and security keys (WebAuthn): the relying party, the ceremonies' options and state,
and the browser's answer read into what the code-step service checks.

django-otp-webauthn's helper makes the options (py_webauthn underneath) and verifies a
registration; the portal fixes what it must decide itself:
- the relying party: its id and origin are the configured portal address (``PORTAL_URL``) in
  production, and the request's validated host (``ALLOWED_HOSTS``) elsewhere, so a developer's
  http://localhost:8000 works; WebAuthn refuses an IP address as relying-party id, so on one
  the ceremonies are refused and the pages say to use the host name;
- user verification is asked as "preferred" (never "discouraged", never required), and no
  attestation is asked for or kept;
- each ceremony's challenge is kept in the server-side session, used once (taken out before
  the answer is read) and only for ``app_settings.passkey_ceremony_seconds()``;
- a sign-in is never passwordless: the assertion is checked for the person whose password was
  right, by the code-step service (``services.codes.verify_passkey``), under their back-off
  and lock.
"""

import hashlib
import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from webauthn import base64url_to_bytes
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure
from webauthn.helpers.structs import AuthenticationCredential, UserVerificationRequirement

from accounts.redirects import url_with_next

from . import app_settings

RELYING_PARTY_NAME = "Axur One"
# Each ceremony's state in the session, a key a purpose, so a challenge begun for one purpose
# cannot complete another.
REGISTRATION_STATE_KEY = "twofactor_passkey_registration"
SIGN_IN_STATE_KEY = "twofactor_passkey_sign_in"
CONFIRMATION_STATE_KEY = "twofactor_passkey_confirmation"
# WebAuthn's bound on a credential id; the public key is held to the same.
LARGEST_CREDENTIAL_BYTES = 1023
# Passkeys a person may have: every sign-in sends their ids to the browser.
MOST_PASSKEYS = 20


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host name
    origin: str  # scheme://host[:port], what the browser reports as the page's origin

    @property
    def usable(self) -> bool:
        """Whether WebAuthn accepts this relying party: a domain, never an IP address."""
        if not self.id:
            return False
        try:
            ipaddress.ip_address(self.id)
        except ValueError:
            return True
        return False


DEFAULT_PORTS = {"http": 80, "https": 443}


def relying_party_of(address: str) -> RelyingParty:
    """The relying party of a site address such as ``https://portal.example.com``: the host
    name in lower case, and the origin as a browser writes it (no default port)."""
    parts = urlsplit(address)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # not a port at all
        return RelyingParty(id="", origin="")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme):
        netloc = f"{netloc}:{port}"
    return RelyingParty(id=host, origin=f"{parts.scheme}://{netloc}")


def relying_party(request) -> RelyingParty:
    """The portal's relying party for this request: from ``PORTAL_URL`` in production, from
    the request's host (validated by ``request.get_host``) elsewhere."""
    if app_settings.passkey_address_from_portal_url():
        return relying_party_of(settings.PORTAL_URL)
    return relying_party_of(f"{request.scheme}://{request.get_host()}")


def relying_party_id(request) -> str:
    """django-otp-webauthn's ``OTP_WEBAUTHN_RP_ID_CALLABLE``: the id of ``relying_party``."""
    return relying_party(request).id


class HostNameNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "host_name_needed"
    default_detail = _(
        "Passkeys and security keys work only at the portal's host name, not at an IP address."
    )


class CeremonyExpired(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "expired"
    default_detail = _("This request has expired or was already used. Please try again.")


class UnreadableAnswer(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "unreadable"
    default_detail = _("The answer of your passkey or security key could not be read. Try again.")


class NotAdded(exceptions.OTPWebAuthnApiError):
    status_code = 422
    default_code = "not_added"
    default_detail = _(
        "Your passkey or security key could not be added: its answer was not valid for this "
        "portal. Try again."
    )


@dataclass(frozen=True)
class Assertion:
    """A browser's answer to a sign-in challenge, with what it must answer: the second
    factor's "code" that ``Passkey.match_code`` checks."""

    credential: AuthenticationCredential
    challenge: bytes
    rp_id: str
    origin: list[str]

    def names(self, passkey) -> bool:
        """Whether the answer says it comes from ``passkey``: its credential id (whether it
        really does is for the signature to show)."""
        digest = hashlib.sha256(self.credential.raw_id).hexdigest()
        return digest == passkey.credential_id_sha256


class PortalWebAuthnHelper(WebAuthnHelper):
    """django-otp-webauthn's helper with the portal's relying party, user verification
    "preferred", no attestation kept, and timed single-use state."""

    def get_relying_party_domain(self) -> str:
        party = relying_party(self.request)
        if not party.usable:
            raise HostNameNeeded()
        return party.id

    def get_relying_party_name(self) -> str:
        return RELYING_PARTY_NAME

    def get_allowed_origins(self) -> list[str]:
        return [relying_party(self.request).origin]

    def get_generate_authentication_options_kwargs(self, *, user=None, require_user_verification):
        kwargs = super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=require_user_verification
        )
        kwargs["user_verification"] = UserVerificationRequirement.PREFERRED
        return kwargs

    def get_registration_state(self, creation_options: dict) -> dict:
        return {**super().get_registration_state(creation_options), "at": _now()}

    def get_authentication_state(self, options: dict) -> dict:
        return {**super().get_authentication_state(options), "at": _now()}

    def create_credential(self, user, response, parsed_credential, original_data):
        if (
            len(response.credential_id) > LARGEST_CREDENTIAL_BYTES
            or len(response.credential_public_key) > LARGEST_CREDENTIAL_BYTES
        ):
            raise NotAdded()
        passkey = super().create_credential(user, response, parsed_credential, original_data)
        passkey.name = passkey.DEFAULT_NAME
        passkey.confirmed = True
        return passkey

    def create_attestation(self, credential, attestation_object, client_data_json):
        """None is asked for ("none" conveyance), so none is kept."""
        return None

    def assertion(self, *, state: dict, data) -> Assertion:
        """The sign-in answer ``data`` (the browser's JSON) against the challenge of ``state``."""
        challenge = base64url_to_bytes(state["challenge"])
        if not isinstance(data, dict):
            raise UnreadableAnswer()
        try:
            credential = parse_authentication_credential_json(data)
        except (InvalidJSONStructure, InvalidAuthenticationResponse, ValueError, TypeError):
            raise UnreadableAnswer() from None
        return Assertion(
            credential=credential,
            challenge=challenge,
            rp_id=self.get_relying_party_domain(),
            origin=self.get_allowed_origins(),
        )


def check_fresh(state, *, user_id: int) -> dict:
    """``state`` taken from the session if it is a ceremony's for person ``user_id``, still
    young and its challenge not answered yet; else ``CeremonyExpired`` (missing, someone
    else's, used already, or too old).

    Taking the state out of the session uses it up for later requests; two requests of one
    session in parallel could both have read it, so the challenge is also claimed once with the
    cache's atomic ``add`` (Redis, or the database cache's unique key)."""
    if (
        not isinstance(state, dict)
        or not isinstance(state.get("challenge"), str)
        or state.get("user") != user_id
    ):
        raise CeremonyExpired()
    at = state.get("at")
    seconds = app_settings.passkey_ceremony_seconds()
    if not isinstance(at, int | float) or not 0 <= _now() - at < seconds:
        raise CeremonyExpired()
    claim = "passkey-challenge:" + hashlib.sha256(state["challenge"].encode()).hexdigest()
    if not cache.add(claim, True, timeout=seconds):
        raise CeremonyExpired()
    return state


def ceremony_context(request, *, begin: str, complete: str, next_url: str = "") -> dict:
    """What a page that starts a ceremony gives its button: where to begin and complete (with
    ``next``), or nothing at an address where WebAuthn cannot work (an IP address)."""
    if not relying_party(request).usable:
        return {"passkey": None}
    return {
        "passkey": {
            "begin_url": url_with_next(begin, next_url) if next_url else reverse(begin),
            "complete_url": url_with_next(complete, next_url) if next_url else reverse(complete),
        }
    }
