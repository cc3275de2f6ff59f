from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.services import get_or_create_team

DEMO_PASSWORD = "acme-demo-2fa"
DEMO_PEOPLE = [
    ("manager@acme.test", "Marta Manager", User.Role.MANAGER),
    ("alice@acme.test", "Alice Member", User.Role.MEMBER),
    ("bob@acme.test", "Bob Member", User.Role.MEMBER),
]


class Command(BaseCommand):
    help = "Create the demo team Acme with a Manager and two Members (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo runs only with DEBUG on (DJANGO_DEBUG=true).")
        created = 0
        with transaction.atomic():
            team = get_or_create_team(name="Acme")
            for email, name, role in DEMO_PEOPLE:
                if User.objects.filter(email=email).exists():
                    continue
                user = User(email=email, full_name=name, team=team, role=role)
                user.set_password(DEMO_PASSWORD)
                user.save()
                created += 1
        self.stdout.write(f"Demo team Acme: {created} new account(s). Password: {DEMO_PASSWORD}")
        for email, _name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {role.label:<8} {email}")
