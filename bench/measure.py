"""Micro-measurements reported beside the pages: the password hasher, the QR encoders, and what
one small query costs through Django's ORM against the same SQL on the driver's cursor."""

import base64
import io
import statistics
import time

from django.contrib.auth.hashers import check_password, get_hasher, make_password

from twofactor import qr, totp

# OWASP Password Storage Cheat Sheet, Argon2id minimum: 19 MiB of memory, 2 passes, 1 lane.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


def _median_us(function, number: int) -> float:
    samples = []
    for _ in range(number):
        started = time.perf_counter_ns()
        function()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return statistics.median(samples)


def password_hasher(checks: int = 15) -> dict:
    hasher = get_hasher("default")
    encoded = make_password("bench-password-2fa")
    median = _median_us(lambda: check_password("bench-password-2fa", encoded), checks)
    variant = getattr(hasher, "params", lambda: None)()
    return {
        "algorithm": hasher.algorithm,
        "class": f"{type(hasher).__module__}.{type(hasher).__qualname__}",
        "variant": "Argon2id" if variant is not None and variant.type.name == "ID" else "?",
        "time_cost": hasher.time_cost,
        "memory_cost_kib": hasher.memory_cost,
        "parallelism": hasher.parallelism,
        "checks": checks,
        "check_median_ms": round(median / 1000, 1),
        "at_least_owasp": hasher.time_cost >= OWASP_TIME_COST
        and hasher.memory_cost >= OWASP_MEMORY_KIB
        and hasher.parallelism >= OWASP_PARALLELISM,
    }


def qr_encoders(number: int = 40) -> dict:
    """The choices for the wizard's QR image, each a PNG data: URI of a fresh key's URI."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    account = "someone.with.a.long.name@load.test"

    def uri():
        return totp.provisioning_uri(totp.generate_key(), account)

    def with_qrcode(mask):
        def encode():
            code = qrcode.QRCode(
                error_correction=ERROR_CORRECT_M, box_size=6, border=4, mask_pattern=mask
            )
            code.add_data(uri())
            code.make(fit=True)
            buffer = io.BytesIO()
            code.make_image().save(buffer, format="PNG")
            return base64.b64encode(buffer.getvalue())

        return encode

    choices = {
        "qrcode, best of 8 mask patterns, Pillow PNG": with_qrcode(None),
        "qrcode, fixed mask pattern, Pillow PNG": with_qrcode(0),
    }
    try:
        import segno
    except ImportError:
        segno = None
    if segno is not None:
        choices["segno, best of 8 mask patterns, its PNG"] = lambda: segno.make_qr(
            uri(), error="m"
        ).png_data_uri(scale=6, border=4)
        choices["segno, fixed mask pattern, its PNG"] = lambda: segno.make_qr(
            uri(), error="m", mask=0
        ).png_data_uri(scale=6, border=4)
    choices["portal: twofactor.qr"] = lambda: qr.qr_png_data_uri(uri())
    result = {
        name: f"{_median_us(encode, number) / 1000:.2f} ms" for name, encode in choices.items()
    }
    if segno is None:
        result["segno"] = "not installed (pip install segno to compare)"
    return result


def breakdown(work, requests: int = 10) -> dict:
    """Where each workload's time goes, median of ``requests`` (apart from the timed rounds):
    executing SQL and committing (in the database driver), rendering templates (the page's and
    the emails'), and the rest (middleware, views, forms, the ORM building queries and models,
    sessions, hashing, QR encoding, the test client)."""
    from django.db import connection
    from django.template import base

    spent = {"sql": 0, "templates": 0}
    depth = [0]
    render = base.Template.render

    def timed_render(self, context):
        depth[0] += 1
        started = time.perf_counter_ns()
        try:
            return render(self, context)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                spent["templates"] += time.perf_counter_ns() - started

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["sql"] += time.perf_counter_ns() - started

    commit = connection._commit

    def timed_commit():
        started = time.perf_counter_ns()
        try:
            return commit()
        finally:
            spent["sql"] += time.perf_counter_ns() - started

    result = {}
    base.Template.render = timed_render
    connection._commit = timed_commit  # COMMIT does not pass through execute wrappers
    try:
        with connection.execute_wrapper(timed_sql):
            for workload in work:
                rows = []
                for _ in range(requests):
                    call = workload.prepare()
                    spent.update(sql=0, templates=0)
                    started = time.perf_counter_ns()
                    call()
                    total = time.perf_counter_ns() - started
                    rows.append((total, spent["sql"], spent["templates"]))
                total, sql, templates = (
                    statistics.median(column) / 1000 for column in zip(*rows, strict=True)
                )
                result[workload.name] = {
                    "total_us": round(total),
                    "sql_us": round(sql),
                    "templates_us": round(templates),
                    "other_us": round(max(0, total - sql - templates)),
                }
    finally:
        base.Template.render = render
        del connection._commit
    return result


def orm_query(number: int = 300) -> dict:
    """One query of the kind the pages make (a person's authenticators' dates), built by the
    ORM each time as a view does, against the same SQL sent on the cursor."""
    from django.db import connection

    from twofactor.models import Authenticator

    user_id = Authenticator.objects.values_list("user_id", flat=True).first()

    def through_orm():
        return list(
            Authenticator.objects.filter(user_id=user_id, confirmed=True).values_list(
                "created_at", flat=True
            )
        )

    sql, params = (
        Authenticator.objects.filter(user_id=user_id, confirmed=True)
        .values_list("created_at", flat=True)
        .query.sql_with_params()
    )

    def on_the_cursor():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return {
        "orm_us": round(_median_us(through_orm, number)),
        "cursor_us": round(_median_us(on_the_cursor, number)),
    }
