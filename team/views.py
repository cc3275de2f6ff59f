"""My Team: what Managers do for the people of their own team."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from twofactor import flows, services
from twofactor import selectors as twofactor_selectors
from twofactor.decorators import manager_required, require_recent_authentication
from twofactor.models import ResetRequest
from twofactor.selectors import TwoFactorStatus

from . import selectors
from .forms import ActivityFilterForm, TeammateFilterForm


def team_manager(view):
    """Signed in, and a Manager of a team (a Member gets 403)."""

    @login_required
    @manager_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def _teammate(request, member_id: int) -> User:
    """A person of the Manager's own team; anyone else is a 404."""
    return get_object_or_404(User, pk=member_id, team_id=request.user.team_id)


def _page(request, rows):
    return Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))


@team_manager
def members(request):
    team = request.user.team
    form = TeammateFilterForm(request.GET or None)
    search = status = ""
    if form.is_valid():
        search = form.cleaned_data["q"].strip()
        status = form.cleaned_data["status"]
    page = _page(request, selectors.teammates(team, search=search, status=status))
    rows = [_teammate_row(person) for person in page.object_list]
    return render(
        request,
        "team/members.html",
        {
            "team": team,
            "form": form,
            "page": page,
            "rows": rows,
            "reset_requests": selectors.open_reset_requests(team),
            "query": _query_without_page(request),
        },
    )


def _teammate_row(person) -> dict:
    """What a row of My Team shows, its texts made once here rather than per template tag."""
    if person.two_factor_status == TwoFactorStatus.ON:
        since = date_format(timezone.localtime(person.two_factor_since), "DATE_FORMAT")
        status = _("On since %(since)s") % {"since": since}
    else:
        status = TwoFactorStatus(person.two_factor_status).label
    name = person.get_full_name()
    return {
        "person": person,
        "name": name,
        "status": status,
        "last_sign_in": (
            date_format(timezone.localtime(person.last_login), "DATETIME_FORMAT")
            if person.last_login
            else _("Never")
        ),
        "reset_label": _("Reset 2FA of %(name)s") % {"name": name},
    }


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@team_manager
def member_detail(request, member_id: int):
    person = _teammate(request, member_id)
    return render(
        request,
        "team/member_detail.html",
        {
            "person": person,
            "authenticators": twofactor_selectors.authenticators_of(person),
            "browsers": twofactor_selectors.trusted_browsers_of(person, current_id=None),
            "activity": selectors.team_activity(request.user.team, person_id=person.pk)[:20],
            "open_request": ResetRequest.objects.filter(
                user=person, status=ResetRequest.Status.OPEN
            ).first(),
        },
    )


@team_manager
@require_http_methods(["GET", "POST"])
@require_recent_authentication
def reset_member(request, member_id: int):
    person = _teammate(request, member_id)
    if request.method == "POST":
        services.reset_two_factor(
            actor=request.user,
            member=person,
            request_meta=services.RequestMeta.from_request(request),
        )
        if person.pk == request.user.pk:
            return flows.continue_after_own_reset(request, request.user, reverse("team:members"))
        messages.success(
            request,
            _("Two-factor authentication of %(name)s was reset.")
            % {"name": person.get_full_name()},
        )
        return HttpResponseRedirect(reverse("team:members"))
    return render(request, "team/reset_confirm.html", {"person": person})


@team_manager
@require_POST
def dismiss_request(request, request_id: int):
    reset_request = get_object_or_404(
        ResetRequest,
        pk=request_id,
        user__team_id=request.user.team_id,
        status=ResetRequest.Status.OPEN,
    )
    services.dismiss_reset_request(
        actor=request.user,
        reset_request=reset_request,
        request_meta=services.RequestMeta.from_request(request),
    )
    messages.info(request, _("The request was dismissed."))
    return HttpResponseRedirect(reverse("team:members"))


@team_manager
def activity(request):
    team = request.user.team
    form = ActivityFilterForm(request.GET or None, team=team)
    if form.is_bound and not form.is_valid():
        records = selectors.team_activity(team).none()
    elif form.is_bound:
        person = form.person
        records = selectors.team_activity(
            team, person_id=person.pk if person else None, kind=form.cleaned_data["kind"]
        )
    else:
        records = selectors.team_activity(team)
    return render(
        request,
        "team/activity.html",
        {"form": form, "page": _page(request, records), "query": _query_without_page(request)},
    )
