"""Invitations: a Manager invites people to the team; each link works once, expires, and leads
to "Join <team>" and straight into the setup wizard (rule 13)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from accounts.signals import person_deactivated
from team import app_settings
from team.models import Invitation
from team.services import invitations
from tests.conftest import code_for, sign_in_verified
from twofactor.models import Activity, Authenticator
from twofactor.services.activity import RequestMeta

MEMBERS = reverse("team:members")
INVITE = reverse("team:invite")
JOIN = reverse("team:join")
NEW_PASSWORD = "a long new passphrase 42"
LINK = re.compile(r"https?://[^/\s]+(/team/join/[^/\s]+/)")


def invite(client, emails, role="member"):
    return client.post(INVITE, {"emails": emails, "role": role})


def send(*, actor, team, emails):
    """Invitations sent through the service, as a Member of ``team`` with English emails."""
    return invitations.send_invitations(
        actor=actor,
        team=team,
        emails=emails,
        role="member",
        language="en",
        request_meta=RequestMeta(),
    )


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def link_for(address) -> str:
    return link_in(emails_to(address)[-1])


def join(client, link, *, name="Nora Newcomer", password=NEW_PASSWORD, again=None):
    opened = client.get(link)
    return opened, client.post(
        JOIN, {"full_name": name, "password1": password, "password2": again or password}
    )


@pytest.fixture
def invitee(db):
    """The invitee's browser (the Manager's is ``manager_client``)."""
    return Client()


def page(response) -> str:
    return response.content.decode()


# Sending ----------------------------------------------------------------------------------------


def test_invite_page_has_the_fields_and_button(manager_client):
    html = page(manager_client.get(INVITE))
    assert "<h1>Invite teammates</h1>" in html
    assert ">Emails</label>" in html and ">Role</label>" in html
    assert "Send invitations</button>" in html
    assert "Invite teammates</a>" in page(manager_client.get(MEMBERS))


def test_each_address_gets_an_email_with_its_own_link_and_a_pending_row(manager_client, manager):
    response = invite(manager_client, "nora@new.test\nOmar@New.test, pia@new.test", "manager")
    assert response.status_code == 302 and response.url.startswith(MEMBERS)
    rows = Invitation.objects.order_by("email")
    assert [(i.email, i.role, i.invited_by) for i in rows] == [
        ("nora@new.test", "manager", manager),
        ("omar@new.test", "manager", manager),
        ("pia@new.test", "manager", manager),
    ]
    links = {link_for(address) for address in ("nora@new.test", "omar@new.test", "pia@new.test")}
    assert len(links) == 3
    html = page(manager_client.get(MEMBERS))
    assert "Pending invitations" in html
    for address in ("nora@new.test", "omar@new.test", "pia@new.test"):
        assert address in html
    assert "Marta" in html and "Resend" in html and "Revoke" in html


def test_only_a_digest_of_the_token_is_stored(manager_client):
    invite(manager_client, "nora@new.test")
    token = link_for("nora@new.test").split("/")[-2]
    invitation = Invitation.objects.get()
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert invitation.token_hash == __import__("hashlib").sha256(token.encode()).hexdigest()


def test_the_link_expires_after_the_setting(manager_client, clock, settings):
    settings.TEAM_INVITATION_DAYS = 3
    invite(manager_client, "nora@new.test")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)


def test_an_address_already_in_the_team_is_reported_and_not_invited(manager_client, member):
    response = invite(manager_client, "ALICE@acme.test\nnora@new.test")
    html = page(manager_client.get(response.url))
    assert "alice@acme.test is already in your team: not invited." in html
    assert "Invitation sent to nora@new.test." in html
    assert not Invitation.objects.filter(email="alice@acme.test").exists()
    assert emails_to("alice@acme.test") == []


def test_a_malformed_address_among_good_ones_is_reported_by_line_and_nothing_is_sent(
    manager_client,
):
    text = "nora@new.test\nbob@@new.test, omar@new.test\n\npia at new.test"
    response = invite(manager_client, text)
    assert response.status_code == 200
    html = page(response)
    assert "Line 2: “bob@@new.test” is not a valid email address." in html
    assert "Line 4: “pia at new.test” is not a valid email address." in html
    assert "nora@new.test" in html and "omar@new.test" in html  # the good ones stay in the field
    assert Invitation.objects.count() == 0 and mail.outbox == []
    fixed = invite(manager_client, text.replace("bob@@", "bob@").replace(" at ", "@"))
    assert fixed.status_code == 302
    assert Invitation.objects.count() == 4


def test_more_than_a_hundred_addresses_are_refused_clearly(manager_client):
    emails = "\n".join(f"person{n}@new.test" for n in range(app_settings.MAX_ADDRESSES_AT_ONCE + 1))
    response = invite(manager_client, emails)
    assert response.status_code == 200
    assert "Up to 100 addresses at once: this list has 101." in page(response)
    assert Invitation.objects.count() == 0 and mail.outbox == []
    emails = "\n".join(f"person{n}@new.test" for n in range(100))
    assert invite(manager_client, emails).status_code == 302
    assert Invitation.objects.count() == 100


def test_an_empty_list_is_refused(manager_client):
    response = invite(manager_client, " ,\n ")
    assert "Enter at least one email address." in page(response)


def test_names_and_repeats_are_understood(manager_client):
    invite(manager_client, "Nora <nora@new.test>; nora@NEW.test")
    assert list(Invitation.objects.values_list("email", flat=True)) == ["nora@new.test"]
    assert len(mail.outbox) == 1


def test_the_daily_limit_counts_addresses_and_refuses_a_list_past_it(
    manager_client, settings, clock
):
    settings.TEAM_INVITATIONS_PER_DAY = 5
    invite(manager_client, "a@new.test, b@new.test, c@new.test")
    response = invite(manager_client, "d@new.test, e@new.test, f@new.test")
    assert response.status_code == 200
    assert "You can invite up to 5 addresses a day; 2 are left today." in page(response)
    assert Invitation.objects.count() == 3 and len(mail.outbox) == 3
    assert invite(manager_client, "d@new.test, e@new.test").status_code == 302
    assert Invitation.objects.count() == 5
    assert invite(manager_client, "f@new.test").status_code == 200
    clock.shift(24 * 60 * 60)  # a new day
    assert invite(manager_client, "f@new.test").status_code == 302


def test_the_daily_limit_counts_resends_too(manager_client, settings):
    settings.TEAM_INVITATIONS_PER_DAY = 1
    invite(manager_client, "nora@new.test")
    invitation = Invitation.objects.get()
    response = manager_client.post(reverse("team:resend_invitation", args=[invitation.pk]))
    assert "limit" in page(manager_client.get(response.url))
    assert len(mail.outbox) == 1


# An address with an account in another team ------------------------------------------------


def test_an_address_with_an_account_elsewhere_looks_like_any_other_to_the_manager(
    manager_client, outsider, clock
):
    def sent(address):
        response = invite(manager_client, address)
        shown = page(manager_client.get(response.url))
        row = Invitation.objects.get(email=address)
        return (
            response.status_code,
            response.url,
            # Nothing but the address, the form tokens and the row's id differ.
            re.sub(
                r'name="csrfmiddlewaretoken" value="[^"]+"|/invitations/\d+/',
                "",
                shown.replace(address, "ADDRESS"),
            ),
            {
                key: value
                for key, value in row.__dict__.items()
                if key not in {"_state", "id", "email", "token_hash"}
            },
        )

    elsewhere = sent(outsider.email)
    Invitation.objects.all().delete()
    new = sent("nora@new.test")
    assert elsewhere == new
    [owners] = emails_to(outsider.email)
    assert "cannot be used" in owners.subject
    assert "already has an Axur One account" in owners.body
    assert not LINK.search(owners.body)
    assert link_for("nora@new.test")


def test_an_account_made_after_the_invitation_stops_the_link(
    manager_client, make_user, globex, invitee
):
    invite(manager_client, "nora@new.test")
    link = link_for("nora@new.test")
    opened = invitee.get(link)
    assert "Join Acme" in page(invitee.get(opened.url))
    make_user("Nora@new.test", team=globex)
    response = invitee.post(
        JOIN, {"full_name": "Nora", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    html = page(response)
    assert "This invitation cannot be used" in html
    assert "already has an Axur One account" in html
    assert User.objects.get(email="nora@new.test").team == globex
    assert Invitation.objects.get().accepted_at is None
    assert SESSION_KEY not in invitee.session


def test_join_refuses_when_the_account_appears_between_the_page_and_the_post(
    manager, acme, make_user, globex
):
    """The service checks again under the invitation's lock, whatever the page showed."""
    result = send(actor=manager, team=acme, emails=["nora@new.test"])
    assert result.sent == ["nora@new.test"]
    token_hash = Invitation.objects.get().token_hash
    make_user("nora@new.test", team=globex)
    joined = invitations.join_team(
        token_hash=token_hash,
        full_name="Nora",
        password=NEW_PASSWORD,
        language="en",
        request_meta=RequestMeta(),
    )
    assert joined.outcome is invitations.JoinOutcome.ACCOUNT_EXISTS
    assert User.objects.filter(email="nora@new.test").count() == 1


