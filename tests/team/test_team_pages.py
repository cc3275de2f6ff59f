"""What My Team, the teammate's page and the reset confirmation say: each status with the
moment it dates from, short dates with the full one in their title, the reset's words to the
Manager about the teammate's own app entries, and the empty states."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.rows import moment, sentence
from team.services import invitations
from tests.conftest import NOW, lock_code_entry
from tests.team.conftest import without_icons
from twofactor import app_settings
from twofactor.models import Activity, Authenticator
from twofactor.services import activity, resets

MEMBERS = reverse("team:members")
META = activity.RequestMeta("203.0.113.5", "Firefox")


def detail(client, person, **headers) -> str:
    url = reverse("team:member_detail", args=[person.pk])
    return without_icons(client.get(url, **headers).content.decode())


def status_of(page: str) -> str:
    """The teammate page's 2FA status, as marked up."""
    start = page.index('<dd id="two-factor-status">')
    return page[start : page.index("</dd>", start)]


# The teammate's page: the status and since when -------------------------------------------------


def test_on_says_since_the_first_authenticator_was_added(
    manager_client, member, add_authenticator, clock
):
    old = add_authenticator(member, name="Old phone")
    Authenticator.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=3))
    add_authenticator(member, name="New phone")
    assert (
        'status-tag--on">On since <time datetime="2026-11-26T12:00:00+00:00" '
        'title="Nov. 26, 2026, noon">26 Nov 2026</time></span>'
    ) in status_of(detail(manager_client, member))


def test_locked_says_since_the_wrong_code_that_locked_it(
    manager_client, member, member_device, clock
):
    lock_code_entry(member, at=NOW - timedelta(minutes=10))
    status = status_of(detail(manager_client, member))
    assert 'status-tag--locked">Locked since <time datetime="2026-11-29T11:50:00+00:00"' in status
    assert ">29 Nov 2026 11:50 a.m.</time>" in status


def test_a_lock_that_ran_out_is_on_again(manager_client, member, member_device, clock):
    lock_code_entry(member, at=NOW - timedelta(seconds=app_settings.lock_seconds() + 1))
    assert 'status-tag--on">On since' in status_of(detail(manager_client, member))


def test_requested_says_when_the_request_was_sent(manager_client, member, clock):
    resets.request_reset(user=member, request_meta=META)
    page = detail(manager_client, member)
    assert (
        'status-tag--requested">Reset requested on <time datetime="2026-11-29T12:00:00+00:00"'
        in status_of(page)
    )
    assert "<dt>Reset requested</dt>" in page


@pytest.mark.parametrize(
    "state, expected",
    [
        ("off", 'status-tag--off">Not set up</span>'),
        ("gone", 'status-tag--deactivated">Deactivated'),
    ],
)
def test_statuses_without_a_moment_say_the_status_alone(
    manager_client, make_user, acme, add_authenticator, state, expected
):
    person = make_user("bob@acme.test", team=acme, full_name="Bob", is_active=state == "off")
    if state == "gone":
        add_authenticator(person)
    status = status_of(detail(manager_client, person))
    assert expected in status and "since" not in status and "<time" not in status


@pytest.mark.parametrize("header, language", [("pt-BR", "pt-br"), ("es", "es")])
def test_the_status_and_its_moment_are_translated(
    manager_client, member, member_device, clock, header, language
):
    lock_code_entry(member)
    with translation.override(language):
        locked_since = translation.gettext("Locked since %(since)s") % {"since": ""}
    assert locked_since.startswith("Bloqueada desde")
    assert locked_since in status_of(detail(manager_client, member, HTTP_ACCEPT_LANGUAGE=header))


def test_the_teammate_page_offers_its_actions_quietly(manager_client, member, member_device):
    """Reset 2FA and Deactivate are ordinary buttons on the teammate's page; the red one is the
    confirmation's."""
    page = detail(manager_client, member)
    assert f'class="button" href="{reverse("team:reset_member", args=[member.pk])}"' in page
    deactivate = reverse("team:deactivate_member", args=[member.pk])
    assert f'class="button button--quiet" href="{deactivate}">Deactivate</a>' in page
    assert "button--danger" not in page


def test_the_teammate_page_queries_are_as_many_in_every_status(
    manager_client, member, add_authenticator, clock
):
    """The status and its moment come with the person's own row: none of them adds a query."""
    url = reverse("team:member_detail", args=[member.pk])
    manager_client.get(url)  # the session's first request writes it

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(url).status_code == 200
        return len(captured)

    off = queries()
    add_authenticator(member)
    on = queries()
    lock_code_entry(member)
    locked = queries()
    resets.request_reset(user=member, request_meta=META)
    assert off == on == locked == queries()


# My Team's list ---------------------------------------------------------------------------------


def row_of(page: str, email: str) -> str:
    start = page.rindex('<tr role="row">', 0, page.index(f'class="person__email">{email}<'))
    return page[start : page.index("</tr>", start)]


