"""The team's activity log: counted refused attempts shown among the records in time order, and
who acted said in words that are true ("Not signed in", "Command line", the administrator)."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.conftest import PASSWORD, add_sign_ins, sign_in_verified
from twofactor.models import Activity, Authenticator, RefusedAttempts
from twofactor.services import activity, refusals
from twofactor.services.activity import RequestMeta

ACTIVITY = reverse("team:activity")
NOT_SIGNED_IN = RequestMeta("203.0.113.7", "Firefox", Activity.Origin.NOT_SIGNED_IN)


def signed_in_again(client, manager):
    """The Manager's browser signed in afresh, now (after the clock has moved)."""
    return sign_in_verified(client, manager, Authenticator.objects.get(user=manager))


def refuse(person, times, kind=RefusedAttempts.Kind.PASSWORD_THROTTLED, *, by_the_person=False):
    """``times`` refused attempts on ``person`` (``by_the_person``: a code refused at the code
    step, where the person has passed the password; else a password refused at the sign-in)."""
    for _ in range(times):
        refusals.count_refused_attempt(
            kind=kind,
            subject=person,
            actor=person if by_the_person else None,
            request_meta=NOT_SIGNED_IN,
        )


def record(person, kind=Activity.Kind.SIGNED_IN):
    activity.record_activity(kind=kind, subject=person, actor=person, request_meta=NOT_SIGNED_IN)


def events(page: str) -> list[str]:
    """The events of an activity table, top to bottom (without their outcome)."""
    return re.findall(r'<span class="activity__event-name">(.*?)</span>', page)


def cells(page: str, label: str) -> list[str]:
    return re.findall(rf'<td role="cell"[^>]*data-label="{label}">(.*?)</td>', page)


# Refused attempts among the records --------------------------------------------------------------


def test_refused_attempts_show_once_with_their_count_and_times_in_time_order(
    manager_client, manager, member, clock
):
    """A count takes its place among the records at its last time."""
    clock.move_to("2026-11-29 10:00:00+00:00")
    record(member, Activity.Kind.PASSWORD_FAILED)
    clock.move_to("2026-11-29 10:02:00+00:00")
    refuse(member, 199)
    clock.move_to("2026-11-29 10:03:00+00:00")
    record(member, Activity.Kind.PASSWORD_ACCEPTED)
    clock.move_to("2026-11-29 10:04:00+00:00")
    refuse(member, 1)
    clock.move_to("2026-11-29 10:05:00+00:00")
    record(member)

    page = signed_in_again(manager_client, manager).get(ACTIVITY).content.decode()

    assert events(page)[:4] == [
        "Signed in",
        "Password refused (too many attempts) × 200, 10:02 a.m.–10:04 a.m.",
        "Password accepted",
        "Wrong password",
    ]
    assert sum("Password refused" in event for event in events(page)) == 1
    # Her own actions name her once; the refused sign-ins came from nobody signed in.
    assert (
        cells(page, "Who")[:4] == ["Alice, own action", "Not signed in"] + ["Alice, own action"] * 2
    )
    assert cells(page, "Whom")[0] == "Alice"
    row = page.index("× 200")
    assert "Nov. 29, 2026, 10:04 a.m." in page[page.rindex("<tr", 0, row) : row]  # its last time


def test_a_refused_attempt_reads_in_the_managers_language_and_time_zone(
    manager_client, manager, member, clock
):
    manager.language, manager.time_zone = "pt-br", "America/Sao_Paulo"
    manager.save(update_fields=["language", "time_zone"])
    clock.move_to("2026-11-29 13:02:00+00:00")
    refuse(member, 1, RefusedAttempts.Kind.CODE_LOCKED)
    clock.move_to("2026-11-29 13:09:00+00:00")
    refuse(member, 1, RefusedAttempts.Kind.CODE_LOCKED)

    page = signed_in_again(manager_client, manager).get(ACTIVITY).content.decode()

    assert "Código recusado (entrada de códigos bloqueada) × 2, 10:02–10:09" in page


