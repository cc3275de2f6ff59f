"""A Manager's administration of the team on a teammate's page: "Make Manager" / "Make Member"
and "Deactivate" / "Reactivate", with recent authentication, a confirmation, a record and an
email; a team always keeps an active Manager."""

import pytest
from django.core import mail
from django.db import connection
from django.dispatch import receiver
from django.urls import reverse

from accounts.models import User
from accounts.signals import person_deactivated
from team.services import administration as services
from tests.conftest import sign_in_verified
from tests.team.conftest import without_icons
from twofactor.models import Activity, Authenticator, ResetRequest, TrustedBrowser
from twofactor.services import resets
from twofactor.services.activity import RequestMeta

META = RequestMeta(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64)")
ACTIONS = [
    "team:make_manager",
    "team:make_member",
    "team:deactivate_member",
    "team:reactivate_member",
]


def url(name, person):
    return reverse(name, args=[person.pk])


def detail(person):
    return url("team:member_detail", person)


@pytest.fixture
def other_manager(make_user, acme):
    return make_user("otto@acme.test", team=acme, role=User.Role.MANAGER, full_name="Otto")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# The teammate's page ---------------------------------------------------------------------------


def test_a_members_page_offers_make_manager_and_deactivate(manager_client, member):
    page = without_icons(manager_client.get(detail(member)).content.decode())
    assert f'href="{url("team:make_manager", member)}">Make Manager</a>' in page
    assert f'href="{url("team:deactivate_member", member)}">Deactivate</a>' in page
    assert "Make Member" not in page and "Reactivate" not in page


def test_a_deactivated_managers_page_offers_make_member_and_reactivate(
    manager_client, manager, other_manager
):
    services.deactivate_teammate(actor=manager, person=other_manager, request_meta=META)
    page = without_icons(manager_client.get(detail(other_manager)).content.decode())
    assert f'href="{url("team:make_member", other_manager)}">Make Member</a>' in page
    assert f'href="{url("team:reactivate_member", other_manager)}">Reactivate</a>' in page
    assert ">Deactivated<" in page


def test_the_managers_own_page_has_no_deactivate_button(manager_client, manager):
    page = manager_client.get(detail(manager)).content.decode()
    assert "Make Member" in page
    assert url("team:deactivate_member", manager) not in page


# Roles -----------------------------------------------------------------------------------------


def test_make_manager_asks_for_confirmation_then_changes_the_role(manager_client, member):
    confirmation = manager_client.get(url("team:make_manager", member))
    page = confirmation.content.decode()
    assert "Make Alice a Manager?" in page and ">Make Manager</button>" in page
    member.refresh_from_db()
    assert member.role == User.Role.MEMBER  # a GET changes nothing

    response = manager_client.post(url("team:make_manager", member), follow=True)
    assert messages_of(response) == ["Alice is now a Manager."]
    member.refresh_from_db()
    assert member.role == User.Role.MANAGER


def test_make_member_of_another_manager(manager_client, manager, other_manager):
    response = manager_client.post(url("team:make_member", other_manager), follow=True)
    assert messages_of(response) == ["Otto is now a Member."]
    other_manager.refresh_from_db()
    assert other_manager.role == User.Role.MEMBER
    record = Activity.objects.get(kind=Activity.Kind.MADE_MEMBER)
    assert (record.subject, record.actor) == (other_manager, manager)


def test_the_last_manager_cannot_demote_themselves(manager_client, manager):
    response = manager_client.post(url("team:make_member", manager), follow=True)
    assert messages_of(response) == [
        "Marta is the last active Manager of the team. Make someone else a Manager first."
    ]
    manager.refresh_from_db()
    assert manager.role == User.Role.MANAGER
    assert not Activity.objects.filter(kind=Activity.Kind.MADE_MEMBER).exists()


def test_a_manager_demotes_themselves_when_another_stays(manager_client, manager, other_manager):
    page = manager_client.get(url("team:make_member", manager)).content.decode()
    assert "Make yourself a Member?" in page
    response = manager_client.post(url("team:make_member", manager))
    assert response.url == reverse("accounts:preferences")
    manager.refresh_from_db()
    assert manager.role == User.Role.MEMBER
    assert manager_client.get(reverse("team:members")).status_code == 403


def test_demoting_the_other_manager_is_refused_when_they_are_the_last_active_one(
    manager, other_manager, member
):
    """Once Otto has made Marta a Member he is the last active Manager: Marta can no longer
    act, and Otto cannot be demoted, not even by himself."""
    services.change_role(actor=other_manager, person=manager, role="member", request_meta=META)
    with pytest.raises(services.ChangeRefused) as refused:
        services.change_role(actor=manager, person=other_manager, role="member", request_meta=META)
    assert refused.value.code == "not_a_manager"
    with pytest.raises(services.ChangeRefused) as refused:
        services.change_role(
            actor=other_manager, person=other_manager, role="member", request_meta=META
        )
    assert refused.value.code == "last_manager"
    other_manager.refresh_from_db()
    assert other_manager.role == User.Role.MANAGER


