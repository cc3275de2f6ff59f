"""The page of the "This wasn't me" link in a security email. No sign-in needed; a GET only
says what will happen (mail scanners that open links change nothing), one POST does it."""

from datetime import UTC, datetime

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from accounts.password_reset import link_minutes, user_of_uid

from ..notifications import OWN_ACCOUNT_EVENTS
from ..selectors import reported_not_me_since
from ..services.activity import RequestMeta
from ..services.not_me import NotMeLinkRefused, report_not_me
from ..tokens import NotMeCheck, not_me_tokens


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def not_me(request, uidb64, event, token):
    user = user_of_uid(uidb64)
    if event not in OWN_ACCOUNT_EVENTS:
        user = None
    check = not_me_tokens.check_token(user, event, token)
    if check is NotMeCheck.VALID and request.method == "POST":
        try:
            report_not_me(
                user=user, event=event, token=token, request_meta=RequestMeta.from_request(request)
            )
        except NotMeLinkRefused as refused:  # confirmed twice at once: the other one did it
            check = refused.check
        else:
            return HttpResponseRedirect(reverse("twofactor:not_me_done"))
    made_at = not_me_tokens.made_at(token)
    sent_at = datetime.fromtimestamp(made_at, tz=UTC) if made_at is not None else None
    context = {
        "check": check.value,
        "sent_at": sent_at,
        "email_subject": "",
        "already_reported": False,
        "days": not_me_tokens.valid_days(),
    }
    if check is not NotMeCheck.INVALID:
        subject = render_to_string(f"twofactor/email/{event}_subject.txt", {"user": user})
        context["email_subject"] = " ".join(subject.split())
    if check is NotMeCheck.STALE:
        context["already_reported"] = reported_not_me_since(user, sent_at)
    return render(request, "twofactor/not_me.html", context)


@never_cache
@require_http_methods(["GET"])
def not_me_done(request):
    return render(request, "twofactor/not_me_done.html", {"minutes": link_minutes()})
