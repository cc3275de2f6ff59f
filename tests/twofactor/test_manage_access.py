"""Manage Access: one's own authenticators and trusted browsers."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.passwords import has_recent_authentication, mark_recent_authentication
from tests.conftest import (
    PASSWORD,
    code_for,
    recent,
    sign_in_verified,
    sign_in_with_code,
    stepped_up,
)
from tests.twofactor.test_wizard import key_from_page
from twofactor import app_settings
from twofactor.models import Activity, Authenticator, TrustedBrowser
from twofactor.services import authenticators
from twofactor.services.activity import RequestMeta

MANAGE = reverse("twofactor:manage")
COOKIE = app_settings.trusted_browser_cookie_name()
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Work phone")


@pytest.fixture
def browser_one(member, device, clock):
    return sign_in_with_code(Client(HTTP_USER_AGENT=CHROME), member, device)


@pytest.fixture
def browser_two(member, device, clock, browser_one):
    clock.shift(30)  # the next code
    return sign_in_with_code(Client(HTTP_USER_AGENT=FIREFOX), member, device)


def test_page_lists_only_ones_own_devices_and_browsers(
    browser_one, browser_two, member, manager, add_authenticator, clock
):
    other_device = add_authenticator(manager, name="Marta's phone")
    clock.shift(30)
    sign_in_with_code(Client(HTTP_USER_AGENT=FIREFOX), manager, other_device)
    page = browser_one.get(MANAGE).content.decode()
    assert "<h1>Manage Access</h1>" in page
    assert "Work phone" in page and "Marta&#x27;s phone" not in page
    assert "Chrome on Windows" in page and "Firefox on Linux" in page
    assert page.count('action="/2fa/manage/browsers/') == 3  # two Revoke + revoke others
    own = TrustedBrowser.objects.filter(user=member)
    assert own.count() == 2
    for browser in TrustedBrowser.objects.filter(user=manager):
        assert f"/browsers/{browser.pk}/revoke/" not in page


def test_this_browser_is_marked(browser_one, browser_two, member):
    page = browser_two.get(MANAGE).content.decode()
    row = page[page.index("Firefox on Linux") : page.index("Firefox on Linux") + 200]
    assert "This browser" in row
    assert page.count("This browser") == 1


@pytest.mark.parametrize("tamper", ["token", "other users id", "garbage"])
def test_a_cookie_that_does_not_match_marks_no_browser(
    browser_one, browser_two, member, manager, add_authenticator, clock, tamper
):
    """ "This browser" is found among the listed browsers, with the same checks as sign-in: the
    token's HMAC, and a browser of this user."""
    name = app_settings.trusted_browser_cookie_name()
    browser_id, _, token = browser_two.cookies[name].value.partition(".")
    if tamper == "token":
        value = f"{browser_id}.{token[:-2]}xx"
    elif tamper == "other users id":
        clock.shift(30)
        marta = sign_in_with_code(Client(), manager, add_authenticator(manager, name="Marta phone"))
        value = f"{marta.cookies[name].value.partition('.')[0]}.{token}"
    else:
        value = "not-a-cookie"
    browser_two.cookies[name] = value
    page = browser_two.get(MANAGE).content.decode()
    assert "Firefox on Linux" in page and "This browser" not in page


def test_page_shows_buttons(browser_one, browser_two):
    page = browser_one.get(MANAGE).content.decode()
    for label in ("Revoke", "Remove", "Add another authenticator", "Revoke all other browsers"):
        assert label in page


def test_revoke_all_others_is_not_offered_without_another_browser(browser_one, member):
    page = browser_one.get(MANAGE).content.decode()
    assert "Chrome on Windows" in page and "Revoke all other browsers" not in page


def test_revoke_all_others_is_offered_when_this_browser_is_not_trusted(browser_one, member):
    """A browser that is not among the trusted ones (signed in elsewhere, its cookie gone) sees
    every trusted browser as another one."""
    browser_one.cookies.pop(COOKIE)
    page = browser_one.get(MANAGE).content.decode()
    assert "This browser" not in page and "Revoke all other browsers" in page