def test_a_deactivated_manager_does_not_count_as_the_teams_manager(
    manager_client, manager, other_manager
):
    services.deactivate_teammate(actor=manager, person=other_manager, request_meta=META)
    response = manager_client.post(url("team:make_member", manager), follow=True)
    assert "the last active Manager" in messages_of(response)[0]
    manager.refresh_from_db()
    assert manager.role == User.Role.MANAGER
    # A deactivated Manager can be made a Member: the active Managers stay as they are.
    manager_client.post(url("team:make_member", other_manager))
    other_manager.refresh_from_db()
    assert other_manager.role == User.Role.MEMBER


def test_a_role_change_is_emailed_to_the_person(manager_client, member):
    manager_client.post(url("team:make_manager", member), REMOTE_ADDR="203.0.113.7")
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "You are now a Manager of your team"
    assert "Marta made you a Manager of Acme" in message.body
    assert "203.0.113.7" in message.body and "When:" in message.body
    assert "contact a Manager of your team" in message.body


def test_a_role_change_email_is_in_the_persons_language(manager_client, member):
    member.language = "pt-br"
    member.save()
    manager_client.post(url("team:make_manager", member))
    (message,) = mail.outbox
    assert message.subject == "Agora você é Gerente da sua equipe"


def test_a_deactivation_email_is_in_the_persons_language(manager, member):
    member.language = "es"
    member.save()
    services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    (message,) = mail.outbox
    assert message.subject == "Tu cuenta de Axur One fue desactivada"
    assert "Marta desactivó tu cuenta de Axur One" in message.body


# Deactivation and reactivation -----------------------------------------------------------------


def test_deactivate_asks_for_confirmation_with_the_consequences(manager_client, member):
    page = manager_client.get(url("team:deactivate_member", member)).content.decode()
    assert "Deactivate Alice?" in page
    assert "signed out everywhere at once" in page
    assert 'class="button button--danger">Deactivate</button>' in page
    member.refresh_from_db()
    assert member.is_active


def test_deactivation_keeps_the_history_and_closes_open_reset_requests(
    manager_client, manager, member, add_authenticator
):
    device = add_authenticator(member)
    TrustedBrowser.objects.create(
        user=member,
        token_hash="0" * 64,
        expires_at=device.created_at,
        last_seen_at=device.created_at,
    )
    reset_request, _created = resets.request_reset(user=member, request_meta=META)
    stamp = member.security_stamp
    mail.outbox.clear()

    response = manager_client.post(url("team:deactivate_member", member), follow=True)

    assert messages_of(response) == [
        "Alice was deactivated: they were signed out and cannot sign in."
    ]
    member.refresh_from_db()
    assert not member.is_active and member.security_stamp != stamp
    reset_request.refresh_from_db()
    assert reset_request.status == ResetRequest.Status.DEACTIVATED
    assert reset_request.closed_by == manager and reset_request.closed_at is not None
    assert Authenticator.objects.filter(user=member).count() == 1
    assert Activity.objects.filter(subject=member, kind=Activity.Kind.RESET_REQUESTED).exists()
    record = Activity.objects.get(kind=Activity.Kind.DEACTIVATED)
    assert (record.subject, record.actor) == (member, manager)
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "Your Axur One account was deactivated"
    assert "Marta deactivated your Axur One account" in message.body


def test_deactivation_sends_person_deactivated_inside_its_transaction(manager, member):
    heard = []

    @receiver(person_deactivated)
    def listen(sender, person, actor, **kwargs):
        heard.append((person.pk, actor.pk, connection.in_atomic_block))

    try:
        services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    finally:
        person_deactivated.disconnect(listen)
    assert heard == [(member.pk, manager.pk, True)]


def test_a_receiver_that_fails_undoes_the_deactivation(manager, member):
    def fail(sender, **kwargs):
        raise RuntimeError("withdrawal failed")

    person_deactivated.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    finally:
        person_deactivated.disconnect(fail)
    member.refresh_from_db()
    assert member.is_active
    assert not Activity.objects.filter(kind=Activity.Kind.DEACTIVATED).exists()


def test_a_manager_cannot_deactivate_themselves(manager_client, manager, other_manager):
    response = manager_client.post(url("team:deactivate_member", manager), follow=True)
    assert messages_of(response) == ["You cannot deactivate yourself. Ask another Manager."]
    manager.refresh_from_db()
    assert manager.is_active
    response = manager_client.get(url("team:deactivate_member", manager))
    assert response.status_code == 302  # no confirmation page either


