"""Authenticator keys at rest: encrypted with the first of TWOFACTOR_ENCRYPTION_KEYS, readable with
any of them, and re-encrypted with the first by ``manage.py rotate_twofactor_keys``."""

import base64
import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from twofactor import crypto, totp
from twofactor.models import Authenticator


def new_fernet_key():
    return Fernet.generate_key().decode("ascii")


def stored(device):
    """The device as it is read back from the database."""
    return Authenticator.objects.get(pk=device.pk)


def rotate():
    output = io.StringIO()
    call_command("rotate_twofactor_keys", stdout=output)
    return output.getvalue()


@pytest.fixture
def use_keys(settings):
    def use(*keys):
        settings.TWOFACTOR_ENCRYPTION_KEYS = list(keys)

    return use


def test_stored_key_is_neither_the_plain_key_nor_an_encoding_of_it(
    member, add_authenticator, use_keys
):
    use_keys(new_fernet_key())
    key = totp.generate_key()

    encrypted_key = stored(add_authenticator(member, key=key)).encrypted_key

    assert key not in encrypted_key.encode("latin-1")
    for encoded in (
        totp.key_to_base32(key),
        key.hex(),
        key.hex().upper(),
        base64.b64encode(key).decode("ascii").rstrip("="),
        base64.urlsafe_b64encode(key).decode("ascii").rstrip("="),
    ):
        assert encoded not in encrypted_key


def test_stored_key_decrypts_back_through_the_key_property(member, add_authenticator, use_keys):
    use_keys(new_fernet_key())
    key = totp.generate_key()

    device = add_authenticator(member, key=key)

    assert stored(device).key == key


def test_stored_key_is_encrypted_with_the_configured_key(member, add_authenticator, use_keys):
    encryption_key = new_fernet_key()
    use_keys(encryption_key)
    key = totp.generate_key()

    device = add_authenticator(member, key=key)

    assert Fernet(encryption_key).decrypt(stored(device).encrypted_key.encode()) == key


def test_same_key_encrypts_differently_each_time(use_keys):
    use_keys(new_fernet_key())
    key = totp.generate_key()

    assert crypto.encrypt(key) != crypto.encrypt(key)


def test_new_device_is_encrypted_with_the_first_key(member, add_authenticator, use_keys):
    old, new = new_fernet_key(), new_fernet_key()
    key = totp.generate_key()
    use_keys(new, old)

    device = add_authenticator(member, key=key)

    use_keys(new)
    assert stored(device).key == key
    use_keys(old)
    with pytest.raises(InvalidToken):
        stored(device).key  # noqa: B018


def test_rotation_re_encrypts_every_key_with_the_new_key(
    member, manager, add_authenticator, use_keys
):
    old, new = new_fernet_key(), new_fernet_key()
    keys = {"alice": totp.generate_key(), "marta": totp.generate_key()}
    use_keys(old)
    devices = {
        "alice": add_authenticator(member, key=keys["alice"]),
        "marta": add_authenticator(manager, key=keys["marta"]),
    }
    before = {name: stored(device).encrypted_key for name, device in devices.items()}

    # Before rotation only the old key can read the devices.
    use_keys(new)
    with pytest.raises(InvalidToken):
        stored(devices["alice"]).key  # noqa: B018

    # With the new key first, the old devices still read.
    use_keys(new, old)
    for name, device in devices.items():
        assert stored(device).key == keys[name]

    assert "Re-encrypted 2 authenticator key(s)" in rotate()

    for name, device in devices.items():
        assert stored(device).encrypted_key != before[name]
    use_keys(new)
    for name, device in devices.items():
        assert stored(device).key == keys[name]
    use_keys(old)
    for device in devices.values():
        with pytest.raises(InvalidToken):
            stored(device).key  # noqa: B018


def test_rotation_changes_nothing_when_a_key_cannot_be_read(
    member, manager, add_authenticator, use_keys
):
    lost, old, new = new_fernet_key(), new_fernet_key(), new_fernet_key()
    use_keys(old)
    readable = add_authenticator(member)
    use_keys(lost)
    add_authenticator(manager)  # encrypted with a key that is no longer configured
    before = stored(readable).encrypted_key

    use_keys(new, old)
    with pytest.raises(InvalidToken):
        rotate()

    assert stored(readable).encrypted_key == before


@pytest.mark.parametrize(
    "keys",
    [
        ["not-a-fernet-key"],
        [base64.urlsafe_b64encode(b"sixteen byte key").decode("ascii")],  # too short
        ["Clé secrète à 32 octets, pas du tout base64!!"],
        [Fernet.generate_key().decode("ascii"), "not-a-fernet-key"],  # one bad among good
    ],
)
def test_malformed_key_list_is_refused_clearly(keys, use_keys):
    use_keys(*keys)

    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_ENCRYPTION_KEYS must hold Fernet"):
        crypto.encrypt(totp.generate_key())


def test_malformed_key_list_is_refused_when_a_device_key_is_set(member, use_keys):
    use_keys("not-a-fernet-key")
    device = Authenticator(user=member, name="My phone")

    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_ENCRYPTION_KEYS"):
        device.key = totp.generate_key()


def test_empty_key_list_is_refused_clearly(use_keys):
    use_keys()

    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_ENCRYPTION_KEYS is empty"):
        crypto.encrypt(totp.generate_key())
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_ENCRYPTION_KEYS is empty"):
        crypto.decrypt("anything")
