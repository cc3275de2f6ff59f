"""`make bench`: the portal's pages in process, each compared with floors measured in the same run.

Django's test client drives the whole stack (every middleware, the views, the templates, the
database) with no network. The database is a throwaway SQLite file (var/bench/bench.sqlite3,
made anew each run) holding the 10,000-member team of ``seed_load``. The workloads run in rounds;
each round runs every workload (and the two floors) a few times, in a shuffled order, so that the
machine's noise falls on all of them alike. Then the portal's signed-in floor and the bare floor
(Django's own middleware and django-otp's alone, bench/bare_settings.py) run in processes of
their own, in turns (bench.floors); every ratio is also given to the bare floor. Printed as a
table and written as JSON (var/bench/bench.json).

    python -m bench.run [--rounds 40] [--per-round 5] [--members 10000] [--json PATH]
                        [--floor-runs 4] [--floor-requests 300] [--clock wall|cpu]
                        [--only NAME ...]
"""

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import passwords  # noqa: E402
from accounts.models import Team, User  # noqa: E402
from bench import fixtures, measure, report  # noqa: E402
from twofactor import app_settings  # noqa: E402
from twofactor.services import activity, browsers  # noqa: E402
from twofactor.views import setup  # noqa: E402

CODE = "/2fa/code/"
SIGN_IN = "/sign-in/"
PREFERENCES = "/preferences/"
MANAGE = "/2fa/manage/"
TEAM = "/team/"
SCAN = "/2fa/setup/scan/"
ADDRESS = "203.0.113.9"
FLOOR_SIGNED_IN = "/bench/floor/signed-in/"
MEMBER = "bench.member@load.test"
PORTAL_FLOOR = "floor: signed-in template"
# The floor of each settings module in a process of its own (bench.floors), in turns.
FLOOR_SETTINGS = {"portal": "bench.settings", "bare": "bench.bare_settings"}


@dataclass
class Workload:
    """One kind of request. ``prepare`` runs untimed and returns the timed call."""

    name: str
    prepare: object
    expect: int
    per_round: int
    target: float | None = None
    target_sql: int | None = None
    note: str = ""
    samples: list = field(default_factory=list)
    sql: int | None = None
    sql_data: int | None = None


def client(session_key: str | None = None, **cookies) -> Client:
    browser = Client(HTTP_USER_AGENT=fixtures.USER_AGENT, REMOTE_ADDR=ADDRESS)
    if session_key:
        browser.cookies[settings.SESSION_COOKIE_NAME] = session_key
    for name, value in cookies.items():
        browser.cookies[name] = value
    return browser


