"""Concurrent respondents under gunicorn on PostgreSQL: each answer stored once, no 5xx.

    python -m benchmarks.concurrent_respondents                 # ~15 s
    python -m benchmarks.concurrent_respondents --restart-db    # the database restarts mid-load

Our app (`wsgi:app`, FEEDBACK_ENV=production) runs under gunicorn with several sync
workers on 127.0.0.1, against a throwaway PostgreSQL database holding N sent
invitations. `--concurrency` respondent threads each take the next unused link and
act like a customer: GET the form, POST an answer, and some (`--edit-share`) POST
again with different answers, inside the edit window. Load stops after `--duration`
seconds or when the links run out; every request has a 10 s timeout.

At the end the database is compared with what the respondents saw:

- stored answers == links whose answer was accepted (a 303) == invitations answered;
- no partial rows: every answer's invitation is answered and vice versa, and the
  team rollups count exactly the released answers;
- zero 5xx and zero socket errors.

With `--restart-db` the database is a private cluster (initdb in a temporary folder,
on a free port; see private_postgres.py), never the shared server, and it is
stopped (`pg_ctl stop -m fast`: every session ended, open transactions rolled back)
`--restart-at` seconds into the load and started again `--down` seconds later.
Respondents that get a 503 try again after a short pause. Then the checks are: no
5xx but 503, every 503 carries Retry-After, a 503 was seen while the database was
down, none for requests sent after it was back, /healthz said 503 while down and
200 again after it came back (the time that took is printed), and no partial rows.
An answer whose POST got a 503 may still have been committed just before the
connection went, so the stored count may exceed the accepted count by at most the
number of such answers.

Prints figures; `--json` adds one JSON line for scripts (tests/resilience runs this).
Exits 0 only if every check holds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from benchmarks import common
from benchmarks.common import Database
from benchmarks.survey_load import start_gunicorn, stop

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = re.compile(r"^([^=;]+=[^;]*)")
RETRY_PAUSE = 0.25  # shorter than Retry-After, to keep the run short
TIMEOUT = 10


@dataclass
class Tally:
    """What the respondents saw; shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (method, status) -> count
    socket_errors: int = 0
    accepted: set[str] = field(default_factory=set)  # links with an answer that got a 303
    unsure: set[str] = field(default_factory=set)  # links with a POST that got 5xx or no reply
    edits: int = 0
    unfinished: int = 0  # respondents still retrying when time ran out
    no_retry_after: int = 0  # 503s without Retry-After
    #: (monotonic start, monotonic end, status or 0 for a socket error) of every request.
    timeline: list[tuple[float, float, int]] = field(default_factory=list)

    def saw(self, method: str, started: float, status: int, headers: dict) -> None:
        with self.lock:
            self.timeline.append((started, time.monotonic(), status))
            if status == 0:
                self.socket_errors += 1
                return
            self.statuses[(method, status)] += 1
            if status == 503 and "retry-after" not in headers:
                self.no_retry_after += 1

    def count(self, predicate) -> int:
        return sum(n for (_, status), n in self.statuses.items() if predicate(status))


