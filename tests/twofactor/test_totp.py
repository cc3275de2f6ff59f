"""The pure TOTP helpers (RFC 6238) and the QR image, checked against the RFC's own test
vectors, pyotp, and (where installed) oathtool and zbarimg."""

import base64
import io
import random
import shutil
import subprocess
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import time_machine
from PIL import Image

from twofactor import qr, totp
from twofactor.services import activity, codes

RFC_KEY = b"12345678901234567890"

# RFC 6238 Appendix B, the SHA1 rows: (Unix time, 8-digit TOTP).
RFC_6238_SHA1_ROWS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]

# Times around step boundaries, near the epoch, the 2038 32-bit limit and far future.
CROSS_CHECK_TIMES = [0, 29, 30, 59, 60, 1_111_111_109, 1_764_417_600, 2**31 - 1, 2**31, 4e9]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def padded_base32_decode(text):
    return base64.b32decode(text + "=" * (-len(text) % 8))


def seeded_key(seed):
    """A random 160-bit key, reproducible from ``seed`` so a failure can be replayed."""
    return random.Random(seed).randbytes(totp.KEY_BYTES)


def a_code_outside(key, at, *, steps):
    """A 6-digit code that is none of the codes of ``steps`` around ``at``."""
    nearby = {totp.code_for_step(key, totp.time_step(at) + offset) for offset in steps}
    candidate = 0
    while f"{candidate:06d}" in nearby:
        candidate += 1
    return f"{candidate:06d}"


# RFC 6238 test vectors -------------------------------------------------------------------------


@pytest.mark.parametrize(("at", "rfc_code"), RFC_6238_SHA1_ROWS)
def test_rfc_6238_sha1_vector_is_found_at_its_own_step(at, rfc_code):
    assert totp.find_step(RFC_KEY, rfc_code, at=at, digits=8, tolerance=0) == at // 30


@pytest.mark.parametrize(("at", "rfc_code"), RFC_6238_SHA1_ROWS)
def test_rfc_6238_sha1_vector_is_the_code_computed_at_its_time(at, rfc_code):
    assert totp.code_at(RFC_KEY, at, digits=8) == rfc_code
    # A 6-digit code is the same HMAC truncation taken modulo 10**6.
    assert totp.code_at(RFC_KEY, at) == rfc_code[-6:]


@pytest.mark.parametrize(("at", "rfc_code"), RFC_6238_SHA1_ROWS)
def test_rfc_6238_sha1_vector_signs_in_through_the_real_verification(
    at, rfc_code, make_user, acme, add_authenticator
):
    user = make_user(f"rfc-{at}@acme.test", team=acme)
    device = add_authenticator(user, key=RFC_KEY)

    with time_machine.travel(datetime.fromtimestamp(at, UTC), tick=False):
        result = codes.verify_sign_in_code(
            user=user, code=rfc_code[-6:], request_meta=activity.RequestMeta()
        )

    assert result.outcome is codes.CodeOutcome.ACCEPTED
    assert result.authenticator == device
    device.refresh_from_db()
    assert device.last_t == at // 30


# Cross-checks with other implementations ------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("at", CROSS_CHECK_TIMES)
def test_codes_match_pyotp_for_random_keys(seed, at):
    key = seeded_key(seed)
    expected = pyotp.TOTP(base64.b32encode(key).decode("ascii")).at(at)

    assert totp.code_at(key, at) == expected
    assert totp.find_step(key, expected, at=at, tolerance=0) == int(at) // 30


@pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool is not installed")
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("at", [59, 1_111_111_111, 1_764_417_600, 2_000_000_000])
def test_codes_match_oathtool_for_random_keys(seed, at):
    key = seeded_key(seed)
    completed = subprocess.run(
        ["oathtool", "--totp", "--base32", f"--now=@{at}", totp.key_to_base32(key)],
        capture_output=True,
        text=True,
        check=True,
    )

    assert totp.code_at(key, at) == completed.stdout.strip()


# Keys ------------------------------------------------------------------------------------------


def test_generated_key_has_160_bits():
    key = totp.generate_key()

    assert isinstance(key, bytes)
    assert len(key) * 8 == 160


def test_each_generated_key_is_new():
    keys = {totp.generate_key() for _ in range(100)}

    assert len(keys) == 100


def test_base32_key_of_a_generated_key_decodes_back():
    key = totp.generate_key()
    text = totp.key_to_base32(key)

    assert len(text) == 32
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert padded_base32_decode(text) == key


def test_base32_key_has_no_padding_and_decodes_back():
    key = bytes(range(16))  # 128 bits: standard base32 would end in six "="
    text = totp.key_to_base32(key)

    assert "=" not in text
    assert len(text) == 26
    assert padded_base32_decode(text) == key


