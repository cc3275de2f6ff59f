"""EXPLAIN of every query that My Team's pages make, on PostgreSQL with the 10,000-member team.

Called by bench.over_http once the benchmark database is seeded: each page is requested through
Django's test client, its SELECT statements are captured and explained, and each plan is boiled
down to the way it reads each table (index scans, bitmap scans, sequential scans).
"""

import re

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# What the pages ask for: the list, a search, each status filter, the activity and its filters,
# and one person's detail page.
PAGES = [
    "/team/",
    "/team/?page=3",
    "/team/?q=silva",
    "/team/?q=almeida.00989",
    "/team/?status=on",
    "/team/?status=off",
    "/team/?status=locked",
    "/team/?status=requested",
    "/team/activity/",
    "/team/activity/?kind=code_failed",
    "/team/activity/?person={person}",
    "/team/members/{person_id}/",
]
SCAN = re.compile(
    r"(Seq Scan on \w+|Index Only Scan(?: Backward)? using \w+|Index Scan(?: Backward)? using "
    r"\w+|Bitmap Index Scan on \w+)"
)
# The rows every signed-in page reads by primary key (session, user, authenticator, team).
SKIPPED = ("django_session", '"accounts_team"."id" =', "SAVEPOINT", "RELEASE")


def explain_pages(session_key: str, person) -> list[dict]:
    with connection.cursor() as cursor:
        # Fresh statistics and visibility maps, as autovacuum keeps them in production.
        cursor.execute("VACUUM ANALYZE")
    browser = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_key
    report = []
    for template in PAGES:
        path = template.format(person=person.email, person_id=person.pk)
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"EXPLAIN: {path} answered {response.status_code}")
        statements = []
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or any(skip in sql for skip in SKIPPED):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            statements.append({"sql": sql[:120], "scans": sorted(set(SCAN.findall(plan)))})
        report.append({"page": path, "queries": statements})
    return report


def summary(report: list[dict]) -> str:
    lines = []
    for page in report:
        lines.append(page["page"])
        for statement in page["queries"]:
            target = re.search(r'FROM "(\w+)"', statement["sql"])
            table = target.group(1) if target else "?"
            count = "COUNT " if "COUNT(" in statement["sql"] else ""
            lines.append(f"  {count}{table}: {'; '.join(statement['scans'])}")
    return "\n".join(lines)


def sequential_scans(report: list[dict]) -> list[str]:
    """Plans that read a big table from end to end (a small table read whole is fine)."""
    big = ("accounts_user", "twofactor_activity", "twofactor_authenticator", "twofactor_trusted")
    found = []
    for page in report:
        for statement in page["queries"]:
            for scan in statement["scans"]:
                if scan.startswith("Seq Scan on") and scan.split()[-1].startswith(big):
                    found.append(f"{page['page']}: {scan}")
    return found
