"""Django admin for authenticators, trusted browsers, reset requests and the activity log: all
read-only (the activity log even for superusers), and no page ever shows a key, a token hash, a
recovery code or its digest."""

import csv
import html
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import User
from tests.conftest import lock_code_entry, sign_in_verified
from tests.twofactor.soft_authenticator import SoftAuthenticator, add_soft_passkey
from twofactor import recovery, totp
from twofactor.models import (
    Activity,
    Authenticator,
    RecoveryCode,
    RecoveryCodes,
    RefusedAttempts,
    ResetRequest,
    TrustedBrowser,
)
from twofactor.services.activity import RequestMeta, record_activity
from twofactor.services.browsers import trust_browser
from twofactor.services.recovery_codes import create_recovery_codes
from twofactor.services.refusals import count_refused_attempt

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
MODELS = [
    "authenticator",
    "passkey",
    "trustedbrowser",
    "resetrequest",
    "activity",
    "refusedattempts",
]


def admin_url(model, view, *args):
    return reverse(f"admin:twofactor_{model}_{view}", args=args)


@pytest.fixture
def alice(member, acme, add_authenticator, administrator):
    """Alice with an authenticator, a trusted Chrome, recovery codes (one used), a closed and an
    open reset request, and the activity records of all that."""
    device = add_authenticator(member, name="Alice phone")
    passkey = add_soft_passkey(member, SoftAuthenticator(), name="Alice key")
    codes = [
        recovery.normalize(code)
        for code in create_recovery_codes(user=member, request_meta=RequestMeta())
    ]
    RecoveryCode.objects.filter(digest=recovery.digest(codes[0])).update(used_at=timezone.now())
    cookie = trust_browser(user=member, request_meta=RequestMeta("203.0.113.9", CHROME))
    ResetRequest.objects.create(
        user=member,
        team=acme,
        status=ResetRequest.Status.DISMISSED,
        closed_by=administrator,
        closed_at=timezone.now(),
    )
    ResetRequest.objects.create(user=member, team=acme)
    refuse_code(member, times=3)
    key = device.key
    base32 = totp.key_to_base32(key)
    browser = TrustedBrowser.objects.get(user=member)
    return SimpleNamespace(
        person=member,
        device=device,
        passkey=passkey,
        browser=browser,
        reset_request=ResetRequest.objects.get(user=member, status=ResetRequest.Status.OPEN),
        activity=Activity.objects.filter(subject=member).first(),
        refused=RefusedAttempts.objects.get(subject=member),
        secrets=[
            base32,
            totp.group_for_reading(base32),
            key.hex(),
            device.encrypted_key,
            browser.token_hash,
            cookie.partition(".")[2],
            *codes,
            *(recovery.format_code(code) for code in codes),
            *(recovery.digest(code) for code in codes),
        ],
    )


def refuse_code(person, *, times):
    """Codes of ``person`` refused while code entry is locked, at the code step."""
    meta = RequestMeta("203.0.113.9", CHROME, Activity.Origin.NOT_SIGNED_IN)
    for _ in range(times):
        count_refused_attempt(
            kind=RefusedAttempts.Kind.CODE_LOCKED, subject=person, actor=person, request_meta=meta
        )


def objects_of(alice):
    return {
        "authenticator": alice.device,
        "passkey": alice.passkey,
        "trustedbrowser": alice.browser,
        "resetrequest": alice.reset_request,
        "activity": alice.activity,
        "refusedattempts": alice.refused,
    }


# No key, no token hash ---------------------------------------------------------------------------


def every_admin_page(alice):
    users = reverse("admin:accounts_user_changelist")
    person = alice.person.pk
    yield "GET", reverse("admin:index"), {}
    yield "GET", users, {}
    yield "GET", reverse("admin:accounts_user_change", args=[person]), {}
    yield "GET", reverse("admin:accounts_user_delete", args=[person]), {}
    yield "GET", reverse("admin:accounts_user_history", args=[person]), {}
    for model, obj in objects_of(alice).items():
        yield "GET", admin_url(model, "changelist"), {}
        yield "GET", admin_url(model, "change", obj.pk), {}
    confirm = {"action": "reset_two_factor", "index": "0", "_selected_action": [person]}
    yield "POST", users, confirm


def test_no_admin_page_shows_a_device_key_or_a_browser_token(admin_client, alice):
    for method, url, data in every_admin_page(alice):
        response = admin_client.get(url) if method == "GET" else admin_client.post(url, data)
        assert response.status_code == 200, url
        page = response.content.decode().lower()
        for secret in alice.secrets:
            assert secret.lower() not in page, url


