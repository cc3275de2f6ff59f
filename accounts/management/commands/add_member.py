import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import add_member


class Command(BaseCommand):
    help = "Add a member to a team (the team is created if new)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--team", required=True, help="Team name (created if new).")
        parser.add_argument("--manager", action="store_true", help="Give the Manager role.")
        parser.add_argument("--name", default="", help="Full name.")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input instead of prompting.",
        )

    def handle(self, *args, **options):
        password = self._read_password(options["password_stdin"])
        try:
            user = add_member(
                email=options["email"],
                team_name=options["team"],
                password=password,
                full_name=options["name"],
                manager=options["manager"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Added {user.email} to team {user.team.name} as {user.get_role_display()}."
        )

    def _read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password is empty.")
        return password
