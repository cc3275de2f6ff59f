"""My Team: what Managers do for the people of their own team."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import manager_required, require_recent_authentication
from accounts.models import User
from accounts.rows import RowLinks, moment, sentence
from twofactor import recovery
from twofactor import selectors as twofactor_selectors
from twofactor.models import ResetRequest
from twofactor.services import resets
from twofactor.services.activity import RequestMeta
from twofactor.status import (
    TwoFactorStatus,
    status_of_annotated,
    status_since,
    two_factor_since_of,
    with_two_factor_status_since,
)

from . import selectors
from .activity_table import activity_rows
from .forms import TeammateFilterForm
from .services import administration


def team_manager(view):
    """Signed in, and a Manager of a team (a Member gets 403)."""

    @login_required
    @manager_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def _teammate(request, member_id: int, people=User.objects) -> User:
    """A person of the Manager's own team (read from ``people``); anyone else is a 404."""
    return get_object_or_404(people, pk=member_id, team_id=request.user.team_id)


def _page(request, rows, *, count: int | None = None):
    paginator = Paginator(rows, selectors.PAGE_SIZE)
    if count is not None:
        paginator.count = count  # known already: the paginator need not count ``rows``
    return paginator.get_page(request.GET.get("page"))


@team_manager
def members(request):
    team = request.user.team
    form = TeammateFilterForm(request.GET or None)
    search = status = ""
    codes_left = None
    if form.is_valid():
        search = form.cleaned_data["q"].strip()
        status = form.cleaned_data["status"]
        codes_left = form.cleaned_data["recovery_codes"]
    filters = {"search": search, "status": status, "codes_left": codes_left}
    page = _page(
        request,
        selectors.teammates(team, **filters),
        count=selectors.count_teammates(team, **filters),
    )
    rows = _teammate_rows(page.object_list)
    show_all = request.GET.get("requests") == "all"
    requests = selectors.open_reset_requests(
        team, limit=None if show_all else selectors.REQUESTS_SHOWN + 1
    )
    all_invitations = request.GET.get("invitations") == "all"
    invitations = selectors.pending_invitations(
        team, limit=None if all_invitations else selectors.INVITATIONS_SHOWN + 1
    )
    return render(
        request,
        "team/members.html",
        {
            "team": team,
            "form": form,
            "page": page,
            "rows": rows,
            "invitations": _invitation_rows(
                invitations if all_invitations else invitations[: selectors.INVITATIONS_SHOWN]
            ),
            "more_invitations": not all_invitations
            and len(invitations) > selectors.INVITATIONS_SHOWN,
            "reset_requests": _reset_request_rows(
                requests if show_all else requests[: selectors.REQUESTS_SHOWN]
            ),
            # One more read than shown tells that there are more.
            "more_reset_requests": not show_all and len(requests) > selectors.REQUESTS_SHOWN,
            "query": _query_without_page(request),
        },
    )


def _teammate_rows(people) -> list[dict]:
    """What the rows of My Team show, made here rather than by template tags (the template
    only places plain values: a row costs a seventh of one built with tags)."""
    detail_url, reset_url = RowLinks("team:member_detail"), RowLinks("team:reset_member")
    # Labels translated once a page (the choices hold lazy translations, resolved on each use).
    roles = {value: str(label) for value, label in User.Role.choices}
    statuses = {value: str(label) for value, label in TwoFactorStatus.choices}
    since, never = _("since %(since)s"), _("Never")
    codes_left, no_codes = _("Yes"), pgettext("recovery codes", "None")
    reset_label = _("Reset 2FA of %(name)s")
    authenticators = {}  # count -> words, translated once a page
    rows = []
    for person in people:
        two_factor_status = status_of_annotated(person)
        count = person.authenticator_count
        if count not in authenticators:
            authenticators[count] = ngettext(
                "%(count)d authenticator", "%(count)d authenticators", count
            ) % {"count": count}
        on = two_factor_status == TwoFactorStatus.ON
        name = person.get_full_name()
        rows.append(
            {
                "name": name,
                "email": person.email,
                "role": roles[person.role],
                "status_class": two_factor_status,
                "status": statuses[two_factor_status],
                "status_icon": STATUS_ICONS[two_factor_status],
                "since": sentence(since, since=moment(two_factor_since_of(person))) if on else "",
                "authenticators": authenticators[count] if count else "",
                "has_recovery_codes": person.has_recovery_codes,
                "recovery_codes": codes_left if person.has_recovery_codes else no_codes,
                "last_sign_in": moment(person.last_login) if person.last_login else never,
                "detail_url": detail_url(person.pk),
                "reset_url": reset_url(person.pk)
                if _offers_reset(person, two_factor_status)
                else None,
                "reset_label": reset_label % {"name": name},
            }
        )
    return rows


