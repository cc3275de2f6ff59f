"""A big team for load and benchmark runs, made fast with bulk inserts.

``python manage.py seed_load --members 10000`` creates the team "Load" (emails ``@load.test``)
with a Manager (``manager@load.test``) and the members, and gives a realistic share of them
authenticators, trusted browsers, reset requests and a history of activity:

- 2FA on for about 80% of the members (one in ten of those has a second authenticator), about
  0.5% locked after wrong codes, about 0.2% with an open reset request (Managers answer them
  within a day or two), the rest not set up;
- one to three trusted browsers for most people with 2FA on;
- about five activity records per member over the last 90 days.

Every member gets the same password hash (hashing each would take the password hasher's cost
ten thousand times): ``--password`` sets it, else it is random and nobody can sign in as them.
Refused under the production profile unless the settings say it is a benchmark
(``BENCHMARK = True``, as bench/settings.py does).
"""

import random
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from twofactor import app_settings, crypto, totp
from twofactor.models import Activity, Authenticator, CodeThrottle, ResetRequest, TrustedBrowser

# Names as people have them in the portal's countries (the search benchmark looks for "silva").
_FIRST = (
    "Ana Bruno Carla Diego Elisa Felipe Gabriela Hugo Isabel João Karina Lucas Mariana Nuno "
    "Olivia Pedro Quésia Rafael Sofia Tiago Ursula Vitor Wanda Xavier Yara Zeca Alice Bob "
    "Marta Charlie Beatriz Caio Daniela Eduardo Fernanda Gustavo Helena Igor Juliana Leonardo"
)
_LAST = (
    "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro "
    "Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento "
    "Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso Ramos Gonçalves Santana "
    "Teixeira García Martínez López Sánchez Pérez"
)
FIRST_NAMES, LAST_NAMES = _FIRST.split(), _LAST.split()
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
ACTIVITY_KINDS = (
    (Activity.Kind.PASSWORD_ACCEPTED, 30),
    (Activity.Kind.CODE_ACCEPTED, 25),
    (Activity.Kind.SIGNED_IN, 20),
    (Activity.Kind.SIGNED_OUT, 10),
    (Activity.Kind.CODE_FAILED, 6),
    (Activity.Kind.PASSWORD_FAILED, 5),
    (Activity.Kind.BROWSER_TRUSTED, 3),
    (Activity.Kind.AUTHENTICATOR_ADDED, 1),
)
# How each kind comes in the portal, as the records of real use say it: the password and code
# steps (and a trusted browser's sign-in) with nobody signed in yet, the rest signed in.
SIGNED_IN_KINDS = {
    Activity.Kind.SIGNED_OUT,
    Activity.Kind.BROWSER_TRUSTED,
    Activity.Kind.AUTHENTICATOR_ADDED,
}
BATCH = 2000


class Command(BaseCommand):
    help = "Create a big team with authenticators, browsers and activity, fast (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10000, help="How many members.")
        parser.add_argument("--team", default="Load", help="Team name (must be new).")
        parser.add_argument("--domain", default="load.test", help="Domain of the emails.")
        parser.add_argument("--password", default="", help="Everyone's password (else random).")
        parser.add_argument("--activity", type=int, default=5, help="Activity records each.")
        parser.add_argument("--seed", type=int, default=10, help="Random seed (repeatable data).")
        parser.add_argument(
            "--other-members",
            type=int,
            default=0,
            help="People of other, smaller teams around the big one (the rest of a platform).",
        )
        parser.add_argument("--other-team-size", type=int, default=100)

    def handle(self, *args, **options):
        if settings.PRODUCTION and not getattr(settings, "BENCHMARK", False):
            raise CommandError("seed_load does not run under the production profile.")
        members = options["members"]
        if members < 1:
            raise CommandError("--members must be at least 1.")
        if Team.objects.filter(name__iexact=options["team"]).exists():
            raise CommandError(f"The team {options['team']!r} exists already.")
        rng = random.Random(options["seed"])  # noqa: S311 (repeatable test data, no secret)
        password = options["password"] or secrets.token_urlsafe(24)
        password_hash = make_password(password)
        with transaction.atomic():
            counts = seed(
                rng=rng,
                team_name=options["team"],
                domain=options["domain"],
                members=members,
                password_hash=password_hash,
                activity_each=options["activity"],
            )
            others = options["other_members"]
            size = max(1, options["other_team_size"])
            for number, start in enumerate(range(0, others, size), start=1):
                seed(
                    rng=rng,
                    team_name=f"{options['team']} customer {number:04}",
                    domain=f"customer{number:04}.{options['domain']}",
                    members=min(size, others - start) - 1,
                    password_hash=password_hash,
                    activity_each=1,
                )
        self.stdout.write(
            f"Team {options['team']}: manager@{options['domain']} and "
            + ", ".join(f"{count} {name}" for name, count in counts.items())
            + (f"; {others} people in teams of {size} around it" if others else "")
        )


def ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def seed(*, rng, team_name, domain, members, password_hash, activity_each) -> dict[str, int]:
    now = timezone.now()
    team = Team.objects.create(name=team_name)
    people = [
        User(
            email=f"manager@{domain}",
            full_name="Load Manager",
            team=team,
            role=User.Role.MANAGER,
            password=password_hash,
            date_joined=now - timedelta(days=400),
        )
    ]
    for n in range(members):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append(
            User(
                email=ascii_lower(f"{first}.{last}.{n:05}@{domain}"),
                full_name=f"{first} {last}",
                team=team,
                role=User.Role.MANAGER if rng.random() < 0.01 else User.Role.MEMBER,
                password=password_hash,
                date_joined=now - timedelta(days=rng.randint(1, 400)),
            )
        )
    # Bulk inserts set the primary keys on PostgreSQL and SQLite (RETURNING).
    people = User.objects.bulk_create(people, batch_size=BATCH)

    # One encrypted key shared by every seeded authenticator (Fernet for each would dominate the
    # run), and nobody signs in with these (benchmarks make their own).
    encrypted_key = crypto.encrypt(totp.generate_key())
    devices, throttles, browsers, requests, records = [], [], [], [], []
    lock_count = app_settings.lock_after_failures()
    for person in people:
        roll = rng.random()
        with_two_factor = roll < 0.80
        if with_two_factor:
            for index in range(2 if rng.random() < 0.1 else 1):
                added = person.date_joined + timedelta(days=rng.randint(0, 30))
                if index == 0:  # the person's code entry; about 0.6% locked by wrong codes
                    locked = rng.random() < 0.006
                    throttles.append(
                        CodeThrottle(
                            user=person,
                            throttling_failure_count=lock_count if locked else 0,
                            throttling_failure_timestamp=now - timedelta(minutes=5)
                            if locked
                            else None,
                        )
                    )
                devices.append(
                    Authenticator(
                        user=person,
                        name="Work phone" if index else "My phone",
                        confirmed=True,
                        encrypted_key=encrypted_key,
                        created_at=added,
                        last_used_at=now - timedelta(hours=rng.randint(1, 2000)),
                    )
                )
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                seen = now - timedelta(hours=rng.randint(1, 600))
                browsers.append(
                    TrustedBrowser(
                        user=person,
                        token_hash=secrets.token_hex(32),
                        user_agent=rng.choice(USER_AGENTS),
                        ip_address=f"198.51.100.{rng.randint(1, 254)}",
                        created_at=seen - timedelta(days=rng.randint(0, 20)),
                        last_seen_at=seen,
                        expires_at=seen + timedelta(days=30),
                    )
                )
        if rng.random() < 0.002:
            requests.append(
                ResetRequest(
                    user=person,
                    team=team,
                    created_at=now - timedelta(hours=rng.randint(1, 72)),
                    ip_address="198.51.100.7",
                    user_agent=USER_AGENTS[0],
                )
            )
        kinds, weights = zip(*ACTIVITY_KINDS, strict=True)
        for kind in rng.choices(kinds, weights=weights, k=activity_each):
            records.append(
                Activity(
                    kind=kind,
                    # A wrong password at the sign-in has no actor (anyone may type an email).
                    actor=None if kind == Activity.Kind.PASSWORD_FAILED else person,
                    origin=Activity.Origin.SIGNED_IN
                    if kind in SIGNED_IN_KINDS
                    else Activity.Origin.NOT_SIGNED_IN,
                    subject=person,
                    team=team,
                    created_at=now - timedelta(minutes=rng.randint(1, 90 * 24 * 60)),
                    ip_address=f"198.51.100.{rng.randint(1, 254)}",
                    user_agent=rng.choice(USER_AGENTS),
                )
            )
    Authenticator.objects.bulk_create(devices, batch_size=BATCH)
    CodeThrottle.objects.bulk_create(throttles, batch_size=BATCH)
    TrustedBrowser.objects.bulk_create(browsers, batch_size=BATCH)
    ResetRequest.objects.bulk_create(requests, batch_size=BATCH)
    Activity.objects.bulk_create(records, batch_size=BATCH)
    return {
        "members": members,
        "authenticators": len(devices),
        "trusted browsers": len(browsers),
        "reset requests": len(requests),
        "activity records": len(records),
    }
