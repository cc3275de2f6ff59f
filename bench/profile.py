"""`python -m bench.profile`: where the time of the signed-in floor and of each page goes.

The same database, people and sessions as `make bench` (bench.run), then each chosen workload
requested under cProfile; prints, per workload, the functions that take the most time (their own
time, and with what they call).

    python -m bench.profile [--requests 200] [--members 10000] [--top 25] [--sort tottime]
                            [WORKLOAD ...]

A workload is chosen by a part of its name ("floor", "Preferences", "Team: activity"); none
chosen profiles them all.
"""

import argparse
import cProfile
import io
import pstats
import sys

from bench import run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    options = parser.parse_args(argv)

    run.build_database(options.members)
    work = run.workloads(code_people=options.requests * 2 + 20)
    chosen = [
        workload
        for workload in work
        if not options.workloads or any(part in workload.name for part in options.workloads)
    ]
    for workload in chosen:
        requests = options.requests if workload.per_round > 1 else max(1, options.requests // 20)
        for _ in range(2):
            run.check(workload, workload.prepare()())
        profile = cProfile.Profile()
        for _ in range(requests):
            call = workload.prepare()
            profile.enable()
            response = call()
            profile.disable()
            run.check(workload, response)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(options.sort).print_stats(options.top)
        print(f"=== {workload.name}: {requests} requests ===")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
