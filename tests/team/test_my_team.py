"""My Team: Managers see and reset the 2FA of their own team's people only."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.conftest import (
    PASSWORD,
    add_sign_ins,
    code_for,
    lock_code_entry,
    recent,
    sign_in_verified,
)
from tests.team.conftest import without_icons
from twofactor.models import Activity, Authenticator, ResetRequest, TrustedBrowser
from twofactor.services import activity, resets

MEMBERS = reverse("team:members")
ACTIVITY = reverse("team:activity")


def urls_with_ids(member_id, request_id):
    return [
        ("get", reverse("team:member_detail", args=[member_id])),
        ("get", reverse("team:reset_member", args=[member_id])),
        ("post", reverse("team:reset_member", args=[member_id])),
        ("post", reverse("team:dismiss_request", args=[request_id])),
    ]


# Authorization ---------------------------------------------------------------------------------


def test_member_gets_403_on_every_team_url(client, member, member_device, manager):
    sign_in_verified(client, member, member_device)
    recent(client)
    reset_request, _ = resets.request_reset(user=member, request_meta=activity.RequestMeta())
    pages = [("get", MEMBERS), ("get", ACTIVITY)] + urls_with_ids(manager.pk, reset_request.pk)
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 403, url
    assert ResetRequest.objects.get(pk=reset_request.pk).status == "open"


def test_my_team_is_in_the_navigation_of_managers_only(manager_client, member, member_device):
    assert ">My Team</a>" in manager_client.get(reverse("accounts:preferences")).content.decode()
    other = sign_in_verified(Client(), member, member_device)
    assert ">My Team</a>" not in other.get(reverse("accounts:preferences")).content.decode()


def test_another_teams_member_is_a_404_everywhere(manager_client, outsider, add_authenticator):
    device = add_authenticator(outsider)
    reset_request, _ = resets.request_reset(user=outsider, request_meta=activity.RequestMeta())
    for method, url in urls_with_ids(outsider.pk, reset_request.pk):
        assert getattr(manager_client, method)(url).status_code == 404, url
    assert Authenticator.objects.filter(pk=device.pk).exists()
    assert ResetRequest.objects.get(pk=reset_request.pk).status == "open"
    page = manager_client.get(MEMBERS + "?q=charlie").content.decode()
    assert "charlie@globex.test" not in page
    page = manager_client.get(ACTIVITY + "?person=charlie@globex.test").content.decode()
    assert "Nobody in your team has this email." in page


def test_team_pages_need_a_verified_session(client, manager, add_authenticator):
    assert client.get(MEMBERS).status_code == 302
    add_authenticator(manager)
    client.force_login(manager)
    assert client.get(MEMBERS).url.startswith(reverse("twofactor:code"))


def test_state_changes_need_post(manager_client, member, member_device):
    reset_request, _ = resets.request_reset(user=member, request_meta=activity.RequestMeta())
    url = reverse("team:dismiss_request", args=[reset_request.pk])
    assert manager_client.get(url).status_code == 405
    assert ResetRequest.objects.get(pk=reset_request.pk).status == "open"


def test_state_changes_need_the_csrf_token(manager, add_authenticator, member, member_device):
    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, manager, add_authenticator(manager))
    recent(client)
    assert client.post(reverse("team:reset_member", args=[member.pk])).status_code == 403
    assert Authenticator.objects.filter(user=member).exists()


# The list ----------------------------------------------------------------------------------------


def test_list_shows_each_teammate_with_the_right_status(
    manager_client, manager, member, member_device, make_user, acme, add_authenticator, clock
):
    make_user("bob@acme.test", team=acme, full_name="Bob")  # not set up
    carol = make_user("carol@acme.test", team=acme, full_name="Carol")
    add_authenticator(carol)
    resets.request_reset(user=carol, request_meta=activity.RequestMeta())
    dave = make_user("dave@acme.test", team=acme, full_name="Dave")
    add_authenticator(dave)
    lock_code_entry(dave)

    page = without_icons(manager_client.get(MEMBERS).content.decode())
    rows = {email: row_of(page, email) for email in ("alice@acme.test", "bob@acme.test")}
    rows.update((email, row_of(page, email)) for email in ("carol@acme.test", "dave@acme.test"))
    assert 'status-tag--on">On</span>' in rows["alice@acme.test"]
    assert "since <time" in rows["alice@acme.test"]
    assert "1 authenticator" in rows["alice@acme.test"]
    assert 'status-tag--off">Not set up</span>' in rows["bob@acme.test"]
    assert "authenticator" not in rows["bob@acme.test"]
    assert 'status-tag--requested">Reset requested</span>' in rows["carol@acme.test"]
    assert 'status-tag--locked">Locked</span>' in rows["dave@acme.test"]
    assert "Member" in rows["bob@acme.test"]


def row_of(page: str, email: str) -> str:
    """The row of ``email`` in My Team's list of people."""
    start = page.rindex(
        '<tr role="row">', 0, page.index(f'class="person__email">{email}</span></td>')
    )
    return page[start : page.index("</tr>", start)]


