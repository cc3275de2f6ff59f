from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import user_by_email
from twofactor.services.activity import RequestMeta
from twofactor.services.resets import reset_two_factor


class Command(BaseCommand):
    help = (
        "Reset the two-factor authentication of a user: remove their authenticators and trusted "
        "browsers and sign them out everywhere (they are emailed). Their next sign-in goes "
        "through the setup wizard again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's email (any case).")

    def handle(self, *args, email, **options):
        user = user_by_email(email)
        if user is None:
            raise CommandError(f"No user has the email {email!r}.")
        # No person acts through a browser: the activity record has no actor, IP or browser,
        # and says it came from the command line.
        reset_two_factor(
            actor=None, member=user, request_meta=RequestMeta.command_line(), via="command line"
        )
        self.stdout.write(
            f"Two-factor authentication of {user.email} was reset; they were signed out "
            "everywhere and emailed."
        )
