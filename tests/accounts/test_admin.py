"""Django admin for users and teams: reachable by staff only after a code."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from tests.conftest import PASSWORD, lock_code_entry, recent, sign_in_verified
from twofactor import app_settings
from twofactor.models import Activity, Authenticator, RecoveryCode, ResetRequest, TrustedBrowser
from twofactor.services.activity import RequestMeta
from twofactor.services.browsers import trust_browser
from twofactor.services.recovery_codes import create_recovery_codes

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
USERS = reverse("admin:accounts_user_changelist")
USER_ADD = reverse("admin:accounts_user_add")
TEAMS = reverse("admin:accounts_team_changelist")
ADMIN_HOME = reverse("admin:index")


@pytest.fixture
def everyone(manager, member, outsider):
    return manager, member, outsider


def listed_emails(response):
    assert response.status_code == 200
    return {user.email for user in response.context["cl"].result_list}


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def lock(device):
    lock_code_entry(device.user)


@pytest.fixture
def populate(make_user, add_authenticator, acme):
    """Add ``number`` people to Acme in every 2FA state: on, locked, reset requested, off;
    every other one with recovery codes, some of them used."""
    made = []

    def add(number):
        for _ in range(number):
            index = len(made)
            role = User.Role.MANAGER if index % 7 == 0 else User.Role.MEMBER
            person = make_user(f"person{index}@acme.test", team=acme, role=role)
            if index % 4 != 3:
                device = add_authenticator(person)
                if index % 4 == 1:
                    lock(device)
            if index % 4 == 2:
                ResetRequest.objects.create(user=person, team=acme)
            if index % 2 == 0:
                create_recovery_codes(user=person, request_meta=RequestMeta())
                first = RecoveryCode.objects.filter(recovery_codes__user=person).first()
                RecoveryCode.objects.filter(pk=first.pk).update(used_at=timezone.now())
            made.append(person)

    return add


@pytest.fixture
def statuses(make_user, add_authenticator, everyone, acme):
    """Acme's Manager is on, Alice asked for a reset, Charlie never set up, Lola is locked."""
    manager, member, outsider = everyone
    add_authenticator(manager)
    add_authenticator(member)
    ResetRequest.objects.create(user=member, team=acme)
    locked = make_user("lola@acme.test", team=acme, full_name="Lola")
    lock(add_authenticator(locked))
    return {"on": manager, "requested": member, "off": outsider, "locked": locked}


# User changelist --------------------------------------------------------------------------------


def test_verified_superuser_sees_every_user_in_the_changelist(admin_client, everyone):
    emails = listed_emails(admin_client.get(USERS))

    assert emails == {
        "root@axur.test",
        "marta@acme.test",
        "alice@acme.test",
        "charlie@globex.test",
    }


def test_changelist_search_finds_users_by_email(admin_client, everyone):
    assert listed_emails(admin_client.get(USERS, {"q": "globex"})) == {"charlie@globex.test"}


def test_changelist_search_finds_users_by_name(admin_client, everyone):
    assert listed_emails(admin_client.get(USERS, {"q": "marta"})) == {"marta@acme.test"}


def test_changelist_search_with_no_match_lists_nobody(admin_client, everyone):
    assert listed_emails(admin_client.get(USERS, {"q": "nobody-here"})) == set()


def test_changelist_filters_by_team(admin_client, everyone, acme, globex):
    assert listed_emails(admin_client.get(USERS, {"team__id__exact": globex.pk})) == {
        "charlie@globex.test"
    }
    assert listed_emails(admin_client.get(USERS, {"team__id__exact": acme.pk})) == {
        "marta@acme.test",
        "alice@acme.test",
    }


def test_changelist_filters_by_role(admin_client, everyone):
    assert listed_emails(admin_client.get(USERS, {"role": "manager"})) == {"marta@acme.test"}
    assert listed_emails(admin_client.get(USERS, {"role": "member"})) == {
        "root@axur.test",
        "alice@acme.test",
        "charlie@globex.test",
    }


