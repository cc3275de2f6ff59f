"""Resets and reset requests from the person's side: a Manager's own reset, a Member's reset
request, "Lost your phone?" on the code page."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD, code_for, recent, sign_in_verified, stepped_up
from twofactor.models import Activity, Authenticator, ResetRequest, TrustedBrowser
from twofactor.services import activity, resets

RESET_OWN = reverse("twofactor:reset_own")
REQUEST = reverse("twofactor:request_reset")
LOST = reverse("twofactor:lost_phone")
PREFERENCES = reverse("accounts:preferences")


def test_preferences_offers_a_manager_reset_and_a_member_a_request(
    client, manager, manager_device, member, member_device
):
    sign_in_verified(client, manager, manager_device)
    page = client.get(PREFERENCES).content.decode()
    assert "Manage Access" in page and ">Reset</a>" in page and "Request a reset" not in page
    other = sign_in_verified(Client(), member, member_device)
    page = other.get(PREFERENCES).content.decode()
    assert ">Reset</a>" not in page and "Request a reset" in page
    assert "a Manager of your team can reset it" in page


def test_member_cannot_reach_the_reset_page(client, member, member_device):
    sign_in_verified(client, member, member_device)
    recent(client)
    assert client.get(RESET_OWN).status_code == 403
    assert client.post(RESET_OWN).status_code == 403
    assert Authenticator.objects.filter(user=member).exists()


def test_reset_page_explains_and_needs_a_recent_password(client, manager, manager_device):
    sign_in_verified(client, manager, manager_device)
    response = client.post(RESET_OWN)
    assert response.url.startswith(reverse("accounts:confirm_password"))
    assert Authenticator.objects.filter(user=manager).exists()
    recent(client)
    stepped_up(client)
    page = client.get(RESET_OWN).content.decode()
    assert "Deactivation is only temporary" in page
    assert "press and hold it until the pencil and bin icons appear" in page.lower()
    assert "Tap the pencil, then the bin in the top corner" in page


def test_managers_own_reset_ends_other_sessions_and_goes_to_setup(
    client, manager, manager_device, clock
):
    other_device_session = sign_in_verified(Client(), manager, manager_device)
    assert other_device_session.get(PREFERENCES).status_code == 200
    client.post(reverse("accounts:sign_in"), {"email": manager.email, "password": PASSWORD})
    client.post(reverse("twofactor:code"), {"code": code_for(manager_device)})
    assert TrustedBrowser.objects.filter(user=manager).exists()
    recent(client)

    response = client.post(RESET_OWN)
    assert response.url.startswith(reverse("twofactor:setup"))
    assert not Authenticator.objects.filter(user=manager).exists()
    assert not TrustedBrowser.objects.filter(user=manager).exists()
    # This browser carries on, into setup; the other one is signed out.
    assert client.get(reverse("twofactor:setup")).status_code == 200
    response = other_device_session.get(PREFERENCES)
    assert response.status_code == 302 and "sign-in" in response.url
    assert SESSION_KEY not in other_device_session.session
    record = Activity.objects.get(kind=Activity.Kind.RESET)
    assert record.actor == manager and record.subject == manager
    assert [m.to for m in mail.outbox if "reset" in m.subject.lower()] == [[manager.email]]


def test_member_request_reaches_the_managers_once(client, member, member_device, manager, acme):
    from accounts.models import User

    second_manager = User.objects.create_user(
        "max@acme.test", PASSWORD, team=acme, role=User.Role.MANAGER
    )
    sign_in_verified(client, member, member_device)
    response = client.post(REQUEST, follow=True)
    assert "sent to the Managers of your team" in response.content.decode()
    assert ResetRequest.objects.filter(user=member, status="open").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, second_manager.email])
    assert member.email in mail.outbox[0].body

    response = client.post(REQUEST, follow=True)
    assert "already have an open request" in response.content.decode()
    assert ResetRequest.objects.filter(user=member).count() == 1
    assert len(mail.outbox) == 2
    assert Activity.objects.filter(kind=Activity.Kind.RESET_REQUESTED).count() == 1
    assert "You asked for a reset" in client.get(PREFERENCES).content.decode()


def test_request_is_not_sent_to_other_teams_managers(
    client, member, member_device, manager, make_user, globex
):
    from accounts.models import User

    make_user("boss@globex.test", team=globex, role=User.Role.MANAGER)
    sign_in_verified(client, member, member_device)
    client.post(REQUEST)
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_reset_requests_are_throttled(member, manager):
    meta = activity.RequestMeta()
    for _ in range(resets.RESET_REQUESTS_PER_DAY):
        reset_request, created = resets.request_reset(user=member, request_meta=meta)
        assert created
        resets.dismiss_reset_request(actor=manager, reset_request=reset_request, request_meta=meta)
    with pytest.raises(resets.ResetRequestThrottled):
        resets.request_reset(user=member, request_meta=meta)


def test_request_reset_needs_post(client, member, member_device):
    sign_in_verified(client, member, member_device)
    assert client.get(REQUEST).status_code == 405


# Lost your phone? ------------------------------------------------------------------------------


@pytest.fixture
def pending(client, member, member_device):
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    return client


def test_code_page_links_to_lost_phone(pending):
    page = pending.get(reverse("twofactor:code")).content.decode()
    assert "Lost your phone?" in page and LOST in page


def test_lost_phone_explains_and_sends_a_request(pending, member, manager):
    page = pending.get(LOST).content.decode()
    assert "a Manager of your team can reset" in page.replace("\n", " ")
    response = pending.post(LOST)
    assert "sent to the Managers" in response.content.decode()
    assert ResetRequest.objects.filter(user=member, status="open").exists()
    assert [m.to for m in mail.outbox] == [[manager.email]]
    pending.post(LOST)
    assert ResetRequest.objects.filter(user=member).count() == 1
    assert SESSION_KEY not in pending.session  # asking grants no access


def test_lost_phone_offers_the_recovery_codes_before_the_reset_request(pending):
    page = pending.get(LOST).content.decode().replace("\n", " ")
    codes = page.index('choose "Use a recovery code"')
    assert codes < page.index("a Manager of your team can reset") < page.index('method="post"')


def test_lost_phone_without_a_password_step_goes_to_sign_in(client, member):
    response = client.post(LOST)
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert not ResetRequest.objects.exists()


def test_lost_phone_after_the_pending_sign_in_expired_goes_to_sign_in(
    client, member, member_device, clock
):
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    clock.shift(6 * 60)
    assert client.post(LOST).url.startswith(reverse("accounts:sign_in"))
    assert not ResetRequest.objects.exists()


def test_own_reset_needs_a_second_factor_when_the_session_passed_none(
    client, manager, manager_device
):
    """A reset removes every authenticator: a session that signed in through a trusted browser
    (password only) must pass a code first, as for removing one, or a stolen password and
    laptop would be enough to replace the second factor."""
    sign_in_verified(client, manager, manager_device)  # verified, but no code in this session
    recent(client)
    confirm = reverse("twofactor:confirm_code")
    assert client.get(RESET_OWN).url.startswith(confirm)
    assert client.post(RESET_OWN).url.startswith(confirm)
    assert Authenticator.objects.filter(user=manager).exists()

    stepped_up(client)
    assert client.get(RESET_OWN).status_code == 200


@pytest.mark.parametrize(
    "header, language, placeholder",
    [("en", "en", "your email"), ("pt-BR", "pt-br", "seu e-mail"), ("es", "es", "tu correo")],
)
def test_the_own_reset_page_names_the_persons_own_entry_in_every_language(
    client, manager, manager_device, header, language, placeholder
):
    """The entries to delete are named as the app lists them, with the person's own email
    (never the words "your email"), and the steps for each phone wait in a disclosure."""
    sign_in_verified(client, manager, manager_device)
    recent(client)
    stepped_up(client)
    page = client.get(RESET_OWN, HTTP_ACCEPT_LANGUAGE=header).content.decode()
    with translation.override(language):
        told = translation.gettext(
            "After the reset the codes of the old entries stop working. Delete each “AxurOne: "
            "%(email)s” entry from your authenticator app so you do not mistake it for the new one."
        ) % {"email": manager.email}
        android = translation.gettext(
            "Open the authenticator app and find the “AxurOne: %(email)s” entry."
        ) % {"email": manager.email}
    assert language == "en" or told.startswith(("Depois", "Después"))
    assert told in page and android in page
    assert placeholder not in page
    steps = page[page.index('<details class="disclosure">') : page.index("</details>")]
    assert android in steps
