"""The activity log as people read it: the records and the counted refused attempts in one time
order, and who acted, in words that are true. Reads only.

A row of ``RefusedAttempts`` takes its place in the log at its last time. Both kinds of row are
read as the same plain values with one query (a UNION ALL ordered newest first), so a page of
the log costs one query, sliced by the database, however long the log or large the team.
"""

from django.db.models import BooleanField, CharField, F, IntegerField, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform

from .models import Activity, RefusedAttempts

# What a row of the log holds, in this order in both tables' rows.
COLUMNS = (
    "at",
    "first_at",
    "count",
    "kind",
    "origin",
    "via",
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
    """``records`` (of ``Activity``) as rows of the log."""
    return (
        records.annotate(
            at=F("created_at"),
            first_at=F("created_at"),
            count=Value(1, output_field=IntegerField()),
            via=KeyTextTransform("via", "detail"),
            refused=Value(False, output_field=BooleanField()),
            row_id=F("pk"),
            **_PEOPLE,
        )
        .values(*COLUMNS)
        .order_by()
    )


def refusal_rows(refusals: QuerySet) -> QuerySet:
    """``refusals`` (of ``RefusedAttempts``) as rows of the log."""
    return (
        refusals.annotate(
            at=F("last_at"),
            via=Value(None, output_field=CharField()),
            refused=Value(True, output_field=BooleanField()),
            row_id=F("pk"),
            **_PEOPLE,
        )
        .values(*COLUMNS)
        .order_by()
    )


def log_of(records: QuerySet | None, refusals: QuerySet | None) -> QuerySet:
    """The rows of ``records`` and ``refusals`` (either may be None: none of that table), newest
    first; slice it for a page."""
    if records is None and refusals is None:
        return record_rows(Activity.objects.none())
    if refusals is None:
        return record_rows(records).order_by(*ORDER)
    if records is None:
        return refusal_rows(refusals).order_by(*ORDER)
    return record_rows(records).union(refusal_rows(refusals), all=True).order_by(*ORDER)


def kind_label(kind: str, *, refused: bool) -> str:
    choices = RefusedAttempts.Kind if refused else Activity.Kind
    try:
        return str(choices(kind).label)
    except ValueError:  # a stored kind no longer in the code
        return kind


def who_acted(*, actor_name: str, origin: str, kind: str, via: str | None = None) -> str:
    """Who acted, as the log says it: the person's name, else how the action came ("Not signed
    in", "Command line").

    A record that does not say how it came (``Origin.UNKNOWN``, as older records) is read from
    what it holds: "via" set by the command line, or a wrong password with no actor, which the
    sign-in records with nobody signed in.
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