def test_changelist_shows_each_users_two_factor_status_and_authenticators(
    admin_client, statuses, add_authenticator
):
    add_authenticator(statuses["on"], name="Second phone")

    response = admin_client.get(USERS)

    rows = {user.email: user for user in response.context["cl"].result_list}
    assert {email: row.two_factor_status for email, row in rows.items()} == {
        "root@axur.test": "on",
        "marta@acme.test": "on",
        "alice@acme.test": "requested",
        "charlie@globex.test": "off",
        "lola@acme.test": "locked",
    }
    assert rows["marta@acme.test"].authenticator_count == 2
    assert rows["charlie@globex.test"].authenticator_count == 0
    page = response.content.decode()
    for label in ("Reset requested", "Not set up", "Locked"):
        assert f'<td class="field-two_factor">{label}</td>' in page


def test_unconfirmed_authenticator_leaves_the_status_off(admin_client, member, add_authenticator):
    add_authenticator(member, confirmed=False)

    assert listed_emails(admin_client.get(USERS, {"two_factor": "off"})) == {"alice@acme.test"}


def test_a_lock_that_has_run_out_counts_as_on(admin_client, statuses):
    lock_code_entry(
        statuses["locked"],
        at=timezone.now() - timedelta(seconds=app_settings.lock_seconds() + 1),
    )

    assert "lola@acme.test" in listed_emails(admin_client.get(USERS, {"two_factor": "on"}))


@pytest.mark.parametrize(
    "status, emails",
    [
        ("on", {"root@axur.test", "marta@acme.test"}),
        ("off", {"charlie@globex.test"}),
        ("requested", {"alice@acme.test"}),
        ("locked", {"lola@acme.test"}),
    ],
)
def test_changelist_filters_by_two_factor_status(admin_client, statuses, status, emails):
    assert listed_emails(admin_client.get(USERS, {"two_factor": status})) == emails


def test_user_changelist_makes_as_many_queries_for_200_users_as_for_5(admin_client, populate):
    populate(5)
    admin_client.get(USERS)  # warm up: content types, session
    few = count_queries(admin_client, USERS)
    populate(195)

    assert count_queries(admin_client, USERS) == few


@pytest.mark.parametrize("status", ["on", "off", "requested", "locked"])
def test_filtered_user_changelist_queries_do_not_grow_with_users(admin_client, populate, status):
    url = f"{USERS}?two_factor={status}"
    populate(8)
    admin_client.get(url)
    few = count_queries(admin_client, url)
    populate(192)

    assert count_queries(admin_client, url) == few


# User add and change pages ----------------------------------------------------------------------


def test_user_add_page_renders_with_the_person_fields(admin_client):
    response = admin_client.get(USER_ADD)

    assert response.status_code == 200
    page = response.content.decode()
    for field in ("email", "full_name", "team", "role", "password1", "password2"):
        assert f'name="{field}"' in page, field