def test_reset_2fa_is_offered_to_people_with_2fa_or_an_open_request_only(
    manager_client, manager, member, member_device, make_user, acme, add_authenticator
):
    """SPEC's rule for "Reset 2FA" on My Team's rows: 2FA set up (whatever else holds, a lock
    or a deactivation too), or a reset request open; not for someone who has neither."""
    add_authenticator(manager)
    make_user("bob@acme.test", team=acme, full_name="Bob")  # not set up
    carol = make_user("carol@acme.test", team=acme, full_name="Carol")  # asks, no 2FA
    resets.request_reset(user=carol, request_meta=activity.RequestMeta())
    dave = make_user("dave@acme.test", team=acme, full_name="Dave", is_active=False)
    add_authenticator(dave)
    eve = make_user("eve@acme.test", team=acme, full_name="Eve")
    add_authenticator(eve)
    lock_code_entry(eve)
    page = manager_client.get(MEMBERS).content.decode()
    offered = {
        email: ">Reset 2FA</a>" in row_of(page, email)
        for email in ("alice@acme.test", "bob@acme.test", "carol@acme.test", "dave@acme.test")
    }
    offered["eve@acme.test"] = ">Reset 2FA</a>" in row_of(page, "eve@acme.test")
    assert offered == {
        "alice@acme.test": True,
        "bob@acme.test": False,
        "carol@acme.test": True,
        "dave@acme.test": True,
        "eve@acme.test": True,
    }
    # A row action: quiet, never the red button of the confirmation page.
    people = page[page.index('id="people-heading"') :]
    assert people.count('class="button button--quiet button--small" href="/team/members/') == 5
    assert "button--danger" not in page
    for person, offers in [(member, True), (User.objects.get(email="bob@acme.test"), False)]:
        detail = manager_client.get(reverse("team:member_detail", args=[person.pk]))
        assert (">Reset 2FA</a>" in detail.content.decode()) is offers


def test_search_by_name_or_email(manager_client, member, make_user, acme):
    make_user("bob@acme.test", team=acme, full_name="Roberto")
    page = manager_client.get(MEMBERS + "?q=robert").content.decode()
    assert "bob@acme.test" in page and "alice@acme.test" not in page
    page = manager_client.get(MEMBERS + "?q=ALICE@").content.decode()
    assert "alice@acme.test" in page and "bob@acme.test" not in page


