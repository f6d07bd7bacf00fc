"""Dashboards on a big organisation: My trends and Team trends against a trivial page.

    python -m benchmarks.dashboard --db both            # 1,000,000 answers (minutes)
    python -m benchmarks.dashboard --db sqlite --answers 20000   # a quick look

A generated organisation (200 salespeople in 20 teams, 3 years, one survey sent for
every conversation and half of them answered) is written with bulk inserts
(executemany on SQLite, COPY on PostgreSQL); response_rollups is then built with
feedback.team.rollups.rebuild (one INSERT ... SELECT ... GROUP BY). Pages are timed
through the Flask test client with signed-in sessions, interleaved round by round
with a trivial signed-in page, and judged by their p95 against the trivial page's.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from benchmarks import common

SALESPEOPLE, TEAMS, YEARS = 200, 20, 3
PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database
BASE = "https://feedback.bench.test"
RATIO_TARGET, PG_P95_TARGET_MS = 5.0, 150.0
CHUNK = 50_000
#: The baseline: a signed-in page that loads the user and renders the layout, nothing more.
TRIVIAL = "trivial: / (home, signed in)"
#: Shown for reference, not judged against: a small page of the salesperson's own.
REFERENCE = "reference: /me/conversations (none)"
MY_TRENDS = "My trends (/me/trends)"


@dataclass
class Org:
    manager: str
    team_id: int
    busy: str  # the salesperson whose My trends is measured
    idle: str  # a salesperson with nothing yet: the trivial page
    counts: dict


class Writer:
    """Bulk rows into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection, kind: str):
        self.raw, self.kind = connection, kind

    def value(self, v):
        if self.kind == "sqlite":  # as SQLAlchemy stores them on SQLite
            if isinstance(v, datetime):
                return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, bool):
                return int(v)
        return v

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        cursor = self.raw.cursor()
        if self.kind == "sqlite":
            marks = ", ".join("?" * len(columns))
            # S608: table and column names are this module's own constants; values are bound.
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                               [tuple(self.value(v) for v in row) for row in rows])
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.close()


ENGAGEMENT = ("id", "salesperson_id", "team_id", "customer_id", "occurred_at", "kind", "source",
              "created_at")
INVITATION = ("id", "engagement_id", "status", "first_sent_at", "sent_at", "expires_at",
              "answered_at", "attempts", "first_attempt_at", "created_at")
RESPONSE = ("id", "invitation_id", "salesperson_id", "team_id", "week_start", "month_start",
            "respected", "helped", "pressure", "doubtful_promise", "promise_note",
            "improve_comment", "product_comment", "product_contact_ok", "reveal_identity",
            "released_at", "submitted_at", "updated_at")


def generate(app, kind: str, answers: int, seed: int) -> Org:
    """The organisation: users through the ORM, conversations in bulk, then rollups."""
    from werkzeug.security import generate_password_hash

    from feedback.core import clock
    from feedback.core.extensions import db
    from feedback.models import Role, Team, User, team_managers
    from feedback.team import rollups

    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:6]
    login_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        session = db.session
        teams = [Team(name=f"Team {t:02d}") for t in range(TEAMS)]
        session.add_all(teams)
        session.flush()
        people = [User(email=f"seller{s}.{tag}@staff.example", name=f"Seller{s} Bench",
                       role=Role.SALESPERSON, team_id=teams[s % TEAMS].id,
                       password_hash=login_hash if s == 1 else None)
                  for s in range(SALESPEOPLE)]
        idle = User(email=f"idle.{tag}@staff.example", name="Idle Seller", team_id=teams[0].id,
                    role=Role.SALESPERSON, password_hash=login_hash)
        manager = User(email=f"manager.{tag}@staff.example", name="Manager Bench",
                       role=Role.MANAGER, password_hash=login_hash)
        session.add_all([*people, idle, manager])
        session.flush()
        session.execute(team_managers.insert().values(team_id=teams[0].id, user_id=manager.id))
        person_ids, team_ids = [p.id for p in people], [t.id for t in teams]
        session.commit()

        engine = db.engine
        raw = engine.raw_connection()
        if kind == "sqlite":
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("PRAGMA cache_size = -400000")
        writer = Writer(raw, kind)
        customers = max(1000, answers // 5)
        now = datetime.now(UTC).replace(microsecond=0)
        for first in range(0, customers, CHUNK):
            writer.write("customers", ("id", "email", "email_domain", "name", "company",
                                       "created_at"),
                         [(c + 1, f"c{c}.{tag}@client.example", "client.example",
                           f"Customer {c}", "Client Co", now)
                          for c in range(first, min(customers, first + CHUNK))])
        conversations = answers * 2  # half the surveys sent are answered
        end = now - timedelta(days=1)
        start = end - timedelta(days=365 * YEARS)
        step = (end - start) / conversations
        # In the last year a tenth of the people move one team on (some into team 0, the
        # measured one), so cells count the team each conversation happened in.
        moved_after = end - timedelta(days=365)
        response_id = busy_answers = 0
        for first in range(0, conversations, CHUNK):
            engagements, invitations, responses = [], [], []
            for i in range(first, min(conversations, first + CHUNK)):
                occurred = start + step * i + timedelta(seconds=rng.randrange(60))
                s = rng.randrange(SALESPEOPLE)
                team = s % TEAMS + (1 if s % 10 == 9 and occurred > moved_after else 0)
                team_id = team_ids[team % TEAMS]
                sent = occurred + timedelta(hours=2)
                answered_at = sent + timedelta(hours=rng.randrange(1, 48)) if i % 2 == 0 else None
                engagements.append((i + 1, person_ids[s], team_id, rng.randrange(customers) + 1,
                                    occurred, "call", "ui", occurred))
                invitations.append((i + 1, i + 1, "answered" if answered_at else "expired", sent,
                                    sent, sent + timedelta(days=14), answered_at, 1, sent,
                                    occurred))
                if answered_at:
                    response_id += 1
                    busy_answers += s == 1
                    respected = rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 8, 10))[0]
                    responses.append((
                        response_id, i + 1, person_ids[s], team_id, clock.week_start(occurred),
                        clock.month_start(occurred), respected,
                        max(1, min(5, respected + rng.choice((-1, 0, 0, 1)))),
                        rng.choices(("no", "a_little", "yes"), (8, 2, 1))[0], rng.random() < 0.1,
                        "", "", "", False, rng.random() < 0.3, answered_at, answered_at,
                        answered_at))
            writer.write("engagements", ENGAGEMENT, engagements)
            writer.write("invitations", INVITATION, invitations)
            writer.write("responses", RESPONSE, responses)
        raw.commit()
        if kind == "postgresql":  # COPY left explicit ids: move the sequences past them
            cursor = raw.cursor()
            for table in ("customers", "engagements", "invitations", "responses"):
                # S608: `table` comes from the literal tuple above, never from input.
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                               f"(SELECT max(id) FROM {table}))")
            raw.commit()
        raw.close()

        started = time.perf_counter()
        rows = rollups.rebuild(session)
        session.commit()
        built = time.perf_counter() - started
        if kind == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
        org = Org(manager.email, team_ids[0], people[1].email, idle.email,
                  {"answers": response_id, "conversations": conversations,
                   "customers": customers, "rollup rows": rows, "rollup build s": built,
                   "busy answers": busy_answers})
        db.session.remove()
        return org


