"""Where the survey page's time goes under gunicorn: py-spy samples the workers under load.

    python -m benchmarks.spy_survey --db sqlite --method POST [--app minimal]

Same setup as survey_load (gunicorn, 2 sync workers, wrk on loopback, the same seeded
database), but one app and one request kind, with py-spy attached to its workers
during the measured run. Prints the share of samples in each part of a request:
gunicorn's own work, Flask's request handling, each before/after hook, the view and
the services and SQL under it. Unlike profile_survey (cProfile, in-process), this sees
the real server, sockets and all, with little overhead.

py-spy comes with the `bench` extra (pip install -e '.[bench]') and needs permission
to read another process's memory: root, or kernel.yama.ptrace_scope=0.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks import common, survey_load

PY_SPY = str(Path(common.PYTHON).with_name("py-spy"))

#: Frames worth a line of their own, as (label, text the frame starts with).
PARTS = [
    ("gunicorn, outside the app", None),
    ("Flask: the whole request", "Flask.wsgi_app"),
    ("  open the session cookie", "SecureCookieSessionInterface.open_session"),
    ("  before_request hooks", "Flask.preprocess_request"),
    ("    CSRF check", "CSRFProtect.init_app.<locals>.csrf_protect"),
    ("    rate limiter", "Limiter._check_request_limit"),
    ("    user loading", "init_app.<locals>.resolve_user"),
    ("    input guards", "init_app.<locals>.refuse_"),
    ("  the view", "Flask.dispatch_request"),
    ("    token lookup", "find_link"),
    ("    form validation", "FormMeta.__call__"),
    ("    template", "render_template"),
    ("    answers.record", "record (feedback/services/answers.py"),
    ("      anonymity and rollups", "on_new_answer"),
    ("    commit", "scoped_session.commit"),
    ("  after_request hooks", "Flask.process_response"),
    ("    security headers", "Talisman._set_response_headers"),
    ("  request teardown", "Flask.do_teardown_request"),
    ("all SQL execution", "Connection.execute"),
]


def shares(samples_file: Path) -> dict[str, float]:
    """Per part, the fraction of all samples whose stack passes through it."""
    total, hits = 0, collections.Counter()
    for line in samples_file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, n = stack.split(";"), int(count)
        total += n
        for label, prefix in PARTS:
            if prefix and any(frame.startswith(prefix) for frame in frames):
                hits[label] += n
    result = {label: hits[label] / max(total, 1) for label, _ in PARTS}
    result["gunicorn, outside the app"] = 1 - result["Flask: the whole request"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--method", choices=["GET", "POST"], default="POST")
    parser.add_argument("--app", choices=["ours", "minimal"], default="ours")
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--salespeople", type=int, default=200)
    parser.add_argument("--invitations", type=int, default=20000)
    args = parser.parse_args(argv)
    missing = [tool for tool in ("wrk", PY_SPY) if shutil.which(tool) is None]
    if missing:
        print(f"missing: {', '.join(missing)} (apt-get install -y wrk; "
              "pip install -e '.[bench]')", file=sys.stderr)
        return 2
    with common.throwaway_database(args.db) as database:
        load = survey_load.seed_load(database, invitations=args.invitations,
                                     salespeople=args.salespeople, users=64)
        if args.app == "ours":
            server = survey_load.start_gunicorn("ours", "wsgi:app", common.app_env(database),
                                                database.folder, 2)
        else:
            server = survey_load.start_minimal(database, 2)
        samples = database.folder / "samples.txt"
        try:
            survey_load.prime_sessions(server, load.raw, load.users, database.folder)
            tokens = load.token_files[args.method]
            survey_load.run_wrk(server, args.method, tokens, seconds=2, connections=4,
                                max_requests=100000)
            spy = subprocess.Popen(
                [PY_SPY, "record", "--format", "raw", "--output", str(samples), "--rate", "500",
                 "--subprocesses", "--nonblocking", "--duration", str(round(args.duration)),
                 "--pid", str(server.process.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            result = survey_load.run_wrk(server, args.method, tokens,
                                         seconds=args.duration, connections=4,
                                         max_requests=100000)
            _, spy_errors = spy.communicate(timeout=args.duration + 60)
        finally:
            survey_load.stop(server)
        if not samples.exists():
            print(f"py-spy recorded nothing: {spy_errors.strip()}", file=sys.stderr)
            return 1
        print(f"{args.app} {args.method} on {args.db}: {result['rps']:.0f} req/s, "
              f"{result['cpu_us']:.0f} us of CPU a request, {result['bad']} errors")
        print("share of the workers' samples (a line includes the lines under it):")
        for label, share in shares(samples).items():
            print(f"  {share * 100:5.1f}%  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
