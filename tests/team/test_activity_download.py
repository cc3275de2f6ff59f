""" "Download CSV" of the team's activity: the log the page's filters select, the team's only,
streamed as a UTF-8 file that spreadsheets open safely, for Managers only, and recorded. It is
a POST with the CSRF token, so no other site can make a Manager take (and record) a copy."""

import csv
import html
import io
import re

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from tests.conftest import recent, sign_in_verified
from twofactor.models import Activity, RefusedAttempts
from twofactor.services import activity, refusals
from twofactor.services.activity import RequestMeta

ACTIVITY = reverse("team:activity")
DOWNLOAD = reverse("team:activity_csv")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
AT_SIGN_IN = RequestMeta("203.0.113.7", CHROME, Activity.Origin.NOT_SIGNED_IN)


def download(client, params=None) -> list[dict]:
    """The file's rows (by the header's names), checking that it is a streamed CSV."""
    response = client.post(DOWNLOAD, params or {})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def record(person, kind=Activity.Kind.SIGNED_IN, *, actor=None, meta=AT_SIGN_IN, **detail):
    activity.record_activity(
        kind=kind, subject=person, actor=actor or person, request_meta=meta, **detail
    )


def refuse(person, times, kind=RefusedAttempts.Kind.PASSWORD_THROTTLED):
    for _ in range(times):
        refusals.count_refused_attempt(kind=kind, subject=person, request_meta=AT_SIGN_IN)


def events(rows) -> list[str]:
    return [row["Event"] for row in rows]


# The file ----------------------------------------------------------------------------------------


def test_the_download_is_a_streamed_utf8_csv_named_with_the_date_and_never_cached(
    manager_client,
):
    response = manager_client.post(DOWNLOAD)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="team-activity-2026-11-29.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    first_line = b"".join(response.streaming_content).decode("utf-8").splitlines()[0]
    assert first_line == (
        "\ufeffWhen,Event,Outcome,Event code,Count,First attempt,Who,Who (email),Whom,"
        "Whom (email),IP address,Browser,User agent,Authenticator"
    )


def test_the_file_holds_the_records_and_the_counts_of_refused_attempts_newest_first(
    manager_client, member, clock
):
    clock.shift(60)
    record(member, Activity.Kind.PASSWORD_FAILED)
    clock.shift(60)
    refuse(member, 3)
    clock.shift(60)
    record(member, Activity.Kind.AUTHENTICATOR_ADDED, authenticator="Alice phone")

    rows = download(manager_client)

    assert events(rows)[:4] == [
        "Activity log downloaded",  # this download, recorded before the file is read
        "Authenticator added",
        "Password refused (too many attempts)",
        "Wrong password",
    ]
    added, refused, failed = rows[1:4]
    assert added["Authenticator"] == "Alice phone" and added["Outcome"] == ""
    assert added["Browser"] == "Chrome on Windows" and added["User agent"] == CHROME
    assert added["Who"] == added["Whom"] == "Alice"  # both said in the file
    assert added["Who (email)"] == added["Whom (email)"] == member.email
    assert (refused["Count"], refused["Outcome"]) == ("3", "Refused")
    assert refused["First attempt"] == "2026-11-29T12:02:00+00:00"
    assert refused["When"] == "2026-11-29T12:02:00+00:00"
    assert refused["Who"] == "Not signed in"
    assert (failed["Outcome"], failed["Count"], failed["First attempt"]) == ("Failed", "1", "")
    assert failed["IP address"] == "203.0.113.7"


def test_the_file_reads_in_the_managers_language_and_time_zone(manager_client, manager, member):
    manager.language, manager.time_zone = "pt-br", "America/Sao_Paulo"
    manager.save(update_fields=["language", "time_zone"])
    record(member, Activity.Kind.PASSWORD_FAILED)

    rows = download(manager_client, {"kind": "password_failed"})

    assert rows == [rows[0]] and rows[0]["Quando"] == "2026-11-29T09:00:00-03:00"
    assert (rows[0]["Evento"], rows[0]["Resultado"]) == ("Senha incorreta", "Falhou")


def test_the_file_never_holds_another_teams_rows(manager_client, member, outsider):
    record(member)
    refuse(member, 2)
    record(outsider, Activity.Kind.PASSWORD_FAILED)
    refuse(outsider, 5)

    rows = download(manager_client, {"team": outsider.team_id})  # a parameter no form reads

    assert {row["Whom (email)"] for row in rows} <= {member.email, "marta@acme.test", ""}
    assert "charlie" not in str(rows).lower()