def signed_in(app, email: str):
    """A test client with a session, signed in through the real login form."""
    from tests.conftest import csrf_from

    client = app.test_client()
    page = client.get("/login", base_url=BASE)
    # HTTPS: Flask-WTF also checks that the Referer is our own site, as a browser sends it.
    done = client.post("/login", base_url=BASE, headers={"Referer": f"{BASE}/login"}, data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert done.status_code == 302, f"login failed for {email}: {done.status_code}"
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(kind: str, args) -> dict:
    with common.throwaway_database(kind) as database:
        common.migrate(database)
        app = common.make_app(database)
        started = time.perf_counter()
        org = generate(app, "postgresql" if kind == "postgres" else kind, args.answers,
                       args.seed)
        generated = time.perf_counter() - started
        manager, busy, idle = (signed_in(app, e) for e in (org.manager, org.busy, org.idle))
        pages = {TRIVIAL: (manager, "/"),
                 REFERENCE: (idle, "/me/conversations"),
                 "Team trends by month": (manager, f"/team/{org.team_id}"),
                 "Team trends by week": (manager, f"/team/{org.team_id}?by=week")}
        if "me.trends" in app.view_functions:
            pages[MY_TRENDS] = (busy, "/me/trends")
        times: dict[str, list[float]] = {name: [] for name in pages}
        for round_number in range(args.warmup + args.rounds):
            order = list(pages.items())
            random.Random(round_number).shuffle(order)  # no page always goes first
            for name, (client, url) in order:
                t0 = time.perf_counter()
                response = client.get(url, base_url=BASE)
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, f"{url}: {response.status_code}"
                if url.startswith("/team/"):  # a page of real figures, not of hidden cells
                    assert "%</td>" in response.text, f"{url} shows no figures"
                if round_number >= args.warmup:
                    times[name].append(elapsed)
        with app.app_context():
            from feedback.core.extensions import db

            db.engine.dispose()
    return {"kind": kind, "org": org, "generated s": generated, "times": times}


def report(result: dict) -> bool:
    times, org = result["times"], result["org"]
    print(f"\n== {result['kind']}: {org.counts['answers']:,} answers, "
          f"{org.counts['conversations']:,} surveys sent, {org.counts['customers']:,} customers; "
          f"generated in {result['generated s']:.0f} s (rollups: {org.counts['rollup rows']:,} "
          f"rows in {org.counts['rollup build s']:.1f} s); My trends is for a salesperson "
          f"with {org.counts['busy answers']:,} answers, Team trends for a team of "
          f"{SALESPEOPLE // TEAMS}")
    trivial_p95 = percentile(times[TRIVIAL], 0.95)
    ok = True
    print(f"{'page':<36} {'median ms':>10} {'p95 ms':>8} {'p95 / trivial p95':>18}  verdict")
    for name, values in times.items():
        p95 = percentile(values, 0.95)
        line = f"{name:<36} {statistics.median(values):>10.1f} {p95:>8.1f}"
        if name in (TRIVIAL, REFERENCE):
            print(line + (f" {p95 / trivial_p95:>17.1f}x" if name == REFERENCE else ""))
            continue
        ratio = p95 / trivial_p95
        passed = ratio <= RATIO_TARGET and (
            result["kind"] != "postgres" or p95 < PG_P95_TARGET_MS)
        ok &= passed
        print(f"{line} {ratio:>17.1f}x  {'PASS' if passed else 'MISS'}")
    if MY_TRENDS not in times:
        print("My trends (/me/trends) does not exist in this tree: not measured.")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=100, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Targets: p95 within {RATIO_TARGET:.0f}x the trivial page's p95; "
          f"on PostgreSQL also under {PG_P95_TARGET_MS:.0f} ms.")
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    ok = True
    for kind in kinds:
        ok &= report(measure(kind, args))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