def test_the_list_shows_short_dates_with_the_full_one_in_their_title(
    manager_client, member, member_device, clock
):
    User.objects.filter(pk=member.pk).update(last_login=NOW - timedelta(days=2))
    row = row_of(without_icons(manager_client.get(MEMBERS).content.decode()), member.email)
    assert (
        'since <time datetime="2026-11-29T12:00:00+00:00" title="Nov. 29, 2026, noon">'
        "29 Nov 2026</time>"
    ) in row
    assert (
        'data-label="Last sign-in"><time datetime="2026-11-27T12:00:00+00:00" '
        'title="Nov. 27, 2026, noon">27 Nov 2026</time></td>'
    ) in row


def test_the_short_dates_follow_the_language(manager_client, member, member_device, clock):
    page = manager_client.get(MEMBERS, HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert 'title="29 de Novembro de 2026 às 12:00">29 Nov 2026</time>' in row_of(
        page, member.email
    )


def test_a_search_that_finds_nobody_says_so_and_offers_to_clear_it(manager_client, member):
    page = manager_client.get(MEMBERS + "?q=nobody-has-this&status=on").content.decode()
    assert "Nobody in the team matches this search." in page
    assert f'<a href="{MEMBERS}">Clear the search</a>' in page
    assert "<table" not in page[page.index('id="people-heading"') :]
    page = manager_client.get(MEMBERS).content.decode()
    assert "Clear the search" not in page and "matches this search" not in page


def test_no_pending_invitation_says_how_to_send_one(manager_client):
    page = manager_client.get(MEMBERS).content.decode()
    assert "No invitation is waiting for an answer. “Invite teammates” sends one by email." in page


def test_row_actions_of_the_requests_and_invitations_are_quiet(
    manager_client, manager, member, member_device
):
    resets.request_reset(user=member, request_meta=META)
    invitations.send_invitations(
        actor=manager,
        team=manager.team,
        emails=["dora@acme.test"],
        role=User.Role.MEMBER,
        language="en",
        request_meta=META,
    )
    page = without_icons(manager_client.get(MEMBERS).content.decode())
    requests = page[page.index('id="requests-heading"') : page.index('id="invitations-heading"')]
    assert 'class="button button--quiet button--small" href="' in requests
    assert '"button button--quiet button--small" aria-label="Dismiss the request of Alice"' in (
        requests
    )
    pending = page[page.index('id="invitations-heading"') : page.index('id="people-heading"')]
    for action in ("Resend", "Revoke"):
        label = f"{action} the invitation to dora@acme.test"
        assert f'class="button button--quiet button--small" aria-label="{label}">' in pending
    assert "button--danger" not in page


# The teammate's page: empty states ---------------------------------------------------------------


def test_a_teammate_with_no_history_gets_empty_states_that_say_what_is_missing(
    manager_client, member
):
    assert not Activity.objects.filter(subject=member).exists()
    page = detail(manager_client, member)
    assert "No activity yet" in page
    assert "All activity of this person" not in page
    assert "No authenticator yet" in page
    assert "No trusted browser: every browser asks for a security code at sign-in." in page


# The reset confirmation of a teammate -------------------------------------------------------------


@pytest.mark.parametrize(
    "header, language, placeholder",
    [("en", "en", "your email"), ("pt-BR", "pt-br", "seu e-mail"), ("es", "es", "tu correo")],
)
def test_the_reset_confirmation_asks_the_manager_to_have_the_teammate_remove_their_entry(
    manager_client, member, member_device, header, language, placeholder
):
    page = manager_client.get(
        reverse("team:reset_member", args=[member.pk]), HTTP_ACCEPT_LANGUAGE=header
    ).content.decode()
    with translation.override(language):
        ask = translation.gettext(
            "After the reset the codes of the old entries stop working. Ask %(name)s to remove "
            "“AxurOne: %(email)s” from their authenticator app, so that it is not mistaken for "
            "the new one."
        ) % {"name": "Alice", "email": "alice@acme.test"}
        android = translation.gettext(
            "Open the authenticator app and find the “AxurOne: %(email)s” entry."
        ) % {"email": "alice@acme.test"}
    assert language == "en" or ask.startswith(("Depois", "Después"))
    if language == "en":
        assert "Ask Alice to remove “AxurOne: alice@acme.test” from their authenticator app" in ask
    assert ask in page
    steps = page[page.index('<details class="disclosure">') : page.index("</details>")]
    assert android in steps
    assert placeholder not in page
    assert "your authenticator app" not in page  # the app is the teammate's


def test_a_sentence_escapes_its_words_and_keeps_a_moments_markup(clock):
    """A translation's own characters and the values put in are escaped; a date's <time>
    element stays markup."""
    made = sentence("A & B %(name)s %(since)s", name="<b>Eve</b>", since=moment(NOW))
    assert made.startswith("A &amp; B &lt;b&gt;Eve&lt;/b&gt; <time datetime=")


def test_the_teammate_pages_tables_show_short_dates_with_the_full_one_in_their_title(
    manager_client, member, member_device, clock
):
    page = detail(manager_client, member)
    tables = page[page.index('id="authenticators-heading"') : page.index('id="browsers-heading"')]
    assert (
        'data-label="Added"><time datetime="2026-11-29T12:00:00+00:00" '
        'title="Nov. 29, 2026, noon">29 Nov 2026</time></td>'
    ) in tables
    assert 'data-label="Last used">Never</td>' in tables
