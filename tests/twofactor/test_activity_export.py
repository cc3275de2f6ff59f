"""The activity log's CSV writer, shared by the Managers' download and the administration's:
cells a spreadsheet would run as formulas are made text, the file starts with a byte order mark
and a header, and rows come out a chunk at a time. The outcome rule that marks failures."""

import csv
import io
from datetime import UTC, datetime

import pytest

from twofactor import activity_export, activity_log
from twofactor.activity_log import Outcome
from twofactor.models import Activity, RefusedAttempts

FORMULAS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"]  # and full-width
TRIGGERS = [*FORMULAS, "\t", "\r", "\0"]


@pytest.mark.parametrize("start", TRIGGERS)
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe_first(start):
    assert activity_export.as_text(f'{start}HYPERLINK("http://evil.test")') == (
        f'\'{start}HYPERLINK("http://evil.test")'
    )


@pytest.mark.parametrize(
    "value, text",
    [
        ("Alice", "Alice"),
        ("alice@acme.test", "alice@acme.test"),
        ("a=b", "a=b"),  # only a first character runs
        (" Alice", " Alice"),
        ("\n", "\n"),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_other_cells_are_written_as_they_are(value, text):
    assert activity_export.as_text(value) == text


@pytest.mark.parametrize("space", [" ", "  ", "\t", "\n", "\r\n", " \n\t", "\u3000"])
@pytest.mark.parametrize("start", FORMULAS)
def test_a_formula_after_leading_whitespace_gets_an_apostrophe_first(space, start):
    assert activity_export.as_text(f"{space}{start}1+1") == f"'{space}{start}1+1"


def row(**values) -> dict:
    """A row of the log as ``activity_log`` reads it."""
    base = dict.fromkeys(activity_log.COLUMNS)
    base.update(
        at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
        first_at=datetime(2026, 11, 29, 11, 0, tzinfo=UTC),
        count=1,
        kind=Activity.Kind.SIGNED_IN,
        origin=Activity.Origin.SIGNED_IN,
        refused=False,
        user_agent="",
    )
    base.update(values)
    return base


def read(lines) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith(activity_export.BYTE_ORDER_MARK)
    assert text.count(activity_export.BYTE_ORDER_MARK) == 1
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("start", TRIGGERS)
def test_every_field_others_can_type_is_escaped(start, settings):
    settings.TIME_ZONE = "UTC"
    evil = f"{start}cmd|' /C calc'!A0"
    header, cells = read(
        activity_export.csv_lines(
            [
                row(
                    actor_name=evil,
                    actor_email=f"{start}x@evil.test",
                    subject_email=f"{start}y@evil.test",
                    user_agent=evil,
                    authenticator=evil,
                    ip_address="203.0.113.7",
                    team_name=evil,
                )
            ],
            with_team=True,
        )
    )
    written = dict(zip(header, cells, strict=True))
    for column in ("Who", "User agent", "Authenticator", "Team"):
        assert written[column] == f"'{evil}", column
    assert written["Who (email)"] == f"'{start}x@evil.test"
    assert written["Whom"] == written["Whom (email)"] == f"'{start}y@evil.test"
    assert not any(cell.startswith(tuple(TRIGGERS)) for cell in cells)


@pytest.mark.parametrize("start", TRIGGERS)
def test_the_acted_on_persons_name_is_escaped(start):
    header, cells = read(
        activity_export.csv_lines(
            [row(subject_name=f"{start}SUM(A1:A9)", subject_email="bob@acme.test")]
        )
    )

    written = dict(zip(header, cells, strict=True))
    assert written["Whom"] == f"'{start}SUM(A1:A9)"
    assert written["Whom (email)"] == "bob@acme.test"


def test_the_header_and_a_record_and_a_count_of_refused_attempts(settings):
    settings.TIME_ZONE = "UTC"
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    )
    rows = read(
        activity_export.csv_lines(
            [
                row(
                    kind=Activity.Kind.AUTHENTICATOR_ADDED,
                    actor_name="Alice",
                    actor_email="alice@acme.test",
                    subject_name="Alice",
                    subject_email="alice@acme.test",
                    ip_address="203.0.113.7",
                    user_agent=chrome,
                    authenticator="My phone",
                ),
                row(
                    kind=RefusedAttempts.Kind.CODE_LOCKED,
                    refused=True,
                    count=40,
                    origin=Activity.Origin.NOT_SIGNED_IN,
                    subject_name="Alice",
                    subject_email="alice@acme.test",
                ),
            ]
        )
    )

    assert rows == [
        [
            "When",
            "Event",
            "Outcome",
            "Event code",
            "Count",
            "First attempt",
            "Who",
            "Who (email)",
            "Whom",
            "Whom (email)",
            "IP address",
            "Browser",
            "User agent",
            "Authenticator",
        ],
        [
            "2026-11-29T12:00:00+00:00",
            "Authenticator added",
            "",
            "device_added",
            "1",
            "",
            "Alice",
            "alice@acme.test",
            "Alice",
            "alice@acme.test",
            "203.0.113.7",
            "Chrome on Windows",
            chrome,
            "My phone",
        ],
        [
            "2026-11-29T12:00:00+00:00",
            "Code refused (code entry locked)",
            "Refused",
            "refused_code_locked",
            "40",
            "2026-11-29T11:00:00+00:00",
            "Not signed in",
            "",
            "Alice",
            "alice@acme.test",
            "",
            "",
            "",
            "",
        ],
    ]


def test_rows_come_out_a_chunk_at_a_time(monkeypatch):
    monkeypatch.setattr(activity_export, "ROWS_PER_CHUNK", 10)
    chunks = list(activity_export.csv_lines(row() for _ in range(25)))
    assert len(chunks) == 1 + 3  # the header, then 10, 10 and 5 rows
    assert [chunk.count("\r\n") for chunk in chunks] == [1, 10, 10, 5]


# Which events are failures: one rule, every kind ------------------------------------------------

OUTCOMES = {
    Activity.Kind.PASSWORD_FAILED: Outcome.FAILED,
    Activity.Kind.CODE_FAILED: Outcome.FAILED,
    Activity.Kind.PASSKEY_FAILED: Outcome.FAILED,
    Activity.Kind.SIGN_IN_REFUSED_DEACTIVATED: Outcome.REFUSED,
    Activity.Kind.CODE_LOCKED: Outcome.WARNING,
    Activity.Kind.SIGNED_IN_DURING_CODE_LOCK: Outcome.WARNING,
    Activity.Kind.NOT_ME_REPORTED: Outcome.WARNING,
}


@pytest.mark.parametrize("kind", Activity.Kind)
def test_each_kind_of_record_has_its_outcome(kind):
    assert activity_log.outcome(kind, refused=False) == OUTCOMES.get(kind)


@pytest.mark.parametrize("kind", RefusedAttempts.Kind)
def test_every_count_of_refused_attempts_is_refused(kind):
    assert activity_log.outcome(kind, refused=True) == Outcome.REFUSED


@pytest.mark.parametrize(
    "kind, refusal",
    [
        (Activity.Kind.PASSWORD_FAILED, "throttled"),
        (Activity.Kind.CODE_FAILED, "locked"),
        (Activity.Kind.CODE_FAILED, "throttled"),
    ],
)
def test_a_record_that_says_it_was_refused_is_refused(kind, refusal):
    assert activity_log.outcome(kind, refused=False, refusal=refusal) == Outcome.REFUSED
