"""Invitations: "Invite teammates", the pending ones' "Resend" and "Revoke" (Managers of the
team), and the page the link opens, "Join <team>" (anyone with the link).

The link's GET changes nothing: it puts the token's digest in the session and goes to a URL
without the token (as Django's password reset does), so the token stays out of the address bar,
the history and any Referer.
"""

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twofactor.services.activity import RequestMeta
from twofactor.views.setup import start_setup_with_new_password

from . import selectors, tokens
from .forms import InvitationForm, JoinForm
from .models import Invitation
from .services import invitations
from .services.invitations import JoinOutcome
from .views import team_manager

JOIN_SESSION_KEY = "team_invitation"


def _inviter_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@team_manager
@require_http_methods(["GET", "POST"])
def invite(request):
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            result = invitations.send_invitations(
                actor=request.user,
                team=request.user.team,
                emails=form.cleaned_data["emails"],
                role=form.cleaned_data["role"],
                language=_inviter_language(),
                request_meta=RequestMeta.from_request(request),
            )
        except invitations.InvitationLimitReached as refused:
            form.refuse_past_limit(refused.left)
        else:
            _report(request, result)
            return HttpResponseRedirect(reverse("team:members") + "#invitations-heading")
    return render(request, "team/invite.html", {"form": form})


def _report(request, result: invitations.SentInvitations) -> None:
    if result.sent:
        messages.success(
            request,
            ngettext(
                "Invitation sent to %(emails)s.",
                "%(count)d invitations sent: %(emails)s.",
                len(result.sent),
            )
            % {"count": len(result.sent), "emails": ", ".join(result.sent)},
        )
    for email in result.already_in_team:
        messages.warning(
            request, _("%(email)s is already in your team: not invited.") % {"email": email}
        )


def _pending_invitation(request, invitation_id: int) -> Invitation:
    """A pending invitation of the Manager's own team; any other is a 404."""
    return get_object_or_404(
        Invitation.objects.pending(), pk=invitation_id, team_id=request.user.team_id
    )


@team_manager
@require_POST
def resend_invitation(request, invitation_id: int):
    invitation = _pending_invitation(request, invitation_id)
    try:
        sent = invitations.resend_invitation(
            actor=request.user,
            invitation=invitation,
            language=_inviter_language(),
            request_meta=RequestMeta.from_request(request),
        )
    except invitations.InvitationLimitReached:
        messages.error(request, _("You reached today's limit of invitations. Nothing was sent."))
    else:
        if sent is not None:
            messages.success(
                request,
                _("The invitation to %(email)s was sent again; the earlier link no longer works.")
                % {"email": invitation.email},
            )
    return HttpResponseRedirect(reverse("team:members") + "#invitations-heading")


@team_manager
@require_POST
def revoke_invitation(request, invitation_id: int):
    invitation = _pending_invitation(request, invitation_id)
    invitations.revoke_invitation(
        actor=request.user, invitation=invitation, request_meta=RequestMeta.from_request(request)
    )
    messages.info(
        request,
        _("The invitation to %(email)s was revoked; its link no longer works.")
        % {"email": invitation.email},
    )
    return HttpResponseRedirect(reverse("team:members") + "#invitations-heading")


# The link and "Join <team>" ---------------------------------------------------------------------


def _in_language_of(request, invitation: Invitation | None) -> None:
    """The page speaks the invitation's language (the inviter's) until the visitor chooses
    one with the footer's switch (or has an account that says which)."""
    if (
        invitation is not None
        and invitation.language
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        and not request.user.is_authenticated
    ):
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = translation.get_language()


def _cannot_join(request, invitation: Invitation | None, outcome: JoinOutcome):
    return render(
        request,
        "team/join_unusable.html",
        {"invitation": invitation, "reason": outcome.value},
        status=404 if outcome is JoinOutcome.NOT_FOUND else 200,
    )


@never_cache
@require_GET
def join_link(request, token: str):
    """The link of the email: remember which invitation, then the page without the token."""
    invitation = selectors.invitation_of_link(tokens.token_hash(token))
    if invitation is None:
        return _cannot_join(request, None, JoinOutcome.NOT_FOUND)
    request.session[JOIN_SESSION_KEY] = invitation.token_hash
    return HttpResponseRedirect(reverse("team:join"))


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    token_hash = request.session.get(JOIN_SESSION_KEY)
    invitation = selectors.invitation_of_link(token_hash)
    _in_language_of(request, invitation)
    problem = invitations.why_not_usable(invitation)
    if problem is None and invitations.account_exists(invitation.email):
        problem = JoinOutcome.ACCOUNT_EXISTS
    if problem is not None:
        return _cannot_join(request, invitation, problem)
    if request.user.is_authenticated:  # someone else's session in this browser
        return render(request, "team/join_signed_in.html", {"invitation": invitation})
    form = JoinForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if form.is_valid():
        result = invitations.join_team(
            token_hash=token_hash,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            language=translation.get_language() or "",
            request_meta=RequestMeta.from_request(request),
        )
        if result.outcome is not JoinOutcome.JOINED:
            return _cannot_join(request, result.invitation, result.outcome)
        request.session.pop(JOIN_SESSION_KEY, None)
        auth.login(request, result.user)  # the password only: the wizard comes next
        return start_setup_with_new_password(request, next_url=reverse("accounts:preferences"))
    return render(request, "team/join.html", {"invitation": invitation, "form": form})
