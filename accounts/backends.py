"""How a person is authenticated and how a request finds its person.

``authenticate`` is Django's ModelBackend check of the password, except that a deactivated
person with the right password is returned too: the sign-in form then refuses them with its own
message ("contact a Manager"), which only someone who knows the password ever sees (Django's
``AllowAllUsersModelBackend`` and ``AuthenticationForm.confirm_login_allowed`` split it the same
way). A wrong password, an unknown email and a deactivated account with a wrong password all give
None after one password hash each, so they look alike.

``get_user`` is ModelBackend's: one query for the person, every field of their row (the security
stamp the session's hash is checked against, the role, the language and time zone); it refuses
a deactivated person, so no session of theirs grants anything. The team is not joined: most
pages never show it, and those that do read it with a query of their own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        model = get_user_model()
        if username is None:
            username = kwargs.get(model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            model().set_password(password)  # one hash all the same: no timing difference
            return None
        return user if user.check_password(password) else None