class Visitor:
    """One customer's browser: a session cookie and the form's CSRF token."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally = port, tally
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            status = response.status
            got = {k.lower(): v for k, v in response.getheaders()}
            for cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, value = COOKIE.match(cookie).group(1).partition("=")
                self.cookies[name.strip()] = value
            page = response.read().decode("utf-8", "replace")
        except OSError:
            self.tally.saw(method, started, 0, {})
            return 0, {}, ""
        finally:
            conn.close()
        self.tally.saw(method, started, status, got)
        if found := CSRF.search(page):
            self.csrf = found.group(1)
        return status, got, page


def _answer(rng: random.Random) -> dict[str, str]:
    form = {"respected": str(rng.randint(1, 5)), "helped": str(rng.randint(1, 5)),
            "pressure": rng.choice(["no", "a_little", "yes"]), "doubtful_promise": "no",
            "improve_comment": "Listened well."}
    if rng.random() < 0.5:
        form["reveal_identity"] = "y"
    return form


def _until_not_503(call, deadline: float) -> tuple[int, bool]:
    """Call until the answer is neither a 503 nor a socket error, or time runs out."""
    status = 0
    while time.monotonic() < deadline:
        status, _, _ = call()
        if status not in (0, 503):
            return status, True
        time.sleep(RETRY_PAUSE)
    return status, False


def respond(port: int, token: str, tally: Tally, rng: random.Random, edit_share: float,
            deadline: float) -> None:
    visitor = Visitor(port, tally)
    path = f"/s/{token}"
    status, done = _until_not_503(lambda: visitor.request("GET", path), deadline)
    if not done or status != 200:
        with tally.lock:
            tally.unfinished += not done
        return

    def post():
        reply = visitor.request("POST", path, _answer(rng))
        if reply[0] == 0 or reply[0] >= 500:
            with tally.lock:
                tally.unsure.add(token)
        return reply

    status, done = _until_not_503(post, deadline)
    if status == 303:
        with tally.lock:
            tally.accepted.add(token)
    elif not done:
        with tally.lock:
            tally.unfinished += 1
        return
    if status == 303 and rng.random() < edit_share:
        status, _ = _until_not_503(post, deadline)
        if status == 303:
            with tally.lock:
                tally.edits += 1


def run_load(port: int, tokens: list[str], args, tally: Tally) -> float:
    """Respondent threads until the links run out or the duration ends; returns seconds."""
    started = time.monotonic()
    stop_starting = started + args.duration
    # Retries of a respondent already under way may run a little past the duration.
    deadline = stop_starting + args.grace
    pending = iter(tokens)
    take = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_starting:
            with take:
                token = next(pending, None)
            if token is None:
                return
            respond(port, token, tally, rng, args.edit_share, deadline)

    threads = [threading.Thread(target=worker, args=(args.seed + i,), daemon=True)
               for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.duration + args.grace + TIMEOUT + 5)
    return time.monotonic() - started


@dataclass
class Outage:
    stopped_at: float = 0.0  # pg_ctl stop began
    down_at: float = 0.0  # pg_ctl stop returned: the database is gone
    starting_at: float = 0.0  # pg_ctl start began (it may accept connections before returning)
    up_at: float = 0.0  # pg_ctl start returned: it accepts connections again
    #: /healthz probes: (start, end, status).
    health: list[tuple[float, float, int]] = field(default_factory=list)


def restart_during_load(cluster, port: int, args, outage: Outage, done: threading.Event) -> None:
    """Stop the private cluster mid-load, start it again; probe /healthz meanwhile."""

    def probe() -> None:
        while not done.is_set():
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = 0
            outage.health.append((started, time.monotonic(), status))
            time.sleep(0.05)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    time.sleep(args.restart_at)
    outage.stopped_at = time.monotonic()
    cluster.stop("fast")
    outage.down_at = time.monotonic()
    time.sleep(args.down)
    outage.starting_at = time.monotonic()
    cluster.start()
    outage.up_at = time.monotonic()
    done.wait(timeout=args.duration + args.grace + TIMEOUT + 5)
    prober.join(timeout=TIMEOUT + 1)


def database_figures(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            one = conn.execute(text("""
                SELECT
                  (SELECT count(*) FROM responses),
                  (SELECT count(*) FROM invitations WHERE status = 'answered'),
                  (SELECT count(*) FROM responses r JOIN invitations i ON i.id = r.invitation_id
                     WHERE i.status <> 'answered'),
                  (SELECT count(*) FROM invitations i WHERE i.status = 'answered' AND NOT EXISTS
                     (SELECT 1 FROM responses r WHERE r.invitation_id = i.id)),
                  (SELECT coalesce(sum(answers), 0) FROM response_rollups),
                  (SELECT count(*) FROM responses
                     WHERE released_at IS NOT NULL AND team_id IS NOT NULL)
            """)).one()
    finally:
        engine.dispose()
    keys = ("stored", "answered", "answer_without_answered_invitation",
            "answered_invitation_without_answer", "rollup_answers", "released_answers")
    return dict(zip(keys, (int(v) for v in one), strict=True))


def _recovery(outage: Outage, tally: Tally) -> dict:
    # Probes sent and answered while the database was surely down.
    down = [s for start, end, s in outage.health
            if outage.down_at <= start and end < outage.starting_at]
    back = [end for start, end, s in outage.health if start >= outage.up_at and s == 200]
    served = [end for start, end, s in tally.timeline if start >= outage.up_at and 200 <= s < 400]
    return {
        "down_seconds": round(outage.up_at - outage.down_at, 2),
        "health_probes_while_down": len(down),
        "health_503_while_down": down.count(503),
        "health_other_while_down": sorted(set(down) - {503}),
        "health_recovered_after_s": round(back[0] - outage.up_at, 3) if back else None,
        "first_answer_served_after_s": round(min(served) - outage.up_at, 3) if served else None,
        "503_while_down": sum(1 for start, end, s in tally.timeline
                              if s == 503 and end >= outage.stopped_at and start < outage.up_at),
        "503_sent_after_back": sum(1 for start, _, s in tally.timeline
                                   if s == 503 and start >= outage.up_at),
    }


def measure(database: Database, args, cluster=None) -> dict:
    t0 = time.monotonic()
    if not args.fast_schema:
        common.migrate(database)
    app = common.make_app(database)
    if args.fast_schema:
        from feedback.core.extensions import db

        with app.app_context():
            db.create_all()
    tokens = common.seed_invitations(app, args.invitations, status="sent",
                                     salespeople=args.salespeople)
    setup = time.monotonic() - t0
    # --capture-output: the app's own log (tracebacks included) lands in gunicorn's log.
    # --preload: import the app once, not once per worker (it opens no connection then).
    # --no-control-socket: gunicorn 27 otherwise shares one control socket path
    # (~/.gunicorn/gunicorn.ctl) with every other gunicorn on the machine.
    env = common.app_env(database,
                         GUNICORN_CMD_ARGS="--capture-output --preload --no-control-socket")
    server = start_gunicorn("ours", "wsgi:app", env, database.folder, args.workers)
    tally, outage, done = Tally(), Outage(), threading.Event()
    restarter = None
    try:
        if cluster is not None:
            restarter = threading.Thread(target=restart_during_load,
                                         args=(cluster, server.port, args, outage, done))
            restarter.start()
        seconds = run_load(server.port, tokens, args, tally)
        done.set()
        if restarter is not None:
            restarter.join(timeout=60)
    finally:
        done.set()
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGQUIT)  # the load is over: no need to drain
        stop(server)
    log = server.log.read_text() if server.log.exists() else ""
    result = {
        "workers": args.workers, "concurrency": args.concurrency, "setup_s": round(setup, 1),
        "load_s": round(seconds, 2), "links": len(tokens),
        "requests": sum(tally.statuses.values()) + tally.socket_errors,
        "gets": sum(n for (m, _), n in tally.statuses.items() if m == "GET"),
        "posts": sum(n for (m, _), n in tally.statuses.items() if m == "POST"),
        "statuses": {f"{m} {s}": n for (m, s), n in sorted(tally.statuses.items())},
        "accepted": len(tally.accepted), "edits": tally.edits,
        "unsure_not_accepted": len(tally.unsure - tally.accepted),
        "unfinished": tally.unfinished, "socket_errors": tally.socket_errors,
        "5xx": tally.count(lambda s: s >= 500),
        "5xx_not_503": tally.count(lambda s: s >= 500 and s != 503),
        "503_without_retry_after": tally.no_retry_after,
        "tracebacks": log.count("Traceback"),
        # What the server said about its errors (the app logs no tokens or SQL parameters).
        "server_errors": [line[:300] for line in log.splitlines()
                          if "ERROR" in line or "Error:" in line][:10],
        "first_traceback": log[log.find("Traceback"):][:6000] if "Traceback" in log else "",
        **database_figures(database.url),
    }
    if cluster is not None:
        result["restart"] = _recovery(outage, tally)
    result["checks"] = checks(result, restarted=cluster is not None)
    result["ok"] = all(result["checks"].values())
    return result


def checks(r: dict, *, restarted: bool) -> dict[str, bool]:
    """Each property the run must show, by name."""
    found = {
        "no partial rows": r["answer_without_answered_invitation"] == 0
        and r["answered_invitation_without_answer"] == 0
        and r["rollup_answers"] == r["released_answers"],
        "stored == invitations answered": r["stored"] == r["answered"],
        "no 5xx other than 503": r["5xx_not_503"] == 0,
        "no tracebacks in the server log": r["tracebacks"] == 0,
        "some answers accepted": r["accepted"] > 0,
    }
    if not restarted:
        found.update({
            "stored == accepted first submissions": r["stored"] == r["accepted"],
            "zero 5xx": r["5xx"] == 0,
            "zero socket errors": r["socket_errors"] == 0,
            "every respondent finished": r["unfinished"] == 0,
        })
        return found
    outage = r["restart"]
    found.update({
        "accepted <= stored <= accepted + unsure":
            r["accepted"] <= r["stored"] <= r["accepted"] + r["unsure_not_accepted"],
        "503 while the database was down": outage["503_while_down"] > 0,
        "no 503 for requests sent after it was back": outage["503_sent_after_back"] == 0,
        "every 503 has Retry-After": r["503_without_retry_after"] == 0,
        "/healthz 503 while down": outage["health_503_while_down"] > 0
        and outage["health_503_while_down"] == outage["health_probes_while_down"],
        "/healthz 200 again": outage["health_recovered_after_s"] is not None,
        "answers served again": outage["first_answer_served_after_s"] is not None,
    })
    return found


def report(r: dict) -> None:
    print(f"  gunicorn {r['workers']} sync workers, {r['concurrency']} respondent threads, "
          f"{r['links']} links; setup {r['setup_s']} s, load {r['load_s']} s")
    print(f"  requests {r['requests']} ({r['gets']} GET, {r['posts']} POST; "
          f"{r['requests'] / max(r['load_s'], 1e-9):.0f}/s): "
          + ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()))
    print(f"  answers accepted {r['accepted']} (+{r['edits']} edits), stored {r['stored']}, "
          f"invitations answered {r['answered']}; POSTs without a clear outcome "
          f"{r['unsure_not_accepted']}, respondents unfinished {r['unfinished']}")
    print(f"  5xx {r['5xx']} (other than 503: {r['5xx_not_503']}), socket errors "
          f"{r['socket_errors']}, 503 without Retry-After {r['503_without_retry_after']}, "
          f"tracebacks {r['tracebacks']}")
    print(f"  partial rows: answers without answered invitation "
          f"{r['answer_without_answered_invitation']}, answered invitations without answer "
          f"{r['answered_invitation_without_answer']}; rollups count {r['rollup_answers']} of "
          f"{r['released_answers']} released answers")
    if "restart" in r:
        o = r["restart"]
        print(f"  restart: down {o['down_seconds']} s; 503s while down {o['503_while_down']}, "
              f"for requests sent after it was back {o['503_sent_after_back']}; /healthz 503 "
              f"{o['health_503_while_down']}/{o['health_probes_while_down']} probes while "
              f"down, 200 again {o['health_recovered_after_s']} s after the database was "
              f"back; first answer served {o['first_answer_served_after_s']} s after")
    for line in r["server_errors"]:
        print(f"  server log: {line}")
    if r["first_traceback"]:
        print("  first traceback in the server log:\n" + r["first_traceback"])
    for name, ok in r["checks"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8, help="seconds of load")
    parser.add_argument("--grace", type=float, default=5,
                        help="seconds a respondent already under way may keep retrying")
    parser.add_argument("--invitations", type=int, default=600, help="sent links to answer")
    parser.add_argument("--concurrency", type=int, default=12, help="respondent threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--salespeople", type=int, default=5)
    parser.add_argument("--edit-share", type=float, default=0.25,
                        help="share of respondents who change their answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart-db", action="store_true",
                        help="stop and start a private PostgreSQL cluster during the load")
    parser.add_argument("--restart-at", type=float, default=2.0, help="seconds into the load")
    parser.add_argument("--down", type=float, default=1.5, help="seconds the database is down")
    parser.add_argument("--fast-schema", action="store_true",
                        help="create the tables from the models instead of running the "
                             "migrations (~4 s less; tests/test_migrations.py proves both "
                             "give the same schema)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args(argv)

    if args.restart_db:
        from benchmarks.private_postgres import PrivateCluster

        with PrivateCluster() as cluster:
            folder = Path(tempfile.mkdtemp(prefix="feedback_bench_restart_"))
            try:
                result = measure(Database("postgres", cluster.url, folder), args, cluster)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    else:
        with common.throwaway_database("postgres") as database:
            result = measure(database, args)
    print(f"concurrent respondents on PostgreSQL{' with a restart' if args.restart_db else ''}:")
    report(result)
    if args.json:
        print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
