"""Forgotten password: the page answers the same for every address, the emailed link works
once within an hour and signs nobody in, and the new password is still followed by the code
step, with every session ended and every trusted browser forgotten."""

import logging
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import password_reset, services, views
from accounts.models import User
from tests.conftest import PASSWORD, sign_in_with_code
from twofactor.models import Activity, TrustedBrowser
from twofactor.services import browsers
from twofactor.services.activity import RequestMeta

NEW_PASSWORD = "a brand new pass phrase"
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
LINK = re.compile(r"http://[^\s\"<]+/password/reset/[^\s\"<]+/")


def without_csrf(response) -> bytes:
    return CSRF_TOKEN.sub(b"", response.content)


def ask_for_link(client, email):
    return client.post(reverse("accounts:forgot_password"), {"email": email})


def link_in(message) -> str:
    [url] = set(LINK.findall(message.body))
    assert url in message.alternatives[0][0]
    return url.removeprefix(settings.PORTAL_URL)


def emailed_link(client, user) -> str:
    ask_for_link(client, user.email)
    message = [m for m in mail.outbox if m.subject == "Reset your password"][-1]
    mail.outbox.clear()
    return link_in(message)


def choose(client, link, password=NEW_PASSWORD, again=None):
    response = client.get(link)
    assert response.status_code == 302, response.content
    return client.post(
        response.url, {"new_password1": password, "new_password2": again or password}
    )


def test_the_sign_in_page_offers_forgot_your_password(client, db):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'href="{reverse("accounts:forgot_password")}"' in page
    assert "Forgot your password?" in page


def test_the_forgot_password_page_has_its_field_and_button_and_is_not_cached(client, db):
    response = client.get(reverse("accounts:forgot_password"))
    page = response.content.decode()
    assert '<label for="id_email">Email</label>' in page
    assert "Send reset link" in page
    assert "no-store" in response["Cache-Control"]


def test_the_answer_is_the_same_for_an_account_an_unknown_address_and_a_deactivated_one(
    member, make_user, acme, clock
):
    inactive = make_user("gone@acme.test", team=acme, is_active=False)
    answers = []
    for email in (member.email, "nobody@acme.test", inactive.email):
        client = Client()
        response = ask_for_link(client, email)
        page = client.get(response.url)
        # The form's CSRF token differs in every answer, whatever the address.
        answers.append(
            (response.status_code, response["Location"], page.status_code, without_csrf(page))
        )
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:3] == (302, reverse("accounts:reset_link_sent"), 200)
    assert b"If an account uses that email" in answers[0][3]
    [message] = mail.outbox
    assert message.to == [member.email] and message.subject == "Reset your password"
    assert "works once, within 60 minutes" in message.body


def test_the_email_is_sent_once_the_answer_has_gone(member):
    request = RequestFactory().post(reverse("accounts:forgot_password"), {"email": member.email})
    request.session = {}
    request._dont_enforce_csrf_checks = True
    response = views.forgot_password(request)
    assert response.status_code == 302 and mail.outbox == []
    response.close()  # what the WSGI server does once the last byte is written
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_a_failing_email_is_logged_without_the_link(member, monkeypatch, caplog):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("accounts.password_reset.EmailMultiAlternatives.send", refuse)
    with caplog.at_level(logging.ERROR, logger="accounts.password_reset"):
        response = ask_for_link(Client(), member.email)
    assert response.status_code == 302
    [record] = caplog.records
    assert f"to user {member.pk} could not be sent" in record.getMessage()
    assert "/password/reset/" not in caplog.text


def test_the_link_leads_to_choose_a_new_password_without_the_token_in_the_address(client, member):
    link = emailed_link(client, member)
    token = link.rstrip("/").rsplit("/", 1)[1]
    password_before = User.objects.get(pk=member.pk).password
    response = client.get(link)
    assert response.status_code == 302 and token not in response.url
    page = client.get(response.url)
    text = page.content.decode()
    assert "<h1>Choose a new password</h1>" in text
    assert '<label for="id_new_password1">New password</label>' in text
    assert '<label for="id_new_password2">New password again</label>' in text
    assert "Save password" in text and token not in text
    assert "no-store" in page["Cache-Control"]
    # Opening the link changes nothing and signs nobody in.
    assert User.objects.get(pk=member.pk).password == password_before
    assert SESSION_KEY not in client.session


def test_the_new_password_is_checked_by_the_password_validators(client, member):
    link = emailed_link(client, member)
    response = choose(client, link, password="short")
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in (
        response.content.decode()
    )
    response = client.post(
        response.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "!"},
    )
    assert "The two password fields didn’t match." in response.content.decode()
    assert User.objects.get(pk=member.pk).check_password(PASSWORD)


def test_saving_ends_every_session_forgets_browsers_records_and_emails(member, member_device):
    other_device = sign_in_with_code(Client(), member, member_device)
    assert TrustedBrowser.objects.filter(user=member).count() == 1
    browser = Client(REMOTE_ADDR="203.0.113.9")
    link = emailed_link(browser, member)

    response = choose(browser, link)

    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
    person = User.objects.get(pk=member.pk)
    assert person.check_password(NEW_PASSWORD) and person.security_stamp != member.security_stamp
    assert not TrustedBrowser.objects.filter(user=member).exists()
    assert other_device.get(reverse("accounts:preferences")).status_code == 302  # signed out
    record = Activity.objects.get(kind=Activity.Kind.PASSWORD_RESET)
    assert (record.subject, record.actor, record.ip_address) == (person, person, "203.0.113.9")
    assert record.origin == Activity.Origin.NOT_SIGNED_IN
    [message] = mail.outbox
    assert message.to == [member.email] and message.subject == "Your password was reset"
    assert "203.0.113.9" in message.body and "This wasn't me" in message.body
    page = browser.get(response.url).content.decode()
    assert "Your new password is saved" in page and SESSION_KEY not in browser.session


