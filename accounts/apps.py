from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # The session clock starts at sign-in (a ``user_logged_in`` receiver of the middleware
        # module): connected when the apps are ready, not when the first request loads the
        # middleware, so a sign-in that comes before any request starts it too.
        from . import middleware  # noqa: F401
