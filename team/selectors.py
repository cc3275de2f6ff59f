"""Reads of My Team. Every list is one query for its rows however large the team is."""

from django.db.models import Q, QuerySet

from accounts.models import User
from twofactor import activity_log
from twofactor import selectors as twofactor_selectors
from twofactor.models import Activity, RefusedAttempts, ResetRequest
from twofactor.status import with_two_factor_facts, with_two_factor_status_of

from .models import Invitation

PAGE_SIZE = 50


def teammates(
    team, *, search: str = "", status: str = "", codes_left: bool | None = None
) -> QuerySet:
    """The members of ``team`` with the facts of their 2FA status (``status_of_annotated``
    gives it) and whether they have recovery codes left, filtered (``codes_left``: True, those
    with codes left; False, those without) and ordered by name."""
    # Ordered as user_team_name_idx: a page is read in order, and the status subqueries run for
    # the rows of the page only.
    people = _matching(team, search, status, codes_left)
    return twofactor_selectors.with_recovery_codes_left(with_two_factor_facts(people)).order_by(
        "full_name", "email"
    )


def count_teammates(
    team, *, search: str = "", status: str = "", codes_left: bool | None = None
) -> int:
    """How many members ``teammates`` lists, counted without its status columns (which cost
    Django twice the count itself to build and compile, for the same number)."""
    return _matching(team, search, status, codes_left).count()


def _matching(team, search: str, status: str, codes_left: bool | None) -> QuerySet:
    people = User.objects.filter(team=team)
    if search:
        people = people.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if status:
        people = with_two_factor_status_of(people, status)
    if codes_left is not None:
        people = twofactor_selectors.filter_by_recovery_codes(people, left=codes_left)
    return people


REQUESTS_SHOWN = 10  # above the list, the oldest first; "?requests=all" shows every one


def open_reset_requests(team, *, limit: int | None = None) -> list[ResetRequest]:
    """The team's open reset requests, oldest first (``limit`` of them if given)."""
    requests = (
        ResetRequest.objects.filter(team=team, status=ResetRequest.Status.OPEN, user__team=team)
        .select_related("user")
        .order_by("created_at")
    )
    return list(requests[:limit] if limit is not None else requests)


def team_activity(
    team, *, person_id: int | None = None, kind: str = ""
) -> activity_log.ActivityLog:
    """The team's activity log, newest first: its records and its counts of refused attempts,
    as rows of ``twofactor.activity_log`` (``person_id``: done by or to that person; ``kind``:
    of that event only). One query for a page, however large the team."""
    records = Activity.objects.filter(team=team)
    refusals = RefusedAttempts.objects.filter(team=team)
    if person_id:
        records = records.filter(Q(subject_id=person_id) | Q(actor_id=person_id))
        # A refusal's actor, when there is one, is the person refused.
        refusals = refusals.filter(subject_id=person_id)
    if kind:
        records = records.filter(kind=kind) if kind in Activity.Kind.values else None
        refusals = refusals.filter(kind=kind) if kind in RefusedAttempts.Kind.values else None
    return activity_log.ActivityLog(records, refusals)


INVITATIONS_SHOWN = 10  # the newest first; "?invitations=all" shows every one


def pending_invitations(team, *, limit: int | None = None) -> list[Invitation]:
    """The team's invitations neither used nor revoked, newest first, with who sent them
    (``limit`` of them if given). Expired ones are among them, to be sent again."""
    invitations = (
        Invitation.objects.pending()
        .filter(team=team)
        .select_related("invited_by")
        .order_by("-sent_at", "-pk")
    )
    return list(invitations[:limit] if limit is not None else invitations)


def invitation_of_link(token_hash: str | None) -> Invitation | None:
    """The invitation whose link has this token (by its digest), with its team and inviter."""
    if not isinstance(token_hash, str) or not token_hash:
        return None
    return (
        Invitation.objects.select_related("team", "invited_by")
        .filter(token_hash=token_hash)
        .first()
    )
