"""Tables and summaries of benchmark results (shared by bench.run and bench.http)."""

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def rows(work, *, floor_name: str, portal_over_bare: float) -> list[dict]:
    """Each workload's median over the portal's signed-in floor of the same process, and over
    the bare floor: the first ratio times the portal's floor over the bare floor, as measured in
    processes of their own, in turns (bench.floors). Targets are ratios to the bare floor."""
    floor = statistics.median(next(w for w in work if w.name == floor_name).samples)
    result = []
    for workload in work:
        median = statistics.median(workload.samples)
        ratio = median / floor * portal_over_bare
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
                "ratio_to_portal_floor": round(median / floor, 2),
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
    header = ("workload", "n", "median µs", "p90 µs", "SQL (data)", "x floor", "x bare", "target")
    lines = [
        [
            row["name"],
            str(row["requests"]),
            f"{row['median_us']:,}",
            f"{row['p90_us']:,}",
            f"{row['sql']} ({row['sql_data']})",
            f"{row['ratio_to_portal_floor']:.2f}",
            f"{row['ratio']:.2f}",
            _target(row),
        ]
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 3, 4, 5, 6}

    def fmt(cells):
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([fmt(header), rule, *(fmt(cells) for cells in lines)])


def _each(medians: list[int]) -> str:
    return ", ".join(f"{median:,}" for median in medians)


def floors_text(floors: dict) -> str:
    medians = floors["run_medians_us"]
    return "\n".join(
        [
            f"floors in processes of their own, in turns ({' '.join(floors['order'])}; "
            f"{floors['requests_each']} requests each):",
            f"  portal (whole middleware)   {floors['portal_us']:>7,} µs median, "
            f"p90 {floors['portal_p90_us']:,}; each run {_each(medians['portal'])}",
            f"  bare (Django + django-otp)  {floors['bare_us']:>7,} µs median, "
            f"p90 {floors['bare_p90_us']:,}; each run {_each(medians['bare'])}",
            f"  portal / bare: {floors['ratio']:.2f} (each pair: "
            f"{', '.join(f'{r:.2f}' for r in floors['ratio_each_pair'])}); "
            "x bare below = x floor times this",
        ]
    )


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
