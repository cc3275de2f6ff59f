"""Django admin for users and teams: reachable by staff only after a code."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, sign_in_verified

USERS = reverse("admin:accounts_user_changelist")
USER_ADD = reverse("admin:accounts_user_add")
TEAMS = reverse("admin:accounts_team_changelist")
ADMIN_HOME = reverse("admin:index")


@pytest.fixture
def administrator(make_user):
    return make_user("root@axur.test", full_name="Root Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, administrator, add_authenticator):
    """A superuser's browser that has passed the password and a code."""
    return sign_in_verified(client, administrator, add_authenticator(administrator))


@pytest.fixture
def everyone(manager, member, outsider):
    return manager, member, outsider


def listed_emails(response):
    assert response.status_code == 200
    return {user.email for user in response.context["cl"].result_list}


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


def test_changelist_queries_do_not_grow_with_the_number_of_users(
    admin_client, everyone, make_user, acme
):
    admin_client.get(USERS)  # warm up: content types, session
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(USERS).status_code == 200
    for number in range(5):
        make_user(f"extra{number}@acme.test", team=acme)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(USERS).status_code == 200

    assert len(many) == len(few)


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