def build_database(members: int) -> None:
    path = Path(settings.DATABASES["default"]["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    print(f"migrated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    call_command("seed_load", members=members, password=fixtures.PASSWORD, stdout=sys.stderr)
    print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def workloads(code_people: int) -> list[Workload]:
    load = Team.objects.get(name="Load")
    bench_team = Team.objects.create(name="Bench")
    meta = activity.RequestMeta(ADDRESS, fixtures.USER_AGENT)

    # The signed-in floor and My Preferences / Manage Access: a Member of the big team with two
    # authenticators and five trusted browsers, signed in from one of them.
    member = fixtures.make_person(MEMBER, team=load)
    device = fixtures.add_device(member)
    fixtures.add_device(member, name="Work phone")
    fixtures.add_browsers(member, 4)
    trusted = browsers.trust_browser(user=member, request_meta=meta, announce=False)
    member_browser = client(
        fixtures.signed_in_session(member, device),
        **{app_settings.trusted_browser_cookie_name(): trusted},
    )

    manager = User.objects.get(email="manager@load.test")
    manager_browser = client(
        fixtures.signed_in_session(manager, fixtures.add_device(manager, name="Manager phone"))
    )

    # The code step: people each with their own key, since a code is accepted once.
    people = iter(fixtures.code_step_people(code_people, bench_team, "bench.test"))

    def code_step():
        person, key = next(people)
        browser = client(fixtures.pending_session(person))
        code = fixtures.totp.code_at(key, time.time())
        return lambda: browser.post(f"{CODE}?next={PREFERENCES}", {"code": code})

    # The wizard's QR step: people without an authenticator, at step 3, password just typed.
    def wizard_browser(email):
        person = fixtures.make_person(email, team=load)
        key = fixtures.signed_in_session(
            person,
            **{
                setup.WIZARD_KEY: {"step": 3, "next": PREFERENCES},
                passwords.RECENT_AUTHENTICATION_KEY: time.time(),
            },
        )
        return key, client(key)

    first_key, first_browser = wizard_browser("bench.wizard.first@load.test")
    reload_key, reload_browser = wizard_browser("bench.wizard.reload@load.test")

    def qr_first():
        # A new pending authenticator each time: the first view makes the key.
        fixtures.update_session(
            first_key,
            **{
                setup.WIZARD_KEY: {"step": 3, "next": PREFERENCES},
                passwords.RECENT_AUTHENTICATION_KEY: time.time(),
            },
        )
        return lambda: first_browser.get(SCAN)

    def qr_reload():
        return lambda: reload_browser.get(SCAN)

    # The password step with the real password hasher.
    signer = fixtures.make_person("bench.password@load.test", team=load, password=fixtures.PASSWORD)
    fixtures.add_device(signer)

    def password_step():
        browser = client()
        data = {"email": signer.email, "password": fixtures.PASSWORD}
        return lambda: browser.post(f"{SIGN_IN}?next={PREFERENCES}", data)

    def get(browser, url):
        return lambda: lambda: browser.get(url)

    return [
        Workload("floor: HttpResponse", get(client(), "/bench/floor/"), 200, 5),
        Workload(PORTAL_FLOOR, get(member_browser, FLOOR_SIGNED_IN), 200, 5, 1.2),
        Workload("empty page in the layout", get(member_browser, "/bench/layout/"), 200, 5),
        Workload("code step (POST, correct code)", code_step, 302, 5, 4.0, 19),
        Workload("My Preferences", get(member_browser, PREFERENCES), 200, 5, 2.0),
        Workload("Manage Access", get(member_browser, MANAGE), 200, 5, 2.0),
        Workload("My Team: first page", get(manager_browser, TEAM), 200, 5, 5.5),
        Workload("My Team: search", get(manager_browser, f"{TEAM}?q=silva"), 200, 5, 5.5),
        Workload("My Team: filter", get(manager_browser, f"{TEAM}?status=locked"), 200, 5, 5.5),
        Workload("My Team: activity", get(manager_browser, f"{TEAM}activity/"), 200, 5, 3.8),
        Workload("QR step: reload", qr_reload, 200, 5),
        Workload("QR step: first view (new key)", qr_first, 200, 5),
        Workload("password step (Argon2)", password_step, 302, 1),
    ]


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def count_queries(workload: Workload) -> tuple[int, int]:
    """Statements of one request: all that Django logs, and those that read or write data
    (the rest are BEGIN, COMMIT and savepoints)."""
    call = workload.prepare()
    with CaptureQueriesContext(connection) as queries:
        response = call()
    check(workload, response)
    data = [q for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    return len(queries), len(data)


def check(workload: Workload, response) -> None:
    if response.status_code != workload.expect:
        raise SystemExit(
            f"{workload.name}: status {response.status_code}, expected {workload.expect}"
            f" ({response.get('Location', '')})"
        )


# What a request's time is read from: the wall clock, or the CPU time of this process (which
# leaves out the time spent waiting for a core on a machine busy with other work).
CLOCKS = {"wall": time.perf_counter_ns, "cpu": time.process_time_ns}


def run(
    work: list[Workload], *, rounds: int, per_round: int, seed: int, clock: str = "wall"
) -> None:
    now = CLOCKS[clock]
    rng = random.Random(seed)  # noqa: S311 (an order of work, not a secret)
    for workload in work:  # warm up (templates, caches), then count statements
        for _ in range(2):
            check(workload, workload.prepare()())
        workload.sql, workload.sql_data = count_queries(workload)
    for number in range(rounds):
        order = list(work)
        rng.shuffle(order)
        gc.collect()
        mail.outbox = []
        for workload in order:
            for _ in range(min(per_round, workload.per_round)):
                call = workload.prepare()
                started = now()
                response = call()
                elapsed = now() - started
                check(workload, response)
                workload.samples.append(elapsed / 1000)
        if (number + 1) % 10 == 0:
            print(f"round {number + 1}/{rounds}", file=sys.stderr)


def floors_in_turns(*, runs: int, requests: int, clock: str = "wall") -> dict:
    """The portal's signed-in floor and the bare floor, each in a process of its own, in turns
    (portal, bare, bare, portal, ...): ``runs`` processes of each, ``requests`` requests each."""
    order = []
    for number in range(runs):
        order += ["portal", "bare"] if number % 2 == 0 else ["bare", "portal"]
    samples = {name: [] for name in FLOOR_SETTINGS}
    medians = {name: [] for name in FLOOR_SETTINGS}
    for name in order:
        output = subprocess.run(  # noqa: S603 (this interpreter, with arguments made here)
            [
                sys.executable,
                "-m",
                "bench.floors",
                FLOOR_SETTINGS[name],
                "--email",
                MEMBER,
                "--requests",
                str(requests),
                "--clock",
                clock,
            ],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
            timeout=600,
        ).stdout
        run_samples = json.loads(output)["samples"]
        samples[name] += run_samples
        medians[name].append(round(statistics.median(run_samples)))
        print(f"floor in its own process: {name} {medians[name][-1]:,} µs", file=sys.stderr)
    portal, bare = (statistics.median(samples[name]) for name in ("portal", "bare"))
    return {
        "order": order,
        "requests_each": requests,
        "portal_us": round(portal),
        "bare_us": round(bare),
        "portal_p90_us": round(report.percentile(samples["portal"], 0.9)),
        "bare_p90_us": round(report.percentile(samples["bare"], 0.9)),
        "run_medians_us": medians,
        "ratio": round(portal / bare, 3),
        "ratio_each_pair": [
            round(a / b, 2) for a, b in zip(medians["portal"], medians["bare"], strict=True)
        ],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--floor-runs", type=int, default=4, help="processes of each floor, in turns"
    )
    parser.add_argument("--floor-requests", type=int, default=300, help="requests per process")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time (on a machine busy with others)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only the workloads whose name holds this (repeatable; the floors always run)",
    )
    parser.add_argument("--json", default=str(settings.BENCH_DIR / "bench.json"))
    options = parser.parse_args(argv)

    build_database(options.members)
    # each round, the warm-up, the statement count and the breakdown take a person each
    work = workloads(code_people=options.rounds * options.per_round + 20)
    if options.only:
        work = [
            w
            for w in work
            if w.name.startswith("floor") or any(part in w.name for part in options.only)
        ]
    run(
        work,
        rounds=options.rounds,
        per_round=options.per_round,
        seed=options.seed,
        clock=options.clock,
    )
    floors = floors_in_turns(
        runs=options.floor_runs, requests=options.floor_requests, clock=options.clock
    )

    rows = report.rows(work, floor_name=PORTAL_FLOOR, portal_over_bare=floors["ratio"])
    extras = {
        "breakdown": measure.breakdown(work),
        "password_hasher": measure.password_hasher(),
        "qr_encoders": measure.qr_encoders(),
        "orm_query": measure.orm_query(),
    }
    result = {
        "benchmark": "in-process (Django test client, SQLite)",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": f"SQLite {connection.Database.sqlite_version}"
            + (" (WAL)" if "init_command" in settings.DATABASES["default"]["OPTIONS"] else ""),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "members": options.members,
        "rounds": options.rounds,
        "per_round": options.per_round,
        "clock": options.clock,
        "floor": PORTAL_FLOOR,
        "floors_in_turns": floors,
        "workloads": rows,
        **extras,
    }
    print(report.floors_text(floors))
    print(report.table(rows))
    print(report.extras_text(extras))
    path = Path(options.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"JSON written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
