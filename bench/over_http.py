"""`make bench-http`: gunicorn (2 workers) on loopback against PostgreSQL and Redis, driven by wrk.

Two gunicorns with the production profile (DJANGO_ENV=production, axur_portal/gunicorn.conf.py)
and the benchmark's own database and Redis database, both emptied first: the portal, and the
bare floor's settings (bench/bare_settings.py: Django's and django-otp's middleware alone). The
portal's signed-in floor, the bare floor and My Preferences are loaded in turns (each round in
the reverse order of the one before), each run bounded in time and in requests:

    BENCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/axur_portal_bench
    BENCH_REDIS_URL     redis://127.0.0.1:6379/8

Reports requests per second, their ratio to each floor's, latency, the peak memory (VmHWM) of
each of the portal's workers after the pages, and again after a burst of parallel sign-ins (the
password step, Argon2): what the password checks add to a worker. The JSON goes to
var/bench/bench-http.json. Needs Debian's wrk on PATH.

    python -m bench.over_http [--members 10000] [--other-members 40000] [--rounds 3]
                              [--seconds 8] [--max-requests 20000] [--sign-ins 8]
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var")) / "bench"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/axur_portal_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
FLOOR = "/bench/floor/signed-in/"
PREFERENCES = "/preferences/"
SIGN_IN = "/sign-in/"
CONNECTIONS = 4
WORKERS = 2
PORTAL_SETTINGS = "bench.settings"
BARE_SETTINGS = "bench.bare_settings"

WRK_SCRIPT = """
local cap = tonumber(os.getenv("WRK_MAX_REQUESTS") or "0")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) answered = 0; not_ok = 0 end
function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then not_ok = not_ok + 1 end
  if cap > 0 and answered >= cap then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  io.write(string.format("NOT_200 %d\\n", bad))
  io.write(string.format("LATENCY_P50_US %d\\n", latency:percentile(50)))
  io.write(string.format("LATENCY_P90_US %d\\n", latency:percentile(90)))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(port: int, *, secret_key: str, encryption_key: str) -> dict[str, str]:
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "SIGN_IN_"))
    }
    return kept | {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": PORTAL_SETTINGS,
        "DJANGO_SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TWOFACTOR_ENCRYPTION_KEYS": encryption_key,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DEFAULT_FROM_EMAIL": "Axur One <no-reply@bench.test>",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
        "STATIC_ROOT": str(VAR_DIR / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL must name a benchmark database, not {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def signer_email(number: int) -> str:
    return f"bench.password.{number}@load.test"


def prepare(members: int, other_members: int, signers: int) -> tuple[dict[str, str], list[dict]]:
    """Schema, the big team and a signed-in Member; returns the Member's session keys (for the
    portal and for the bare floor, whose backend is Django's ModelBackend) and the EXPLAIN report
    of My Team's queries."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.core.cache import cache
    from django.core.management import call_command

    from accounts.models import Team, User
    from bench import explain, fixtures
    from twofactor.services.activity import RequestMeta
    from twofactor.services.browsers import trust_browser

    cache.clear()  # FLUSHDB of the benchmark's own Redis database
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command(
        "seed_load",
        members=members,
        other_members=other_members,
        password=fixtures.PASSWORD,
        stdout=sys.stderr,
    )
    load = Team.objects.get(name="Load")
    member = fixtures.make_person("bench.member@load.test", team=load)
    # One person a sign-in of the burst, so that no account's throttle refuses one of them.
    for number in range(signers):
        signer = fixtures.make_person(signer_email(number), team=load, password=fixtures.PASSWORD)
        fixtures.add_device(signer)
    device = fixtures.add_device(member)
    fixtures.add_device(member, name="Work phone")
    fixtures.add_browsers(member, 4)
    trust_browser(user=member, request_meta=RequestMeta("127.0.0.1", "wrk"), announce=False)
    manager = User.objects.get(email="manager@load.test")
    manager_session = fixtures.signed_in_session(manager, fixtures.add_device(manager))
    person = User.objects.filter(team=member.team, activities__isnull=False).first()
    report = explain.explain_pages(manager_session, person)
    bare = fixtures.signed_in_session(member, device)
    fixtures.update_session(
        bare, **{BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"}
    )
    return {"portal": fixtures.signed_in_session(member, device), "bare": bare}, report


def answering(port: int) -> bool:
    """Whether gunicorn answers on ``port`` (the bare floor's settings have no /healthz: any
    answer will do there; the portal's is a 200)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except urllib.error.HTTPError as answer:
        return answer.code == 404
    except (OSError, urllib.error.URLError):
        return False


def start_gunicorn(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("w") as log:
        # --max-requests 0: workers are not recycled during a run (production recycles them
        # every ~2,000 requests, which would put restarts into some runs and not others).
        server = subprocess.Popen(  # noqa: S603 (this interpreter, with arguments made here)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "axur_portal/gunicorn.conf.py",
                "--max-requests",
                "0",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    deadline = time.monotonic() + 60
    while not answering(port):
        if server.poll() is not None or time.monotonic() > deadline:
            stop_gunicorn(server)
            raise SystemExit(f"gunicorn did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    return server


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def sign_in_once(port: int, email: str, password: str) -> int:
    """The password step as a browser takes it over HTTPS (behind the proxy header): the sign-in
    page for its CSRF cookie and token, then the POST with the same Origin. Returns the status."""
    from http.cookies import SimpleCookie

    https = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", SIGN_IN, headers=https)
        page = connection.getresponse()
        body = page.read().decode()
        cookies = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        form = urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password})
        connection.request(
            "POST",
            SIGN_IN,
            body=form,
            headers=https
            | {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "https://127.0.0.1",
                "Referer": "https://127.0.0.1/sign-in/",
                "Cookie": "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items()),
            },
        )
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def sign_in_burst(port: int, master: int, count: int) -> dict:
    """``count`` sign-ins at once; each worker's VmHWM before and after."""
    from bench import fixtures

    before = {pid: peak_memory_mib(pid) for pid in worker_pids(master)}
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        statuses = list(
            pool.map(
                lambda number: sign_in_once(port, signer_email(number), fixtures.PASSWORD),
                range(count),
            )
        )
    elapsed = time.perf_counter() - started
    if any(status != 302 for status in statuses):
        raise SystemExit(f"sign-in burst: answers {statuses}, expected 302 each")
    after = {pid: peak_memory_mib(pid) for pid in worker_pids(master)}
    return {
        "sign_ins": count,
        "seconds": round(elapsed, 2),
        "peak_before_mib": before,
        "peak_after_mib": after,
        "added_mib": {
            pid: round(after[pid] - before[pid], 1)
            for pid in after
            if before.get(pid) is not None and after[pid] is not None
        },
    }


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_memory_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(match.group(1)) / 1024, 1) if match else None


def wrk(port: int, path: str, cookie: str, *, seconds: float, cap: int, script: str) -> dict:
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{round(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        script,
        "-H",
        f"Cookie: {cookie}",
        "-H",
        "X-Forwarded-Proto: https",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(  # noqa: S603 (wrk, with arguments made here)
        command,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"WRK_MAX_REQUESTS": str(cap)},
        timeout=seconds + 60,
    ).stdout

    def number(pattern):
        return float(re.search(pattern, output, re.MULTILINE).group(1))

    result = {
        "requests": int(number(r"^\s*(\d+) requests in")),
        "rps": number(r"^Requests/sec:\s+([\d.]+)"),
        "not_200": int(number(r"^NOT_200 (\d+)")),
        "p50_us": int(number(r"^LATENCY_P50_US (\d+)")),
        "p90_us": int(number(r"^LATENCY_P90_US (\d+)")),
    }
    if result["not_200"]:
        raise SystemExit(f"{path}: {result['not_200']} answers were not 200:\n{output}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument(
        "--other-members",
        type=int,
        default=40000,
        help="people of other teams (teams of 100) around the big one, as on a real platform",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the three pages, each reversed"
    )
    parser.add_argument("--seconds", type=int, default=8, help="length of one wrk run")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap of one wrk run")
    parser.add_argument(
        "--sign-ins", type=int, default=4 * WORKERS, help="parallel sign-ins of the burst"
    )
    parser.add_argument("--json", default=str(VAR_DIR / "bench-http.json"))
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench-http needs wrk: apt-get install wrk (Debian's package)")

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    from cryptography.fernet import Fernet

    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "encryption_key": Fernet.generate_key().decode(),
    }
    port, bare_port = free_port(), free_port()
    env = environment(port, **keys)
    bare_env = environment(bare_port, **keys) | {"DJANGO_SETTINGS_MODULE": BARE_SETTINGS}
    os.environ.update(env)
    recreate_database()
    started = time.perf_counter()
    session_keys, plans = prepare(options.members, options.other_members, options.sign_ins)
    print(f"prepared in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    from bench import explain

    print("EXPLAIN of My Team's queries on PostgreSQL (how each table is read):")
    print(explain.summary(plans))
    full_scans = explain.sequential_scans(plans)
    print("sequential scans of big tables: " + ("; ".join(full_scans) or "none"))
    from django.conf import settings

    cookies = {name: f"{settings.SESSION_COOKIE_NAME}={key}" for name, key in session_keys.items()}
    # (row name, path, port, cookie) of each page loaded
    pages = [
        ("floor: signed-in template", FLOOR, port, cookies["portal"]),
        ("floor: bare Django", FLOOR, bare_port, cookies["bare"]),
        ("My Preferences", PREFERENCES, port, cookies["portal"]),
    ]
    server = start_gunicorn(env, VAR_DIR / "gunicorn.log")
    try:
        bare_server = start_gunicorn(bare_env, VAR_DIR / "gunicorn-bare.log")
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
                handle.write(WRK_SCRIPT)
                script = handle.name
            runs = {name: [] for name, *_ in pages}
            for _name, path, page_port, cookie in pages:  # warm up every worker
                wrk(page_port, path, cookie, seconds=2, cap=options.max_requests, script=script)
            order = []
            for number in range(options.rounds):
                order += pages if number % 2 == 0 else pages[::-1]
            for name, path, page_port, cookie in order:
                result = wrk(
                    page_port,
                    path,
                    cookie,
                    seconds=options.seconds,
                    cap=options.max_requests,
                    script=script,
                )
                runs[name].append(result)
                print(f"{name:<28} {result['rps']:8.1f} requests/s", file=sys.stderr)
            os.unlink(script)
        finally:
            stop_gunicorn(bare_server)
        workers = {pid: peak_memory_mib(pid) for pid in worker_pids(server.pid)}
        burst = sign_in_burst(port, server.pid, options.sign_ins)
    finally:
        stop_gunicorn(server)

    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher("default")
    rows = []
    floor_rps = statistics.median(run["rps"] for run in runs["floor: signed-in template"])
    bare_rps = statistics.median(run["rps"] for run in runs["floor: bare Django"])
    for name, path, _port, _cookie in pages:
        rps = statistics.median(run["rps"] for run in runs[name])
        rows.append(
            {
                "name": name,
                "path": path,
                "runs": len(runs[name]),
                "requests": sum(run["requests"] for run in runs[name]),
                "rps_median": round(rps, 1),
                "rps_each": [run["rps"] for run in runs[name]],
                "p50_us": round(statistics.median(run["p50_us"] for run in runs[name])),
                "p90_us": round(statistics.median(run["p90_us"] for run in runs[name])),
                "ratio_to_floor": round(rps / floor_rps, 3),
                "ratio_to_bare": round(rps / bare_rps, 3),
            }
        )
    preferences = rows[-1]
    result = {
        "benchmark": "HTTP: gunicorn 2 sync workers, PostgreSQL, Redis, wrk on loopback",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "members": options.members,
        "wrk": {
            "threads": 1,
            "connections": CONNECTIONS,
            "seconds_each": options.seconds,
            "max_requests_each": options.max_requests,
        },
        "rows": rows,
        "target": {"My Preferences rps / bare floor rps": ">= 0.65"},
        "met": preferences["ratio_to_bare"] >= 0.65,
        "worker_peak_memory_mib": workers,
        "sign_in_burst": burst,
        "argon2": {
            "memory_cost_kib": hasher.memory_cost,
            "time_cost": hasher.time_cost,
            "parallelism": hasher.parallelism,
        },
        "explain": plans,
        "sequential_scans_of_big_tables": full_scans,
    }
    print(http_table(rows))
    memory = ", ".join(f"pid {pid}: {mib} MiB" for pid, mib in workers.items())
    print(f"peak memory per worker after the pages (VmHWM): {memory}")
    print(
        f"after {burst['sign_ins']} parallel sign-ins ({burst['seconds']} s, Argon2 with "
        f"m={hasher.memory_cost // 1024} MiB, p={hasher.parallelism}): "
        + ", ".join(
            f"pid {pid}: {burst['peak_after_mib'][pid]} MiB (+{added})"
            for pid, added in burst["added_mib"].items()
        )
    )
    print(
        "target: My Preferences >= 0.65x the bare floor's requests/s: "
        + ("met" if result["met"] else "NOT MET")
    )
    path = Path(options.json)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"JSON written to {path}")
    return 0


def http_table(rows: list[dict]) -> str:
    lines = [
        f"{'page':<28} {'runs':>4} {'requests':>9} {'req/s':>8} {'p50 µs':>8} {'p90 µs':>8} "
        f"{'x floor':>7} {'x bare':>7}",
        "-" * 86,
    ]
    for row in rows:
        lines.append(
            f"{row['name']:<28} {row['runs']:>4} {row['requests']:>9,} {row['rps_median']:>8.1f} "
            f"{row['p50_us']:>8,} {row['p90_us']:>8,} {row['ratio_to_floor']:>7.2f} "
            f"{row['ratio_to_bare']:>7.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
