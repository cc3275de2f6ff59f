"""The activity log as a CSV file: one writer for the Managers' download and the
administration's, streamed a chunk of rows at a time from a query read with ``iterator()``, so
memory stays the same however long the log.

Cells hold text that others typed or sent: names, emails typed at the sign-in or invited, user
agents (any client sends any), authenticator names. A spreadsheet takes a cell that starts with
``=``, ``+``, ``-`` or ``@`` for a formula, also after leading spaces, tabs or line breaks, and
also in their full-width forms (which some spreadsheets read as the ASCII ones); some take a
leading tab, carriage return or NUL the same way. OWASP's advice on CSV injection is to put an
apostrophe before such a cell, which the spreadsheet then shows as text. Every cell goes through
``as_text``, ours too.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import activity_log, user_agents

# After any leading whitespace: the ASCII triggers and their full-width forms (U+FF1D and so on).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_STARTS = ("\t", "\r", "\0")
# Spreadsheets read a UTF-8 file as UTF-8 (accents and all) when it starts with the mark.
BYTE_ORDER_MARK = "\ufeff"
ROWS_PER_CHUNK = 200


def as_text(value) -> str:
    """A cell's text, with an apostrophe first if a spreadsheet could run it as a formula."""
    text = "" if value is None else str(value)
    runs = text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS)
    return "'" + text if runs else text


class _Line:
    """What ``csv.writer`` writes to: each row's line is handed back, not kept."""

    def write(self, line: str) -> str:
        return line


def _header(with_team: bool) -> list[str]:
    header = [
        _("When"),
        _("Event"),
        _("Outcome"),
        _("Event code"),
        _("Count"),
        _("First attempt"),
        _("Who"),
        _("Who (email)"),
        _("Whom"),
        _("Whom (email)"),
        _("IP address"),
        _("Browser"),
        _("User agent"),
        _("Authenticator"),
    ]
    return [*header, _("Team")] if with_team else header


def _moment(value) -> str:
    """ISO 8601 in the current time zone, with its offset: unambiguous in any spreadsheet."""
    return timezone.localtime(value).isoformat(timespec="seconds")


class _Cells:
    """A row of the log as the file's cells, its labels translated once per kind."""

    def __init__(self, with_team: bool):
        self.with_team = with_team
        self.labels: dict[tuple, tuple[str, str]] = {}

    def __call__(self, row: dict) -> list[str]:
        kind, refused = row["kind"], row["refused"]
        key = (kind, refused, row["refusal"])
        if key not in self.labels:
            found = activity_log.outcome(kind, refused=refused, refusal=row["refusal"])
            self.labels[key] = (
                activity_log.kind_label(kind, refused=refused, refusal=row["refusal"]),
                str(found.label) if found else "",
            )
        event, outcome = self.labels[key]
        user_agent = row["user_agent"]
        cells = [
            _moment(row["at"]),
            event,
            outcome,
            kind,
            row["count"],
            _moment(row["first_at"]) if refused else "",
            activity_log.who_acted(
                actor_name=row["actor_name"] or row["actor_email"],
                origin=row["origin"],
                kind=kind,
                via=row["via"],
            ),
            row["actor_email"],
            row["subject_name"] or row["subject_email"],
            row["subject_email"],
            row["ip_address"],
            user_agents.describe(user_agent) if user_agent else "",
            user_agent,
            row["authenticator"],
        ]
        if self.with_team:
            cells.append(row[activity_log.TEAM_COLUMN])
        return [as_text(cell) for cell in cells]


def csv_lines(rows: Iterable[dict], *, with_team: bool = False) -> Iterator[str]:
    """The file's text in chunks: the byte order mark and the header, then the rows (of
    ``activity_log.COLUMNS``, and the team's name ``with_team``) a chunk at a time."""
    writer, cells = csv.writer(_Line()), _Cells(with_team)
    yield BYTE_ORDER_MARK + writer.writerow([as_text(title) for title in _header(with_team)])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow(cells(row)))
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(
    rows: Iterable[dict], *, filename: str, with_team: bool = False
) -> StreamingHttpResponse:
    """A download of ``rows``, named ``<filename>-<today>.csv``, never kept by a cache.

    The rows are read, and their times and labels written, while the response streams, after
    the view has returned: the language and time zone of the request are kept for that.
    """
    language, zone = translation.get_language(), timezone.get_current_timezone()
    response = StreamingHttpResponse(
        _within(language, zone, csv_lines(rows, with_team=with_team)),
        content_type="text/csv; charset=utf-8",
    )
    today = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _within(language: str, zone, lines: Iterator[str]) -> Iterator[str]:
    with translation.override(language), timezone.override(zone):
        yield from lines
