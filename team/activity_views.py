"""The team's activity log (Managers of the team): "Team activity", filtered and read a page at a
time, and its "Download CSV", the whole filtered log as a file.

Both read the same filters through the same form, so the file holds what the page lists, and
neither holds another team's rows: the log is the Manager's own team's, and the person filter
takes only an email of that team. Filters the form refuses show the page with its messages,
from either address.

The page is a GET; the download is a POST (the page's small form carries the filters it shows
and the CSRF token), since it writes a record in the Manager's name: a link from another site
could otherwise make a Manager take, and record, a copy of the log.
"""

from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_POST

from twofactor import activity_export
from twofactor.activity_log import ActivityLog
from twofactor.models import Activity
from twofactor.services.activity import RequestMeta, record_activity

from . import selectors
from .activity_table import activity_rows
from .forms import ActivityFilterForm
from .views import _query_without_page, team_manager


@dataclass(frozen=True)
class Window:
    """A page of a long log that is not counted: one row more than a page is read to know
    whether there is a next one. Counting the activity of a big team (50,000 records) on every
    view would cost as much as reading the page; a log is read newest first, page after page."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _window(request, rows) -> Window:
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        number = 1
    number = min(number, 10_000)  # past any real log; keeps OFFSET bounded
    start = (number - 1) * selectors.PAGE_SIZE
    found = list(rows[start : start + selectors.PAGE_SIZE + 1])
    return Window(found[: selectors.PAGE_SIZE], number, len(found) > selectors.PAGE_SIZE)


def _filtered_log(request, data) -> tuple[ActivityFilterForm, ActivityLog | None]:
    """The filter form on ``data``, and the team's log it selects (None: the form refused the
    filters)."""
    team = request.user.team
    form = ActivityFilterForm(data or None, team=team)
    if not form.is_bound:
        return form, selectors.team_activity(team)
    if not form.is_valid():
        return form, None
    person = form.person
    return form, selectors.team_activity(
        team, person_id=person.pk if person else None, kind=form.cleaned_data["kind"]
    )


@team_manager
def activity(request):
    form, log = _filtered_log(request, request.GET)
    return _activity_page(request, form, log)


def _download_filters(form: ActivityFilterForm) -> dict[str, str]:
    """The filters the form took, as the download's form sends them again (the empty ones left
    out)."""
    if not form.is_bound:
        return {}
    return {name: value for name, value in form.cleaned_data.items() if value}


def _activity_page(request, form: ActivityFilterForm, log: ActivityLog | None):
    page = _window(request, log if log is not None else [])
    return render(
        request,
        "team/activity.html",
        {
            "form": form,
            "page": page,
            "records": activity_rows(page.object_list),
            "query": _query_without_page(request),
            # Offered for filters the form took; refused ones have their messages instead.
            "offer_download": log is not None,
            "download_filters": _download_filters(form) if log is not None else {},
        },
    )


@team_manager
@require_POST
def activity_csv(request):
    """The filtered log as a CSV file, streamed. The download is itself recorded (one INSERT):
    who took a copy of the team's log, and of whose activity, is worth knowing."""
    form, log = _filtered_log(request, request.POST)
    if log is None:
        return _activity_page(request, form, None)
    kind = form.cleaned_data["kind"] if form.is_bound else ""
    record_activity(
        kind=Activity.Kind.ACTIVITY_DOWNLOADED,
        actor=request.user,
        subject=form.person,
        team=request.user.team,
        request_meta=RequestMeta.from_request(request),
        **({"event": kind} if kind else {}),
    )
    return activity_export.csv_response(log.iterator(), filename="team-activity")
