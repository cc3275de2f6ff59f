"""The "Download" of the recovery codes page: a text file in a data: URI, named for the account,
that holds the codes and how to use them, in the active language."""

import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from django.utils import translation

from twofactor.recovery_download import DATA_URI_PREFIX, download_file

CODES = [f"{n}kq4m-x9r2{n}" for n in range(10)]
CREATED = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def text_of(href: str) -> str:
    assert href.startswith(DATA_URI_PREFIX)
    return unquote(href.removeprefix(DATA_URI_PREFIX), errors="strict")


def test_the_file_decodes_back_to_the_codes_one_a_line_with_the_account_and_date():
    _name, href = download_file(codes=CODES, email="alice@acme.test", created_at=CREATED)
    lines = text_of(href).splitlines()
    start = lines.index(CODES[0])
    assert lines[start : start + 10] == CODES
    assert "alice@acme.test" in lines[2]
    assert "2026" in lines[3]
    text = text_of(href)
    assert '"Use a recovery code"' in text and "once" in text and "Manage Access" in text


def test_the_uri_is_percent_encoded_so_the_attribute_needs_no_escaping():
    _name, href = download_file(codes=CODES, email="o'brien+x@acme.test", created_at=CREATED)
    payload = href.removeprefix(DATA_URI_PREFIX)
    assert re.fullmatch(r"[A-Za-z0-9._~%-]+", payload)
    assert "o'brien+x@acme.test" in text_of(href)


@pytest.mark.parametrize(
    "email, expected",
    [
        ("alice@acme.test", "axurone-recovery-codes-alice-acme.test.txt"),
        ("o'brien+x@acme.test", "axurone-recovery-codes-o-brien-x-acme.test.txt"),
        ("Ana.Maria@Acme.Test", "axurone-recovery-codes-ana.maria-acme.test.txt"),
        ('../"évil"/\\name@x.test', "axurone-recovery-codes-vil-name-x.test.txt"),
        ("@@@", "axurone-recovery-codes.txt"),
    ],
)
def test_the_file_name_is_named_for_the_portal_and_account_in_safe_characters(email, expected):
    name, _href = download_file(codes=CODES, email=email, created_at=CREATED)
    assert name == expected
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.txt", name)


@pytest.mark.parametrize("language", ["pt-br", "es"])
def test_the_file_is_in_the_active_language(language):
    with translation.override("en"):
        english = text_of(download_file(codes=CODES, email="a@b.test", created_at=CREATED)[1])
    with translation.override(language):
        translated = text_of(download_file(codes=CODES, email="a@b.test", created_at=CREATED)[1])
    assert translated.splitlines()[0] != english.splitlines()[0]
    assert translated.splitlines()[-1] != english.splitlines()[-1]
    assert [line for line in translated.splitlines() if line in CODES] == CODES