# The link -------------------------------------------------------------------------------------


def test_the_link_changes_nothing_and_leads_to_a_url_without_the_token(manager_client, invitee):
    invite(manager_client, "nora@new.test")
    link = link_for("nora@new.test")
    before = Invitation.objects.values().get()
    response = invitee.get(link)
    assert response.status_code == 302 and response.url == JOIN
    assert "no-store" in response["Cache-Control"]
    assert Invitation.objects.values().get() == before
    html = page(invitee.get(JOIN))
    assert "<h1>Join Acme</h1>" in html
    for label in ("Full name", "Password", "Password again"):
        assert f">{label}</label>" in html
    assert "Join</button>" in html
    assert link.split("/")[-2] not in html
    assert Invitation.objects.values().get() == before
    assert User.objects.filter(email="nora@new.test").count() == 0


def test_joining_creates_the_person_with_the_role_and_goes_straight_to_the_wizard(
    manager_client, manager, invitee, clock
):
    invite(manager_client, "nora@new.test", "manager")
    link = link_for("nora@new.test")
    mail.outbox.clear()
    _opened, response = join(invitee, link)
    assert response.status_code == 302
    assert response.url == reverse("twofactor:setup_app")  # past the password step
    person = User.objects.get(email="nora@new.test")
    assert (person.team, person.role) == (manager.team, "manager")
    assert person.full_name == "Nora Newcomer"
    assert person.check_password(NEW_PASSWORD)
    assert invitee.session[SESSION_KEY] == str(person.pk)
    invitation = Invitation.objects.get()
    assert invitation.accepted_user == person and invitation.accepted_at is not None

    # Forced through the wizard, with no password asked for.
    assert invitee.get(reverse("accounts:preferences")).url.startswith(reverse("twofactor:setup"))
    assert "Install an authenticator app" in page(invitee.get(reverse("twofactor:setup_app")))
    invitee.post(reverse("twofactor:setup_app"))
    assert "Scan the QR code" in page(invitee.get(reverse("twofactor:setup_scan")))
    invitee.post(reverse("twofactor:setup_scan"))
    pending = Authenticator.objects.get(user=person, confirmed=False)
    response = invitee.post(reverse("twofactor:setup_verify"), {"code": code_for(pending)})
    assert response.url == reverse("twofactor:setup_name")
    response = invitee.post(reverse("twofactor:setup_name"), {"name": "My phone"})
    assert response.status_code == 200 and "Recovery codes" in page(response)
    assert invitee.get(reverse("accounts:preferences")).status_code == 200

    [to_inviter] = emails_to(manager.email)
    assert to_inviter.subject == "Nora Newcomer joined Acme"
    assert "nora@new.test" in to_inviter.body


