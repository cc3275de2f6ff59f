"""``manage.py reset_2fa EMAIL``: the one reset service, for administrators without a browser."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.conftest import sign_in_verified
from twofactor.models import Activity, Authenticator, ResetRequest, TrustedBrowser
from twofactor.services.activity import RequestMeta
from twofactor.services.browsers import trust_browser

PREFERENCES = reverse("accounts:preferences")


def reset_2fa(*args):
    out = io.StringIO()
    call_command("reset_2fa", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def protected(manager, member, add_authenticator):
    """Marta and Alice, each with an authenticator and a trusted browser."""
    for person in (manager, member):
        add_authenticator(person)
        trust_browser(user=person, request_meta=RequestMeta("198.51.100.2", "Firefox"))
    mail.outbox.clear()
    return manager, member


def test_reset_2fa_removes_the_persons_authenticators_and_trusted_browsers(protected):
    manager, member = protected

    output = reset_2fa("alice@acme.test")

    assert "alice@acme.test" in output and "reset" in output
    assert not Authenticator.objects.filter(user=member).exists()
    assert not TrustedBrowser.objects.filter(user=member).exists()
    assert Authenticator.objects.filter(user=manager).exists()
    assert TrustedBrowser.objects.filter(user=manager).exists()


def test_reset_2fa_signs_the_person_out_everywhere(client, protected):
    manager, member = protected
    sign_in_verified(client, member, Authenticator.objects.get(user=member))
    assert client.get(PREFERENCES).status_code == 200

    reset_2fa(member.email)

    assert client.get(PREFERENCES).url.startswith(reverse("accounts:sign_in"))


def test_reset_2fa_records_a_reset_with_no_actor(protected):
    manager, member = protected

    reset_2fa(member.email)

    record = Activity.objects.get(kind=Activity.Kind.RESET)
    assert record.subject == member
    assert record.actor is None
    assert record.ip_address is None
    assert record.detail["authenticators"] == 1


def test_reset_2fa_emails_the_person(protected):
    manager, member = protected

    reset_2fa(member.email)

    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["alice@acme.test"], "Your two-factor authentication was reset")
    ]


def test_reset_2fa_closes_the_persons_open_reset_request(protected, acme):
    manager, member = protected
    request = ResetRequest.objects.create(user=member, team=acme)

    reset_2fa(member.email)

    request.refresh_from_db()
    assert request.status == ResetRequest.Status.RESET
    assert request.closed_by is None


def test_reset_2fa_matches_the_email_in_any_case(protected):
    manager, member = protected

    reset_2fa("  Alice@ACME.test ")

    assert not Authenticator.objects.filter(user=member).exists()


def test_reset_2fa_of_an_unknown_email_fails_clearly_and_changes_nothing(protected):
    with pytest.raises(CommandError, match="No user has the email 'nobody@acme.test'"):
        reset_2fa("nobody@acme.test")

    assert Authenticator.objects.count() == 2
    assert not Activity.objects.filter(kind=Activity.Kind.RESET).exists()
    assert mail.outbox == []


def test_reset_2fa_needs_an_email(db):
    with pytest.raises(CommandError, match="email"):
        reset_2fa()
