""" "This wasn't me": every security email about a person's own account carries the link (and
no Manager's email does); the link works once for 7 days, a GET changes nothing, and the
confirmation ends every session, forgets trusted browsers, stops the password, emails a link to
choose a new one and tells the Managers."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.conftest import PASSWORD, sign_in_with_code
from twofactor import notifications
from twofactor.models import Activity, TrustedBrowser
from twofactor.services import browsers
from twofactor.services.activity import RequestMeta
from twofactor.tokens import NotMeCheck, NotMeTokenGenerator, not_me_tokens

META = RequestMeta(ip_address="203.0.113.7", user_agent="Mozilla/5.0 Firefox/133.0")
NOT_ME_LINK = re.compile(r"http://[^\s\"<]+/2fa/not-me/[^\s\"<]+/")
RESET_LINK = re.compile(r"http://[^\s\"<]+/password/reset/[^\s\"<]+/")
WRONG_PASSWORD = "The email or password is not correct."


def context_for_every_template(member, manager):
    return {
        "authenticator_name": "My phone",
        "actor": manager,
        "member": member,
        "requester": member,
        "failures": 10,
        "locked_until": timezone.now(),
        "left": 3,
        "team_url": "http://localhost:8000/team/",
    }


def send(event, to_user, member, manager):
    notifications.send_security_email(
        event=event,
        to_user=to_user,
        request_meta=META,
        **context_for_every_template(member, manager),
    )
    return mail.outbox[-1]


def path_of(url: str) -> str:
    return url.removeprefix(settings.PORTAL_URL)


def not_me_link(member, event="new_browser") -> str:
    return path_of(notifications.not_me_url(member, event))


def test_every_email_template_is_classified_as_own_account_or_managers():
    subjects = Path(settings.BASE_DIR, "templates", "twofactor", "email").glob("*_subject.txt")
    events = {path.name.removesuffix("_subject.txt") for path in subjects}
    assert events == notifications.OWN_ACCOUNT_EVENTS | notifications.MANAGER_EVENTS
    assert not notifications.OWN_ACCOUNT_EVENTS & notifications.MANAGER_EVENTS


@pytest.mark.parametrize("event", sorted(notifications.OWN_ACCOUNT_EVENTS))
def test_every_email_about_ones_own_account_has_a_working_this_wasnt_me_link(
    event, member, manager
):
    message = send(event, member, member, manager)
    [url] = set(NOT_ME_LINK.findall(message.body))
    html = message.alternatives[0][0]
    assert "This wasn't me" in message.body and "This wasn't me" in html
    assert f'<a href="{url}">' in html
    assert f"/{event}/" in url
    page = Client().get(path_of(url)).content.decode()
    assert "Secure my account" in page


@pytest.mark.parametrize("event", sorted(notifications.MANAGER_EVENTS))
def test_no_email_to_managers_has_the_link(event, member, manager):
    message = send(event, manager, member, manager)
    assert "This wasn't me" not in message.body.replace("“This wasn't me”", "")
    assert "/not-me/" not in message.body + message.alternatives[0][0]


def test_the_link_is_in_the_persons_language(member, manager):
    User.objects.filter(pk=member.pk).update(language="pt-br")
    member.refresh_from_db()
    message = send("new_browser", member, member, manager)
    assert "Não fui eu" in message.alternatives[0][0]


def test_opening_the_link_says_what_will_happen_and_changes_nothing(client, member, member_device):
    sign_in_with_code(Client(), member, member_device)
    mail.outbox.clear()
    person = User.objects.get(pk=member.pk)
    stamp, password = person.security_stamp, person.password
    records = Activity.objects.count()

    response = client.get(not_me_link(User.objects.get(pk=member.pk)))

    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "<h1>This wasn't me</h1>" in page
    assert "New sign-in to your account" in page  # which email it came from
    assert "your current password stops working" in page
    assert '<form method="post">' in page and "Secure my account" in page
    person = User.objects.get(pk=member.pk)
    assert person.password == password and person.security_stamp == stamp
    assert TrustedBrowser.objects.filter(user=member).count() == 1
    assert Activity.objects.count() == records and mail.outbox == []


def test_confirming_secures_the_account(member, member_device, manager, make_user, acme):
    other_manager = make_user("mo@acme.test", team=acme, role=User.Role.MANAGER, full_name="Mo")
    signed_in = sign_in_with_code(Client(), member, member_device)
    member.refresh_from_db()
    link = not_me_link(member)
    mail.outbox.clear()
    browser = Client(REMOTE_ADDR="203.0.113.7")

    response = browser.post(link)

    assert response.status_code == 302 and response.url == reverse("twofactor:not_me_done")
    done = browser.get(response.url).content.decode()
    assert "<h1>Your account is secured</h1>" in done
    person = User.objects.get(pk=member.pk)
    assert person.security_stamp != member.security_stamp
    assert not person.check_password(PASSWORD)
    assert not TrustedBrowser.objects.filter(user=member).exists()
    assert signed_in.get(reverse("accounts:preferences")).status_code == 302  # session ended
    record = Activity.objects.get(kind=Activity.Kind.NOT_ME_REPORTED)
    assert (record.subject, record.actor, record.ip_address) == (person, person, "203.0.113.7")
    assert record.detail["event"] == "new_browser" and record.detail["browsers"] == 1
    to_member = [m for m in mail.outbox if m.to == [member.email]]
    [reset_email] = to_member
    assert "You reported that someone else used your Axur One account" in reset_email.body
    assert RESET_LINK.search(reset_email.body)
    to_managers = sorted(m.to[0] for m in mail.outbox if m.to != [member.email])
    assert to_managers == sorted([manager.email, other_manager.email])
    managers_email = next(m for m in mail.outbox if m.to == [manager.email])
    assert "Alice (alice@acme.test) reported" in managers_email.body
    assert "203.0.113.7" in managers_email.body


def test_the_old_password_is_refused_like_a_wrong_one(client, member, member_device):
    client.post(not_me_link(member))
    response = Client().post(
        reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
    )
    wrong = Client().post(
        reverse("accounts:sign_in"), {"email": member.email, "password": "not the password"}
    )
    assert response.status_code == wrong.status_code == 200
    assert WRONG_PASSWORD in response.content.decode()
    assert response.content.decode().count('role="alert"') == 1


def test_the_emailed_link_then_chooses_a_new_password_followed_by_the_code_step(
    client, member, member_device
):
    client.post(not_me_link(member))
    [reset_email] = [m for m in mail.outbox if m.to == [member.email]]
    link = path_of(RESET_LINK.search(reset_email.body).group(0))
    choose_url = client.get(link).url
    client.post(
        choose_url,
        {"new_password1": "a brand new pass phrase", "new_password2": "a brand new pass phrase"},
    )
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": member.email, "password": "a brand new pass phrase"},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("twofactor:code"))


def test_a_used_link_says_it_was_reported_already_and_does_nothing_more(client, member):
    link = not_me_link(member)
    client.post(link)
    mail.outbox.clear()
    stamp = User.objects.get(pk=member.pk).security_stamp

    response = client.post(link)

    assert "You already reported this" in response.content.decode()
    assert User.objects.get(pk=member.pk).security_stamp == stamp and mail.outbox == []
    assert Activity.objects.filter(kind=Activity.Kind.NOT_ME_REPORTED).count() == 1


def test_a_link_after_the_stamp_changed_for_another_reason_is_refused_clearly(client, member):
    link = not_me_link(member)
    browsers.sign_out_everywhere_else(user=member, cookie_value=None, request_meta=META)
    mail.outbox.clear()

    for response in (client.get(link), client.post(link)):
        page = response.content.decode()
        assert "This link no longer works: the security of your account changed" in page
        assert "Secure my account" not in page
    assert User.objects.get(pk=member.pk).check_password(PASSWORD) and mail.outbox == []


def test_an_expired_link_is_refused(client, member, clock):
    link = not_me_link(member)
    clock.shift(7 * 24 * 60 * 60 + 1)
    response = client.post(link)
    assert "This link has expired" in response.content.decode()
    assert User.objects.get(pk=member.pk).check_password(PASSWORD) and mail.outbox == []


def test_a_link_works_for_seven_days(client, member, clock):
    link = not_me_link(member)
    clock.shift(7 * 24 * 60 * 60 - 1)
    assert client.post(link).status_code == 302


def tampered(link: str) -> str:
    """The seal (the token's middle part) with one character changed."""
    head, token, _ = link.rsplit("/", 2)
    made_at, seal, stamp_seal = token.split("-")
    seal = seal[:-1] + ("0" if seal[-1] != "0" else "1")
    return f"{head}/{made_at}-{seal}-{stamp_seal}/"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(tampered, id="token"),
        pytest.param(lambda link: link.replace("/new_browser/", "/code_locked/"), id="event"),
        pytest.param(lambda link: link.replace("/new_browser/", "/reset_requested/"), id="manager"),
        pytest.param(lambda link: link.rsplit("/", 2)[0] + "/garbage/", id="garbled"),
    ],
)
def test_a_tampered_link_is_refused(client, member, change):
    link = change(not_me_link(member))
    response = client.post(link)
    assert response.status_code == 200
    assert "This link is not valid" in response.content.decode()
    assert User.objects.get(pk=member.pk).check_password(PASSWORD) and mail.outbox == []