def test_filter_by_status(manager_client, member, member_device, make_user, acme):
    make_user("bob@acme.test", team=acme, full_name="Bob")
    page = manager_client.get(MEMBERS + "?status=off").content.decode()
    assert "bob@acme.test" in page and "alice@acme.test" not in page
    page = manager_client.get(MEMBERS + "?status=on").content.decode()
    assert "alice@acme.test" in page and "bob@acme.test" not in page
    response = manager_client.get(MEMBERS + "?status=bogus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_list_is_paginated_by_fifty(manager_client, acme):
    User.objects.bulk_create(
        User(email=f"p{n:03}@acme.test", full_name=f"Person {n:03}", team=acme) for n in range(60)
    )
    first = manager_client.get(MEMBERS).content.decode()
    assert first.count("@acme.test</span></td>") == 50
    assert "Page 1 of 2" in first
    second = manager_client.get(MEMBERS + "?page=2").content.decode()
    assert second.count("@acme.test</span></td>") == 11  # the 60 and Marta, less the first 50
    assert manager_client.get(MEMBERS + "?page=999").status_code == 200
    assert manager_client.get(MEMBERS + "?page=abc").status_code == 200


def test_the_pages_count_what_the_search_and_filter_match(
    manager_client, acme, globex, add_authenticator
):
    """The number of pages comes from the people the search and the status filter match in
    this team, not from the whole team or table."""
    people = User.objects.bulk_create(
        User(email=f"s{n:03}@acme.test", full_name=f"Silva {n:03}", team=acme) for n in range(70)
    )
    User.objects.bulk_create(
        User(email=f"g{n:03}@globex.test", full_name=f"Silva G{n:03}", team=globex)
        for n in range(70)
    )
    for person in people[:55]:
        add_authenticator(person)
    page = manager_client.get(MEMBERS + "?q=silva&status=on").content.decode()
    assert "Page 1 of 2" in page and page.count("@acme.test</span></td>") == 50
    page = manager_client.get(MEMBERS + "?q=silva&status=on&page=2").content.decode()
    assert page.count("@acme.test</span></td>") == 5
    page = manager_client.get(MEMBERS + "?q=silva&status=off").content.decode()
    assert "Page 1 of" not in page and page.count("@acme.test</span></td>") == 15
    page = manager_client.get(MEMBERS + "?q=nobody").content.decode()
    assert "Nobody in the team matches this search." in page and "Page 1 of" not in page


def make_team_of(size, team):
    people = User.objects.bulk_create(
        User(email=f"q{n:04}@{team.name}.test", full_name=f"Q {n:04}", team=team)
        for n in range(size)
    )
    devices = []
    for person in people[::2]:
        device = Authenticator(user=person, name="Phone", confirmed=True)
        device.key = b"0" * 20
        devices.append(device)
    Authenticator.objects.bulk_create(devices)
    ResetRequest.objects.bulk_create(ResetRequest(user=p, team=team) for p in people[1::7])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [MEMBERS, MEMBERS + "?q=q0&status=on", ACTIVITY])
def test_page_queries_do_not_grow_with_the_team(manager_client, acme, globex, url):
    make_team_of(5, acme)
    small = count_queries(manager_client, url)
    make_team_of(500, globex)
    User.objects.filter(team=globex).update(team=acme)
    ResetRequest.objects.filter(team=globex).update(team=acme)
    large = count_queries(manager_client, url)
    assert small == large


# Detail ----------------------------------------------------------------------------------------


def test_detail_shows_devices_browsers_and_activity(manager_client, member, member_device, clock):
    browser = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    browser.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    browser.post(reverse("twofactor:code"), {"code": code_for(member_device)})
    page = manager_client.get(reverse("team:member_detail", args=[member.pk])).content.decode()
    assert "Alice phone" in page
    assert "Firefox on Linux" in page
    assert "Security code accepted" in page
    key = member_device.key
    from twofactor import totp

    assert totp.key_to_base32(key) not in page


# Reset -----------------------------------------------------------------------------------------


def test_reset_needs_a_recent_password(client, manager, add_authenticator, member, member_device):
    sign_in_verified(client, manager, add_authenticator(manager))
    url = reverse("team:reset_member", args=[member.pk])
    response = client.post(url)
    assert response.url.startswith(reverse("accounts:confirm_password"))
    assert Authenticator.objects.filter(user=member).exists()


def test_reset_confirmation_page(manager_client, member):
    page = manager_client.get(reverse("team:reset_member", args=[member.pk])).content.decode()
    assert "Reset 2FA of Alice?" in page
    assert '<button type="submit" class="button button--danger">Reset 2FA</button>' in page


