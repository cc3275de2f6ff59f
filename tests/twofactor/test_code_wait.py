"""The code forms after a refusal: the back-off said in words that fit its length (plural forms
in each language), the wait handed to the page's script, and the field empty and focused."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import PASSWORD, code_failures, code_for, lock_code_entry
from twofactor.forms import CodeForm, RecoveryCodeForm
from twofactor.services.activity import RequestMeta
from twofactor.services.codes import CodeOutcome, CodeResult
from twofactor.services.recovery_codes import create_recovery_codes
from twofactor.views.code import add_code_error, refusal, wait_message
from twofactor.views.passkeys import REFUSED

CODE = reverse("twofactor:code")
RECOVERY = reverse("twofactor:recovery_code")


@pytest.fixture
def pending(client, member, member_device, clock):
    """A browser that has passed the password step and owes a code."""
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    return client


def wrong_code(device):
    return "000000" if code_for(device) != "000000" else "111111"


def code_input(page: str) -> str:
    return re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)


def errors_of(page: str) -> list[str]:
    block = re.search(r'<div class="field__errors"[^>]*>(.*?)</div>', page, re.S)
    return re.findall(r"<p>(.*?)</p>", block.group(1)) if block else []


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1, "Too many wrong codes. Wait a moment and try again."),
        (9, "Too many wrong codes. Wait a moment and try again."),
        (10, "Too many wrong codes. Wait 10 seconds, then try again."),
        (59, "Too many wrong codes. Wait 59 seconds, then try again."),
        (60, "Too many wrong codes. Wait 1 minute, then try again."),
        (61, "Too many wrong codes. Wait 2 minutes, then try again."),
        (256, "Too many wrong codes. Wait 5 minutes, then try again."),
    ],
)
def test_the_wait_is_a_moment_then_seconds_then_minutes_never_less_than_it_is(seconds, expected):
    assert wait_message(CodeForm.error_messages, seconds) == expected
    assert wait_message(RecoveryCodeForm.error_messages, seconds) == expected


@pytest.mark.parametrize(
    ("language", "seconds", "expected"),
    [
        ("pt-br", 3, "Muitos códigos errados. Aguarde um momento e tente novamente."),
        ("pt-br", 30, "Muitos códigos errados. Aguarde 30 segundos e tente novamente."),
        ("pt-br", 60, "Muitos códigos errados. Aguarde 1 minuto e tente novamente."),
        ("pt-br", 120, "Muitos códigos errados. Aguarde 2 minutos e tente novamente."),
        ("es", 3, "Demasiados códigos incorrectos. Espera un momento y vuelve a intentarlo."),
        ("es", 30, "Demasiados códigos incorrectos. Espera 30 segundos y vuelve a intentarlo."),
        ("es", 60, "Demasiados códigos incorrectos. Espera 1 minuto y vuelve a intentarlo."),
        ("es", 180, "Demasiados códigos incorrectos. Espera 3 minutos y vuelve a intentarlo."),
        ("en", 60, "Too many wrong codes. Wait 1 minute, then try again."),
    ],
)
def test_the_wait_takes_the_plural_form_of_each_language(language, seconds, expected):
    with translation.override(language):
        assert wait_message(CodeForm.error_messages, seconds) == expected


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("pt-br", 1, "Aguarde 1 segundo"),  # pt_BR: n > 1 is plural
        ("pt-br", 2, "Aguarde 2 segundos"),
        ("es", 1, "Espera 1 segundo "),  # es: one, millions, other
        ("es", 1_000_000, "Espera 1000000 de segundos"),
        ("es", 2, "Espera 2 segundos"),
    ],
)
def test_every_plural_form_of_the_wait_is_translated(language, count, expected):
    with translation.override(language):
        message = CodeForm.error_messages["throttled_seconds"] % {"count": count}
        passkey = REFUSED["throttled_seconds"] % {"count": count}
    assert expected in message and expected in passkey


def test_a_refused_passkey_says_the_wait_as_a_refused_code_does(clock):
    result = CodeResult(CodeOutcome.THROTTLED, retry_at=timezone.now() + timedelta(seconds=32))
    assert refusal(result, REFUSED) == (
        "Too many failed attempts. Wait 32 seconds, then try again.",
        "throttled",
    )
    result = CodeResult(CodeOutcome.THROTTLED, retry_at=timezone.now() + timedelta(seconds=2))
    assert refusal(result, REFUSED)[0] == "Too many failed attempts. Wait a moment and try again."


def test_a_wrong_code_starts_the_back_off_that_the_page_counts_down(pending, member_device):
    page = pending.post(CODE, {"code": wrong_code(member_device)}).content.decode()
    assert errors_of(page) == [
        "That code is not correct. Check that your phone sets its date and time automatically, "
        "then type the code the app shows now."
    ]  # a short wait is not worth a word: the countdown shows it
    assert 'data-wait-seconds="1"' in code_input(page)


def test_a_code_during_the_back_off_says_to_wait_a_moment(pending, member_device):
    pending.post(CODE, {"code": wrong_code(member_device)})
    page = pending.post(CODE, {"code": code_for(member_device)}).content.decode()
    assert errors_of(page) == ["Too many wrong codes. Wait a moment and try again."]
    assert "1 seconds" not in page
    assert 'data-wait-seconds="1"' in code_input(page)


def test_the_page_is_given_the_wait_that_is_left(pending, member, member_device, clock):
    lock_code_entry(member, failures=6)  # a back-off of 32 seconds from now
    clock.shift(12.5)
    page = pending.post(CODE, {"code": code_for(member_device)}).content.decode()
    assert errors_of(page) == ["Too many wrong codes. Wait 20 seconds, then try again."]
    assert 'data-wait-seconds="20"' in code_input(page)
    assert code_failures(member) == 6  # refused unchecked


def test_a_wrong_code_that_starts_a_long_wait_says_it_too(pending, member, member_device, clock):
    lock_code_entry(member, failures=4)
    clock.shift(8)  # the back-off of four failures has passed
    page = pending.post(CODE, {"code": wrong_code(member_device)}).content.decode()
    assert errors_of(page)[1:] == ["Too many wrong codes. Wait 16 seconds, then try again."]
    assert 'data-wait-seconds="16"' in code_input(page)


def test_a_lock_is_not_counted_down(pending, member, member_device):
    lock_code_entry(member)
    page = pending.post(CODE, {"code": code_for(member_device)}).content.decode()
    assert "Code entry is locked" in page
    assert "data-wait-seconds" not in page


def test_no_wait_is_given_without_a_back_off(pending, settings, member_device):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0
    page = pending.post(CODE, {"code": wrong_code(member_device)}).content.decode()
    assert "That code is not correct" in page and "data-wait-seconds" not in page


def test_add_code_error_leaves_the_form_of_another_request_alone(clock):
    refused = CodeForm({"code": "123456"})
    refused.is_valid()
    add_code_error(refused, CodeResult(CodeOutcome.WRONG, retry_at=timezone.now()))
    assert "data-wait-seconds" in refused.fields["code"].widget.attrs
    assert "data-wait-seconds" not in CodeForm().fields["code"].widget.attrs


@pytest.mark.parametrize("typed", ["000 000", "12345", "<b>1</b>"])
def test_a_refused_code_is_not_written_back_and_its_field_has_the_focus(
    pending, member_device, typed
):
    page = pending.post(CODE, {"code": typed}).content.decode()
    field = code_input(page)
    assert "value=" not in field and "autofocus" in field and 'aria-invalid="true"' in field
    assert "&lt;b&gt;" not in page


def test_a_refused_recovery_code_is_not_written_back(pending, member):
    create_recovery_codes(user=member, request_meta=RequestMeta())
    page = pending.post(RECOVERY, {"code": "ZZZZZ-ZZZZZ"}).content.decode()
    assert "That recovery code is not correct" in page
    field = code_input(page)
    assert "value=" not in field and "autofocus" in field
    assert "ZZZZZ" not in page


def test_the_recovery_code_form_is_counted_down_too(pending, member, clock):
    create_recovery_codes(user=member, request_meta=RequestMeta())
    page = pending.post(RECOVERY, {"code": "ZZZZZ-ZZZZZ"}).content.decode()
    form = re.search(rf'<form[^>]*action="{RECOVERY}"[^>]*>', page)
    assert form is not None and "data-code-form" in form.group(0)
    assert 'data-wait-seconds="1"' in code_input(page)