def test_the_password_validators_speak_on_the_join_page(manager_client, invitee):
    invite(manager_client, "nora@new.test")
    _opened, response = join(invitee, link_for("nora@new.test"), password="short")
    html = page(response)
    assert "This password is too short. It must contain at least 10 characters." in html
    _opened, response = join(invitee, link_for("nora@new.test"), again="something else entirely")
    assert "The two password fields didn’t match." in page(response)
    assert not User.objects.filter(email="nora@new.test").exists()


def test_a_used_link_is_refused(manager_client, invitee):
    invite(manager_client, "nora@new.test")
    link = link_for("nora@new.test")
    join(invitee, link)
    other = Client()
    _opened, response = join(other, link, name="Someone Else")
    assert "This invitation was used already." in page(response)
    assert User.objects.filter(email="nora@new.test").count() == 1
    assert SESSION_KEY not in other.session


def test_an_expired_link_is_refused_and_opening_it_changes_nothing(manager_client, invitee, clock):
    invite(manager_client, "nora@new.test")
    link = link_for("nora@new.test")
    clock.shift(7 * 24 * 60 * 60 + 1)
    before = Invitation.objects.values().get()
    opened, response = join(invitee, link)
    assert "This invitation has expired." in page(response)
    assert Invitation.objects.values().get() == before
    assert not User.objects.filter(email="nora@new.test").exists()