def test_reset_removes_exactly_the_targets_devices_and_signs_them_out(
    manager_client, manager, member, member_device, make_user, acme, add_authenticator, clock
):
    bystander = make_user("bob@acme.test", team=acme, full_name="Bob")
    bystander_device = add_authenticator(bystander)
    TrustedBrowser.objects.create(user=bystander, token_hash="x", expires_at=clock_time(30))
    member_session = Client()
    member_session.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    member_session.post(reverse("twofactor:code"), {"code": code_for(member_device)})
    assert member_session.get(reverse("accounts:preferences")).status_code == 200
    resets.request_reset(user=member, request_meta=activity.RequestMeta())
    mail.outbox.clear()
    other_manager = make_user("max@acme.test", team=acme, role=User.Role.MANAGER)

    response = manager_client.post(reverse("team:reset_member", args=[member.pk]))
    assert response.url == MEMBERS

    assert not Authenticator.objects.filter(user=member).exists()
    assert not TrustedBrowser.objects.filter(user=member).exists()
    assert Authenticator.objects.filter(pk=bystander_device.pk).exists()
    assert TrustedBrowser.objects.filter(user=bystander).exists()
    assert Authenticator.objects.filter(user=manager).exists()
    # The member's open session is signed out; the Manager's is not.
    assert member_session.get(reverse("accounts:preferences")).status_code == 302
    assert SESSION_KEY not in member_session.session
    assert manager_client.get(MEMBERS).status_code == 200
    # The request is closed, the record names actor and target, the emails go out.
    closed = ResetRequest.objects.get(user=member)
    assert closed.status == "reset" and closed.closed_by == manager
    record = Activity.objects.get(kind=Activity.Kind.RESET)
    assert record.actor == manager and record.subject == member and record.team == member.team
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, other_manager.email]
    # The member's next sign-in goes through setup.
    response = member_session.post(
        reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
    )
    assert response.url.startswith(reverse("twofactor:setup"))


def clock_time(days):
    from datetime import timedelta

    return timezone.now() + timedelta(days=days)


def test_manager_can_reset_another_manager(manager_client, make_user, acme, add_authenticator):
    other = make_user("max@acme.test", team=acme, role=User.Role.MANAGER)
    add_authenticator(other)
    manager_client.post(reverse("team:reset_member", args=[other.pk]))
    assert not Authenticator.objects.filter(user=other).exists()


def test_manager_resetting_themselves_from_my_team_goes_through_their_own_reset(
    manager_client, manager
):
    """One way to reset one's own 2FA, with its step-up: My Team's row of the Manager leads to
    it, and resets nothing itself."""
    own = reverse("twofactor:reset_own")
    for method in ("get", "post"):
        response = getattr(manager_client, method)(reverse("team:reset_member", args=[manager.pk]))
        assert response.url == own
    assert Authenticator.objects.filter(user=manager).exists()


def test_pending_requests_are_shown_and_can_be_dismissed(manager_client, manager, member):
    reset_request, _ = resets.request_reset(user=member, request_meta=activity.RequestMeta())
    page = manager_client.get(MEMBERS).content.decode()
    assert "Reset requests" in page and "alice@acme.test" in page[: page.index("People")]
    manager_client.post(reverse("team:dismiss_request", args=[reset_request.pk]))
    reset_request.refresh_from_db()
    assert reset_request.status == "dismissed" and reset_request.closed_by == manager
    assert "Reset requests" not in manager_client.get(MEMBERS).content.decode()
    assert Activity.objects.filter(kind=Activity.Kind.RESET_REQUEST_DISMISSED).exists()
    # A closed request cannot be dismissed again.
    response = manager_client.post(reverse("team:dismiss_request", args=[reset_request.pk]))
    assert response.status_code == 404


# Activity --------------------------------------------------------------------------------------