def _offers_reset(person, status: str) -> bool:
    """Whether "Reset 2FA" is offered for a person of 2FA status ``status``: they have 2FA set
    up (an authenticator, whatever else holds) or an open reset request."""
    return person.authenticator_count > 0 or status == TwoFactorStatus.REQUESTED


def _reset_request_rows(reset_requests) -> list[dict]:
    """The open reset requests above the list, made here for the same reason."""
    reset_url, dismiss_url = RowLinks("team:reset_member"), RowLinks("team:dismiss_request")
    dismiss_label = _("Dismiss the request of %(name)s")
    rows = []
    for reset_request in reset_requests:
        person = reset_request.user
        name = person.get_full_name()
        rows.append(
            {
                "name": name,
                "email": person.email,
                "when": moment(reset_request.created_at),
                "reset_url": reset_url(person.pk),
                "dismiss_url": dismiss_url(reset_request.pk),
                "dismiss_label": dismiss_label % {"name": name},
            }
        )
    return rows


def _invitation_rows(invitations) -> list[dict]:
    """The pending invitations under "Pending invitations", made here for the same reason."""
    resend_url, revoke_url = RowLinks("team:resend_invitation"), RowLinks("team:revoke_invitation")
    roles = {value: str(label) for value, label in User.Role.choices}
    resend_label, revoke_label = (
        _("Resend the invitation to %(email)s"),
        _("Revoke the invitation to %(email)s"),
    )
    expired, now = _("Expired"), timezone.now()
    rows = []
    for invitation in invitations:
        inviter = invitation.invited_by
        rows.append(
            {
                "email": invitation.email,
                "role": roles[invitation.role],
                "invited_by": inviter.get_full_name() if inviter else "—",
                "sent": moment(invitation.sent_at),
                "expired": invitation.is_expired(now),
                "expires": expired if invitation.is_expired(now) else moment(invitation.expires_at),
                "resend_url": resend_url(invitation.pk),
                "revoke_url": revoke_url(invitation.pk),
                "resend_label": resend_label % {"email": invitation.email},
                "revoke_label": revoke_label % {"email": invitation.email},
            }
        )
    return rows


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@team_manager
def member_detail(request, member_id: int):
    # The 2FA status, the moment it dates from and the count of codes left come with the
    # person, in the same query.
    person = _teammate(
        request,
        member_id,
        with_two_factor_status_since(
            twofactor_selectors.with_recovery_codes_count(User.objects.all())
        ),
    )
    status = status_of_annotated(person)
    return render(
        request,
        "team/member_detail.html",
        {
            "person": person,
            "is_self": person.pk == request.user.pk,
            "status": _status_of(person, status),
            "status_class": status,
            "status_icon": STATUS_ICONS[status],
            "offers_reset": _offers_reset(person, status),
            "recovery_codes": _recovery_codes_left(person.recovery_codes_left),
            "last_sign_in": person.last_login and moment(person.last_login, time=True),
            "authenticators": _authenticator_rows(twofactor_selectors.authenticators_of(person)),
            "browsers": _browser_rows(twofactor_selectors.trusted_browsers_of(person)),
            "activity": activity_rows(
                selectors.team_activity(request.user.team, person_id=person.pk)[:20]
            ),
            "requested_since": person.reset_requested_at
            and moment(person.reset_requested_at, time=True),
        },
    )