def test_revoking_a_browser_means_it_is_asked_for_a_code(browser_one, browser_two, member):
    firefox = TrustedBrowser.objects.get(user=member, user_agent=FIREFOX)
    response = browser_one.post(reverse("twofactor:revoke_browser", args=[firefox.pk]))
    assert response.status_code == 302
    assert not TrustedBrowser.objects.filter(pk=firefox.pk).exists()
    browser_two.post(reverse("accounts:sign_out"))
    response = browser_two.post(
        reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
    )
    assert response.url.startswith(reverse("twofactor:code"))
    assert Activity.objects.filter(kind=Activity.Kind.BROWSER_REVOKED, subject=member).exists()


def test_revoking_the_current_browser_asks_for_a_code_next_time(browser_one, member):
    current = TrustedBrowser.objects.get(user=member)
    browser_one.post(reverse("twofactor:revoke_browser", args=[current.pk]))
    browser_one.post(reverse("accounts:sign_out"))
    response = browser_one.post(
        reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
    )
    assert response.url.startswith(reverse("twofactor:code"))


def test_revoke_all_others_keeps_this_browser(browser_one, browser_two, member):
    browser_two.post(reverse("twofactor:revoke_other_browsers"))
    left = TrustedBrowser.objects.filter(user=member)
    assert [b.user_agent for b in left] == [FIREFOX]


SIGN_OUT_ELSEWHERE = reverse("twofactor:sign_out_everywhere_else")


def sign_in_with_password(client, user):
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})


def test_sign_out_everywhere_else_ends_the_other_sessions_and_keeps_this_one(
    browser_one, browser_two, member, device, clock
):
    pending = Client()
    clock.shift(30)
    assert sign_in_with_password(pending, member).url.startswith(reverse("twofactor:code"))
    page = browser_two.get(MANAGE).content.decode()
    assert ">Sign out everywhere else</button>" in page
    mail.outbox.clear()

    response = browser_two.post(SIGN_OUT_ELSEWHERE)

    assert response.status_code == 302 and response.url == MANAGE
    assert "You were signed out everywhere else" in browser_two.get(MANAGE).content.decode()
    response = browser_one.get(MANAGE)
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in browser_one.session
    # A sign-in that had passed the password there is void too.
    response = pending.post(reverse("twofactor:code"), {"code": code_for(device)})
    assert response.url.startswith(reverse("accounts:sign_in"))
    record = Activity.objects.get(kind=Activity.Kind.OTHER_SESSIONS_ENDED)
    assert record.subject == member and record.actor == member
    assert record.detail["browsers"] == 1
    [message] = mail.outbox
    assert message.to == [member.email]
    assert "signed out everywhere else" in message.subject.lower()
    assert "Firefox on Linux" in message.body  # the browser that did it


def test_after_signing_out_everywhere_else_only_this_browser_skips_the_code(
    browser_one, browser_two, member
):
    browser_two.post(SIGN_OUT_ELSEWHERE)
    assert [b.user_agent for b in TrustedBrowser.objects.filter(user=member)] == [FIREFOX]
    response = sign_in_with_password(browser_one, member)
    assert response.url.startswith(reverse("twofactor:code"))
    browser_two.post(reverse("accounts:sign_out"))
    response = sign_in_with_password(browser_two, member)
    assert response.url == reverse("accounts:preferences")
    assert "This browser" in browser_two.get(MANAGE).content.decode()


def test_sign_out_everywhere_else_from_an_untrusted_browser_forgets_every_browser(
    browser_one, client, member, device
):
    sign_in_verified(client, member, device)
    client.post(SIGN_OUT_ELSEWHERE)
    assert not TrustedBrowser.objects.filter(user=member).exists()
    assert client.get(MANAGE).status_code == 200
    assert browser_one.get(MANAGE).url.startswith(reverse("accounts:sign_in"))


def test_sign_out_everywhere_else_needs_a_post(browser_one, member):
    stamp = member.security_stamp
    assert browser_one.get(SIGN_OUT_ELSEWHERE).status_code == 405
    member.refresh_from_db()
    assert member.security_stamp == stamp


def test_another_users_browser_is_a_404(browser_one, manager, add_authenticator, clock):
    other = Client(HTTP_USER_AGENT=FIREFOX)
    clock.shift(30)
    sign_in_with_code(other, manager, add_authenticator(manager))
    theirs = TrustedBrowser.objects.get(user=manager)
    response = browser_one.post(reverse("twofactor:revoke_browser", args=[theirs.pk]))
    assert response.status_code == 404
    assert TrustedBrowser.objects.filter(pk=theirs.pk).exists()