def test_the_new_password_is_followed_by_the_code_step(client, member, member_device):
    sign_in_with_code(client, member, member_device)  # this browser was trusted
    client.post(reverse("accounts:sign_out"))
    choose(client, emailed_link(client, member))

    response = client.post(
        reverse("accounts:sign_in"), {"email": member.email, "password": NEW_PASSWORD}
    )

    assert response.status_code == 302 and response.url.startswith(reverse("twofactor:code"))
    assert SESSION_KEY not in client.session
    old = Client().post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    assert "The email or password is not correct." in old.content.decode()


def test_a_used_link_does_not_work_again(client, member):
    link = emailed_link(client, member)
    choose(client, link)
    response = client.get(link)
    assert response.status_code == 200
    assert "<h1>This link does not work</h1>" in response.content.decode()


def test_the_same_link_saved_twice_saves_once(member, rf):
    token = password_reset.password_reset_tokens.make_token(member)
    request = rf.post("/")
    services.reset_forgotten_password(
        user=member, token=token, new_password=NEW_PASSWORD, request=request
    )
    with pytest.raises(services.InvalidResetLink):
        services.reset_forgotten_password(
            user=member, token=token, new_password="another pass phrase", request=request
        )
    assert User.objects.get(pk=member.pk).check_password(NEW_PASSWORD)


def test_an_expired_link_does_not_work(client, member, clock):
    link = emailed_link(client, member)
    clock.shift(60 * 60 + 1)
    response = client.get(link)
    assert "<h1>This link does not work</h1>" in response.content.decode()


def test_a_link_expires_on_the_page_too(client, member, clock):
    link = emailed_link(client, member)
    choose_url = client.get(link).url
    clock.shift(60 * 60 + 1)
    response = client.post(
        choose_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert "<h1>This link does not work</h1>" in response.content.decode()
    assert User.objects.get(pk=member.pk).check_password(PASSWORD)


@pytest.mark.parametrize("part", ["token", "uid"])
def test_a_tampered_link_does_not_work(client, member, outsider, part):
    link = emailed_link(client, member)
    _, uid, token = link.rstrip("/").rsplit("/", 2)
    if part == "token":
        link = link.replace(token, token[:-1] + ("a" if token[-1] != "a" else "b"))
    else:  # the member's token with another person's uid
        link = link.replace(uid, password_reset.uid_of(outsider))
    response = client.get(link)
    assert "<h1>This link does not work</h1>" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_link_stops_working_when_the_stamp_changes(client, member):
    link = emailed_link(client, member)
    browsers.sign_out_everywhere_else(user=member, cookie_value=None, request_meta=RequestMeta())
    response = client.get(link)
    assert "<h1>This link does not work</h1>" in response.content.decode()


def test_a_deactivated_person_cannot_use_a_link_sent_before(client, member):
    link = emailed_link(client, member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = client.get(link)
    assert "<h1>This link does not work</h1>" in response.content.decode()


def test_requests_for_one_email_are_limited(settings, member, db):
    settings.PASSWORD_RESET_REQUESTS_PER_EMAIL = 3
    for number in range(3):
        assert (
            ask_for_link(Client(REMOTE_ADDR=f"198.51.100.{number}"), member.email).status_code
            == 302
        )
    response = ask_for_link(Client(REMOTE_ADDR="198.51.100.9"), member.email)
    assert response.status_code == 200
    assert "Too many reset links were asked for. Wait 60 minutes" in response.content.decode()
    assert len(mail.outbox) == 3
    # An unknown address is limited the same way: the limit tells nothing.
    for _ in range(3):
        ask_for_link(Client(), "nobody@acme.test")
    unknown = ask_for_link(Client(REMOTE_ADDR="198.51.100.10"), "nobody@acme.test")
    assert unknown.status_code == 200 and unknown.content.count(b"Too many reset links") == 1


def test_requests_from_one_address_are_limited(settings, member, clock):
    settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS = 5
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(5):
        assert ask_for_link(client, f"person{number}@acme.test").status_code == 302
    response = ask_for_link(client, member.email)
    assert response.status_code == 200 and b"Too many reset links" in response.content
    assert mail.outbox == []
    assert ask_for_link(Client(REMOTE_ADDR="198.51.100.8"), member.email).status_code == 302
    clock.shift(60 * 60)  # a new window
    assert ask_for_link(client, member.email).status_code == 302
    assert len(mail.outbox) == 2


def test_the_pages_speak_portuguese_and_spanish(client, member):
    for language, heading in (
        ("pt-br", "Esqueceu sua senha?"),
        ("es", "¿Olvidaste tu contraseña?"),
    ):
        page = client.get(reverse("accounts:forgot_password"), HTTP_ACCEPT_LANGUAGE=language)
        assert f"<h1>{heading}</h1>" in page.content.decode()
    User.objects.filter(pk=member.pk).update(language="es")
    ask_for_link(client, member.email)
    assert mail.outbox[0].subject == "Restablece tu contraseña"


def test_the_pages_open_for_a_browser_that_has_not_passed_the_code(client, member, member_device):
    """A browser stopped at the code page (or the wizard) can still reach them."""
    client.force_login(member)
    link = emailed_link(client, member)
    assert client.get(reverse("accounts:forgot_password")).status_code == 200
    response = client.get(link)
    assert response.status_code == 302 and response.url.startswith("/password/new/")
    assert client.get(response.url).status_code == 200
