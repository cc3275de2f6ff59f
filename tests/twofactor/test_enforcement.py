"""2FA is mandatory. The middleware lets a signed-in user reach nothing else until
setup is done, and a user with an authenticator nothing until a code is passed."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.conftest import sign_in_verified
from twofactor.models import Activity
from twofactor.services.activity import RequestMeta, record_activity
from twofactor.views.preferences import two_factor_section

SETUP = reverse("twofactor:setup")
CODE = reverse("twofactor:code")


@pytest.mark.parametrize("url", ["/preferences/", "/admin/", "/2fa/code/"])
def test_user_without_authenticator_is_sent_to_setup_from_every_page(client, member, url):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(SETUP)


def test_setup_redirect_remembers_the_page_wanted(client, member):
    client.force_login(member)
    response = client.get("/preferences/?x=1")
    assert response.url == f"{SETUP}?next=%2Fpreferences%2F%3Fx%3D1"


def test_user_without_authenticator_can_sign_out(client, member):
    client.force_login(member)
    assert client.post(reverse("accounts:sign_out")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/preferences/", "/admin/", "/2fa/setup/", "/2fa/setup/scan/"])
def test_unverified_user_with_authenticator_is_sent_to_the_code_page(
    client, member, add_authenticator, url
):
    add_authenticator(member)
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(CODE)


def test_verified_user_reaches_pages(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    assert client.get("/preferences/").status_code == 200


def test_removed_authenticator_no_longer_verifies_the_session(client, member, add_authenticator):
    device = add_authenticator(member)
    sign_in_verified(client, member, device)
    device.delete()
    assert client.get("/preferences/").url.startswith(SETUP)


def test_unconfirmed_authenticator_does_not_count_as_two_factor_on(
    client, member, add_authenticator
):
    device = add_authenticator(member, confirmed=False)
    sign_in_verified(client, member, device)
    assert client.get("/preferences/").url.startswith(SETUP)


def test_preferences_section_offers_turn_on_without_authenticator(rf, member):
    request = rf.get("/preferences/")
    request.user = member
    section = two_factor_section(request)
    page = render_to_string(section.template_name, {"section": section.context, "user": member})
    assert "Turn On" in page
    assert "Manage Access" not in page


def test_activity_cannot_be_changed_or_deleted(member):

    record = record_activity(
        kind=Activity.Kind.SIGNED_IN, subject=member, actor=member, request_meta=RequestMeta()
    )
    record.kind = Activity.Kind.RESET
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        Activity.objects.filter(pk=record.pk).update(kind=Activity.Kind.RESET)
    with pytest.raises(PermissionError):
        Activity.objects.all().delete()
    assert Activity.objects.get(pk=record.pk).kind == Activity.Kind.SIGNED_IN
