"""The rows of an activity table (templates/team/_activity_table.html): the team's activity
page and a teammate's page.

Made in Python rather than by template tags, as My Team's rows are (the template only places
plain values). Each row says when, what (and whether it failed), who acted on whom (once, when
a person acted on their own account), from which browser and address.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from twofactor import activity_log, user_agents


def activity_rows(rows) -> list[dict]:
    """The table's rows from ``twofactor.activity_log``'s rows. A count of refused attempts
    says how many and from when to when; its time is the last one."""
    labels = {}  # (kind, refused, refusal) -> (event, outcome, its label), translated once a page
    own_action = _("%(name)s, own action")
    moment = _Moment()
    table = []
    for row in rows:
        kind, refused = row["kind"], row["refused"]
        key = (kind, refused, row["refusal"])
        if key not in labels:
            found = activity_log.outcome(kind, refused=refused, refusal=row["refusal"])
            labels[key] = (
                activity_log.kind_label(kind, refused=refused, refusal=row["refusal"]),
                found or "",
                str(found.label) if found else "",
            )
        event, outcome, outcome_label = labels[key]
        if refused:
            event = ngettext(
                "%(event)s × %(count)d, %(first)s–%(last)s",
                "%(event)s × %(count)d, %(first)s–%(last)s",
                row["count"],
            ) % {"event": event, "count": row["count"], **_time_range(row["first_at"], row["at"])}
        who = activity_log.who_acted(
            actor_name=row["actor_name"] or row["actor_email"],
            origin=row["origin"],
            kind=kind,
            via=row["via"],
        )
        own = row["actor_id"] is not None and row["actor_id"] == row["subject_id"]
        at = timezone.localtime(row["at"])
        exact = date_format(at, "DATETIME_FORMAT")
        table.append(
            {
                "when": moment.recently(at) or exact,
                "when_iso": at.isoformat(timespec="seconds"),
                "when_exact": exact,
                "event": event,
                "outcome": outcome,
                "outcome_label": outcome_label,
                "who": own_action % {"name": who} if own else who,
                "own_action": own,
                "whom": row["subject_name"] or row["subject_email"] or "—",
                "browser": user_agents.describe(row["user_agent"]) if row["user_agent"] else "—",
                "ip_address": row["ip_address"] or "—",
            }
        )
    return table


class _Moment:
    """A time of the last day said as people say it ("3 hours ago"); older ones are said in
    full. The full date and time stays beside it (the ``<time>`` element's title)."""

    RECENT = timedelta(days=1)

    def __init__(self):
        self.now = timezone.now()
        self.just_now, self.ago = _("Just now"), _("%(time)s ago")

    def recently(self, at) -> str | None:
        passed = self.now - at
        if passed < timedelta(0) or passed >= self.RECENT:
            return None
        if passed < timedelta(minutes=1):
            return self.just_now
        return self.ago % {"time": timesince(at, self.now, depth=1)}


def _time_range(first, last) -> dict[str, str]:
    """From when to when, in the current time zone: the times alone within one day."""
    first, last = timezone.localtime(first), timezone.localtime(last)
    if first.date() == last.date():
        return {
            "first": date_format(first, "TIME_FORMAT"),
            "last": date_format(last, "TIME_FORMAT"),
        }
    return {
        "first": date_format(first, "DATETIME_FORMAT"),
        "last": date_format(last, "DATETIME_FORMAT"),
    }