def test_key_is_grouped_by_four_for_reading():
    assert totp.group_for_reading("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
    assert totp.group_for_reading("ABCDEF") == "ABCD EF"


def test_grouped_key_is_the_same_key_without_spaces():
    text = totp.key_to_base32(totp.generate_key())
    grouped = totp.group_for_reading(text)

    assert [len(group) for group in grouped.split(" ")] == [4] * 8
    assert grouped.replace(" ", "") == text


# Provisioning URI ------------------------------------------------------------------------------


def test_provisioning_uri_names_issuer_account_and_code_parameters():
    key = totp.generate_key()
    parts = urlsplit(totp.provisioning_uri(key, "alice@acme.test"))
    query = parse_qs(parts.query, strict_parsing=True)

    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/AxurOne:alice@acme.test"
    assert parts.fragment == ""
    assert set(query) == {"secret", "issuer", "algorithm", "digits", "period"}
    assert query["issuer"] == ["AxurOne"]
    assert query["algorithm"] == ["SHA1"]
    assert query["digits"] == ["6"]
    assert query["period"] == ["30"]
    assert padded_base32_decode(query["secret"][0]) == key


@pytest.mark.parametrize(
    "email",
    [
        "alice+2fa@acme.test",
        "o'brien%20&x=y#top?q/s@acme.test",
        "josé.müller@acme.test",
    ],
)
def test_provisioning_uri_escapes_special_characters_of_the_email(email):
    key = totp.generate_key()
    parts = urlsplit(totp.provisioning_uri(key, email))

    # Nothing in the label can be read as a query, a fragment, a path or a space ("+").
    assert not set(parts.path) & set("+&=#?' é")
    assert parts.path.count("/") == 1
    assert parts.fragment == ""
    assert unquote(parts.path) == f"/AxurOne:{email}"
    assert set(parse_qs(parts.query)) == {"secret", "issuer", "algorithm", "digits", "period"}


@pytest.mark.parametrize("email", ["alice@acme.test", "alice+2fa&x=y#top?q/s@acme.test"])
def test_provisioning_uri_gives_the_same_codes_in_pyotp(email):
    key = totp.generate_key()

    otp = pyotp.parse_uri(totp.provisioning_uri(key, email))

    assert isinstance(otp, pyotp.TOTP)
    assert otp.name == email
    assert otp.issuer == "AxurOne"
    assert otp.digits == 6
    assert otp.interval == 30
    assert padded_base32_decode(otp.secret) == key
    for at in CROSS_CHECK_TIMES:
        assert otp.at(at) == totp.code_at(key, at)


# Typed codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["123456", "123 456", "123-456", " 123 456 ", "12 34 56"])
def test_code_with_spaces_or_dashes_is_accepted(typed):
    assert totp.normalize_code(typed) == "123456"


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "1234567",
        "12a456",
        "abcdef",
        "１２３４５６",  # full-width digits
        "١٢٣٤٥٦",  # Arabic-Indic digits
        "+12345",
        "",
        "   ",
        None,
    ],
)
def test_malformed_code_is_refused(typed):
    assert totp.normalize_code(typed) is None


# Finding the time step of a code ---------------------------------------------------------------

KEY = seeded_key("find_step")
AT = 1_764_417_615  # the middle of a step
STEP = AT // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_code_within_one_step_of_clock_skew_is_accepted(offset):
    code = totp.code_for_step(KEY, STEP + offset)

    assert totp.find_step(KEY, code, at=AT) == STEP + offset


def test_code_two_steps_old_is_refused_as_expired():
    code = totp.code_for_step(KEY, STEP - 2)
    assert code not in {totp.code_for_step(KEY, STEP + offset) for offset in (-1, 0, 1)}

    assert totp.find_step(KEY, code, at=AT) is None


def test_code_two_steps_ahead_is_refused():
    code = totp.code_for_step(KEY, STEP + 2)
    assert code not in {totp.code_for_step(KEY, STEP + offset) for offset in (-1, 0, 1)}

    assert totp.find_step(KEY, code, at=AT) is None


def test_wrong_code_is_refused():
    code = a_code_outside(KEY, AT, steps=(-1, 0, 1))

    assert totp.find_step(KEY, code, at=AT) is None


def test_code_of_another_key_is_refused():
    other_key = seeded_key("another key")
    code = totp.code_at(other_key, AT)
    assert code not in {totp.code_for_step(KEY, STEP + offset) for offset in (-1, 0, 1)}

    assert totp.find_step(KEY, code, at=AT) is None


def test_code_of_the_next_step_is_accepted_in_the_last_second_of_a_step():
    last_second = STEP * 30 + 29

    assert totp.find_step(KEY, totp.code_for_step(KEY, STEP + 1), at=last_second) == STEP + 1


# QR code ---------------------------------------------------------------------------------------


def png_of(data_uri):
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    return base64.b64decode(data_uri.removeprefix(prefix), validate=True)


def test_qr_code_is_a_valid_png_data_uri():
    uri = totp.provisioning_uri(totp.generate_key(), "alice@acme.test")
    png = png_of(qr.qr_png_data_uri(uri))

    assert png.startswith(PNG_SIGNATURE)
    Image.open(io.BytesIO(png)).verify()  # raises on a truncated or corrupt file
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == image.height
        assert image.width >= 21 * 6  # a version-1 QR code at six pixels per module


def test_qr_version_is_the_smallest_that_holds_the_text():
    """The version computed from the length is the one qrcode's own fitting finds, at each
    boundary: a smaller one could not hold the text, a larger one wastes modules."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    for length in [*range(1, 200), 1000, 2331]:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        code.add_data(b"x" * length, optimize=0)
        code.make(fit=True)
        assert qr.smallest_version(length) == code.version, length
    with pytest.raises(ValueError):
        qr.smallest_version(2332)  # beyond version 40 at level M


needs_zbarimg = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg is missing")


def scanned(data_uri, tmp_path):
    """The text a QR reader (zbarimg) finds in the data: URI's image, enlarged first."""
    with Image.open(io.BytesIO(png_of(data_uri))) as image:
        enlarged = image.convert("L").resize(
            (image.width * 4, image.height * 4), Image.Resampling.NEAREST
        )
    path = tmp_path / "qr.png"
    enlarged.save(path)
    completed = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True
    )
    return completed.stdout.rstrip("\n")


@needs_zbarimg
@pytest.mark.parametrize("email", ["alice@acme.test", "o'brien+2fa&x=y#top@acme.test"])
def test_qr_code_scans_back_to_the_provisioning_uri(email, tmp_path):
    uri = totp.provisioning_uri(totp.generate_key(), email)

    assert scanned(qr.qr_png_data_uri(uri), tmp_path) == uri