def test_deactivating_a_manager_keeps_the_actor_as_the_active_manager(
    manager_client, manager, other_manager
):
    manager_client.post(url("team:deactivate_member", other_manager))
    other_manager.refresh_from_db()
    assert not other_manager.is_active
    # Marta is now the last active Manager: she cannot be demoted, and cannot deactivate herself.
    with pytest.raises(services.ChangeRefused):
        services.deactivate_teammate(actor=manager, person=manager, request_meta=META)
    with pytest.raises(services.ChangeRefused):
        services.change_role(actor=manager, person=manager, role="member", request_meta=META)


def test_a_deactivated_manager_can_no_longer_act(manager, other_manager, member):
    services.deactivate_teammate(actor=manager, person=other_manager, request_meta=META)
    with pytest.raises(services.ChangeRefused) as refused:
        services.deactivate_teammate(actor=other_manager, person=manager, request_meta=META)
    assert refused.value.code == "not_a_manager"
    manager.refresh_from_db()
    assert manager.is_active


def test_reactivation_restores_sign_in_and_leaves_2fa_unchanged(
    manager_client, manager, member, add_authenticator
):
    add_authenticator(member)
    services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    mail.outbox.clear()
    page = manager_client.get(url("team:reactivate_member", member)).content.decode()
    assert "Reactivate Alice?" in page and ">Reactivate</button>" in page

    response = manager_client.post(url("team:reactivate_member", member), follow=True)

    assert messages_of(response) == ["Alice was reactivated."]
    member.refresh_from_db()
    assert member.is_active
    assert Authenticator.objects.filter(user=member, confirmed=True).count() == 1
    record = Activity.objects.get(kind=Activity.Kind.REACTIVATED)
    assert (record.subject, record.actor) == (member, manager)
    (message,) = mail.outbox
    assert message.subject == "Your Axur One account was reactivated"
    assert "Marta reactivated your Axur One account" in message.body


def test_the_activity_log_names_the_new_events(manager_client, manager, member):
    services.change_role(actor=manager, person=member, role="manager", request_meta=META)
    services.change_role(actor=manager, person=member, role="member", request_meta=META)
    services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    services.reactivate_teammate(actor=manager, person=member, request_meta=META)
    records = manager_client.get(reverse("team:activity")).context["records"]
    events = [(row["event"], row["who"], row["whom"]) for row in records]
    assert events[:4] == [
        ("Reactivated", "Marta", "Alice"),
        ("Deactivated", "Marta", "Alice"),
        ("Role changed to Member", "Marta", "Alice"),
        ("Role changed to Manager", "Marta", "Alice"),
    ]


def test_an_action_that_changes_nothing_records_nothing(manager, member):
    services.change_role(actor=manager, person=member, role="member", request_meta=META)
    services.reactivate_teammate(actor=manager, person=member, request_meta=META)
    assert not Activity.objects.exists()
    assert not mail.outbox


# My Team's list --------------------------------------------------------------------------------


def test_my_team_lists_deactivated_people_and_filters_them(
    manager_client, manager, member, make_user, acme
):
    make_user("bob@acme.test", team=acme, full_name="Bob")
    services.deactivate_teammate(actor=manager, person=member, request_meta=META)
    page = without_icons(manager_client.get(reverse("team:members")).content.decode())
    assert 'status-tag--deactivated">Deactivated</span>' in page
    response = manager_client.get(reverse("team:members"), {"status": "deactivated"})
    assert [row["email"] for row in response.context["rows"]] == [member.email]
    assert response.context["page"].paginator.count == 1


# Guards ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_teams_manager_gets_404(manager_client, outsider, name, method):
    response = getattr(manager_client, method)(url(name, outsider))
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.role == User.Role.MEMBER


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_gets_403(client, member, manager, add_authenticator, name, method):
    sign_in_verified(client, member, add_authenticator(member))
    response = getattr(client, method)(url(name, manager))
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.is_active and manager.role == User.Role.MANAGER


@pytest.mark.parametrize("name", ACTIONS)
def test_without_recent_authentication_the_password_is_asked_first(
    client, manager, member, add_authenticator, name
):
    sign_in_verified(client, manager, add_authenticator(manager))
    response = client.post(url(name, member))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm_password"))
    member.refresh_from_db()
    assert member.is_active and member.role == User.Role.MEMBER
    assert not Activity.objects.exclude(kind=Activity.Kind.SIGNED_IN).exists()


@pytest.mark.parametrize("name", ACTIONS)
def test_other_methods_are_refused(manager_client, member, name):
    assert manager_client.put(url(name, member)).status_code == 405
