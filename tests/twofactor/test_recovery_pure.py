import math
import re

import pytest
from django.test import override_settings

from twofactor import recovery


def test_alphabet_is_crockford_base32_without_i_l_o_u():
    assert len(recovery.ALPHABET) == 32
    assert len(set(recovery.ALPHABET)) == 32
    assert not set("ILOU") & set(recovery.ALPHABET)


def test_each_code_carries_fifty_bits():
    bits = recovery.LENGTH * math.log2(len(recovery.ALPHABET))
    assert bits == recovery.BITS_PER_CODE == 50


def test_a_set_has_ten_different_codes_of_ten_symbols():
    codes = recovery.generate_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", code) for code in codes)


def test_codes_of_a_set_stay_unique_when_the_generator_repeats(monkeypatch):
    draws = iter(["AAAAAAAAAA", "AAAAAAAAAA", "BBBBBBBBBB"])
    monkeypatch.setattr(recovery, "_new_code", lambda: next(draws))
    assert recovery.generate_codes(2) == ["AAAAAAAAAA", "BBBBBBBBBB"]


def test_sets_differ_from_one_another():
    assert recovery.generate_codes() != recovery.generate_codes()


def test_codes_are_shown_in_two_groups_of_five_in_lower_case():
    assert recovery.format_code("7KQ4MX9R2T") == "7kq4m-x9r2t"


@pytest.mark.parametrize(
    "typed",
    ["7kq4m-x9r2t", "7KQ4M-X9R2T", "7kq4mx9r2t", " 7kq4m x9r2t ", "7kq4m - x9r2t", "7-k-q4mx9r2t"],
)
def test_case_dashes_and_spaces_do_not_matter(typed):
    assert recovery.normalize(typed) == "7KQ4MX9R2T"


def test_i_and_l_read_as_one_and_o_as_zero():
    assert recovery.normalize("il0oa-bcdef") == "1100ABCDEF"


@pytest.mark.parametrize(
    "typed",
    ["", "123456", "7kq4m-x9r2", "7kq4m-x9r2tt", "7kq4m-x9r2u", "7kq4m_x9r2t", "7kq4m-x9r2é", None],
)
def test_what_is_not_a_recovery_code_at_all_is_none(typed):
    assert recovery.normalize(typed) is None


def test_digest_is_keyed_by_the_secret_key():
    with override_settings(SECRET_KEY="one-key-" * 8):
        first = recovery.digest("7KQ4MX9R2T")
    with override_settings(SECRET_KEY="another-" * 8):
        second = recovery.digest("7KQ4MX9R2T")
    assert first != second
    assert "7KQ4MX9R2T" not in first and "7kq4m" not in first


def test_a_code_is_found_only_by_its_own_digest():
    stored = [recovery.digest("AAAAAAAAAA"), recovery.digest("7KQ4MX9R2T")]
    assert recovery.find("7KQ4MX9R2T", stored) == 1
    assert recovery.find("7KQ4MX9R2V", stored) is None
    assert recovery.find("7KQ4MX9R2T", []) is None