def test_admin_does_not_even_load_the_key_or_the_token_hash(rf, administrator, alice):
    request = rf.get("/")
    request.user = administrator
    user_admin = site._registry[User]
    for model_admin in [
        site._registry[Authenticator],
        site._registry[TrustedBrowser],
        *user_admin.get_inline_instances(request, alice.person),
    ]:
        sql = str(model_admin.get_queryset(request).query)
        assert "encrypted_key" not in sql and "token_hash" not in sql, model_admin


# Read-only ---------------------------------------------------------------------------------------


@pytest.fixture
def granted_client(client, make_user, add_authenticator):
    """A staff member given every permission on the two-factor records."""
    staff = make_user("ops@axur.test", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="twofactor"))
    return sign_in_verified(client, staff, add_authenticator(staff))


@pytest.fixture(params=["superuser", "granted staff"])
def any_admin(request):
    return request.getfixturevalue(
        "admin_client" if request.param == "superuser" else "granted_client"
    )


def snapshot(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_added_through_the_admin(any_admin, alice, model):
    model_class = type(objects_of(alice)[model])
    before = model_class.objects.count()

    assert any_admin.get(admin_url(model, "add")).status_code == 403
    assert any_admin.post(admin_url(model, "add"), {"user": alice.person.pk}).status_code == 403

    assert model_class.objects.count() == before


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_changed_through_the_admin(any_admin, alice, model):
    obj = objects_of(alice)[model]
    before = snapshot(obj)

    response = any_admin.post(
        admin_url(model, "change", obj.pk),
        {"name": "Hacked", "kind": "reset", "status": "dismissed", "ip_address": "192.0.2.1"},
    )

    assert response.status_code == 403
    obj.refresh_from_db()
    assert snapshot(obj) == before


@pytest.mark.parametrize("model", MODELS)
def test_change_page_is_a_read_only_view(any_admin, alice, model):
    response = any_admin.get(admin_url(model, "change", objects_of(alice)[model].pk))

    assert response.status_code == 200
    fields = re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', response.text)
    assert set(fields) <= {"csrfmiddlewaretoken"}  # no field to edit, no "Save"


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_deleted_through_the_admin(any_admin, alice, model):
    obj = objects_of(alice)[model]

    assert any_admin.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert any_admin.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403

    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", MODELS)
def test_changelists_offer_no_bulk_delete(any_admin, alice, model):
    obj = objects_of(alice)[model]
    url = admin_url(model, "changelist")

    response = any_admin.get(url)
    assert response.context["action_form"] is None
    assert "delete_selected" not in response.content.decode()
    any_admin.post(url, {"action": "delete_selected", "index": "0", "_selected_action": [obj.pk]})
    any_admin.post(url, {"action": "delete_selected", "post": "yes", "_selected_action": [obj.pk]})

    assert type(obj).objects.filter(pk=obj.pk).exists()


# What the changelists show -----------------------------------------------------------------------


def cells(response, column):
    """The texts of one column of a changelist."""
    return re.findall(
        rf'<t[dh] class="field-{column}[^"]*">(?:<a [^>]*>)?(.*?)(?:</a>)?</t[dh]>', response.text
    )


def test_authenticator_changelist_shows_name_user_and_team(admin_client, alice):
    response = admin_client.get(admin_url("authenticator", "changelist"), {"q": "alice"})

    assert [row.pk for row in response.context["cl"].result_list] == [alice.device.pk]
    assert cells(response, "name") == ["Alice phone"]
    assert cells(response, "user") == ["Alice"]
    assert cells(response, "team") == ["Acme"]


def test_passkey_changelist_shows_name_user_and_team(admin_client, alice):
    response = admin_client.get(admin_url("passkey", "changelist"), {"q": "alice"})

    assert [row.pk for row in response.context["cl"].result_list] == [alice.passkey.pk]
    assert cells(response, "name") == ["Alice key"]
    assert cells(response, "team") == ["Acme"]


def test_a_persons_page_lists_their_passkeys(admin_client, alice):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[alice.person.pk]))
    assert "Alice key" in response.text


def test_a_locked_code_entry_shows_as_the_persons_status(admin_client, alice):
    """The lock belongs to the person (every kind of authenticator shares it), so the users'
    changelist says it, not the authenticators'."""
    lock_code_entry(alice.person)

    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "alice"})

    assert cells(response, "two_factor") == ["Locked"]