def test_a_changed_stamp_seal_is_refused_and_does_nothing(client, member):
    link = not_me_link(member)
    link = link[:-2] + ("0" if link[-2] != "0" else "1") + "/"
    page = client.post(link).content.decode()
    assert "This link no longer works" in page and "Secure my account" not in page
    assert User.objects.get(pk=member.pk).check_password(PASSWORD) and mail.outbox == []


def test_another_persons_uid_is_refused(client, member, outsider):
    link = not_me_link(member).replace(notifications.uid_of(member), notifications.uid_of(outsider))
    assert "This link is not valid" in client.post(link).content.decode()
    assert User.objects.get(pk=outsider.pk).check_password(PASSWORD)


def test_a_deactivated_persons_link_is_refused(client, member):
    link = not_me_link(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert "This link is not valid" in client.post(link).content.decode()


def test_the_token_checks_the_person_event_time_and_stamp(member, outsider):
    class At(NotMeTokenGenerator):
        def __init__(self, now):
            self.now = now

        def _now(self):
            return self.now

    made = timezone.now().replace(microsecond=0)
    token = At(made).make_token(member, "reset")
    later = At(made + timedelta(days=7))
    assert later.check_token(member, "reset", token) is NotMeCheck.VALID
    assert At(made + timedelta(days=7, seconds=1)).check_token(member, "reset", token) is (
        NotMeCheck.EXPIRED
    )
    assert later.check_token(member, "new_browser", token) is NotMeCheck.INVALID
    assert later.check_token(outsider, "reset", token) is NotMeCheck.INVALID
    assert later.check_token(member, "reset", "") is NotMeCheck.INVALID
    member.rotate_security_stamp()
    assert later.check_token(member, "reset", token) is NotMeCheck.STALE
    assert not_me_tokens.valid_days() == 7
