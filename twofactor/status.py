"""A person's 2FA status, as My Team, its filters and counts, the admin and My Preferences show it.

One rule table (``RULES``) says the status of every combination of four facts: the person is
deactivated, has an authenticator (an app or a passkey: recovery codes alone do not count),
their code entry is locked, they have an open reset request. Everything else is derived from it:
the status of people read from the database (``with_two_factor_status``, in SQL, for the admin's
ordering; ``with_two_factor_facts`` and ``status_of_annotated``, the facts read in SQL and the rule
applied in Python, for the pages), the people of one status (``with_two_factor_status_of``) and
the status of facts already known (``status_of``).
"""

from datetime import timedelta
from functools import cache, reduce
from itertools import combinations
from operator import and_, or_

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import app_settings
from .models import AUTHENTICATOR_KINDS, CodeThrottle, ResetRequest


class TwoFactorStatus(models.TextChoices):
    DEACTIVATED = "deactivated", _("Deactivated")
    LOCKED = "locked", _("Locked")
    REQUESTED = "requested", _("Reset requested")
    ON = "on", _("On")
    OFF = "off", _("Not set up")


FACTS = ("deactivated", "has_authenticator", "locked", "requested")

# An active person: (has an authenticator, code entry locked, reset requested) -> status. A lock
# matters only to a person who has an authenticator to sign in with; a reset request shows
# unless the lock does.
_ACTIVE_RULES = {
    (True, True, True): TwoFactorStatus.LOCKED,
    (True, True, False): TwoFactorStatus.LOCKED,
    (True, False, True): TwoFactorStatus.REQUESTED,
    (True, False, False): TwoFactorStatus.ON,
    (False, True, True): TwoFactorStatus.REQUESTED,
    (False, True, False): TwoFactorStatus.OFF,
    (False, False, True): TwoFactorStatus.REQUESTED,
    (False, False, False): TwoFactorStatus.OFF,
}

# (deactivated, has an authenticator, code entry locked, reset requested) -> status. A
# deactivated person cannot sign in at all, so that is what shows, whatever else holds.
RULES: dict[tuple[bool, bool, bool, bool], TwoFactorStatus] = {
    **{(True, *facts): TwoFactorStatus.DEACTIVATED for facts in _ACTIVE_RULES},
    **{(False, *facts): status for facts, status in _ACTIVE_RULES.items()},
}


def status_of(
    *, deactivated: bool = False, has_authenticator: bool, locked: bool, requested: bool
) -> TwoFactorStatus:
    return RULES[(bool(deactivated), bool(has_authenticator), bool(locked), bool(requested))]


@cache  # RULES never changes: worked out once per process, not per page
def _terms(status: TwoFactorStatus) -> tuple[tuple[bool | None, ...], ...]:
    """The combinations of facts that give ``status``, merged where one fact does not matter
    (None): the fewest conditions for the database to evaluate."""
    terms = {facts for facts, result in RULES.items() if result == status}
    merged = True
    while merged:
        merged = False
        for a, b in combinations(sorted(terms, key=str), 2):
            differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            if len(differ) == 1 and None not in (a[differ[0]], b[differ[0]]):
                terms.add(a[: differ[0]] + (None,) + a[differ[0] + 1 :])
                merged = True
        # Drop what a more general term covers.
        terms = {
            t
            for t in terms
            if not any(
                o != t and all(x is None or x == y for x, y in zip(o, t, strict=True))
                for o in terms
            )
        }
    return tuple(sorted(terms, key=str))


def _confirmed_of_each(model):
    """``model``'s confirmed authenticators of the person of each row of an outer user query."""
    return model.objects.filter(user=OuterRef("pk"), confirmed=True)


def has_authenticator_condition() -> Q:
    """Users who have an authenticator of any kind that turns 2FA on: one index probe a kind."""
    return reduce(or_, [Q(Exists(_confirmed_of_each(model))) for model in AUTHENTICATOR_KINDS])


def fact_conditions(now=None) -> dict[str, Q]:
    """Each fact as a condition on users, in forms the indexes answer: whether the person is
    deactivated is a column of their own row; who has a confirmed
    authenticator is one index probe a person; the locked people (failures of the last lock
    period, through ``code_throttle_failure_idx``) and the open reset requests (their partial
    unique index) are small sets read once."""
    return {
        "deactivated": Q(is_active=False),
        "has_authenticator": has_authenticator_condition(),
        "locked": _locked_condition(now),
        "requested": _requested_condition(),
    }


def _locks(now=None):
    """The code entries locked now: enough wrong codes in a row, the last within the lock's time."""
    lock_start = (now or timezone.now()) - timedelta(seconds=app_settings.lock_seconds())
    return CodeThrottle.objects.filter(
        throttling_failure_timestamp__gt=lock_start,
        throttling_failure_count__gte=app_settings.lock_after_failures(),
    )


def _locked_condition(now=None) -> Q:
    return Q(pk__in=_locks(now).values("user_id"))


def _requested_condition() -> Q:
    return Q(pk__in=ResetRequest.objects.filter(status=ResetRequest.Status.OPEN).values("user_id"))


def condition_for(status: str, conditions: dict[str, Q]) -> Q | None:
    """The condition on users that their status is ``status``; None if no combination gives it."""
    clauses = [
        reduce(
            and_,
            [
                conditions[fact] if value else ~conditions[fact]
                for fact, value in zip(FACTS, term, strict=True)
                if value is not None
            ],
            Q(),
        )
        for term in _terms(status)
    ]
    return reduce(or_, clauses) if clauses else None


