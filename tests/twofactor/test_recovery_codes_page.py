"""The page "Recovery codes": after the first setup's "Done", and "Generate new codes" on
Manage Access (rule 11)."""

import time
from urllib.parse import unquote

from django.urls import reverse

from tests.conftest import recent, sign_in_verified, stepped_up
from tests.twofactor.test_wizard import go_to_scan, key_from_page, sign_in
from twofactor import recovery, selectors, totp
from twofactor.models import Activity, RecoveryCode
from twofactor.services.activity import RequestMeta
from twofactor.services.codes import verify_recovery_code
from twofactor.services.recovery_codes import create_recovery_codes

NAME = reverse("twofactor:setup_name")
VERIFY = reverse("twofactor:setup_verify")
SCAN = reverse("twofactor:setup_scan")
MANAGE = reverse("twofactor:manage")
GENERATE = reverse("twofactor:generate_recovery_codes")


def finish_setup(client):
    key = key_from_page(go_to_scan(client).content.decode())
    client.post(SCAN)
    client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    return client.post(NAME, {"name": "My phone"})


def test_first_setup_shows_its_codes_once_never_cached(client, member, clock):
    sign_in(client, member.email)
    response = finish_setup(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert all(recovery.normalize(code) for code in codes)
    # The download holds the same codes, in a data: URI of this response.
    href = response.context["download_href"]
    assert href.startswith("data:text/plain;charset=utf-8,")
    assert all(code in unquote(href) for code in codes)
    # Nowhere in the session: a reload of any page shows none of them.
    session_text = str(dict(client.session.items()))
    assert not any(code in session_text for code in codes)
    assert not any(code in client.get(MANAGE).content.decode() for code in codes)
    assert selectors.recovery_codes_summary(member)[0] == 10
    assert verify_recovery_code(user=member, code=codes[0], request_meta=RequestMeta()).accepted


def test_another_authenticator_keeps_the_codes_and_shows_none(client, member, clock):
    sign_in(client, member.email)
    codes = finish_setup(client).context["codes"]
    stepped_up(client)
    recent(client)
    response = finish_setup(client)
    assert response.status_code == 302
    assert verify_recovery_code(user=member, code=codes[0], request_meta=RequestMeta()).accepted
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODES_CREATED).count() == 1


def test_manage_access_says_how_many_are_left_and_warns_when_few(client, member, member_device):
    codes = create_recovery_codes(user=member, request_meta=RequestMeta())
    sign_in_verified(client, member, member_device)
    page = client.get(MANAGE).content.decode()
    assert "Recovery codes: 10 of 10 left, created" in page and "Generate new codes" in page
    assert "few recovery codes left" not in page
    for code in codes[:7]:
        verify_recovery_code(user=member, code=code, request_meta=RequestMeta())
    page = client.get(MANAGE).content.decode()
    assert "Recovery codes: 3 of 10 left" in page and "few recovery codes left" in page


def test_generate_new_codes_needs_the_step_up(client, member, member_device):
    create_recovery_codes(user=member, request_meta=RequestMeta())
    sign_in_verified(client, member, member_device)
    response = client.post(GENERATE)
    assert response.status_code == 302 and "codes" not in (response.context or {})
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODES_REGENERATED).count() == 0


def test_generate_new_codes_shows_new_ones_and_the_old_stop_working(
    client, member, member_device, clock
):
    old = create_recovery_codes(user=member, request_meta=RequestMeta())
    sign_in_verified(client, member, member_device)
    recent(client)
    stepped_up(client)
    response = client.post(GENERATE)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = response.context["codes"]
    assert set(new).isdisjoint(old) and RecoveryCode.objects.count() == 10
    assert response.context["continue_url"] == MANAGE
    assert not verify_recovery_code(user=member, code=old[0], request_meta=RequestMeta()).accepted
    clock.shift(60)
    assert verify_recovery_code(user=member, code=new[0], request_meta=RequestMeta()).accepted
    assert client.get(GENERATE).url == MANAGE


def test_posting_done_again_shows_no_codes_and_makes_none(client, member, clock):
    """A reload of the page (the browser posts "Done" again) neither shows the codes nor makes
    a new set behind the person's back."""
    sign_in(client, member.email)
    codes = finish_setup(client).context["codes"]
    again = client.post(NAME, {"name": "My phone"}, follow=True)
    page = again.content.decode()
    assert not any(code in page for code in codes)
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODES_CREATED).count() == 1
    assert RecoveryCode.objects.filter(recovery_codes__user=member).count() == 10
    assert verify_recovery_code(user=member, code=codes[0], request_meta=RequestMeta()).accepted