def test_a_count_across_midnight_shows_both_dates(manager_client, manager, member, clock):
    """A window (an hour from the full hour, UTC) holds a local midnight in a time zone half an
    hour off."""
    manager.time_zone = "Asia/Kolkata"
    manager.save(update_fields=["time_zone"])
    clock.move_to("2026-11-29 18:20:00+00:00")
    refuse(member, 1)
    clock.move_to("2026-11-29 18:40:00+00:00")
    refuse(member, 1)

    page = signed_in_again(manager_client, manager).get(ACTIVITY).content.decode()

    assert (
        "Password refused (too many attempts) × 2, Nov. 29, 2026, 11:50 p.m.–Nov. 30, 2026, "
        "12:10 a.m."
    ) in page


def test_the_log_shows_the_teams_refused_attempts_only(manager_client, member, outsider):
    refuse(member, 3)
    refuse(outsider, 5)
    refusals.count_refused_attempt(  # nobody known: counted per address, in no team's log
        kind=RefusedAttempts.Kind.PASSWORD_THROTTLED, request_meta=NOT_SIGNED_IN
    )

    page = manager_client.get(ACTIVITY).content.decode()

    assert [event for event in events(page) if "refused" in event] == [
        "Password refused (too many attempts) × 3, noon–noon"
    ]


def test_the_filter_offers_and_applies_the_kinds_of_refusal(manager_client, member, manager):
    record(member)
    refuse(member, 2, RefusedAttempts.Kind.CODE_WAIT)
    refuse(member, 4, RefusedAttempts.Kind.CODE_LOCKED)
    refuse(manager, 1, RefusedAttempts.Kind.CODE_WAIT)

    form = manager_client.get(ACTIVITY).content.decode()
    for kind in RefusedAttempts.Kind:
        assert f'<option value="{kind.value}">{kind.label}</option>' in form

    page = manager_client.get(ACTIVITY, {"kind": "refused_code_wait"}).content.decode()
    assert [event.split(" × ")[0] for event in events(page)] == [
        "Code refused (too soon after a wrong code)"
    ] * 2
    page = manager_client.get(
        ACTIVITY, {"kind": "refused_code_wait", "person": member.email}
    ).content.decode()
    assert events(page) == ["Code refused (too soon after a wrong code) × 2, noon–noon"]
    page = manager_client.get(ACTIVITY, {"kind": "signed_in"}).content.decode()
    assert not any("refused" in event for event in events(page))
    page = manager_client.get(ACTIVITY, {"person": member.email}).content.decode()
    assert len(events(page)) == 3  # her record and her two counts, not Marta's


def test_pages_of_the_log_hold_the_records_and_counts_in_order(manager_client, member, clock):
    """The Window paging reads one row more than a page of the merged log."""
    add_sign_ins(member, 30)  # beside the Manager's own sign-in
    clock.shift(60)
    refuse(member, 7)
    clock.shift(60)
    add_sign_ins(member, 40)

    first = manager_client.get(ACTIVITY).content.decode()
    second = manager_client.get(ACTIVITY, {"page": 2}).content.decode()

    rows = events(first) + events(second)
    assert len(events(first)) == 50 and 'rel="next"' in first
    assert 'rel="next"' not in second
    assert rows.index("Password refused (too many attempts) × 7, 12:01 p.m.–12:01 p.m.") == 40
    assert rows.count("Signed in") == 70
    assert len(rows) == 71 + sum(1 for event in rows if event == "Password accepted")


def test_a_teammates_page_shows_their_refused_attempts(manager_client, member, manager):
    refuse(member, 12, RefusedAttempts.Kind.CODE_LOCKED, by_the_person=True)
    refuse(manager, 1, RefusedAttempts.Kind.CODE_LOCKED, by_the_person=True)

    page = manager_client.get(reverse("team:member_detail", args=[member.pk])).content.decode()

    assert events(page) == ["Code refused (code entry locked) × 12, noon–noon"]
    # The code step: the person, past the password, on her own account.
    assert cells(page, "Who") == ["Alice, own action"] and cells(page, "Whom") == []


# Who acted, in true words ------------------------------------------------------------------------