def test_trusted_browser_changelist_describes_the_browser(admin_client, alice):
    response = admin_client.get(admin_url("trustedbrowser", "changelist"))

    assert cells(response, "browser") == ["Chrome on Windows"]
    assert cells(response, "ip_address") == ["203.0.113.9"]


def test_reset_request_changelist_shows_status_and_who_closed_it(admin_client, alice):
    response = admin_client.get(admin_url("resetrequest", "changelist"))

    assert sorted(cells(response, "status")) == ["Dismissed", "Open"]
    assert sorted(cells(response, "closed_by")) == ["-", "Root Admin"]


def test_activity_changelist_shows_what_happened_and_who(admin_client, alice):
    response = admin_client.get(admin_url("activity", "changelist"), {"kind": "browser_trusted"})

    assert cells(response, "event") == ["Browser trusted"]
    assert cells(response, "subject") == ["Alice"]
    assert cells(response, "browser") == ["Chrome on Windows"]
    assert cells(response, "who") == ["Alice"]


def test_activity_changelist_says_how_an_action_came_when_no_person_acted(admin_client, alice):
    reset_2fa = RequestMeta.command_line()
    record_activity(kind=Activity.Kind.RESET, subject=alice.person, request_meta=reset_2fa)
    sign_in = RequestMeta("203.0.113.9", CHROME, Activity.Origin.NOT_SIGNED_IN)
    record_activity(kind=Activity.Kind.PASSWORD_FAILED, subject=alice.person, request_meta=sign_in)

    response = admin_client.get(
        admin_url("activity", "changelist"), {"kind__in": "reset,password_failed"}
    )

    assert sorted(cells(response, "who")) == ["Command line", "Not signed in"]


def test_refused_attempts_changelist_shows_the_count_and_who(admin_client, alice):
    response = admin_client.get(admin_url("refusedattempts", "changelist"))

    assert cells(response, "kind") == ["Code refused (code entry locked)"]
    assert cells(response, "count") == ["3"]
    assert cells(response, "who") == ["Alice"]
    assert cells(response, "subject") == ["Alice"]
    assert cells(response, "team") == ["Acme"]
    assert cells(response, "browser") == ["Chrome on Windows"]


# Query counts ------------------------------------------------------------------------------------


@pytest.fixture
def populate(make_user, add_authenticator, acme, administrator):
    """``number`` people, each with an authenticator, a trusted browser, a reset request and
    activity records."""
    made = []

    def add(number):
        for _ in range(number):
            index = len(made)
            person = make_user(f"person{index}@acme.test", team=acme)
            add_authenticator(person)
            add_soft_passkey(person, SoftAuthenticator())
            TrustedBrowser.objects.create(
                user=person,
                token_hash=f"{index:064x}",
                user_agent=CHROME,
                expires_at=timezone.now() + timedelta(days=30),
            )
            ResetRequest.objects.create(
                user=person,
                team=acme,
                status=ResetRequest.Status.DISMISSED,
                closed_by=administrator,
            )
            record_activity(
                kind=Activity.Kind.RESET,
                subject=person,
                actor=administrator,
                request_meta=RequestMeta("203.0.113.1", CHROME),
            )
            refuse_code(person, times=2)
            made.append(person)

    return add


@pytest.mark.parametrize("model", MODELS)
def test_changelist_makes_as_many_queries_for_200_rows_as_for_5(admin_client, populate, model):
    url = admin_url(model, "changelist")
    populate(5)
    admin_client.get(url)  # warm up: content types, session
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    populate(195)

    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200

    assert len(many) == len(few)


# Download CSV ------------------------------------------------------------------------------------


def download_url(model, params=None) -> str:
    """The download's address with the changelist's query string, as its form posts to."""
    return admin_url(model, "download") + (f"?{urlencode(params)}" if params else "")


