"""Reads of My Team. Every list is one query for its rows however large the team is."""

from datetime import timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from twofactor import app_settings
from twofactor.models import Activity, Authenticator, ResetRequest

PAGE_SIZE = 50


class Status:
    """A teammate's 2FA status as My Team shows it; the first that applies wins."""

    LOCKED = "locked"
    REQUESTED = "requested"
    ON = "on"
    OFF = "off"

    CHOICES = [ON, OFF, REQUESTED, LOCKED]


def teammates(team, *, search: str = "", status: str = "") -> QuerySet:
    """The members of ``team`` with their 2FA status, filtered and ordered by name."""
    confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)
    lock_start = timezone.now() - timedelta(seconds=app_settings.lock_seconds())
    people = (
        User.objects.filter(team=team)
        .annotate(
            authenticator_count=Coalesce(
                Subquery(
                    confirmed.order_by().values("user").annotate(count=Count("pk")).values("count"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            two_factor_since=Subquery(confirmed.order_by("created_at").values("created_at")[:1]),
            reset_requested=Exists(
                ResetRequest.objects.filter(user=OuterRef("pk"), status=ResetRequest.Status.OPEN)
            ),
            locked=Exists(
                confirmed.filter(
                    throttling_failure_count__gte=app_settings.lock_after_failures(),
                    throttling_failure_timestamp__gt=lock_start,
                )
            ),
        )
        .order_by("full_name", "email")
    )
    if search:
        people = people.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if status == Status.LOCKED:
        people = people.filter(locked=True)
    elif status == Status.REQUESTED:
        people = people.filter(reset_requested=True, locked=False)
    elif status == Status.ON:
        people = people.filter(authenticator_count__gt=0, reset_requested=False, locked=False)
    elif status == Status.OFF:
        people = people.filter(authenticator_count=0, reset_requested=False)
    return people


def status_of(person) -> str:
    """The status of a row of ``teammates``."""
    if person.locked:
        return Status.LOCKED
    if person.reset_requested:
        return Status.REQUESTED
    return Status.ON if person.authenticator_count else Status.OFF


def open_reset_requests(team) -> list[ResetRequest]:
    return list(
        ResetRequest.objects.filter(team=team, status=ResetRequest.Status.OPEN, user__team=team)
        .select_related("user")
        .order_by("created_at")
    )


def team_activity(team, *, person_id: int | None = None, kind: str = "") -> QuerySet:
    records = Activity.objects.filter(team=team).select_related("actor", "subject")
    if person_id:
        records = records.filter(Q(subject_id=person_id) | Q(actor_id=person_id))
    if kind:
        records = records.filter(kind=kind)
    return records.order_by("-created_at", "-pk")