def test_a_wrong_password_at_sign_in_shows_not_signed_in(manager_client, member):
    Client().post(reverse("accounts:sign_in"), {"email": member.email, "password": "wrong"})
    failed = Activity.objects.get(kind=Activity.Kind.PASSWORD_FAILED)
    assert (failed.actor, failed.origin) == (None, Activity.Origin.NOT_SIGNED_IN)

    page = manager_client.get(ACTIVITY, {"kind": "password_failed"}).content.decode()

    assert cells(page, "Who") == ["Not signed in"] and cells(page, "Whom") == ["Alice"]


def test_a_refused_sign_in_shows_not_signed_in(manager_client, member):
    refuse(member, 2)
    page = manager_client.get(ACTIVITY, {"kind": "refused_password"}).content.decode()
    assert cells(page, "Who") == ["Not signed in"]


def test_a_reset_from_the_command_line_shows_command_line(
    manager_client, member, add_authenticator
):
    add_authenticator(member)
    call_command("reset_2fa", member.email, stdout=io.StringIO())
    reset = Activity.objects.get(kind=Activity.Kind.RESET)
    assert (reset.actor, reset.origin) == (None, Activity.Origin.COMMAND_LINE)

    page = manager_client.get(ACTIVITY, {"kind": "reset"}).content.decode()

    assert cells(page, "Who") == ["Command line"]


def test_a_reset_by_an_administrator_shows_the_administrators_name(
    manager_client, administrator, member, add_authenticator
):
    """Through the admin's action, the administrator typing their password again."""
    add_authenticator(member)
    admin = sign_in_verified(Client(), administrator, add_authenticator(administrator))
    admin.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "reset_two_factor",
            "_selected_action": [member.pk],
            "confirm": "yes",
            "password": PASSWORD,
        },
    )
    reset = Activity.objects.get(kind=Activity.Kind.RESET)
    assert reset.origin == Activity.Origin.ADMIN

    page = manager_client.get(ACTIVITY, {"kind": "reset"}).content.decode()

    assert cells(page, "Who") == ["Root Admin"]


def test_a_signed_in_persons_action_shows_their_name_and_says_signed_in(
    manager_client, manager, member
):
    manager_client.post(reverse("team:reset_member", args=[member.pk]))
    reset = Activity.objects.get(kind=Activity.Kind.RESET)
    assert (reset.actor, reset.origin) == (manager, Activity.Origin.SIGNED_IN)

    page = manager_client.get(ACTIVITY, {"kind": "reset"}).content.decode()

    assert cells(page, "Who") == ["Marta"]


@pytest.mark.parametrize(
    "kind, detail, who",
    [
        (Activity.Kind.RESET, {"via": "command line"}, "Command line"),
        (Activity.Kind.PASSWORD_FAILED, {"email": "alice@acme.test"}, "Not signed in"),
        (Activity.Kind.PASSWORD_CHANGED, {}, "Unknown"),
    ],
)
def test_a_record_that_does_not_say_its_origin_is_read_honestly(
    manager_client, member, kind, detail, who
):
    Activity.objects.create(kind=kind, subject=member, team=member.team, detail=detail)

    page = manager_client.get(ACTIVITY, {"kind": kind}).content.decode()

    assert cells(page, "Who") == [who]


@pytest.mark.parametrize(
    "kind, refused, event",
    [
        (Activity.Kind.PASSWORD_FAILED, "throttled", "Password refused (too many attempts)"),
        (Activity.Kind.CODE_FAILED, "locked", "Code refused (code entry locked)"),
        (Activity.Kind.CODE_FAILED, "throttled", "Code refused (too soon after a wrong code)"),
    ],
)
def test_a_record_of_one_refused_attempt_reads_as_refused_not_as_wrong(
    manager_client, administrator, add_authenticator, member, kind, refused, event
):
    """Records written one a refused attempt (detail "refused") say what happened."""
    Activity.objects.create(
        kind=kind, subject=member, team=member.team, detail={"refused": refused}
    )

    page = manager_client.get(ACTIVITY, {"kind": kind}).content.decode()
    assert events(page) == [event]

    admin = sign_in_verified(Client(), administrator, add_authenticator(administrator))
    listed = admin.get(reverse("admin:twofactor_activity_changelist"), {"kind": kind})
    assert f'<td class="field-event">{event}</td>' in listed.content.decode()


# What a row shows --------------------------------------------------------------------------------

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def row_of(page: str, event: str) -> str:
    """The markup of the first row whose event is ``event``."""
    at = page.index(f'<span class="activity__event-name">{escape(event)}')
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


