"""The activity log as people read it: the records and the counted refused attempts in one time
order, who acted, in words that are true, and which events are failures. Reads only.

A row of ``RefusedAttempts`` takes its place in the log at its last time. Both kinds of row are
read as the same plain values with one query (a UNION ALL ordered newest first).
"""

from collections.abc import Iterator

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    F,
    IntegerField,
    QuerySet,
    TextChoices,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from .models import Activity, RefusedAttempts

# What a row of the log holds, in this order in both tables' rows.
COLUMNS = (
    "at",
    "first_at",
    "count",
    "kind",
    "origin",
    "via",
    "refusal",
    "ip_address",
    "actor_name",
    "actor_email",
    "subject_name",
    "subject_email",
    "actor_id",
    "subject_id",
    "user_agent",
    "authenticator",
    "refused",
    "row_id",
)
# Read by the administration's export only: the team of each row.
TEAM_COLUMN = "team_name"
# Newest first; a record and a count of the same moment always in the same order.
ORDER = ("-at", "-refused", "-row_id")

_PEOPLE = {
    "actor_name": F("actor__full_name"),
    "actor_email": F("actor__email"),
    "subject_name": F("subject__full_name"),
    "subject_email": F("subject__email"),
}


def _with_team(rows: QuerySet, with_team: bool) -> QuerySet:
    """The rows' ``COLUMNS``, and the team's name after them if asked (its join only then)."""
    if with_team:
        return rows.annotate(**{TEAM_COLUMN: F("team__name")}).values(*COLUMNS, TEAM_COLUMN)
    return rows.values(*COLUMNS)


def record_rows(records: QuerySet, *, with_team: bool = False) -> QuerySet:
    """``records`` (of ``Activity``) as rows of the log, newest first. A record about an
    address with no person behind it yet (an invitation) names the address as whom; a record
    about an authenticator names it (its name when the event happened)."""
    rows = records.annotate(
        at=F("created_at"),
        first_at=F("created_at"),
        count=Value(1, output_field=IntegerField()),
        via=KeyTextTransform("via", "detail"),
        refusal=KeyTextTransform("refused", "detail"),
        authenticator=KeyTextTransform("authenticator", "detail"),
        refused=Value(False, output_field=BooleanField()),
        row_id=F("pk"),
        **{
            **_PEOPLE,
            "subject_email": Coalesce(
                F("subject__email"),
                KeyTextTransform("email", "detail"),
                output_field=CharField(),
            ),
        },
    )
    return _with_team(rows, with_team).order_by("-created_at", "-pk")


def refusal_rows(refusals: QuerySet, *, with_team: bool = False) -> QuerySet:
    """``refusals`` (of ``RefusedAttempts``) as rows of the log, newest first. A count of no
    known person names the email last typed, if it was a well-formed address."""
    rows = refusals.annotate(
        at=F("last_at"),
        via=Value(None, output_field=CharField()),
        refusal=Value(None, output_field=CharField()),
        authenticator=Value(None, output_field=CharField()),
        refused=Value(True, output_field=BooleanField()),
        row_id=F("pk"),
        **{
            **_PEOPLE,
            "subject_email": Coalesce(
                F("subject__email"), NullIf(F("email"), Value("")), output_field=CharField()
            ),
        },
    )
    return _with_team(rows, with_team).order_by("-last_at", "-pk")


