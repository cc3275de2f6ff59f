"""The signed-in floor of one settings module, in a process of its own (called by bench.run).

Middleware, backends and context processors are read once per process, so the portal's floor and
the bare floor (bench/bare_settings.py) are each measured in their own process, in turns. Each
run signs the benchmark's Member in with the backend its settings name, warms up, and prints the
time of each request in microseconds, as JSON on standard output.

    python -m bench.floors SETTINGS_MODULE --email EMAIL [--requests 250] [--warm-up 30]
                                            [--clock wall|cpu]
"""

import argparse
import json
import os
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings")
    parser.add_argument("--email", required=True)
    parser.add_argument("--requests", type=int, default=250)
    parser.add_argument("--warm-up", type=int, default=30)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    options = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = options.settings

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.test import Client

    from accounts.models import User
    from bench import fixtures
    from twofactor.models import Authenticator

    member = User.objects.get(email=options.email)
    device = Authenticator.objects.filter(user=member, confirmed=True).order_by("pk").first()
    session_key = fixtures.signed_in_session(member, device)
    fixtures.update_session(
        session_key, **{BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0]}
    )
    browser = Client(HTTP_USER_AGENT=fixtures.USER_AGENT, REMOTE_ADDR="203.0.113.9")
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_key

    def request():
        response = browser.get("/bench/floor/signed-in/")
        if response.status_code != 200 or options.email.encode() not in response.content:
            raise SystemExit(f"{options.settings}: the floor answered {response.status_code}")

    for _ in range(options.warm_up):
        request()
    now = time.perf_counter_ns if options.clock == "wall" else time.process_time_ns
    samples = []
    for _ in range(options.requests):
        started = now()
        request()
        samples.append((now() - started) / 1000)
    json.dump({"settings": options.settings, "samples": samples}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