def test_the_filters_of_the_page_apply(manager_client, manager, member):
    record(member)
    record(member, Activity.Kind.PASSWORD_FAILED)
    refuse(member, 2)
    record(manager, Activity.Kind.PASSWORD_FAILED)

    by_person = download(manager_client, {"person": member.email})
    by_kind = download(manager_client, {"kind": "password_failed"})
    both = download(manager_client, {"kind": "password_failed", "person": member.email})
    refused = download(manager_client, {"kind": "refused_password"})

    assert events(by_person) == [
        "Password refused (too many attempts)",  # at the same moment, a count comes first
        "Activity log downloaded",  # of her activity: this download
        "Wrong password",
        "Signed in",
    ]
    assert events(by_kind) == ["Wrong password"] * 2
    assert [row["Whom"] for row in both] == ["Alice"]
    assert [(row["Event"], row["Count"]) for row in refused] == [
        ("Password refused (too many attempts)", "2")
    ]


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"person": "charlie@globex.test"}, "person", "Nobody in your team has this email."),
        ({"person": "not an email"}, "person", "Enter a valid email address."),
        ({"person": "x" * 300 + "@acme.test"}, "person", "Ensure this value has at most"),
        ({"kind": "drop table"}, "kind", "Select a valid choice."),
    ],
)
def test_refused_filters_show_the_page_with_its_message_as_the_page_does(
    manager_client, outsider, params, field, message
):
    record(outsider)

    response = manager_client.post(DOWNLOAD, params)
    page = manager_client.get(ACTIVITY, params)

    assert response.status_code == page.status_code == 200
    assert not isinstance(response, StreamingHttpResponse)
    assert response.templates[0].name == "team/activity.html"
    assert message in response.content.decode() and message in page.content.decode()
    assert "Download CSV" not in response.content.decode()
    assert f'<form method="get" action="{ACTIVITY}" class="filters">' in response.content.decode()
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def test_a_page_number_does_not_cut_the_file(manager_client, member):
    record(member)
    assert events(download(manager_client, {"page": "abc"}))[-1:] == ["Signed in"]
    assert len(download(manager_client, {"page": "2"})) >= 2


def test_a_member_is_refused_the_download(client, member, member_device):
    sign_in_verified(client, member, member_device)

    assert client.post(DOWNLOAD).status_code == 403
    assert client.get(ACTIVITY).status_code == 403
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def test_signed_out_the_download_leads_to_the_sign_in(db):
    response = Client().post(DOWNLOAD)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign_in"))


def test_a_get_is_refused_and_records_nothing(manager_client, member):
    """A link from another site (a top-level GET carries the session) takes no copy."""
    response = manager_client.get(DOWNLOAD, {"person": member.email})

    assert response.status_code == 405
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def download_form(page: str) -> dict[str, str]:
    """The hidden fields of the page's download form (posted to the download)."""
    form = re.search(
        rf'<form method="post" action="{DOWNLOAD}" class="activity-download">(.*?)</form>',
        page,
        re.S,
    )
    assert form, "no download form"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[1])
    return {name: html.unescape(value) for name, value in fields}


def csrf_client(manager, add_authenticator):
    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, manager, add_authenticator(manager))
    recent(client)
    return client


def test_a_post_without_the_csrf_token_is_refused_and_records_nothing(
    clock, manager, add_authenticator, member
):
    client = csrf_client(manager, add_authenticator)

    response = client.post(DOWNLOAD, {"person": member.email})

    assert response.status_code == 403
    assert not isinstance(response, StreamingHttpResponse)
    assert not Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).exists()


def test_the_pages_form_sends_the_token_and_the_filters_and_gets_the_filtered_file(
    clock, manager, add_authenticator, member
):
    record(member)
    record(manager, Activity.Kind.PASSWORD_FAILED)
    client = csrf_client(manager, add_authenticator)
    page = client.get(ACTIVITY, {"person": member.email, "page": "2"}).content.decode()
    fields = download_form(page)

    rows = download(client, fields)

    assert set(fields) == {"csrfmiddlewaretoken", "person"}
    assert {row["Whom (email)"] for row in rows} == {member.email}
    assert events(rows) == ["Activity log downloaded", "Signed in"]


# The download is recorded ------------------------------------------------------------------------


def test_the_download_is_recorded_with_whose_activity_and_which_event(
    manager_client, manager, member
):
    download(manager_client, {"person": member.email, "kind": "signed_in"})
    download(manager_client)

    filtered, whole = Activity.objects.filter(kind=Activity.Kind.ACTIVITY_DOWNLOADED).order_by("pk")
    assert (filtered.actor, filtered.subject, filtered.team) == (manager, member, manager.team)
    assert filtered.detail == {"event": "signed_in"}
    assert filtered.origin == Activity.Origin.SIGNED_IN
    assert (whole.subject, whole.detail) == (None, {})


# The page's form --------------------------------------------------------------------------------


def hidden_fields(page: str) -> dict[str, str]:
    fields = download_form(page)
    assert fields.pop("csrfmiddlewaretoken")
    return fields


def test_the_page_offers_the_download_of_what_it_shows(manager_client, member):
    filtered = manager_client.get(
        ACTIVITY, {"person": member.email, "kind": "signed_in", "page": "2"}
    ).content.decode()
    whole = manager_client.get(ACTIVITY).content.decode()

    assert f'<form method="post" action="{DOWNLOAD}" class="activity-download">' in filtered
    assert hidden_fields(filtered) == {"person": member.email, "kind": "signed_in"}
    assert '<button type="submit" class="button button--small">' in filtered
    assert "Download CSV</button>" in filtered
    assert hidden_fields(whole) == {}
