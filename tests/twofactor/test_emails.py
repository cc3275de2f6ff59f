"""Security emails: right recipient, what/when/browser/IP/what to do, and never a key,
code or password."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, code_for
from twofactor import app_settings, totp
from twofactor.models import Authenticator
from twofactor.services import activity, authenticators, browsers, codes, resets

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
META = activity.RequestMeta(ip_address="203.0.113.7", user_agent=IPHONE)


def secrets_of(device):
    key = device.key
    return [
        totp.key_to_base32(key),
        totp.group_for_reading(totp.key_to_base32(key)),
        key.hex(),
        code_for(device),
        code_for(device, offset_steps=-1),
        PASSWORD,
    ]


def assert_clean(message, device):
    text = message.body + message.alternatives[0][0] + message.subject
    for secret in secrets_of(device):
        assert secret not in text


def assert_security_details(message):
    body = message.body
    assert "203.0.113.7" in body
    assert "Safari on iPhone" in body
    assert "When:" in body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html" and "203.0.113.7" in html


def test_setup_sends_two_factor_on_then_device_added(member, add_authenticator, clock):
    for number, expected in ((1, "Two-factor authentication is on"), (2, "added")):
        device = authenticators.start_authenticator_setup(user=member)
        result = authenticators.confirm_authenticator(
            user=member, authenticator_id=device.pk, code=code_for(device), request_meta=META
        )
        assert result.accepted
        message = mail.outbox[-1]
        assert len(mail.outbox) == number
        assert message.to == [member.email] and expected in message.subject
        assert "contact a Manager of your team" in message.body
        assert_security_details(message)
        assert_clean(message, device)
        clock.shift(30)


def test_new_browser_sign_in_sends_an_email(member, add_authenticator, clock):
    device = add_authenticator(member)
    client = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="203.0.113.7")
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    code = code_for(device)
    client.post(reverse("twofactor:code"), {"code": code})
    [message] = mail.outbox
    assert message.to == [member.email] and "New sign-in" in message.subject
    assert_security_details(message)
    assert_clean(message, device)
    # The same browser again: trusted, no email.
    client.post(reverse("accounts:sign_out"))
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    assert len(mail.outbox) == 1


def test_lock_sends_an_email(member, add_authenticator, clock, settings):
    """It says that whoever tried knows the password, with the link to change it now."""
    settings.TWOFACTOR_THROTTLE_FACTOR = 0
    settings.PORTAL_URL = "https://portal.example.test"
    device = add_authenticator(member)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(app_settings.lock_after_failures()):
        codes.verify_sign_in_code(user=member, code=wrong, request_meta=META)
    [message] = mail.outbox
    assert message.to == [member.email] and "locked" in message.subject
    assert "10 wrong security codes" in message.body
    assert "whoever it was knows your password" in message.body
    assert "change your password now at https://portal.example.test/password/" in message.body
    html = message.alternatives[0][0]
    assert "whoever it was knows your password" in html
    assert "https://portal.example.test/password/" in html
    assert_clean(message, device)


def test_signing_out_everywhere_else_sends_an_email_with_what_to_do(
    member, add_authenticator, settings
):
    settings.PORTAL_URL = "https://portal.example.test"
    device = add_authenticator(member)
    browsers.sign_out_everywhere_else(user=member, cookie_value=None, request_meta=META)
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "You were signed out everywhere else"
    assert "signed out on every other device and browser" in message.body
    assert "change your password now at https://portal.example.test/password/" in message.body
    assert "https://portal.example.test/password/" in message.alternatives[0][0]
    assert_security_details(message)
    assert_clean(message, device)


def test_reset_by_a_manager_names_the_manager(member, manager, make_user, acme, add_authenticator):
    from accounts.models import User

    other_manager = make_user("max@acme.test", team=acme, role=User.Role.MANAGER)
    device = add_authenticator(member)
    resets.reset_two_factor(actor=manager, member=member, request_meta=META)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {member.email, other_manager.email}
    to_member = by_recipient[member.email]
    assert "was reset" in to_member.subject and "Marta reset" in to_member.body
    assert_security_details(to_member)
    assert_clean(to_member, device)
    assert "Alice (alice@acme.test)" in by_recipient[other_manager.email].body


def test_reset_request_email_goes_to_managers_with_a_link(member, manager, settings):
    settings.PORTAL_URL = "https://portal.example"
    resets.request_reset(user=member, request_meta=META)
    [message] = mail.outbox
    assert message.to == [manager.email]
    assert "alice@acme.test" in message.body
    assert "https://portal.example/team/" in message.body


def test_device_removed_email(member, add_authenticator):
    device = add_authenticator(member, name="Old phone")
    add_authenticator(member, name="New phone")  # a Member keeps at least one
    authenticators.remove_authenticator(user=member, authenticator_id=device.pk, request_meta=META)
    [message] = mail.outbox
    assert "removed" in message.subject and "Old phone" in message.body
    assert_clean(message, device)


@pytest.mark.django_db(transaction=True)
def test_emails_wait_for_the_commit_and_are_dropped_on_rollback(
    member, add_authenticator, monkeypatch
):
    monkeypatch.undo()  # the real on_commit, not the at-once stand-in of conftest
    device = add_authenticator(member)
    add_authenticator(member, name="Tablet")
    with pytest.raises(RuntimeError), transaction.atomic():
        authenticators.remove_authenticator(
            user=member, authenticator_id=device.pk, request_meta=META
        )
        assert mail.outbox == []
        raise RuntimeError("roll back")
    assert mail.outbox == []
    assert Authenticator.objects.filter(pk=device.pk).exists()
    authenticators.remove_authenticator(user=member, authenticator_id=device.pk, request_meta=META)
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_does_not_break_the_action(member, add_authenticator, settings):
    settings.EMAIL_BACKEND = "tests.twofactor.test_emails.BrokenBackend"
    device = add_authenticator(member)
    add_authenticator(member, name="Tablet")
    authenticators.remove_authenticator(user=member, authenticator_id=device.pk, request_meta=META)
    assert not Authenticator.objects.filter(pk=device.pk).exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_reset_from_the_command_line_says_an_administrator_did_it(member, add_authenticator):
    from django.core.management import call_command

    add_authenticator(member)
    call_command("reset_2fa", member.email.upper())
    [message] = mail.outbox
    assert "An Axur One administrator reset" in message.body
    assert "An Axur One administrator reset" in message.alternatives[0][0]
    from twofactor.models import Activity

    record = Activity.objects.get(kind=Activity.Kind.RESET)
    assert record.actor is None and record.detail["via"] == "command line"
