"""A passkey made by the test: an EC P-256 key and the WebAuthn answers a browser would send,
assembled byte by byte (authenticator data, client data, CBOR, ECDSA signature) with the
``cryptography`` package, so each field can be made wrong on purpose.

``create`` answers a registration's options, ``get`` a sign-in's; both return the JSON body the
portal's script posts (static/js/passkeys.js).
"""

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from twofactor.models import Passkey

USER_PRESENT, USER_VERIFIED, ATTESTED_CREDENTIAL = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, origin: str = "http://testserver", rp_id: str = "testserver"):
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _authenticator_data(self, *, rp_id: str, flags: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += struct.pack(">I", self.sign_count)
        if attested:
            data += bytes(16)  # AAGUID: none
            data += struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_public_key()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        ).encode()

    def create(self, options: dict, *, origin=None, rp_id=None, challenge=None) -> dict:
        """The answer to registration ``options`` (``origin``, ``rp_id``, ``challenge`` made
        wrong on purpose when given)."""
        client_data = self._client_data(
            "webauthn.create", challenge or options["challenge"], origin
        )
        auth_data = self._authenticator_data(
            rp_id=rp_id or self.rp_id,
            flags=USER_PRESENT | USER_VERIFIED | ATTESTED_CREDENTIAL,
            attested=True,
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(
        self, options: dict, *, origin=None, rp_id=None, challenge=None, sign_count=None
    ) -> dict:
        """The answer to sign-in ``options``, signed; the counter moves on unless
        ``sign_count`` says what it reports."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = self._authenticator_data(
            rp_id=rp_id or self.rp_id, flags=USER_PRESENT | USER_VERIFIED, attested=False
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def add_soft_passkey(user, key: SoftAuthenticator, *, name="YubiKey 5C") -> Passkey:
    """A passkey of ``user`` whose private key is ``key`` (as if added through the browser)."""
    passkey = Passkey(
        user=user,
        name=name,
        confirmed=True,
        credential_id=key.credential_id,
        public_key=key._cose_public_key(),
        sign_count=key.sign_count,
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    passkey.save()
    return passkey