def test_activity_is_the_teams_newest_first_with_filters(
    manager_client, manager, member, outsider, clock
):
    meta = activity.RequestMeta()
    activity.record_activity(
        kind=Activity.Kind.SIGNED_IN, subject=member, actor=member, request_meta=meta
    )
    clock.shift(60)
    activity.record_activity(
        kind=Activity.Kind.CODE_FAILED, subject=member, actor=member, request_meta=meta
    )
    activity.record_activity(
        kind=Activity.Kind.SIGNED_IN, subject=outsider, actor=outsider, request_meta=meta
    )
    page = manager_client.get(ACTIVITY).content.decode()
    assert page.index(">Wrong security code</span>") < page.index(">Signed in</span>")
    assert "Charlie" not in page
    page = manager_client.get(ACTIVITY + "?kind=code_failed").content.decode()
    assert "Wrong security code" in page and ">Signed in</span>" not in page
    page = manager_client.get(ACTIVITY + "?person=ALICE@acme.test").content.decode()
    assert "Wrong security code" in page
    page = manager_client.get(
        ACTIVITY + "?person=marta@acme.test&kind=code_failed"
    ).content.decode()
    assert "No activity." in page


def test_activity_pages_go_on_without_counting_the_whole_log(manager_client, member):
    """The log is paged by reading one row more than a page: page 1 links to page 2, the last
    page has no "Next", and no COUNT of the team's activity is made."""
    add_sign_ins(member, 120)  # with the Manager's own sign-in records: 3 pages
    total = Activity.objects.filter(team_id=member.team_id).count()
    assert 100 < total <= 150
    with CaptureQueriesContext(connection) as queries:
        first = manager_client.get(ACTIVITY).content.decode()
    assert not any("COUNT(" in query["sql"] for query in queries.captured_queries)
    assert "Page 1" in first and "Page 1 of" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert first.count('<tr role="row">') == 1 + 50  # the heading row and a page
    third = manager_client.get(ACTIVITY + "?page=3").content.decode()
    assert third.count('<tr role="row">') == 1 + total - 100
    assert 'rel="next"' not in third and 'href="?page=2"' in third
    # filters are kept in the links
    filtered = manager_client.get(ACTIVITY + "?kind=signed_in").content.decode()
    assert 'href="?kind=signed_in&amp;page=2"' in filtered


@pytest.mark.parametrize("number", ["abc", "-3", "0", "", "99999999999999999999"])
def test_a_malformed_or_huge_activity_page_number_is_no_error(manager_client, member, number):
    add_sign_ins(member, 3)
    response = manager_client.get(ACTIVITY + "?page=" + number)
    assert response.status_code == 200
    page = response.content.decode()
    if number in ("abc", "-3", "0", ""):
        assert "Signed in" in page  # the first page
    else:
        assert "No activity." in page and 'rel="prev"' in page


def test_the_reset_requests_panel_shows_the_ten_oldest_then_all_on_demand(
    manager_client, acme, clock
):
    """Above the list, the ten oldest open requests and a link to all of them: the page stays
    the same size however many people ask at once."""
    people = User.objects.bulk_create(
        User(email=f"r{n:02}@acme.test", full_name=f"Asker {n:02}", team=acme) for n in range(12)
    )
    for person in people:
        ResetRequest.objects.create(user=person, team=acme)
        clock.shift(60)
    page = manager_client.get(MEMBERS).content.decode()
    panel = page[page.index('id="requests-heading"') : page.index('id="people-heading"')]
    assert panel.count("Dismiss the request of") == 10
    assert "Asker 00" in panel and "Asker 09" in panel and "Asker 10" not in panel
    assert 'href="?requests=all#requests-heading">All reset requests</a>' in panel
    page = manager_client.get(MEMBERS + "?requests=all").content.decode()
    panel = page[page.index('id="requests-heading"') : page.index('id="people-heading"')]
    assert panel.count("Dismiss the request of") == 12 and "All reset requests" not in panel


def test_ten_reset_requests_need_no_link(manager_client, acme):
    for n in range(10):
        person = User.objects.create(email=f"t{n}@acme.test", team=acme)
        ResetRequest.objects.create(user=person, team=acme)
    page = manager_client.get(MEMBERS).content.decode()
    assert page.count("Dismiss the request of") == 10 and "All reset requests" not in page
