"""A recovery code on the code page and on "Confirm it's you" (rule 11)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.conftest import PASSWORD, code_failures, lock_code_entry, recent
from twofactor import app_settings, selectors, step_up
from twofactor.models import Activity, TrustedBrowser
from twofactor.services.activity import RequestMeta
from twofactor.services.codes import verify_recovery_code
from twofactor.services.recovery_codes import create_recovery_codes

CODE = reverse("twofactor:code")
RECOVERY = reverse("twofactor:recovery_code")
CONFIRM_RECOVERY = reverse("twofactor:confirm_recovery_code")
COOKIE = app_settings.trusted_browser_cookie_name()


@pytest.fixture
def codes(member, member_device):
    return create_recovery_codes(user=member, request_meta=RequestMeta())


@pytest.fixture
def pending(client, member, member_device, clock):
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    return client


def test_code_page_offers_a_recovery_code_only_with_codes_left(pending, member, codes):
    assert "Use a recovery code" in pending.get(CODE).content.decode()
    for code in codes:
        assert verify_recovery_code(user=member, code=code, request_meta=RequestMeta()).accepted
    assert selectors.recovery_codes_summary(member)[0] == 0
    assert "Use a recovery code" not in pending.get(CODE).content.decode()


def test_code_page_without_recovery_codes_does_not_offer_them(pending):
    assert "Use a recovery code" not in pending.get(CODE).content.decode()


def test_recovery_code_page_shows_the_field_and_is_not_cached(pending, codes):
    response = pending.get(RECOVERY)
    page = response.content.decode()
    assert ">Recovery code</label>" in page and "Authenticate" in page
    assert "no-store" in response["Cache-Control"]


def test_a_correct_recovery_code_signs_in_like_an_app_code(pending, member, codes, mailoutbox):
    response = pending.post(RECOVERY + "?next=/preferences/", {"code": codes[0].upper()})
    assert response.status_code == 302 and response.url == "/preferences/"
    assert pending.session[SESSION_KEY] == str(member.pk)
    assert COOKIE in response.cookies and TrustedBrowser.objects.filter(user=member).exists()
    assert step_up.SECOND_FACTOR_KEY in pending.session
    assert selectors.recovery_codes_summary(member)[0] == 9
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODE_USED, subject=member).exists()
    assert any("You have 9 recovery codes left" in mail.body for mail in mailoutbox)
    assert pending.get(reverse("accounts:preferences")).status_code == 200


def test_a_used_recovery_code_is_refused_at_the_next_sign_in(client, member, codes, clock):
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    client.post(RECOVERY, {"code": codes[0]})
    client.post(reverse("accounts:sign_out"))
    client.cookies.pop(COOKIE, None)
    clock.shift(60)
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    response = client.post(RECOVERY, {"code": codes[0]})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_input_that_is_not_a_recovery_code_says_so_and_counts_nothing(pending, member, codes):
    response = pending.post(RECOVERY, {"code": "123456"})
    assert "That is not a recovery code" in response.content.decode()
    assert code_failures(member) == 0


def test_wrong_recovery_codes_lock_code_entry(pending, member, codes, clock):
    for _ in range(app_settings.lock_after_failures()):
        clock.shift(600)  # past the back-off, and past the pending sign-in: the password again
        pending.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
        response = pending.post(RECOVERY, {"code": "zzzzz-zzzzz"})
    assert code_failures(member) == app_settings.lock_after_failures()
    assert "Code entry is locked" in response.content.decode()
    response = pending.post(RECOVERY, {"code": codes[0]})
    assert "Code entry is locked" in response.content.decode()
    assert SESSION_KEY not in pending.session


def test_a_locked_persons_correct_recovery_code_is_refused(pending, member, codes):
    lock_code_entry(member)
    response = pending.post(RECOVERY, {"code": codes[0]})
    assert "Code entry is locked" in response.content.decode()
    assert SESSION_KEY not in pending.session
    assert selectors.recovery_codes_summary(member)[0] == 10


def test_step_up_accepts_a_recovery_code(client, member, member_device, codes):
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    client.post(RECOVERY, {"code": codes[0]})
    session = client.session
    session.pop(step_up.SECOND_FACTOR_KEY)
    session.save()
    recent(client)
    page = client.get(reverse("twofactor:confirm_code")).content.decode()
    assert "Use a recovery code" in page
    response = client.post(CONFIRM_RECOVERY + "?next=/2fa/manage/", {"code": codes[1]})
    assert response.status_code == 302 and response.url == "/2fa/manage/"
    assert step_up.SECOND_FACTOR_KEY in client.session
    assert selectors.recovery_codes_summary(member)[0] == 8
