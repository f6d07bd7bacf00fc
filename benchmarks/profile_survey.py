"""Where a survey request spends its time: cProfile around the app, in-process.

    python -m benchmarks.profile_survey --db postgres --method GET --requests 500

No gunicorn, no sockets: the Flask test client calls the WSGI app directly, so the
profile shows the app's own work (views, forms, templates, SQLAlchemy, the driver).
Prints the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time

from benchmarks import common

#: The app runs with production settings, whose session cookie is Secure: over plain
#: http the test client would drop it, and every request would look like a first visit.
#: (Flask-WTF then wants a same-origin Referer on POST, as it does behind TLS.)
BASE_URL = "https://feedback.bench.test"
SECURE = {"base_url": BASE_URL, "headers": {"Referer": BASE_URL + "/"}}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWER = {"respected": "4", "helped": "5", "pressure": "no", "doubtful_promise": "no",
          "promise_note": "", "improve_comment": "Listened well.", "product_comment": ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--method", choices=["GET", "POST"], default="GET")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--salespeople", type=int, default=1)
    args = parser.parse_args(argv)
    with common.throwaway_database(args.db) as database:
        common.migrate(database)
        app = common.make_app(database)
        tokens = common.seed_invitations(app, args.requests + 50, status="sent",
                                         salespeople=args.salespeople)
        client = app.test_client()
        page = client.get(f"/s/{tokens[-1]}", **SECURE)
        csrf = CSRF.search(page.text).group(1)
        # Warm caches (templates, compiled SQL) as a running worker would have them.
        for token in tokens[-50:-1]:
            client.get(f"/s/{token}", **SECURE)
            client.post(f"/s/{token}", data={**ANSWER, "csrf_token": csrf}, **SECURE)

        def one(token: str) -> None:
            if args.method == "GET":
                response = client.get(f"/s/{token}", **SECURE)
                assert response.status_code == 200, response.status_code
            else:
                response = client.post(f"/s/{token}", data={**ANSWER, "csrf_token": csrf},
                                       **SECURE)
                assert response.status_code == 303, response.status_code

        started = time.perf_counter()
        for token in tokens[: args.requests // 2]:
            one(token)
        plain = (time.perf_counter() - started) / (args.requests // 2)
        profiler = cProfile.Profile()
        profiler.enable()
        for token in tokens[args.requests // 2 : args.requests]:
            one(token)
        profiler.disable()
        print(f"{args.db} {args.method}: {plain * 1000:.2f} ms a request unprofiled "
              f"({1 / plain:.0f} req/s in one process, test client)")
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
            print(out.getvalue())
        with app.app_context():
            from feedback.core.extensions import db

            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
