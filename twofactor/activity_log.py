"""The activity log as people read it: the records and the counted refused attempts in one time
order, and who acted, in words that are true. Reads only.

A row of ``RefusedAttempts`` takes its place in the log at its last time. Both kinds of row are
read as the same plain values with one query (a UNION ALL ordered newest first).
"""

from django.db import connection
from django.db.models import BooleanField, CharField, F, IntegerField, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

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
    "refused",
    "row_id",
)
# Newest first; a record and a count of the same moment always in the same order.
ORDER = ("-at", "-refused", "-row_id")

_PEOPLE = {
    "actor_name": F("actor__full_name"),
    "actor_email": F("actor__email"),
    "subject_name": F("subject__full_name"),
    "subject_email": F("subject__email"),
}


def record_rows(records: QuerySet) -> QuerySet:
    """``records`` (of ``Activity``) as rows of the log, newest first. A record about an
    address with no person behind it yet (an invitation) names the address as whom."""
    return (
        records.annotate(
            at=F("created_at"),
            first_at=F("created_at"),
            count=Value(1, output_field=IntegerField()),
            via=KeyTextTransform("via", "detail"),
            refusal=KeyTextTransform("refused", "detail"),
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
        .values(*COLUMNS)
        .order_by("-created_at", "-pk")
    )


def refusal_rows(refusals: QuerySet) -> QuerySet:
    """``refusals`` (of ``RefusedAttempts``) as rows of the log, newest first."""
    return (
        refusals.annotate(
            at=F("last_at"),
            via=Value(None, output_field=CharField()),
            refusal=Value(None, output_field=CharField()),
            refused=Value(True, output_field=BooleanField()),
            row_id=F("pk"),
            **_PEOPLE,
        )
        .values(*COLUMNS)
        .order_by("-last_at", "-pk")
    )


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
