"""CSV import throughput and memory: rows per second, and peak memory by file size.

For each database and each file size, a fresh throwaway database is migrated and a
CSV file is written (10 salespeople, one new customer per row, dates spread over
the last ten days, 1% rows with a bad address). A child process per size then
imports it through the real service (engagement_import.execute, exactly what the
CLI and the admin page run), and imports it again (every row already there).

Memory is the child's peak resident set (ru_maxrss) before and after the import,
so the app's own footprint is visible; streaming means the growth must not depend
on the file size: 10,000 and 100,000 rows should need the same.

    .venv/bin/python -m benchmarks.csv_import --db sqlite          # ~1 min
    .venv/bin/python -m benchmarks.csv_import --db both --sizes 10000,100000

Exits 0 only if SQLite imports at >= 5,000 rows/s at every size and the memory
growth of the largest file is within 16 MiB of the smallest's.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import common

TARGET_ROWS_PER_SECOND = 5000
MEMORY_SLACK_MIB = 16
SALESPEOPLE = 10


def write_csv(path: Path, rows: int) -> None:
    """A CRM-style export, written row by row."""
    now = datetime.now(UTC)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["CRM ID", "Owner Email", "Contact Email", "Contact Name", "Account",
                         "Activity Date", "Activity Type"])
        for i in range(rows):
            email = f"contact{i}@client{i % 700}.example" if i % 100 else f"broken{i}"
            when = now - timedelta(minutes=30 + (i * 7) % (10 * 24 * 60))
            writer.writerow([f"crm-{i:07d}", f"seller{i % SALESPEOPLE}@staff.example", email,
                             f"Contact {i}", f"Client {i % 700} Ltd",
                             when.strftime("%Y-%m-%d %H:%M"), ("call", "demo", "meeting")[i % 3]])


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(kind: str, url: str, folder: str, file: str) -> None:
    """Seed salespeople, import the file twice, print the figures as JSON."""
    from feedback.accounts import passwords as accounts
    from feedback.core import settings
    from feedback.core.extensions import db
    from feedback.integrations import csv_import as engagement_import
    from feedback.models import Role

    database = common.Database(kind, url, Path(folder))
    app = common.make_app(database)
    with app.app_context():
        for i in range(SALESPEOPLE):
            accounts.create_user(db.session, email=f"seller{i}@staff.example",
                                 name=f"Seller {i}", role=Role.SALESPERSON,
                                 hash_method="pbkdf2:sha256:1000")
        db.session.commit()
        figures: dict = {"rss_before_mib": _maxrss_mib()}
        for label in ("import", "reimport"):
            with open(file, "rb") as binary:
                _, mapping = engagement_import.read_mapping(binary)
            run = engagement_import.create_run(db.session, filename="bench.csv",
                                               mapping=mapping, dry_run=False)
            db.session.commit()
            started = time.perf_counter()
            with open(file, "rb") as binary:
                engagement_import.execute(db.session, run, binary, settings.current(),
                                          commit=db.session.commit)
            seconds = time.perf_counter() - started
            figures[label] = {"rows": run.rows_total, "seconds": round(seconds, 2),
                              "rows_per_second": round(run.rows_total / seconds),
                              "created": run.rows_created, "unchanged": run.rows_unchanged,
                              "rejected": run.rows_rejected, "scheduled": run.rows_scheduled}
            figures[f"rss_after_{label}_mib"] = _maxrss_mib()
        db.session.remove()
        db.engine.dispose()
    print(json.dumps(figures))


def measure(kind: str, rows: int) -> dict:
    with common.throwaway_database(kind) as database:
        common.migrate(database)
        file = database.folder / f"engagements-{rows}.csv"
        write_csv(file, rows)
        done = subprocess.run(
            [common.PYTHON, "-m", "benchmarks.csv_import", "--child", kind, database.url,
             str(database.folder), str(file)],
            cwd=common.ROOT, capture_output=True, text=True, timeout=1800,
            env=common.app_env(database))
        if done.returncode != 0:
            raise RuntimeError(f"import child failed:\n{done.stderr[-3000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["file_mib"] = round(file.stat().st_size / 2**20, 1)
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "URL", "FOLDER", "FILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    sizes = [int(s) for s in args.sizes.split(",")]
    ok = True
    print(f"{'db':9} {'rows':>7} {'file MiB':>8} {'import rows/s':>13} {'re-import rows/s':>16} "
          f"{'RSS before':>10} {'growth MiB':>10}")
    for kind in kinds:
        growth = {}
        for rows in sizes:
            f = measure(kind, rows)
            growth[rows] = f["rss_after_reimport_mib"] - f["rss_before_mib"]
            speed = f["import"]["rows_per_second"]
            print(f"{kind:9} {rows:>7} {f['file_mib']:>8} {speed:>13} "
                  f"{f['reimport']['rows_per_second']:>16} {f['rss_before_mib']:>10.0f} "
                  f"{growth[rows]:>10.1f}   created {f['import']['created']}, "
                  f"rejected {f['import']['rejected']}, scheduled {f['import']['scheduled']}; "
                  f"re-import unchanged {f['reimport']['unchanged']}", flush=True)
            if kind == "sqlite" and speed < TARGET_ROWS_PER_SECOND:
                ok = False
        spread = growth[max(sizes)] - growth[min(sizes)]
        print(f"{kind}: memory growth {growth[max(sizes)]:.1f} MiB at {max(sizes)} rows vs "
              f"{growth[min(sizes)]:.1f} MiB at {min(sizes)} "
              f"({'flat' if spread <= MEMORY_SLACK_MIB else 'GROWS'})")
        ok = ok and spread <= MEMORY_SLACK_MIB
    print(f"SQLite target {TARGET_ROWS_PER_SECOND} rows/s and flat memory: "
          f"{'PASS' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