def test_revoke_needs_post(browser_one, member):
    browser = TrustedBrowser.objects.get(user=member)
    assert (
        browser_one.get(reverse("twofactor:revoke_browser", args=[browser.pk])).status_code == 405
    )
    assert TrustedBrowser.objects.filter(pk=browser.pk).exists()


def test_another_users_authenticator_is_a_404(client, member, device, manager, add_authenticator):
    theirs = add_authenticator(manager)
    sign_in_verified(client, member, device)
    recent(client)
    stepped_up(client)
    for name in ("twofactor:remove_authenticator", "twofactor:rename_authenticator"):
        url = reverse(name, args=[theirs.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "My phone"


def test_removing_needs_a_recent_password(client, member, device, add_authenticator):
    second = add_authenticator(member, name="Tablet")
    sign_in_verified(client, member, device)
    stepped_up(client)
    url = reverse("twofactor:remove_authenticator", args=[second.pk])
    response = client.post(url)
    assert response.url.startswith(reverse("accounts:confirm_password"))
    assert Authenticator.objects.filter(pk=second.pk).exists()
    response = client.post(response.url, {"password": "wrong"})
    assert "That is not your password" in response.content.decode()
    response = client.post(
        reverse("accounts:confirm_password") + f"?next={url}", {"password": PASSWORD}
    )
    assert response.url == url
    assert client.post(url).status_code == 302
    assert not Authenticator.objects.filter(pk=second.pk).exists()
    assert client.get(MANAGE).status_code == 200  # still verified by the other device


def test_removing_the_device_of_this_session_keeps_it_verified_by_another(
    client, member, device, add_authenticator
):
    add_authenticator(member, name="Tablet")
    sign_in_verified(client, member, device)
    recent(client)
    stepped_up(client)
    client.post(reverse("twofactor:remove_authenticator", args=[device.pk]))
    assert not Authenticator.objects.filter(pk=device.pk).exists()
    assert client.get(MANAGE).status_code == 200


def test_a_member_cannot_remove_their_last_authenticator(client, member, device):
    """Removing the last one would be a reset, a Manager's to do: the page says so and the
    POST changes nothing."""
    sign_in_verified(client, member, device)
    recent(client)
    stepped_up(client)
    url = reverse("twofactor:remove_authenticator", args=[device.pk])
    page = client.get(url).content.decode()
    assert "only authenticator" in page and "ask a Manager of your team" in page
    assert ">Remove</button>" not in page
    assert reverse("twofactor:request_reset") in page
    assert "ask a Manager of your team" in client.get(MANAGE).content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response.url == MANAGE
    assert "ask a Manager of your team" in client.get(MANAGE).content.decode()
    assert Authenticator.objects.filter(pk=device.pk, confirmed=True).exists()
    assert not Activity.objects.filter(kind=Activity.Kind.AUTHENTICATOR_REMOVED).exists()
    assert mail.outbox == []
    assert client.get(reverse("accounts:preferences")).status_code == 200  # still verified


def test_a_member_with_two_authenticators_can_remove_one_but_not_both(
    client, member, device, add_authenticator
):
    tablet = add_authenticator(member, name="Tablet")
    sign_in_verified(client, member, device)
    recent(client)
    stepped_up(client)
    client.post(reverse("twofactor:remove_authenticator", args=[tablet.pk]))
    client.post(reverse("twofactor:remove_authenticator", args=[device.pk]))
    assert list(Authenticator.objects.filter(user=member)) == [device]


def test_the_service_refuses_a_members_last_authenticator(member, device, add_authenticator):
    """The rule holds in the service too, whatever calls it; an unfinished setup is no
    authenticator to fall back on."""
    add_authenticator(member, name="Half set up", confirmed=False)
    with pytest.raises(authenticators.LastAuthenticator):
        authenticators.remove_authenticator(
            user=member, authenticator_id=device.pk, request_meta=RequestMeta()
        )
    assert Authenticator.objects.filter(pk=device.pk).exists()


@pytest.fixture
def manager_device(manager, add_authenticator):
    return add_authenticator(manager, name="Marta phone")


def test_a_manager_removing_their_last_authenticator_goes_through_their_own_reset(
    manager, manager_device, clock
):
    old_laptop = sign_in_with_code(Client(HTTP_USER_AGENT=FIREFOX), manager, manager_device)
    clock.shift(30)
    browser = sign_in_with_code(Client(HTTP_USER_AGENT=CHROME), manager, manager_device)
    recent(browser)
    stamp = manager.security_stamp
    url = reverse("twofactor:remove_authenticator", args=[manager_device.pk])
    page = browser.get(url).content.decode()
    assert "only authenticator" in page and ">Remove</button>" in page
    mail.outbox.clear()
    response = browser.post(url)
    assert response.url == f"{reverse('twofactor:setup')}?next=%2F2fa%2Fmanage%2F"
    manager.refresh_from_db()
    assert manager.security_stamp != stamp
    assert not Authenticator.objects.filter(user=manager).exists()
    assert not TrustedBrowser.objects.filter(user=manager).exists()
    reset = Activity.objects.get(kind=Activity.Kind.RESET, subject=manager)
    assert reset.actor == manager
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "reset" in mail.outbox[0].subject
    # Every other session has ended; this one goes on into the wizard with a recent password.
    assert old_laptop.get(MANAGE).url.startswith(reverse("accounts:sign_in"))
    assert browser.get(MANAGE).url.startswith(reverse("twofactor:setup"))
    assert browser.get(reverse("twofactor:setup")).status_code == 200


def test_after_removing_the_last_one_an_old_trusted_browser_asks_for_a_code(
    manager, manager_device, add_authenticator, clock
):
    """Removing the last authenticator then setting up again gives no way around the code."""
    old_laptop = sign_in_with_code(Client(HTTP_USER_AGENT=FIREFOX), manager, manager_device)
    old_laptop.post(reverse("accounts:sign_out"))
    clock.shift(30)
    browser = sign_in_with_code(Client(HTTP_USER_AGENT=CHROME), manager, manager_device)
    recent(browser)
    browser.post(reverse("twofactor:remove_authenticator", args=[manager_device.pk]))
    add_authenticator(manager, name="New phone")  # set up again
    response = old_laptop.post(
        reverse("accounts:sign_in"), {"email": manager.email, "password": PASSWORD}
    )
    assert response.url.startswith(reverse("twofactor:code"))


def test_rename_authenticator(client, member, device):
    sign_in_verified(client, member, device)
    url = reverse("twofactor:rename_authenticator", args=[device.pk])
    assert "Work phone" in client.get(url).content.decode()
    assert client.post(url, {"name": ""}).status_code == 200
    assert client.post(url, {"name": "x" * 65}).status_code == 200
    client.post(url, {"name": "Old phone"})
    device.refresh_from_db()
    assert device.name == "Old phone"


def test_add_another_authenticator_keeps_the_old_one(client, member, device, clock):
    import re
    import time

    sign_in_verified(client, member, device)
    stepped_up(client)
    page = client.get(MANAGE).content.decode()
    add_url = re.search(r'href="(/2fa/setup/\?next=[^"]+)"', page).group(1)
    client.get(add_url.replace("&amp;", "&"))
    client.post(reverse("twofactor:setup"), {"password": PASSWORD})
    client.post(reverse("twofactor:setup_app"))
    scan = client.get(reverse("twofactor:setup_scan")).content.decode()
    key = key_from_page(scan)
    client.post(reverse("twofactor:setup_scan"))
    from twofactor import totp

    client.post(reverse("twofactor:setup_verify"), {"code": totp.code_at(key, time.time())})
    response = client.post(reverse("twofactor:setup_name"), {"name": "Tablet"})
    assert response.url == MANAGE
    assert sorted(Authenticator.objects.filter(user=member).values_list("name", flat=True)) == [
        "Tablet",
        "Work phone",
    ]
    assert "added" in mail.outbox[-1].subject
    assert not Activity.objects.filter(kind=Activity.Kind.TWO_FACTOR_ENABLED).exists()


def test_manage_access_requires_a_verified_session(client, member, device):
    assert client.get(MANAGE).status_code == 302
    client.force_login(member)
    assert client.get(MANAGE).url.startswith(reverse("twofactor:code"))


@pytest.mark.parametrize("with_recent", [True, False])
def test_mark_recent_authentication_helper(rf, with_recent):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    if with_recent:
        mark_recent_authentication(request)
    assert has_recent_authentication(request) is with_recent
