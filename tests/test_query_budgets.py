"""Query budgets: every page makes as many SQL statements with 500 rows of data as with 5.

A page that starts querying once per row (a lazy foreign key in a template, a count per person)
fails here. Each test counts one request with a little data, adds hundreds of rows of what that
page lists (people, authenticators, trusted browsers, reset requests, activity), and counts the
same request again. The admin's changelists have their own such tests in tests/accounts and
tests/twofactor.
"""

import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.password_reset import reset_link
from team.models import Invitation
from tests.conftest import (
    PASSWORD,
    add_sign_ins,
    code_for,
    recent,
    sign_in_verified,
    stepped_up,
)
from tests.twofactor.soft_authenticator import SoftAuthenticator, add_soft_passkey
from twofactor import app_settings, crypto, totp
from twofactor.models import (
    Activity,
    Authenticator,
    CodeThrottle,
    Passkey,
    RecoveryCode,
    RecoveryCodes,
    RefusedAttempts,
    ResetRequest,
    TrustedBrowser,
)
from twofactor.notifications import not_me_url
from twofactor.services import activity, browsers, recovery_codes, resets
from twofactor.services import codes as codes_service
from twofactor.views.preferences import two_factor_section

FEW, MANY = 5, 500
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
META = activity.RequestMeta("203.0.113.5", USER_AGENT)


def count(request) -> int:
    """SQL statements of one request (``request`` makes it and checks its answer)."""
    with CaptureQueriesContext(connection) as queries:
        request()
    return len(queries)


def ok(client, url, status=200):
    def request():
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)

    return request


# Data: rows of everything a page may list, for one person or for a team ------------------------


def add_devices(user, number):
    key = crypto.encrypt(totp.generate_key())
    Authenticator.objects.bulk_create(
        Authenticator(user=user, name=f"Phone {n}", confirmed=True, encrypted_key=key)
        for n in range(number)
    )


def add_browsers(user, number):
    now = timezone.now()
    TrustedBrowser.objects.bulk_create(
        TrustedBrowser(
            user=user,
            token_hash=f"{n:064}",
            user_agent=USER_AGENT,
            ip_address="198.51.100.1",
            created_at=now,
            last_seen_at=now - timedelta(minutes=n),
            expires_at=now + timedelta(days=30),
        )
        for n in range(number)
    )


def add_refusals(user, number):
    """``number`` counts of refused attempts of ``user``, one a window (earlier windows than
    those of the counts already there), in their team's log."""
    latest = timezone.now() - timedelta(hours=RefusedAttempts.objects.filter(subject=user).count())
    RefusedAttempts.objects.bulk_create(
        RefusedAttempts(
            kind=RefusedAttempts.Kind.CODE_LOCKED,
            origin=Activity.Origin.NOT_SIGNED_IN,
            actor=user,
            subject=user,
            team_id=user.team_id,
            window_start=latest - timedelta(hours=n),
            first_at=latest - timedelta(hours=n),
            last_at=latest - timedelta(hours=n),
            count=n + 1,
            ip_address="198.51.100.1",
        )
        for n in range(number)
    )


def add_passkeys(user, number):
    """``number`` passkeys of ``user`` (keys nobody holds: only their rows matter here)."""
    start = Passkey.objects.count()
    Passkey.objects.bulk_create(
        Passkey(
            user=user,
            name=f"Key {n}",
            confirmed=True,
            credential_id=f"key-{n}".encode(),
            credential_id_sha256=f"{n:064}",
            public_key=b"",
            aaguid="00000000-0000-0000-0000-000000000000",
        )
        for n in range(start, start + number)
    )


def add_history(user, number):
    """Another ``number`` authenticators, passkeys, trusted browsers, activity records and
    counts of refused attempts of ``user``."""
    add_devices(user, number)
    add_passkeys(user, number)
    add_browsers(user, number)
    add_sign_ins(user, number)
    add_refusals(user, number)