def _first_of_each_kind() -> dict:
    """For each kind, when the person's first confirmed authenticator of it was added."""
    return {
        _since_name(model): Subquery(
            _confirmed_of_each(model).order_by("created_at").values("created_at")[:1]
        )
        for model in AUTHENTICATOR_KINDS
    }


def _since_name(model) -> str:
    return f"first_{model._meta.model_name}_at"


def _authenticator_count():
    counts = []
    for model in AUTHENTICATOR_KINDS:
        count = (
            _confirmed_of_each(model)
            .order_by()
            .values("user")
            .annotate(count=Count("pk"))
            .values("count")
        )
        counts.append(Coalesce(Subquery(count, output_field=IntegerField()), Value(0)))
    return reduce(lambda a, b: a + b, counts)


def _authenticators_annotations() -> dict:
    """``authenticator_count`` and ``two_factor_since``, a subquery of each kind for each."""
    firsts = list(_first_of_each_kind().values())
    return {
        "authenticator_count": _authenticator_count(),
        # The earlier of the kinds' firsts. PostgreSQL's LEAST skips a NULL, SQLite's returns
        # it: each first falls back on the other, so a kind the person lacks never wins.
        "two_factor_since": Least(Coalesce(firsts[0], firsts[1]), Coalesce(firsts[1], firsts[0])),
    }


def with_two_factor_status(users):
    """Annotate ``authenticator_count``, ``two_factor_since`` and ``two_factor_status`` with
    subqueries: one query for any number of rows, and no row fan-out. The status is computed
    in SQL, so that the admin can order by it; each of its conditions repeats the facts'
    subqueries, which makes the query costly for Django to build and compile: pages that only
    show the status read the facts once each instead (``with_two_factor_facts``)."""
    conditions = fact_conditions()
    whens = [
        When(condition, then=Value(status))
        for status in TwoFactorStatus
        if (condition := condition_for(status, conditions)) is not None
    ]
    return users.annotate(
        **_authenticators_annotations(),
        two_factor_status=Case(*whens, default=Value(""), output_field=models.CharField()),
    )


# What ``with_two_factor_facts`` annotates.
FACT_FIELDS = (
    "is_active",
    "authenticator_count",
    *(_since_name(model) for model in AUTHENTICATOR_KINDS),
    "code_entry_locked",
    "reset_requested_at",
)


def with_two_factor_facts(users):
    """Annotate ``authenticator_count``, the first authenticator of each kind,
    ``code_entry_locked`` and ``reset_requested_at``: each fact of the rule table once (whether
    the person is deactivated is their own ``is_active``, whether they have an authenticator is
    a count above 0, whether they asked for a reset is the time of their open request, which
    My Preferences shows); ``status_of_annotated`` then applies the rule and
    ``two_factor_since_of`` takes the earliest first (each first once, where the SQL form of
    the earliest repeats them)."""
    open_request = ResetRequest.objects.filter(
        user=OuterRef("pk"), status=ResetRequest.Status.OPEN
    ).values("created_at")
    return users.annotate(
        authenticator_count=_authenticator_count(),
        **_first_of_each_kind(),
        code_entry_locked=ExpressionWrapper(_locked_condition(), output_field=BooleanField()),
        reset_requested_at=Subquery(open_request[:1]),
    )


def _fact(person, name):
    return person[name] if isinstance(person, dict) else getattr(person, name)


def two_factor_since_of(person):
    """Since when 2FA is on, for a person (or a ``values()`` row) read with
    ``with_two_factor_facts``: their first authenticator of any kind; None without one."""
    firsts = [_fact(person, _since_name(model)) for model in AUTHENTICATOR_KINDS]
    return min((first for first in firsts if first is not None), default=None)


def status_of_annotated(person) -> TwoFactorStatus:
    """The status of a person (or a ``values()`` row) read with ``with_two_factor_facts``."""
    return status_of(
        deactivated=not _fact(person, "is_active"),
        has_authenticator=_fact(person, "authenticator_count") > 0,
        locked=_fact(person, "code_entry_locked"),
        requested=_fact(person, "reset_requested_at") is not None,
    )


def with_two_factor_status_of(users, status: str):
    """``users`` whose 2FA status is ``status`` (nobody for a status that does not exist)."""
    if status not in TwoFactorStatus.values:
        return users.none()
    condition = condition_for(status, fact_conditions())
    return users.filter(condition) if condition is not None else users.none()


def with_two_factor_status_since(users):
    """``with_two_factor_facts`` and ``locked_since``, the time of the wrong code that locked
    code entry (while the lock holds): with the first authenticator and the open request's time,
    every moment a status dates from, in the same query. ``status_since`` picks the one of a
    status."""
    lock = _locks().filter(user=OuterRef("pk")).values("throttling_failure_timestamp")
    return with_two_factor_facts(users).annotate(locked_since=Subquery(lock[:1]))


def status_since(person, status: TwoFactorStatus):
    """When ``status``, the status of a person read with ``with_two_factor_status_since``, began:
    the first authenticator, the lock, the open reset request; None for the other statuses."""
    if status == TwoFactorStatus.ON:
        return two_factor_since_of(person)
    if status == TwoFactorStatus.LOCKED:
        return person.locked_since
    if status == TwoFactorStatus.REQUESTED:
        return person.reset_requested_at
    return None