def test_my_team_shows_an_expired_invitation_as_expired(manager_client, clock):
    invite(manager_client, "nora@new.test")
    html = page(manager_client.get(MEMBERS))
    assert "Expired" not in html
    Invitation.objects.update(expires_at=Invitation.objects.get().sent_at)
    assert "Expired" in page(manager_client.get(MEMBERS))


def test_a_revoked_link_is_refused(manager_client, invitee):
    invite(manager_client, "nora@new.test")
    link = link_for("nora@new.test")
    invitation = Invitation.objects.get()
    response = manager_client.post(reverse("team:revoke_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    _opened, response = join(invitee, link)
    assert "This invitation was withdrawn" in page(response)
    assert not User.objects.filter(email="nora@new.test").exists()
    assert '<td role="cell">nora@new.test</td>' not in page(manager_client.get(MEMBERS))


@pytest.mark.parametrize("change", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), str.upper])
def test_a_tampered_link_is_refused_and_changes_nothing(manager_client, invitee, change):
    invite(manager_client, "nora@new.test")
    token = link_for("nora@new.test").split("/")[-2]
    before = Invitation.objects.values().get()
    response = invitee.get(reverse("team:join_link", args=[change(token)]))
    assert response.status_code == 404
    assert "This invitation link is not valid." in page(response)
    assert "team_invitation" not in invitee.session
    response = invitee.post(
        JOIN, {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "This invitation link is not valid." in page(response)
    assert Invitation.objects.values().get() == before
    assert User.objects.filter(email="nora@new.test").count() == 0


def test_a_second_invitation_voids_the_first(manager_client, invitee):
    invite(manager_client, "nora@new.test")
    first = link_for("nora@new.test")
    invite(manager_client, "Nora@new.test", "manager")
    second = link_for("nora@new.test")
    assert first != second
    assert Invitation.objects.pending().count() == 1
    _opened, response = join(invitee, first)
    assert "This invitation was withdrawn" in page(response)
    _opened, response = join(Client(), second)
    assert response.url == reverse("twofactor:setup_app")
    assert User.objects.get(email="nora@new.test").role == "manager"


def test_resend_gives_a_new_link_and_expiry_and_voids_the_old_link(manager_client, clock):
    invite(manager_client, "nora@new.test")
    old = link_for("nora@new.test")
    invitation = Invitation.objects.get()
    clock.shift(10 * 60)
    response = manager_client.post(reverse("team:resend_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    new = link_for("nora@new.test")
    assert new != old
    resent = Invitation.objects.get()
    assert resent.pk == invitation.pk and resent.expires_at > invitation.expires_at
    _opened, response = join(Client(), old)
    assert "This invitation was withdrawn" in page(response) or "not valid" in page(response)
    _opened, response = join(Client(), new)
    assert response.url == reverse("twofactor:setup_app")


def test_a_signed_in_browser_is_asked_to_sign_out_first(
    manager_client, member, member_device, invitee
):
    invite(manager_client, "nora@new.test")
    sign_in_verified(invitee, member, member_device)
    invitee.get(link_for("nora@new.test"))
    response = invitee.post(
        JOIN, {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "You are signed in as alice@acme.test." in page(response)
    assert not User.objects.filter(email="nora@new.test").exists()


# Guards ---------------------------------------------------------------------------------------


def other_teams_invitation(outsider_manager):
    return send(actor=outsider_manager, team=outsider_manager.team, emails=["zed@new.test"])


def test_another_teams_invitation_is_a_404(manager_client, make_user, globex):
    boss = make_user("boss@globex.test", team=globex, role=User.Role.MANAGER)
    other_teams_invitation(boss)
    invitation = Invitation.objects.get()
    mail.outbox.clear()
    for name in ("team:resend_invitation", "team:revoke_invitation"):
        assert manager_client.post(reverse(name, args=[invitation.pk])).status_code == 404
    assert Invitation.objects.pending().get().token_hash == invitation.token_hash
    assert mail.outbox == []


def test_a_member_gets_403_on_every_invitation_action(client, member, member_device, manager, acme):
    send(actor=manager, team=acme, emails=["nora@new.test"])
    invitation = Invitation.objects.get()
    sign_in_verified(client, member, member_device)
    assert client.get(INVITE).status_code == 403
    assert invite(client, "x@new.test").status_code == 403
    for name in ("team:resend_invitation", "team:revoke_invitation"):
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 403
    assert Invitation.objects.pending().count() == 1


def test_resend_and_revoke_need_post(manager_client):
    invite(manager_client, "nora@new.test")
    invitation = Invitation.objects.get()
    for name in ("team:resend_invitation", "team:revoke_invitation"):
        assert manager_client.get(reverse(name, args=[invitation.pk])).status_code == 405
    assert Invitation.objects.pending().count() == 1


# Languages ------------------------------------------------------------------------------------


def translated(text, language):
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["pt-br", "es"])
def test_emails_and_the_join_page_speak_the_inviters_language(
    manager_client, manager, invitee, language
):
    manager.language = language
    manager.save()
    invite(manager_client, "nora@new.test")
    [message] = emails_to("nora@new.test")
    english = "If you did not expect this invitation, you can ignore this email."
    intro = translated(english, language)
    assert intro != english
    assert intro in message.body
    invitee.get(link_in(message))
    html = page(invitee.get(JOIN))
    assert f'lang="{language}"' in html
    assert translated("Password again", language) in html
    assert 'name="language"' in html  # the switch in the footer
    invitee.post(reverse("accounts:language"), {"language": "en", "next": JOIN})
    assert "<h1>Join Acme</h1>" in page(invitee.get(JOIN))


def test_the_owner_of_an_account_elsewhere_is_told_in_their_language(manager_client, outsider):
    outsider.language = "es"
    outsider.save()
    invite(manager_client, outsider.email)
    [message] = emails_to(outsider.email)
    assert message.subject == translated(
        "An invitation to %(team_name)s cannot be used with your account", "es"
    ) % {"team_name": "Acme"}


# Activity, deactivation, admin ----------------------------------------------------------------


def test_sending_resending_revoking_and_joining_are_recorded(manager_client, manager, invitee):
    invite(manager_client, "nora@new.test, omar@new.test")
    nora = Invitation.objects.get(email="nora@new.test")
    omar = Invitation.objects.get(email="omar@new.test")
    manager_client.post(reverse("team:resend_invitation", args=[nora.pk]))
    manager_client.post(reverse("team:revoke_invitation", args=[omar.pk]))
    join(invitee, link_for("nora@new.test"))
    records = Activity.objects.filter(kind__startswith="invitation").order_by("pk")
    assert [(r.kind, r.actor.email, r.team_id, r.detail["email"]) for r in records] == [
        ("invitation_sent", manager.email, manager.team_id, "nora@new.test"),
        ("invitation_sent", manager.email, manager.team_id, "omar@new.test"),
        ("invitation_resent", manager.email, manager.team_id, "nora@new.test"),
        ("invitation_revoked", manager.email, manager.team_id, "omar@new.test"),
        ("invitation_accepted", "nora@new.test", manager.team_id, "nora@new.test"),
    ]
    log = page(manager_client.get(reverse("team:activity")))
    assert "Invitation accepted" in log and "Invitation revoked" in log
    assert "omar@new.test" in log  # whom: the address, though nobody has it yet


def test_a_deactivated_inviters_pending_invitations_are_revoked(
    manager, acme, make_user, administrator
):
    other = make_user("olga@acme.test", team=acme, role=User.Role.MANAGER)
    for actor, email in ((manager, "nora@new.test"), (other, "omar@new.test")):
        send(actor=actor, team=acme, emails=[email])
    person_deactivated.send(sender=User, person=manager, actor=administrator)
    assert list(Invitation.objects.pending().values_list("email", flat=True)) == ["omar@new.test"]
    revoked = Invitation.objects.get(email="nora@new.test")
    assert revoked.revoked_by == administrator
    assert Activity.objects.filter(
        kind=Activity.Kind.INVITATION_REVOKED, actor=administrator, team=acme
    ).exists()


def test_administrators_invite_list_and_revoke_in_the_admin(admin_client, acme, administrator):
    add = reverse("admin:team_invitation_add")
    html = page(admin_client.get(add))
    assert "Send invitations" in html
    response = admin_client.post(
        add, {"team": acme.pk, "emails": "nora@new.test\nbad@", "role": "member"}
    )
    assert "Line 2: “bad@” is not a valid email address." in page(response)
    response = admin_client.post(
        add, {"team": acme.pk, "emails": "nora@new.test", "role": "member"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.team, invitation.invited_by) == (acme, administrator)
    assert link_for("nora@new.test")
    changelist = reverse("admin:team_invitation_changelist")
    html = page(admin_client.get(changelist))
    assert "nora@new.test" in html and invitation.token_hash not in html
    detail = page(admin_client.get(reverse("admin:team_invitation_change", args=[invitation.pk])))
    assert invitation.token_hash not in detail
    response = admin_client.post(
        changelist, {"action": "revoke", "_selected_action": [invitation.pk]}
    )
    assert response.status_code == 302
    assert Invitation.objects.pending().count() == 0
    assert Activity.objects.filter(
        kind=Activity.Kind.INVITATION_REVOKED, actor=administrator, team=acme
    ).exists()


def test_the_admins_invitation_list_queries_do_not_grow(admin_client, acme, manager):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("admin:team_invitation_changelist")).status_code == 200
        return len(captured)

    def add(number, tag):
        now = timezone.now()
        Invitation.objects.bulk_create(
            Invitation(
                team=acme,
                email=f"{tag}{n}@new.test",
                invited_by=manager,
                token_hash=f"{tag}{n:063}"[:64],
                expires_at=now + timedelta(days=7),
            )
            for n in range(number)
        )

    add(5, "f")
    few = queries()
    add(95, "m")  # the admin shows 100 a page
    assert queries() == few


def test_the_inviter_is_told_of_the_join_in_their_own_language(manager, acme, invitee):
    manager.language = "es"
    manager.save()
    send(actor=manager, team=acme, emails=["nora@new.test"])
    join(invitee, link_for("nora@new.test"))
    [message] = emails_to(manager.email)
    expected = translated("%(person_name)s joined %(team_name)s", "es") % {
        "person_name": "Nora Newcomer",
        "team_name": "Acme",
    }
    assert expected != "Nora Newcomer joined Acme" and message.subject == expected