def _authenticator_rows(authenticators) -> list[dict]:
    never = _("Never")
    return [
        {
            "name": authenticator.name,
            "kind": authenticator.KIND_LABEL,
            "added": moment(authenticator.created_at),
            "last_used": moment(authenticator.last_used_at, time=True)
            if authenticator.last_used_at
            else never,
        }
        for authenticator in authenticators
    ]


def _browser_rows(browsers) -> list[dict]:
    return [
        {
            "description": row.description,
            "ip_address": row.browser.ip_address or "—",
            "first_seen": moment(row.browser.created_at),
            "last_seen": moment(row.browser.last_seen_at, time=True),
        }
        for row in browsers
    ]


# Beside each status's words, never instead of them.
STATUS_ICONS = {
    TwoFactorStatus.ON: "shield-check",
    TwoFactorStatus.OFF: "shield-off",
    TwoFactorStatus.LOCKED: "lock",
    TwoFactorStatus.REQUESTED: "life-buoy",
    TwoFactorStatus.DEACTIVATED: "user-x",
}


def _status_of(person, status: TwoFactorStatus):
    """A person's 2FA status in words, with the moment it dates from where it has one: the
    first authenticator's day, the lock's or the request's time."""
    since = status_since(person, status)
    if since is None:
        return status.label
    if status == TwoFactorStatus.ON:
        return sentence(_("On since %(since)s"), since=moment(since))
    if status == TwoFactorStatus.LOCKED:
        return sentence(_("Locked since %(since)s"), since=moment(since, time=True))
    return sentence(_("Reset requested on %(since)s"), since=moment(since, time=True))


def _recovery_codes_left(left: int) -> str:
    """How many recovery codes a person has left, in words (never which)."""
    if not left:
        return _("No recovery codes")
    return ngettext(
        "%(left)d of %(total)d recovery codes left",
        "%(left)d of %(total)d recovery codes left",
        left,
    ) % {"left": left, "total": recovery.COUNT}


@team_manager
@require_http_methods(["GET", "POST"])
@require_recent_authentication
def reset_member(request, member_id: int):
    person = _teammate(request, member_id)
    if person.pk == request.user.pk:  # one's own reset has one page, with its step-up
        return HttpResponseRedirect(reverse("twofactor:reset_own"))
    if request.method == "POST":
        resets.reset_two_factor(
            actor=request.user,
            member=person,
            request_meta=RequestMeta.from_request(request),
        )
        messages.success(
            request,
            _("Two-factor authentication of %(name)s was reset.")
            % {"name": person.get_full_name()},
        )
        return HttpResponseRedirect(reverse("team:members"))
    return render(request, "team/reset_confirm.html", {"person": person})


def _administer(request, service, **arguments) -> bool:
    """Run one of team's administration services as the signed-in Manager: True when done,
    else False with the reason shown as a message."""
    try:
        service(actor=request.user, request_meta=RequestMeta.from_request(request), **arguments)
    except administration.ChangeRefused as refused:
        messages.error(request, refused.message)
        return False
    return True