def downloaded(client, model, params=None) -> list[dict]:
    """The changelist's download as rows (by the header's names), checking that it streams."""
    response = client.post(download_url(model, params))
    assert response.status_code == 200, response
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="activity-{today}.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("model", ["activity", "refusedattempts"])
def test_the_changelist_offers_its_download_with_its_filters(admin_client, alice, model):
    response = admin_client.get(
        admin_url(model, "changelist"), {"team__id__exact": alice.person.team_id}
    )

    download = download_url(model, {"team__id__exact": alice.person.team_id})
    form = re.search(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', response.text, re.S)
    assert form[1] == download
    assert 'name="csrfmiddlewaretoken"' in form[2]
    assert re.search(r'<button type="submit"[^>]*>Download CSV</button>', form[2])


def test_the_activity_download_holds_the_filtered_records_of_every_team(
    admin_client, alice, outsider, clock
):
    record_activity(
        kind=Activity.Kind.PASSWORD_FAILED,
        subject=outsider,
        request_meta=RequestMeta("198.51.100.4", CHROME, Activity.Origin.NOT_SIGNED_IN),
    )
    record_activity(kind=Activity.Kind.RESET, subject=alice.person, request_meta=RequestMeta())

    failed = downloaded(admin_client, "activity", {"kind": "password_failed"})
    both = downloaded(admin_client, "activity", {"kind__in": "password_failed,reset"})

    assert [(row["Event"], row["Outcome"], row["Team"]) for row in failed] == [
        ("Wrong password", "Failed", "Globex")
    ]
    assert failed[0]["Who"] == "Not signed in" and failed[0]["Whom"] == "Charlie"
    assert failed[0]["Browser"] == "Chrome on Windows" and failed[0]["IP address"] == "198.51.100.4"
    assert {row["Team"] for row in both} == {"Acme", "Globex"}


def test_the_activity_download_takes_every_page_and_the_search(admin_client, alice, populate):
    populate(120)  # more than a changelist page

    rows = downloaded(admin_client, "activity", {"kind": "reset", "p": "2"})
    searched = downloaded(admin_client, "activity", {"q": "person7@acme.test", "kind": "reset"})

    assert len(rows) == 120
    assert [row["Whom (email)"] for row in searched] == ["person7@acme.test"]


def test_the_refused_attempts_download_holds_the_counts(admin_client, alice):
    rows = downloaded(admin_client, "refusedattempts")

    assert [(row["Event"], row["Count"], row["Outcome"]) for row in rows] == [
        ("Code refused (code entry locked)", "3", "Refused")
    ]
    assert rows[0]["Team"] == "Acme" and rows[0]["Who"] == "Alice"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d", " \n="])
def test_the_admin_download_escapes_formula_cells(admin_client, acme, make_user, start):
    """Names, typed or invited emails, user agents and authenticator names: all come from
    outside."""
    person = make_user("bob@acme.test", team=acme, full_name=f"{start}Bob")
    record_activity(
        kind=Activity.Kind.AUTHENTICATOR_ADDED,
        subject=person,
        actor=person,
        request_meta=RequestMeta("203.0.113.1", f"{start}SUM(1+1)"),
        authenticator=f'{start}HYPERLINK("http://evil.test")',
    )
    record_activity(
        kind=Activity.Kind.INVITATION_SENT,
        actor=person,
        team=acme,
        request_meta=RequestMeta(),
        email=f"{start}eve@evil.test",
    )

    added, invited = (
        downloaded(admin_client, "activity", {"kind": kind})[0]
        for kind in ("device_added", "invitation_sent")
    )

    assert added["Who"] == added["Whom"] == f"'{start}Bob"
    assert added["User agent"] == f"'{start}SUM(1+1)"
    assert added["Authenticator"] == f'\'{start}HYPERLINK("http://evil.test")'
    assert invited["Whom"] == invited["Whom (email)"] == f"'{start}eve@evil.test"


def test_the_admin_download_is_recorded(admin_client, administrator, alice):
    downloaded(admin_client, "activity", {"kind": "reset", "q": "alice", "p": "3"})

    recorded = Activity.objects.get(kind=Activity.Kind.ACTIVITY_DOWNLOADED)
    assert (recorded.actor, recorded.origin) == (administrator, Activity.Origin.ADMIN)
    assert recorded.detail == {"log": "activity", "filters": {"kind": "reset"}}
    assert recorded.team is None


def test_a_staff_members_download_is_not_in_their_own_teams_log(
    client, make_user, acme, add_authenticator
):
    """The platform's log was downloaded, not the team's: the record belongs to no team."""
    staff = make_user("ops@acme.test", team=acme, is_staff=True, is_superuser=True)
    sign_in_verified(client, staff, add_authenticator(staff))

    downloaded(client, "activity")

    recorded = Activity.objects.get(kind=Activity.Kind.ACTIVITY_DOWNLOADED)
    assert (recorded.actor, recorded.team) == (staff, None)
    assert not Activity.objects.filter(team=acme, kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


@pytest.mark.parametrize("model", ["activity", "refusedattempts"])
def test_a_get_of_the_admin_download_is_refused_and_records_nothing(admin_client, alice, model):
    assert admin_client.get(download_url(model, {"kind": "reset"})).status_code == 405
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


@pytest.mark.parametrize("model", ["activity", "refusedattempts"])
def test_an_admin_download_without_the_csrf_token_is_refused_and_records_nothing(
    administrator, add_authenticator, model
):
    client = sign_in_verified(
        Client(enforce_csrf_checks=True), administrator, add_authenticator(administrator)
    )

    response = client.post(download_url(model))

    assert response.status_code == 403
    assert not isinstance(response, StreamingHttpResponse)
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def test_the_changelists_form_with_its_token_gives_the_filtered_file(
    administrator, add_authenticator, alice, outsider
):
    record_activity(
        kind=Activity.Kind.PASSWORD_FAILED, subject=outsider, request_meta=RequestMeta()
    )
    client = sign_in_verified(
        Client(enforce_csrf_checks=True), administrator, add_authenticator(administrator)
    )
    changelist = client.get(admin_url("activity", "changelist"), {"kind": "password_failed"})
    form = re.search(
        r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', changelist.text, re.S
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2])[1]

    response = client.post(html.unescape(form[1]), {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [(row["Event"], row["Whom (email)"]) for row in rows] == [
        ("Wrong password", outsider.email)
    ]


def test_a_bad_filter_goes_back_to_the_changelist_as_the_changelist_does(admin_client, alice):
    response = admin_client.post(download_url("activity", {"created_at__gte": "never"}))

    assert response.status_code == 302
    assert response.url == admin_url("activity", "changelist") + "?e=1"
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def test_staff_who_may_not_view_the_log_cannot_download_it(client, make_user, add_authenticator):
    staff = make_user("clerk@axur.test", is_staff=True)
    sign_in_verified(client, staff, add_authenticator(staff))

    assert client.post(admin_url("activity", "download")).status_code == 403
    assert client.post(admin_url("refusedattempts", "download")).status_code == 403


def test_outside_the_admin_the_download_leads_to_its_sign_in(client, member, member_device):
    """A Manager or Member without staff status never reaches the admin's download."""
    sign_in_verified(client, member, member_device)
    response = client.post(admin_url("activity", "download"))
    assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.parametrize("model", ["activity", "refusedattempts"])
def test_the_download_makes_as_many_queries_for_200_rows_as_for_5(admin_client, populate, model):
    url = admin_url(model, "download")
    populate(5)
    downloaded(admin_client, model)  # warm up: content types, session

    def queries():
        with CaptureQueriesContext(connection) as made:
            assert len(downloaded(admin_client, model)) >= 5
        return len(made)

    few = queries()
    populate(195)
    assert queries() == few, url


# Recovery codes ----------------------------------------------------------------------------------


def test_recovery_codes_have_no_admin_pages(admin_client, alice):
    """Codes are made and replaced only by the person, through the service that records it; the
    admin shows how many are left on the person, and has no page of sets or codes to edit."""
    assert RecoveryCodes not in site._registry and RecoveryCode not in site._registry
    for name in ("recoverycodes", "recoverycode"):
        assert f"twofactor/{name}/" not in admin_client.get(reverse("admin:index")).text
        assert admin_client.get(f"/admin/twofactor/{name}/").status_code == 404


def test_user_changelist_shows_how_many_recovery_codes_each_person_has_left(
    admin_client, alice, manager, outsider
):
    create_recovery_codes(user=outsider, request_meta=RequestMeta())
    RecoveryCode.objects.filter(recovery_codes__user=outsider).update(used_at=timezone.now())

    response = admin_client.get(reverse("admin:accounts_user_changelist"))

    left = dict(zip(cells(response, "email"), cells(response, "recovery_codes"), strict=True))
    assert left["alice@acme.test"] == "9"
    assert left["marta@acme.test"] == "0"  # never had a set
    assert left["charlie@globex.test"] == "0"  # every code used


def test_user_changelist_orders_by_recovery_codes_left(admin_client, alice, manager):
    users = reverse("admin:accounts_user_changelist")
    column = admin_client.get(users).context["cl"].list_display.index("recovery_codes")
    response = admin_client.get(users, {"o": f"-{column}"})

    assert response.status_code == 200
    assert cells(response, "email")[0] == "alice@acme.test"


def test_user_change_page_shows_the_recovery_codes_left_read_only(admin_client, alice):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[alice.person.pk]))

    page = response.text
    assert re.search(r"Recovery codes left:</label>\s*<div class=\"readonly\">9</div>", page)
    assert 'name="recovery_codes' not in page