class ActivityLog:
    """The rows of some records and some counts of refused attempts, newest first, read a
    slice at a time (``log[start:stop]``, a list of dicts of ``COLUMNS``) with one query.

    Each table's own rows come in the order of its index. Where the database takes a LIMIT
    inside each part of a UNION (PostgreSQL), each part reads only the rows up to the end of the
    slice, so a page costs the same however long the log; SQLite merges the two ordered parts
    itself.
    """

    def __init__(self, records: QuerySet | None, refusals: QuerySet | None):
        self.parts = [
            rows(query)
            for rows, query in ((record_rows, records), (refusal_rows, refusals))
            if query is not None
        ]

    def __getitem__(self, rows: slice) -> list[dict]:
        if not isinstance(rows, slice) or rows.stop is None or rows.step is not None:
            raise TypeError("Read the log a slice at a time: log[start:stop].")
        if not self.parts:
            return []
        if len(self.parts) == 1:
            return list(self.parts[0][rows])
        first, second = self.parts
        if connection.features.supports_slicing_ordering_in_compound:
            first, second = first[: rows.stop], second[: rows.stop]
        else:
            first, second = first.order_by(), second.order_by()
        return list(first.union(second, all=True).order_by(*ORDER)[rows])

    def iterator(self, *, chunk_size: int = 1000) -> Iterator[dict]:
        """Every row, newest first, read ``chunk_size`` rows at a time with one query (a
        server-side cursor on PostgreSQL): memory stays the same however long the log."""
        if not self.parts:
            return iter(())
        if len(self.parts) == 1:
            return self.parts[0].iterator(chunk_size=chunk_size)
        first, second = (part.order_by() for part in self.parts)
        return first.union(second, all=True).order_by(*ORDER).iterator(chunk_size=chunk_size)


# A record whose detail says it was refused (``refused``: "throttled" or "locked") reads as
# that refusal, not as a wrong password or code.
_RECORDED_REFUSALS = {
    (Activity.Kind.PASSWORD_FAILED, "throttled"): RefusedAttempts.Kind.PASSWORD_THROTTLED,
    (Activity.Kind.CODE_FAILED, "locked"): RefusedAttempts.Kind.CODE_LOCKED,
    (Activity.Kind.CODE_FAILED, "throttled"): RefusedAttempts.Kind.CODE_WAIT,
}


def kind_label(kind: str, *, refused: bool, refusal: str | None = None) -> str:
    """What the event of a row is called: a count's kind (``refused``), else the record's kind,
    or the refusal the record says it was (``refusal``, its detail's "refused")."""
    if not refused and (kind, refusal) in _RECORDED_REFUSALS:
        return str(_RECORDED_REFUSALS[kind, refusal].label)
    choices = RefusedAttempts.Kind if refused else Activity.Kind
    try:
        return str(choices(kind).label)
    except ValueError:  # a stored kind no longer in the code
        return kind


def who_acted(*, actor_name: str, origin: str, kind: str, via: str | None = None) -> str:
    """Who acted, as the log says it: the person's name, else how the action came ("Not signed
    in", "Command line").

    A record that does not say how it came (``Origin.UNKNOWN``) is read from what it holds:
    "via" set by the command line, or a wrong password with no actor, which the sign-in
    records with nobody signed in.
    """
    if actor_name:
        return actor_name
    if origin == Activity.Origin.UNKNOWN:
        if via == "command line":
            origin = Activity.Origin.COMMAND_LINE
        elif kind == Activity.Kind.PASSWORD_FAILED:
            origin = Activity.Origin.NOT_SIGNED_IN
    try:
        return str(Activity.Origin(origin).label)
    except ValueError:
        return str(Activity.Origin.UNKNOWN.label)


class Outcome(TextChoices):
    """Whether an event is a failure, and of which sort: the log makes these stand out."""

    FAILED = "failed", _("Failed")  # a wrong password, code or passkey
    REFUSED = "refused", _("Refused")  # refused unchecked: too many attempts, locked, deactivated
    WARNING = "warning", _("Warning")  # not a failure, but a sign that something may be wrong


_OUTCOMES = {
    Activity.Kind.PASSWORD_FAILED: Outcome.FAILED,
    Activity.Kind.CODE_FAILED: Outcome.FAILED,
    Activity.Kind.PASSKEY_FAILED: Outcome.FAILED,
    Activity.Kind.SIGN_IN_REFUSED_DEACTIVATED: Outcome.REFUSED,
    Activity.Kind.CODE_LOCKED: Outcome.WARNING,
    Activity.Kind.SIGNED_IN_DURING_CODE_LOCK: Outcome.WARNING,
    Activity.Kind.NOT_ME_REPORTED: Outcome.WARNING,
}


def outcome(kind: str, *, refused: bool, refusal: str | None = None) -> Outcome | None:
    """Whether the event of a row failed (None: it did not): every count of refused attempts,
    and every record that says it was refused, is ``REFUSED``."""
    if refused or (kind, refusal) in _RECORDED_REFUSALS:
        return Outcome.REFUSED
    return _OUTCOMES.get(kind)
