"""Who reaches /admin/: staff who passed a code in this session, through the portal's sign-in.

The site checks it itself (PortalAdminSite), not only the portal's 2FA middleware, and its own
login page is never a password-only way in.
"""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils.http import urlencode

from tests.conftest import PASSWORD, code_for, sign_in_verified
from twofactor.models import Activity

ADMIN_HOME = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
ADMIN_LOGOUT = reverse("admin:logout")
USERS = reverse("admin:accounts_user_changelist")
ACTIVITY = reverse("admin:twofactor_activity_changelist")
SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("twofactor:code")


def sign_in_url(next_url):
    return f"{SIGN_IN}?{urlencode({'next': next_url})}"


@pytest.fixture
def staff(make_user):
    return make_user("root@axur.test", full_name="Root Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_device(staff, add_authenticator):
    return add_authenticator(staff, name="Root phone")


@pytest.fixture
def without_2fa_middleware(settings):
    """The admin must hold even if the portal's middleware were missing or reordered."""
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "twofactor.middleware.TwoFactorRequiredMiddleware"
    ]


# The admin's login page -------------------------------------------------------------------------


def test_admin_login_page_leads_to_the_portal_sign_in(client, db):
    response = client.get(ADMIN_LOGIN, {"next": USERS})

    assert response.status_code == 302
    assert response.url == sign_in_url(USERS)


def test_admin_login_page_without_next_returns_to_the_admin_home_after_sign_in(client, db):
    assert client.get(ADMIN_LOGIN).url == sign_in_url(ADMIN_HOME)


def test_admin_login_page_does_not_pass_on_an_off_site_next(client, db):
    response = client.get(ADMIN_LOGIN, {"next": "https://evil.test/admin/"})

    assert response.url == sign_in_url(ADMIN_HOME)


def test_admin_login_page_does_not_sign_in_with_a_password_alone(client, staff, staff_device):
    response = client.post(
        f"{ADMIN_LOGIN}?next={ADMIN_HOME}",
        {"username": staff.email, "email": staff.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == sign_in_url(ADMIN_HOME)
    assert SESSION_KEY not in client.session
    assert client.get(ADMIN_HOME).url.startswith(ADMIN_LOGIN)


def test_anonymous_visitor_of_an_admin_page_ends_at_the_portal_sign_in(client, db):
    response = client.get(USERS, follow=True)

    assert response.redirect_chain[-1][0] == sign_in_url(USERS)
    assert "<h1>Sign in</h1>" in response.content.decode()


def test_staff_reaches_the_admin_through_password_and_code(client, staff, staff_device, clock):
    login = client.get(ADMIN_LOGIN, {"next": USERS})
    password_step = client.post(login.url, {"email": staff.email, "password": PASSWORD})
    assert password_step.url.startswith(CODE)
    assert client.get(USERS).status_code == 302  # the password alone opens nothing

    code_step = client.post(password_step.url, {"code": code_for(staff_device)})

    assert code_step.url == USERS
    assert client.get(USERS).status_code == 200


# Staff without a code in this session -----------------------------------------------------------


@pytest.mark.parametrize("url", [ADMIN_HOME, USERS, ACTIVITY])
def test_staff_without_a_code_is_refused_the_admin_even_without_the_middleware(
    client, staff, staff_device, without_2fa_middleware, url
):
    client.force_login(staff)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(ADMIN_LOGIN)


def test_admin_login_sends_staff_without_a_code_to_the_code_page(
    client, staff, staff_device, without_2fa_middleware
):
    client.force_login(staff)

    response = client.get(ADMIN_LOGIN, {"next": USERS})

    assert response.url == f"{CODE}?{urlencode({'next': USERS})}"


def test_admin_login_sends_staff_without_an_authenticator_to_setup(
    client, staff, without_2fa_middleware
):
    client.force_login(staff)

    response = client.get(ADMIN_LOGIN, {"next": USERS})

    assert response.url == f"{reverse('twofactor:setup')}?{urlencode({'next': USERS})}"


def test_the_portal_middleware_also_sends_staff_without_a_code_to_the_code_page(
    client, staff, staff_device
):
    assert "twofactor.middleware.TwoFactorRequiredMiddleware" in settings.MIDDLEWARE
    client.force_login(staff)

    response = client.get(ADMIN_LOGIN, {"next": USERS})

    assert response.url.startswith(CODE)


# Verified users ---------------------------------------------------------------------------------


def test_verified_staff_opens_the_admin(client, staff, staff_device):
    sign_in_verified(client, staff, staff_device)

    for url in (ADMIN_HOME, USERS, ACTIVITY):
        assert client.get(url).status_code == 200, url


def test_verified_staff_on_the_admin_login_page_goes_on_to_next(client, staff, staff_device):
    sign_in_verified(client, staff, staff_device)

    assert client.get(ADMIN_LOGIN, {"next": USERS}).url == USERS


def test_verified_non_staff_user_is_forbidden_the_admin(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))

    response = client.get(USERS, follow=True)

    assert response.status_code == 403
    assert [url.split("?")[0] for url, _ in response.redirect_chain] == [ADMIN_LOGIN]


def test_inactive_staff_is_refused_the_admin(client, staff, staff_device):
    sign_in_verified(client, staff, staff_device)
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    assert client.get(USERS).status_code == 302


# Sign-out ---------------------------------------------------------------------------------------


def test_admin_sign_out_is_the_portal_sign_out(client, staff, staff_device):
    sign_in_verified(client, staff, staff_device)

    response = client.post(ADMIN_LOGOUT)

    assert response.url.startswith(SIGN_IN)
    assert SESSION_KEY not in client.session
    assert Activity.objects.filter(kind=Activity.Kind.SIGNED_OUT, subject=staff).exists()
    assert client.get(ADMIN_HOME).status_code == 302


def test_admin_password_change_is_the_portal_one_and_its_throttle_holds(
    client, staff, staff_device, settings
):
    """The admin's own password form would check the current password with no throttle, no
    record and no email: it leads to the portal's change password instead."""
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    sign_in_verified(client, staff, staff_device)
    change = reverse("accounts:change_password")

    assert client.get(reverse("admin:password_change")).url == change
    assert client.get(reverse("admin:password_change_done")).url == change
    for _ in range(4):
        response = client.post(
            reverse("admin:password_change"),
            {"old_password": "guess", "new_password1": "x" * 20, "new_password2": "x" * 20},
        )
        assert response.status_code == 302  # nothing checked here
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