def add_recovery_codes(people, *, used):
    """A set of ten recovery codes for each of ``people``, ``used`` of each set used."""
    sets = RecoveryCodes.objects.bulk_create(
        RecoveryCodes(user=person, name=RecoveryCodes.NAME, confirmed=True) for person in people
    )
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            recovery_codes=codes,
            digest=f"{codes.pk:032}{n:032}",
            used_at=timezone.now() if n < used else None,
        )
        for codes in sets
        for n in range(10)
    )


def add_teammates(team, number, tag):
    """``number`` people in ``team`` in every 2FA state (on, locked, reset requested, off,
    deactivated: one in seven, across the others), each with an authenticator, a trusted
    browser and activity where that state has them, and recovery codes: some with codes left,
    some with every code used, some with none."""
    people = User.objects.bulk_create(
        User(
            email=f"{tag}{n:04}@acme.test",
            full_name=f"Person {tag}{n:04}",
            team=team,
            is_active=n % 7 != 4,
        )
        for n in range(number)
    )
    key = crypto.encrypt(totp.generate_key())
    devices = [
        Authenticator(user=person, name="Phone", confirmed=True, encrypted_key=key)
        for person in people[: number * 3 // 4]
    ]
    Authenticator.objects.bulk_create(devices)
    CodeThrottle.objects.bulk_create(
        CodeThrottle(
            user=device.user,
            throttling_failure_count=10,
            throttling_failure_timestamp=timezone.now(),
        )
        for device in devices[::5]
    )
    ResetRequest.objects.bulk_create(
        ResetRequest(user=person, team=team) for person in people[number // 2 :: 3]
    )
    add_recovery_codes(people[: number // 2], used=3)
    add_recovery_codes(people[number // 2 : number * 3 // 4], used=10)
    for person in people:
        add_sign_ins(person, 1)
    add_browsers(people[0], number)
    add_refusals(people[0], number)


# Sign-in: password step and code step ----------------------------------------------------------


def test_password_step_queries_do_not_grow(member, add_authenticator, clock):
    add_authenticator(member)
    add_history(member, FEW)

    def sign_in():
        response = Client().post(
            reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
        )
        assert response.status_code == 302 and response.url.startswith(reverse("twofactor:code"))

    few = count(sign_in)
    add_history(member, MANY)
    assert count(sign_in) == few


def test_sign_in_from_a_trusted_browser_queries_do_not_grow(member, add_authenticator, clock):
    add_authenticator(member)
    cookie = browsers.trust_browser(user=member, request_meta=META, announce=False)

    def sign_in():
        browser = Client()
        browser.cookies[app_settings.trusted_browser_cookie_name()] = cookie
        response = browser.post(
            reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
        )
        assert response.status_code == 302 and response.url == reverse("accounts:preferences")

    add_history(member, FEW)
    few = count(sign_in)
    add_history(member, MANY)
    assert count(sign_in) == few


def code_step(user, device, *, clock):
    """Pass the password, then time the code step alone with the code of the next time step."""

    def request():
        browser = Client()
        response = browser.post(
            reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        clock.shift(totp.STEP_SECONDS)  # a new code: a code is accepted once
        code = code_for(device)
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(reverse("twofactor:code"), {"code": code})
        assert response.status_code == 302 and response.url == reverse("accounts:preferences")
        return len(queries)

    return request


def test_code_step_queries_do_not_grow(member, add_authenticator, clock):
    device = add_authenticator(member)
    add_history(member, FEW)
    few = code_step(member, device, clock=clock)()
    add_history(member, MANY)
    assert code_step(member, device, clock=clock)() == few


@pytest.mark.django_db(transaction=True)  # real BEGIN and COMMIT, as in production
def test_code_step_from_a_new_browser_costs_at_most_nineteen_statements(
    member, add_authenticator, clock
):
    """The budget of the busiest request, every statement it sends counted: the session read
    (``cached_db`` finds it in the cache instead) and the user read; then one transaction (BEGIN,
    COMMIT) holding the person's code entry locked, the authenticators read, the authenticator
    updated, the new
    session key as Django's ``cycle_key`` writes it (a check that the key is free, its INSERT
    between SAVEPOINT and RELEASE, the old row read and deleted), the last sign-in updated, the
    trusted browser inserted and both activity records in one INSERT; then the response's save
    of the session in a transaction of its own (BEGIN, UPDATE, COMMIT)."""
    device = add_authenticator(member)
    assert code_step(member, device, clock=clock)() <= 19
    assert TrustedBrowser.objects.filter(user=member).count() == 1
    assert sorted(Activity.objects.filter(subject=member).values_list("kind", flat=True)) == [
        Activity.Kind.BROWSER_TRUSTED,
        Activity.Kind.CODE_ACCEPTED,
        Activity.Kind.PASSWORD_ACCEPTED,  # the password step before it
    ]


def passkey_step(user, key, *, clock):
    """Pass the password, then count the passkey step alone (its challenge, then its answer)."""
    browser = Client(HTTP_USER_AGENT=USER_AGENT)

    def measure():
        clock.shift(60)
        response = browser.post(
            reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        begin = reverse("twofactor:passkey_sign_in_begin")
        options = browser.post(begin, "{}", content_type="application/json").json()
        answer = json.dumps(key.get(options))
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(
                reverse("twofactor:passkey_sign_in_complete"),
                answer,
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
        browser.post(reverse("accounts:sign_out"))
        browser.cookies.clear()  # a new browser each time
        return len(queries)

    return measure


def test_passkey_step_queries_do_not_grow(member, add_authenticator, clock):
    add_authenticator(member)
    key = SoftAuthenticator()
    add_soft_passkey(member, key)
    add_history(member, FEW)
    few = passkey_step(member, key, clock=clock)()
    add_history(member, MANY)
    assert passkey_step(member, key, clock=clock)() == few


def test_code_step_page_queries_do_not_grow(client, member, add_authenticator, clock):
    add_authenticator(member)
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    add_history(member, FEW)
    few = count(ok(client, reverse("twofactor:code")))
    add_history(member, MANY)
    assert count(ok(client, reverse("twofactor:code"))) == few


def test_sign_in_page_queries_do_not_grow(client, member, acme):
    few = count(ok(client, reverse("accounts:sign_in")))
    add_teammates(acme, MANY, "s")
    assert count(ok(client, reverse("accounts:sign_in"))) == few


# The setup wizard (adding another authenticator, so the person has history) ---------------------


def wizard_counts(client, user, clock) -> list[int]:
    stepped_up(client)  # adding another authenticator needs a recent second factor
    counts = [count(ok(client, reverse("twofactor:setup")))]
    client.post(reverse("twofactor:setup"), {"password": PASSWORD})
    counts.append(count(ok(client, reverse("twofactor:setup_app"))))
    client.post(reverse("twofactor:setup_app"))
    counts.append(count(ok(client, reverse("twofactor:setup_scan"))))  # makes the key
    counts.append(count(ok(client, reverse("twofactor:setup_scan"))))  # a reload
    client.post(reverse("twofactor:setup_scan"))
    counts.append(count(ok(client, reverse("twofactor:setup_verify"))))
    pending = Authenticator.objects.get(user=user, confirmed=False)
    clock.shift(totp.STEP_SECONDS)

    def verify():
        response = client.post(reverse("twofactor:setup_verify"), {"code": code_for(pending)})
        assert response.status_code == 302 and response.url == reverse("twofactor:setup_name")

    counts.append(count(verify))
    counts.append(count(ok(client, reverse("twofactor:setup_name"))))
    return counts


def recovery_code_step(user):
    """Pass the password, then count the recovery-code step alone with one of a fresh set."""

    def request():
        browser = Client()
        response = browser.post(
            reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        code = recovery_codes.create_recovery_codes(user=user, request_meta=META)[0]
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(reverse("twofactor:recovery_code"), {"code": code})
        assert response.status_code == 302, response.content
        assert SESSION_KEY in browser.session
        return len(queries)

    return request


def test_recovery_code_step_queries_do_not_grow(member, add_authenticator, clock):
    add_authenticator(member)
    add_history(member, FEW)
    few = recovery_code_step(member)()
    add_history(member, MANY)
    assert recovery_code_step(member)() == few


def test_recovery_code_page_queries_do_not_grow(client, member, add_authenticator, clock):
    add_authenticator(member)
    recovery_codes.create_recovery_codes(user=member, request_meta=META)
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    add_history(member, FEW)
    few = count(ok(client, reverse("twofactor:recovery_code")))
    add_history(member, MANY)
    assert count(ok(client, reverse("twofactor:recovery_code"))) == few


def test_generate_new_codes_queries_do_not_grow(client, member, add_authenticator, clock):
    """The page that shows a new set: its cost does not follow the person's history."""
    sign_in_verified(client, member, add_authenticator(member))
    recent(client)
    stepped_up(client)
    recovery_codes.create_recovery_codes(user=member, request_meta=META)

    def generate():
        response = client.post(reverse("twofactor:generate_recovery_codes"))
        assert response.status_code == 200 and response.context["codes"]

    add_history(member, FEW)
    few = count(generate)
    add_history(member, MANY)
    assert count(generate) == few


def test_wizard_steps_queries_do_not_grow(member, add_authenticator, clock):
    device = add_authenticator(member)
    add_history(member, FEW)
    few = wizard_counts(sign_in_verified(Client(), member, device), member, clock)
    Authenticator.objects.filter(user=member).exclude(pk=device.pk).delete()
    add_history(member, MANY)
    many = wizard_counts(sign_in_verified(Client(), member, device), member, clock)
    assert many == few


# My Preferences and Manage Access --------------------------------------------------------------


@pytest.mark.parametrize("url", [reverse("accounts:preferences"), reverse("twofactor:manage")])
def test_own_pages_queries_do_not_grow(client, member, add_authenticator, clock, url):
    device = add_authenticator(member)
    sign_in_verified(client, member, device)
    cookie = browsers.trust_browser(user=member, request_meta=META, announce=False)
    client.cookies[app_settings.trusted_browser_cookie_name()] = cookie
    resets.request_reset(user=member, request_meta=META)
    add_history(member, FEW)
    few = count(ok(client, url))
    add_history(member, MANY)
    assert count(ok(client, url)) == few


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:change_password"),
        reverse("accounts:confirm_password"),
        reverse("twofactor:confirm_code"),
        reverse("twofactor:add_passkey"),
    ],
)
def test_own_other_pages_queries_do_not_grow(client, member, add_authenticator, clock, url):
    """The pages a person opens from My Preferences and Manage Access besides them."""
    device = add_authenticator(member)
    sign_in_verified(client, member, device)
    recent(client)
    stepped_up(client)
    add_history(member, FEW)
    few = count(ok(client, url))
    add_history(member, MANY)
    assert count(ok(client, url)) == few


def test_two_factor_section_of_my_preferences_is_one_query_in_every_recovery_codes_state(
    client, member, add_authenticator, clock, django_assert_num_queries
):
    """The 2FA section reads the person's status, their recovery codes left and whether they
    put off creating them in the one query of its summary: no set, plenty, few, none left and
    the request put off all cost the same."""
    device = add_authenticator(member)
    sign_in_verified(client, member, device)
    request = RequestFactory().get(reverse("accounts:preferences"))
    request.user = member

    def section_queries():
        with django_assert_num_queries(1):
            return two_factor_section(request).context["two_factor"]

    preferences = count(ok(client, reverse("accounts:preferences")))
    assert section_queries().asks_for_recovery_codes
    codes = recovery_codes.create_recovery_codes(user=member, request_meta=META)
    assert section_queries().recovery_codes_left == 10
    for code in codes:
        clock.shift(1)
        codes_service.verify_recovery_code(user=member, code=code, request_meta=META)
    assert section_queries().recovery_codes_left == 0
    assert count(ok(client, reverse("accounts:preferences"))) == preferences
    RecoveryCodes.objects.filter(user=member).delete()
    recovery_codes.dismiss_recovery_codes_prompt(user=member)
    assert not section_queries().asks_for_recovery_codes
    assert count(ok(client, reverse("accounts:preferences"))) == preferences


# My Team ---------------------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, manager, add_authenticator, clock):
    sign_in_verified(client, manager, add_authenticator(manager))
    recent(client)
    return client


TEAM_PAGES = [
    reverse("team:members"),
    reverse("team:members") + "?page=2",
    reverse("team:members") + "?q=person",
    reverse("team:members") + "?q=nobody-has-this",
    reverse("team:members") + "?status=on",
    reverse("team:members") + "?status=off",
    reverse("team:members") + "?status=locked",
    reverse("team:members") + "?status=requested",
    reverse("team:members") + "?q=person&status=requested",
    reverse("team:members") + "?status=deactivated",
    reverse("team:members") + "?q=person&status=deactivated&recovery_codes=none",
    reverse("team:members") + "?requests=all",
    reverse("team:members") + "?recovery_codes=none",
    reverse("team:members") + "?recovery_codes=left",
    reverse("team:members") + "?recovery_codes=none&page=2",
    reverse("team:members") + "?status=on&recovery_codes=left",
    reverse("team:members") + "?q=person&status=requested&recovery_codes=none",
    reverse("team:activity"),
    reverse("team:activity") + "?kind=signed_in",
    reverse("team:activity") + "?person=alice@acme.test",
    reverse("team:activity") + "?kind=refused_code_locked",
    reverse("team:activity") + "?kind=refused_code_locked&person=alice@acme.test",
    reverse("team:activity") + "?page=2",
]


@pytest.mark.parametrize("url", TEAM_PAGES)
def test_my_team_queries_do_not_grow(manager_client, acme, member, url):
    add_teammates(acme, FEW, "f")
    add_sign_ins(member, FEW)
    add_refusals(member, FEW)
    few = count(ok(manager_client, url))
    add_teammates(acme, MANY, "m")
    add_sign_ins(member, MANY)
    add_refusals(member, MANY)
    assert count(ok(manager_client, url)) == few


# The activity page's filters, posted to its download (which has no pages).
ACTIVITY_DOWNLOADS = [
    dict(parse_qsl(urlsplit(url).query))
    for url in TEAM_PAGES
    if url.startswith(reverse("team:activity")) and "page=" not in url
]


@pytest.mark.parametrize("filters", ACTIVITY_DOWNLOADS, ids=lambda filters: str(filters))
def test_activity_download_queries_do_not_grow(manager_client, acme, member, filters):
    """The whole filtered log streams from one query, however many rows it holds."""

    def download():
        response = manager_client.post(reverse("team:activity_csv"), filters)
        assert response.status_code == 200
        return b"".join(response.streaming_content).count(b"\n")

    add_teammates(acme, FEW, "f")
    add_sign_ins(member, FEW)
    add_refusals(member, FEW)
    download()  # the session's first request writes it
    few = count(download)
    add_teammates(acme, MANY, "m")
    add_sign_ins(member, MANY)
    add_refusals(member, MANY)
    assert download() > MANY
    assert count(download) == few


def add_invitations(team, inviters, number, tag):
    """``number`` pending invitations to ``team``, sent by each of ``inviters`` in turn."""
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            team=team,
            email=f"{tag}{n:04}@invited.test",
            invited_by=inviters[n % len(inviters)],
            token_hash=f"{tag}{n:063}"[:64],
            sent_at=now - timedelta(minutes=n),
            expires_at=now + timedelta(days=7 if n % 2 else -1),  # some expired
        )
        for n in range(number)
    )


@pytest.mark.parametrize(
    "url", [reverse("team:members"), reverse("team:members") + "?invitations=all"]
)
def test_my_team_with_pending_invitations_queries_do_not_grow(
    manager_client, acme, manager, make_user, url
):
    """The pending invitations and who sent each come in one query, however many."""
    other = make_user("olga@acme.test", team=acme, role=User.Role.MANAGER, full_name="Olga")
    add_invitations(acme, [manager, other], FEW, "f")
    few = count(ok(manager_client, url))
    add_invitations(acme, [manager, other], MANY, "m")
    response = manager_client.get(url)
    assert response.content.decode().count("Resend</button>") == (
        FEW + MANY if "all" in url else 10
    )
    assert count(ok(manager_client, url)) == few


def test_invite_page_queries_do_not_grow(manager_client, acme, manager):
    add_teammates(acme, FEW, "f")
    add_invitations(acme, [manager], FEW, "f")
    few = count(ok(manager_client, reverse("team:invite")))
    add_teammates(acme, MANY, "m")
    add_invitations(acme, [manager], MANY, "m")
    assert count(ok(manager_client, reverse("team:invite"))) == few


def test_my_team_reads_recovery_codes_within_its_list_and_count_queries(manager_client, acme):
    """Whether each teammate has codes left comes with the page's rows, and the filter on it
    goes into the rows' and the count's own queries: neither adds a statement."""
    add_teammates(acme, FEW, "f")
    ok(manager_client, reverse("team:members"))()  # the session's first request writes it

    def recovery_code_queries(url):
        with CaptureQueriesContext(connection) as queries:
            ok(manager_client, url)()
        return len(queries), [q["sql"] for q in queries if "twofactor_recoverycode" in q["sql"]]

    plain, plain_reads = recovery_code_queries(reverse("team:members"))
    filtered, filtered_reads = recovery_code_queries(
        reverse("team:members") + "?recovery_codes=none"
    )
    assert filtered == plain
    assert len(plain_reads) == 1 and "EXISTS" in plain_reads[0]
    assert len(filtered_reads) == 2  # the rows and their count


def test_my_team_detail_queries_do_not_grow(manager_client, member, add_authenticator):
    add_authenticator(member)
    add_recovery_codes([member], used=3)
    resets.request_reset(user=member, request_meta=META)
    url = reverse("team:member_detail", args=[member.pk])
    add_history(member, FEW)
    few = count(ok(manager_client, url))
    add_history(member, MANY)
    assert count(ok(manager_client, url)) == few


def test_my_team_reset_confirmation_queries_do_not_grow(manager_client, member):
    url = reverse("team:reset_member", args=[member.pk])
    add_history(member, FEW)
    few = count(ok(manager_client, url))
    add_history(member, MANY)
    assert count(ok(manager_client, url)) == few


@pytest.mark.parametrize("name", ["team:deactivate_member", "team:make_manager"])
def test_my_team_administration_confirmations_queries_do_not_grow(manager_client, member, name):
    url = reverse(name, args=[member.pk])
    add_history(member, FEW)
    few = count(ok(manager_client, url))
    add_history(member, MANY)
    assert count(ok(manager_client, url)) == few


# Forgotten password and "This wasn't me" ----------------------------------------------------


def test_forgotten_password_pages_queries_do_not_grow(client, member, member_device, clock):
    """The link, "Choose a new password" and saving it read the person, not their history."""

    def costs():
        link = reset_link(User.objects.get(pk=member.pk)).removeprefix(settings.PORTAL_URL)
        response = client.get(link)
        choose = response.url
        result = [count(ok(client, choose))]

        def save():
            saved = client.post(
                choose,
                {
                    "new_password1": "a brand new pass phrase",
                    "new_password2": "a brand new pass phrase",
                },
            )
            assert saved.status_code == 302, saved.content

        result.append(count(save))
        return result

    add_history(member, FEW)
    few = costs()
    add_history(member, MANY)
    add_teammates(member.team, MANY, "r")
    assert costs() == few


def test_not_me_page_and_confirmation_queries_do_not_grow(client, member, member_device, clock):
    def costs():
        person = User.objects.get(pk=member.pk)
        link = not_me_url(person, "new_browser").removeprefix(settings.PORTAL_URL)
        page = count(ok(client, link))

        def confirm():
            assert client.post(link).status_code == 302

        return [page, count(confirm), count(ok(client, link))]  # the last: a used link

    add_history(member, FEW)
    few = costs()
    add_history(member, MANY)
    add_teammates(member.team, MANY, "n")
    assert costs() == few