def test_user_add_page_creates_a_user_with_a_lower_case_email(admin_client, acme):
    response = admin_client.post(
        USER_ADD,
        {
            "email": "New.Person@Acme.TEST",
            "full_name": "New Person",
            "team": acme.pk,
            "role": User.Role.MANAGER,
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    created = User.objects.get(email="new.person@acme.test")
    assert created.team == acme
    assert created.is_manager
    assert created.check_password(PASSWORD)


def test_user_add_page_refuses_an_email_taken_in_another_case(admin_client, member, acme):
    users_before = User.objects.count()

    response = admin_client.post(
        USER_ADD,
        {
            "email": "ALICE@acme.test",
            "team": acme.pk,
            "role": User.Role.MEMBER,
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["email"])
    assert User.objects.count() == users_before


def test_user_change_page_renders_the_user(admin_client, member):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[member.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="alice@acme.test"' in page
    assert 'name="role"' in page


def test_user_change_page_lists_the_users_authenticators_and_browsers_read_only(
    admin_client, member, add_authenticator
):
    add_authenticator(member, name="Alice phone")
    trust_browser(user=member, request_meta=RequestMeta("198.51.100.2", CHROME))

    response = admin_client.get(reverse("admin:accounts_user_change", args=[member.pk]))

    page = response.content.decode()
    assert "Alice phone" in page and "Chrome on Windows" in page and "198.51.100.2" in page
    assert 'name="authenticator_set-0-name"' not in page


def test_user_change_page_still_saves_the_person_beside_the_read_only_lists(
    admin_client, member, add_authenticator, acme
):
    device = add_authenticator(member, name="Alice phone")
    trust_browser(user=member, request_meta=RequestMeta("198.51.100.2", CHROME))
    browser = TrustedBrowser.objects.get(user=member)
    data = {
        "email": member.email,
        "full_name": "Alice Manager",
        "team": acme.pk,
        "role": User.Role.MANAGER,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    for prefix, obj in (("authenticator_set", device), ("trusted_browsers", browser)):
        data |= {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "0",
            f"{prefix}-0-id": obj.pk,
            f"{prefix}-0-user": member.pk,
        }
    data |= {  # no passkey: its list is empty
        "passkey_set-TOTAL_FORMS": "0",
        "passkey_set-INITIAL_FORMS": "0",
        "passkey_set-MIN_NUM_FORMS": "0",
        "passkey_set-MAX_NUM_FORMS": "0",
    }

    response = admin_client.post(reverse("admin:accounts_user_change", args=[member.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.is_manager and member.full_name == "Alice Manager"
    assert Authenticator.objects.filter(pk=device.pk, name="Alice phone").exists()
    assert TrustedBrowser.objects.filter(pk=browser.pk).exists()


def test_user_change_page_of_an_unknown_user_does_not_fail(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[999_999]))

    # The admin redirects to its index with a message rather than showing an error.
    assert response.status_code == 302


# Team changelist --------------------------------------------------------------------------------


def test_team_changelist_shows_each_team_member_count(admin_client, everyone, acme, globex):
    response = admin_client.get(TEAMS)

    assert response.status_code == 200
    counts = {team.name: team._members for team in response.context["cl"].result_list}
    assert counts == {"Acme": 2, "Globex": 1}
    page = response.content.decode()
    assert '<td class="field-member_count">2</td>' in page
    assert '<td class="field-member_count">1</td>' in page


def test_team_changelist_counts_an_empty_team_as_zero(admin_client, acme):
    response = admin_client.get(TEAMS)

    assert '<td class="field-member_count">0</td>' in response.content.decode()


def test_team_changelist_names_each_teams_managers(admin_client, everyone, make_user, acme):
    make_user("bruno@acme.test", team=acme, role=User.Role.MANAGER, full_name="Bruno")

    page = admin_client.get(TEAMS).content.decode()

    assert '<td class="field-manager_names">Bruno, Marta</td>' in page
    assert '<td class="field-manager_names">—</td>' in page  # Globex has no Manager


def test_team_changelist_makes_as_many_queries_for_200_teams_as_for_5(admin_client, make_user):
    def add_teams(start, stop):
        for number in range(start, stop):
            team = Team.objects.create(name=f"Team {number}")
            make_user(f"boss{number}@team.test", team=team, role=User.Role.MANAGER)
            make_user(f"staff{number}@team.test", team=team)

    add_teams(0, 5)
    admin_client.get(TEAMS)
    few = count_queries(admin_client, TEAMS)
    add_teams(5, 200)

    assert count_queries(admin_client, TEAMS) == few


# The "Reset two-factor authentication" action ---------------------------------------------------


@pytest.fixture
def protected(everyone, add_authenticator):
    """Marta, Alice and Charlie each with an authenticator and a trusted browser."""
    for person in everyone:
        add_authenticator(person)
        trust_browser(user=person, request_meta=RequestMeta("198.51.100.2", "Firefox"))
    mail.outbox.clear()
    return everyone


def choose_reset(client, *people, confirm=False, password=PASSWORD):
    """The changelist's action form (``index``), or the confirmation page's form (``confirm``,
    with the administrator's password typed again unless ``password`` is None)."""
    data = {"action": "reset_two_factor", "_selected_action": [person.pk for person in people]}
    data.update({"confirm": "yes"} if confirm else {"index": "0"})
    if confirm and password is not None:
        data["password"] = password
    return client.post(USERS, data)


def test_reset_action_first_asks_for_confirmation_listing_the_people(admin_client, protected):
    manager, member, outsider = protected

    response = choose_reset(admin_client, member, outsider)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/accounts/user/reset_two_factor_confirmation.html"
    page = response.content.decode()
    assert "alice@acme.test" in page and "charlie@globex.test" in page
    assert "marta@acme.test" not in page
    assert 'name="confirm" value="yes"' in page
    assert f'name="_selected_action" value="{member.pk}"' in page
    assert Authenticator.objects.filter(user__in=protected).count() == 3
    assert not Activity.objects.filter(kind=Activity.Kind.RESET).exists()
    assert mail.outbox == []


def test_confirmed_reset_action_resets_exactly_the_selected_people(
    admin_client, administrator, protected
):
    manager, member, outsider = protected

    response = choose_reset(admin_client, member, outsider, confirm=True)

    assert response.status_code == 302
    assert response.url == USERS
    for person in (member, outsider):
        assert not Authenticator.objects.filter(user=person).exists()
        assert not TrustedBrowser.objects.filter(user=person).exists()
    assert Authenticator.objects.filter(user=manager).count() == 1
    assert TrustedBrowser.objects.filter(user=manager).count() == 1
    assert Authenticator.objects.filter(user=administrator).count() == 1


def test_confirmed_reset_action_records_the_administrator_as_the_actor(
    admin_client, administrator, protected
):
    manager, member, outsider = protected

    choose_reset(admin_client, member, outsider, confirm=True)

    resets = Activity.objects.filter(kind=Activity.Kind.RESET)
    assert {(record.actor, record.subject) for record in resets} == {
        (administrator, member),
        (administrator, outsider),
    }


def test_confirmed_reset_action_emails_each_person_and_their_managers(admin_client, protected):
    manager, member, outsider = protected

    choose_reset(admin_client, member, outsider, confirm=True)

    sent = {(message.to[0], message.subject) for message in mail.outbox}
    assert sent == {
        ("alice@acme.test", "Your two-factor authentication was reset"),
        ("charlie@globex.test", "Your two-factor authentication was reset"),
        ("marta@acme.test", "Two-factor authentication of a teammate was reset"),
    }
    alice = next(message for message in mail.outbox if message.to == ["alice@acme.test"])
    assert "Root Admin reset two-factor authentication" in alice.body


def test_confirmed_reset_action_signs_the_people_out_everywhere(
    admin_client, protected, add_authenticator
):
    manager, member, outsider = protected
    members_browser = sign_in_verified(Client(), member, Authenticator.objects.get(user=member))
    managers_browser = sign_in_verified(Client(), manager, Authenticator.objects.get(user=manager))

    choose_reset(admin_client, member, confirm=True)

    assert members_browser.get(reverse("accounts:preferences")).status_code == 302
    assert managers_browser.get(reverse("accounts:preferences")).status_code == 200


def test_confirmed_reset_action_closes_the_persons_open_request(
    admin_client, administrator, protected, acme
):
    manager, member, outsider = protected
    request = ResetRequest.objects.create(user=member, team=acme)

    choose_reset(admin_client, member, confirm=True)

    request.refresh_from_db()
    assert request.status == ResetRequest.Status.RESET
    assert request.closed_by == administrator


def test_reset_action_leaves_out_the_administrator_themself(admin_client, administrator, protected):
    manager, member, outsider = protected

    response = choose_reset(admin_client, administrator, member, confirm=True)

    assert Authenticator.objects.filter(user=administrator).exists()
    assert not Authenticator.objects.filter(user=member).exists()
    notes = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Your own two-factor authentication was not reset" in note for note in notes)


def test_reset_action_asks_for_the_administrators_password_again(admin_client, protected):
    """Recent authentication, as for every reset: the confirmation page asks for the password;
    without it, or with a wrong one, nobody is reset, and a wrong one is recorded."""
    manager, member, outsider = protected
    page = choose_reset(admin_client, member).content.decode()
    assert 'name="password"' in page and 'autocomplete="current-password"' in page

    for password in (None, "", "not my password"):
        response = choose_reset(admin_client, member, confirm=True, password=password)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="password"' in page and 'class="errorlist"' in page
        assert 'aria-invalid="true"' in page
        assert Authenticator.objects.filter(user=member).exists()
    assert not Activity.objects.filter(kind=Activity.Kind.RESET).exists()
    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_FAILED).count() == 1
    assert mail.outbox == []

    choose_reset(admin_client, member, confirm=True)  # the right password
    assert not Authenticator.objects.filter(user=member).exists()


def test_reset_action_after_a_recent_password_needs_no_second_one(admin_client, protected):
    manager, member, outsider = protected
    recent(admin_client)
    page = choose_reset(admin_client, member).content.decode()
    assert 'name="password"' not in page
    response = choose_reset(admin_client, member, confirm=True, password=None)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member).exists()


def test_reset_action_needs_the_permission_to_change_users(
    client, make_user, add_authenticator, protected
):
    viewer = make_user("viewer@axur.test", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    sign_in_verified(client, viewer, add_authenticator(viewer))
    manager, member, outsider = protected

    assert "reset_two_factor" not in client.get(USERS).content.decode()
    choose_reset(client, member, confirm=True)

    assert Authenticator.objects.filter(user=member).exists()
    assert not Activity.objects.filter(kind=Activity.Kind.RESET).exists()


# Who reaches the admin --------------------------------------------------------------------------


def test_staff_signed_in_without_a_code_is_sent_to_the_code_page(
    client, administrator, add_authenticator
):
    add_authenticator(administrator)
    client.force_login(administrator)

    for url in (ADMIN_HOME, USERS):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("twofactor:code")), url


def test_staff_without_an_authenticator_is_sent_to_setup(client, administrator):
    client.force_login(administrator)

    response = client.get(USERS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor:setup"))


def test_verified_non_staff_user_cannot_open_the_admin(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))

    response = client.get(USERS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_visitor_is_sent_to_the_admin_sign_in(client, db):
    response = client.get(USERS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# Password set by an administrator ---------------------------------------------------------------


def test_a_password_set_in_the_admin_ends_sessions_forgets_browsers_and_is_recorded(
    admin_client, administrator, member, add_authenticator
):
    """Django admin's password form saves the user itself; the portal still does what a new
    password does: the other sessions end (new stamp), the trusted browsers are forgotten, and
    the change is recorded with the administrator as the one who made it."""
    alice = sign_in_verified(Client(), member, add_authenticator(member))
    TrustedBrowser.objects.create(
        user=member,
        token_hash="0" * 64,
        user_agent="Firefox",
        created_at=timezone.now(),
        last_seen_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = admin_client.post(
        url,
        {
            "password1": "a brand new passphrase",
            "password2": "a brand new passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.check_password("a brand new passphrase")
    assert not TrustedBrowser.objects.filter(user=member).exists()
    record = Activity.objects.get(kind=Activity.Kind.PASSWORD_CHANGED)
    assert (record.subject, record.actor) == (member, administrator)
    assert alice.get(reverse("accounts:preferences")).status_code == 302  # signed out
    assert admin_client.get(reverse("admin:index")).status_code == 200  # the admin stays


def test_a_refused_admin_password_form_changes_and_records_nothing(admin_client, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = admin_client.post(
        url, {"password1": "one passphrase", "password2": "another passphrase"}
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not Activity.objects.filter(kind=Activity.Kind.PASSWORD_CHANGED).exists()
