"""Tables and summaries of benchmark results (shared by bench.run and bench.http)."""

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def rows(work, *, floor_name: str) -> list[dict]:
    floor = statistics.median(next(w for w in work if w.name == floor_name).samples)
    result = []
    for workload in work:
        median = statistics.median(workload.samples)
        ratio = median / floor
        met = None
        if workload.target is not None:
            met = ratio <= workload.target and (
                workload.target_sql is None or workload.sql <= workload.target_sql
            )
        result.append(
            {
                "name": workload.name,
                "requests": len(workload.samples),
                "median_us": round(median),
                "p90_us": round(percentile(workload.samples, 0.9)),
                "sql": workload.sql,
                "sql_data": workload.sql_data,
                "ratio": round(ratio, 2),
                "target": workload.target,
                "target_sql": workload.target_sql,
                "met": met,
            }
        )
    return result


def _target(row) -> str:
    if row["target"] is None:
        return ""
    text = f"<= {row['target']}x"
    if row["target_sql"] is not None:
        text += f", <= {row['target_sql']} SQL"
    return f"{text}  {'met' if row['met'] else 'NOT MET'}"


def table(rows: list[dict]) -> str:
    header = ("workload", "n", "median µs", "p90 µs", "SQL (data)", "x floor", "target")
    lines = [
        [
            row["name"],
            str(row["requests"]),
            f"{row['median_us']:,}",
            f"{row['p90_us']:,}",
            f"{row['sql']} ({row['sql_data']})",
            f"{row['ratio']:.2f}",
            _target(row),
        ]
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 3, 4, 5}

    def fmt(cells):
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([fmt(header), rule, *(fmt(cells) for cells in lines)])


def extras_text(extras: dict) -> str:
    lines = []
    hasher = extras.get("password_hasher")
    if hasher:
        lines.append(
            f"password hasher: {hasher['algorithm']} ({hasher['variant']}, "
            f"t={hasher['time_cost']}, m={hasher['memory_cost_kib']} KiB, "
            f"p={hasher['parallelism']}): {hasher['check_median_ms']} ms a check (median of "
            f"{hasher['checks']}); OWASP minimum t=2, m=19456 KiB, p=1: "
            f"{'met' if hasher['at_least_owasp'] else 'NOT MET'}"
        )
    parts = extras.get("breakdown")
    if parts:
        lines.append("where the time goes (median µs): SQL executing, templates, the rest")
        lines.extend(
            f"  {name:<32} {row['sql_us']:>7,} SQL {row['templates_us']:>7,} templates "
            f"{row['other_us']:>7,} rest"
            for name, row in parts.items()
        )
    query = extras.get("orm_query")
    if query:
        lines.append(
            f"one small query: {query['orm_us']:,} µs built by the ORM, "
            f"{query['cursor_us']:,} µs as the same SQL on the cursor (median)"
        )
    encoders = extras.get("qr_encoders")
    if encoders:
        lines.append("QR encoders (one otpauth URI to a PNG data: URI, median):")
        lines.extend(f"  {name:<44} {value}" for name, value in encoders.items())
    return "\n".join(lines)
