"""Guards declared at the view: the Manager role and recent authentication."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect

from . import passwords
from .redirects import url_with_next


def manager_required(view):
    """Only Managers of a team; a Member gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_manager:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def require_recent_authentication(view):
    """The password must have been typed in the last 10 minutes (like GitHub's sudo mode).

    Otherwise the person confirms it first and comes back to this page (a GET; a POST made
    without recent authentication changes nothing).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if passwords.has_recent_authentication(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else request.path
        return HttpResponseRedirect(url_with_next("accounts:confirm_password", back))

    return wrapped