@pytest.mark.parametrize(
    "kind, outcome, label, icon",
    [
        (Activity.Kind.PASSWORD_FAILED, "failed", "Failed", "triangle-alert"),
        (Activity.Kind.PASSKEY_FAILED, "failed", "Failed", "triangle-alert"),
        (Activity.Kind.SIGN_IN_REFUSED_DEACTIVATED, "refused", "Refused", "circle-x"),
        (Activity.Kind.NOT_ME_REPORTED, "warning", "Warning", "shield-alert"),
    ],
)
def test_a_failure_says_so_in_words_beside_an_icon(
    manager_client, member, kind, outcome, label, icon
):
    record(member, kind)

    row = row_of(manager_client.get(ACTIVITY).content.decode(), Activity.Kind(kind).label)

    assert f'<tr role="row" class="activity-row--{outcome}">' in row
    tag = re.search(rf'<span class="outcome outcome--{outcome}">(.*?)</span>', row).group(1)
    assert tag.endswith(label) and f"#{icon}" in tag and 'aria-hidden="true"' in tag


def test_a_count_of_refused_attempts_says_refused(manager_client, member):
    refuse(member, 4)
    row = row_of(manager_client.get(ACTIVITY).content.decode(), "Password refused")
    assert 'class="outcome outcome--refused">' in row and "Refused</span>" in row


def test_a_success_has_no_outcome_mark(manager_client, member):
    record(member, Activity.Kind.AUTHENTICATOR_ADDED)
    row = row_of(manager_client.get(ACTIVITY).content.decode(), "Authenticator added")
    assert 'class="outcome' not in row and '<tr role="row">' in row


def test_the_browser_column_names_browser_and_system(manager_client, member):
    activity.record_activity(
        kind=Activity.Kind.BROWSER_TRUSTED,
        subject=member,
        actor=member,
        request_meta=RequestMeta("203.0.113.7", CHROME, Activity.Origin.SIGNED_IN),
    )
    activity.record_activity(
        kind=Activity.Kind.RESET, subject=member, request_meta=RequestMeta.command_line()
    )

    page = manager_client.get(ACTIVITY, {"person": member.email}).content.decode()

    assert cells(page, "Browser") == ["—", "Chrome on Windows"]  # none from the command line
    assert cells(page, "IP address") == ["—", "203.0.113.7"]


def test_ones_own_action_names_the_person_once_across_who_and_whom(manager_client, manager, member):
    record(member, Activity.Kind.AUTHENTICATOR_ADDED)
    activity.record_activity(
        kind=Activity.Kind.RESET, subject=member, actor=manager, request_meta=NOT_SIGNED_IN
    )

    page = manager_client.get(ACTIVITY, {"person": member.email}).content.decode()

    own = row_of(page, "Authenticator added")
    assert '<td role="cell" class="activity__who" colspan="2" data-label="Who">' in own
    assert "Alice, own action</td>" in own and 'data-label="Whom"' not in own
    other = row_of(page, "Two-factor authentication reset")
    assert cells(other, "Who") == ["Marta"] and cells(other, "Whom") == ["Alice"]


def test_a_time_says_how_long_ago_within_a_day_and_keeps_the_full_date_beside(
    manager_client, manager, member, clock
):
    record(member, Activity.Kind.AUTHENTICATOR_ADDED)
    clock.shift(10)
    record(member, Activity.Kind.PASSWORD_CHANGED)
    clock.shift(3 * 3600)

    page = signed_in_again(manager_client, manager).get(ACTIVITY).content.decode()

    time = '<time datetime="2026-11-29T12:00:00+00:00" title="Nov. 29, 2026, noon">'
    assert f"{time}3\xa0hours ago</time>" in row_of(page, "Authenticator added")
    clock.shift(24 * 3600)
    page = signed_in_again(manager_client, manager).get(ACTIVITY).content.decode()
    assert ">Nov. 29, 2026, noon</time>" in row_of(page, "Authenticator added")
    record(member, Activity.Kind.SIGNED_OUT)
    page = manager_client.get(ACTIVITY).content.decode()
    assert ">Just now</time>" in row_of(page, "Signed out")