@team_manager
@require_http_methods(["GET", "POST"])
@require_recent_authentication
def change_role(request, member_id: int, role: str):
    """Make Manager / Make Member: a confirmation page, then the change (a POST)."""
    person = _teammate(request, member_id)
    detail = reverse("team:member_detail", args=[person.pk])
    if person.role == role:
        return HttpResponseRedirect(detail)
    name = person.get_full_name()
    if request.method == "POST":
        if not _administer(request, administration.change_role, person=person, role=role):
            return HttpResponseRedirect(detail)
        if person.pk == request.user.pk:  # no longer a Manager: My Team is closed to them
            messages.success(request, _("You are now a Member of the team."))
            return HttpResponseRedirect(reverse("accounts:preferences"))
        if role == User.Role.MANAGER:
            messages.success(request, _("%(name)s is now a Manager.") % {"name": name})
        else:
            messages.success(request, _("%(name)s is now a Member.") % {"name": name})
        return HttpResponseRedirect(detail)
    if role == User.Role.MANAGER:
        confirmation = {
            "heading": _("Make %(name)s a Manager?") % {"name": name},
            "consequences": [
                _(
                    "%(name)s will see everyone in My Team, reset their two-factor "
                    "authentication, change their roles and deactivate them."
                )
                % {"name": name}
            ],
            "button": _("Make Manager"),
        }
    elif person.pk == request.user.pk:
        confirmation = {
            "heading": _("Make yourself a Member?"),
            "consequences": [
                _(
                    "You will no longer have My Team: only another Manager can make you a "
                    "Manager again."
                )
            ],
            "button": _("Make Member"),
        }
    else:
        confirmation = {
            "heading": _("Make %(name)s a Member?") % {"name": name},
            "consequences": [
                _("%(name)s will no longer have My Team.") % {"name": name},
            ],
            "button": _("Make Member"),
        }
    return render(request, "team/administration_confirm.html", {"person": person, **confirmation})


@team_manager
@require_http_methods(["GET", "POST"])
@require_recent_authentication
def deactivate_member(request, member_id: int):
    """Deactivate: a confirmation page, then the deactivation (a POST); never oneself."""
    person = _teammate(request, member_id)
    detail = reverse("team:member_detail", args=[person.pk])
    if request.method == "POST":
        if _administer(request, administration.deactivate_teammate, person=person):
            messages.success(
                request,
                _("%(name)s was deactivated: they were signed out and cannot sign in.")
                % {"name": person.get_full_name()},
            )
        return HttpResponseRedirect(detail)
    if person.pk == request.user.pk:
        messages.error(request, administration.ChangeRefused("self_deactivation").message)
        return HttpResponseRedirect(detail)
    if not person.is_active:
        return HttpResponseRedirect(detail)
    name = person.get_full_name()
    return render(
        request,
        "team/administration_confirm.html",
        {
            "person": person,
            "heading": _("Deactivate %(name)s?") % {"name": name},
            "consequences": [
                _(
                    "%(name)s is signed out everywhere at once, their trusted browsers are "
                    "forgotten and they cannot sign in until a Manager reactivates them."
                )
                % {"name": name},
                _(
                    "Their open reset requests are closed. Their authenticators, activity and "
                    "history stay."
                ),
            ],
            "button": _("Deactivate"),
            "danger": True,
        },
    )


@team_manager
@require_http_methods(["GET", "POST"])
@require_recent_authentication
def reactivate_member(request, member_id: int):
    """Reactivate: a confirmation page, then the reactivation (a POST)."""
    person = _teammate(request, member_id)
    detail = reverse("team:member_detail", args=[person.pk])
    if request.method == "POST":
        if _administer(request, administration.reactivate_teammate, person=person):
            messages.success(
                request, _("%(name)s was reactivated.") % {"name": person.get_full_name()}
            )
        return HttpResponseRedirect(detail)
    if person.is_active:
        return HttpResponseRedirect(detail)
    name = person.get_full_name()
    return render(
        request,
        "team/administration_confirm.html",
        {
            "person": person,
            "heading": _("Reactivate %(name)s?") % {"name": name},
            "consequences": [
                _(
                    "%(name)s can sign in again with their password, and a security code on "
                    "every browser. Their two-factor authentication is as it was."
                )
                % {"name": name},
            ],
            "button": _("Reactivate"),
        },
    )


@team_manager
@require_POST
def dismiss_request(request, request_id: int):
    reset_request = get_object_or_404(
        ResetRequest,
        pk=request_id,
        user__team_id=request.user.team_id,
        status=ResetRequest.Status.OPEN,
    )
    resets.dismiss_reset_request(
        actor=request.user,
        reset_request=reset_request,
        request_meta=RequestMeta.from_request(request),
    )
    messages.info(request, _("The request was dismissed."))
    return HttpResponseRedirect(reverse("team:members"))
