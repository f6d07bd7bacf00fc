"""Survey page under load: our GET/POST /s/<token> against a minimal Flask app, same run.

    python -m benchmarks.survey_load --db both

Both apps run under gunicorn (2 sync workers) on 127.0.0.1 against the same
throwaway database; wrk (one thread, a few connections) drives them in turn,
alternating apps so drift on a noisy machine hits both alike. Every wrk run is
bounded by a duration and a request count. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks import common
from benchmarks.common import Database

HERE = Path(__file__).resolve().parent
GUNICORN = str(Path(common.PYTHON).with_name("gunicorn"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The session cookie's name=value (production names it __Host-feedback_session).
SESSION_COOKIE = re.compile(r"^\s*([\w-]*session=[^;]+)")
TARGET = 0.7
#: Links the GET load cycles through; never answered during a run.
GET_TOKENS = 2000
ANSWER = {"respected": "4", "helped": "5", "pressure": "no", "doubtful_promise": "no",
          "promise_note": "", "improve_comment": "Listened well.", "product_comment": ""}


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    sessions_file: Path | None = None
    post_offset: int = 0
    runs: dict[str, list[dict]] = field(default_factory=lambda: {"GET": [], "POST": []})


def start_gunicorn(name: str, target: str, env: dict, folder: Path, workers: int) -> Server:
    port = common.free_port()
    log = folder / f"{name}.gunicorn.log"
    process = subprocess.Popen(
        [GUNICORN, "--workers", str(workers), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "--log-level", "warning",
         # One control socket per machine (~/.gunicorn) would be shared by every run;
         # and app tracebacks belong in the log, not /dev/null.
         "--no-control-socket", "--capture-output",
         target],
        cwd=common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log.read_text()}")
        try:
            status, _, _ = fetch(server, "GET", "/healthz" if name == "ours" else "/nothing")
            if status in (200, 404):
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"{name} did not start within 30 s:\n{log.read_text()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def fetch(server: Server, method: str, path: str, body: str | None = None,
          cookie: str | None = None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        headers = dict(response.getheaders())
        # Several Set-Cookie headers fold into one entry; keep them all, one a line.
        headers["Set-Cookie"] = "\n".join(response.msg.get_all("Set-Cookie") or [])
        return response.status, headers, response.read().decode()
    finally:
        conn.close()


def prime_sessions(server: Server, tokens: list[str], users: int, folder: Path) -> int:
    """One real GET per virtual user: keep its session cookie and CSRF token for wrk.

    Returns the page size in bytes. The tokens used here are not used by the load.
    """
    lines, size = [], 0
    for token in tokens[:users]:
        status, headers, html = fetch(server, "GET", f"/s/{token}")
        if status != 200:
            raise RuntimeError(f"{server.name}: GET /s/<token> answered {status}")
        cookie = next(match.group(1) for line in headers["Set-Cookie"].splitlines()
                      if (match := SESSION_COOKIE.match(line)))
        csrf = CSRF.search(html).group(1)
        lines.append(f"{cookie}\t{csrf}")
        size = len(html.encode())
    server.sessions_file = folder / f"{server.name}.sessions"
    server.sessions_file.write_text("\n".join(lines) + "\n")
    # One POST by hand, so a broken setup fails loudly instead of as a pile of 400s.
    cookie, csrf = lines[0].split("\t")
    body = "&".join(f"{k}={v.replace(' ', '+')}" for k, v in ANSWER.items()) + f"&csrf_token={csrf}"
    status, headers, _ = fetch(server, "POST", f"/s/{tokens[0]}", body=body, cookie=cookie)
    if status != 303:
        raise RuntimeError(f"{server.name}: POST /s/<token> answered {status}")
    return size


def worker_cpu_ns(server: Server) -> int:
    """CPU time the server's processes (gunicorn master and workers) have used so far, in ns.

    Read from /proc/<pid>/schedstat: on a machine shared with other work, CPU time per
    request moves much less than requests per second do.
    """
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a worker that exited in between, or no /proc: counted as 0
    return total


def run_wrk(server: Server, method: str, token_file: Path, *, seconds: float, connections: int,
            max_requests: int) -> dict:
    offset = server.post_offset if method == "POST" else 0
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s",
               "-s", str(HERE / "survey.lua"), f"http://127.0.0.1:{server.port}", "--",
               method, str(token_file), str(server.sessions_file), str(offset), str(max_requests)]
    cpu_before = worker_cpu_ns(server)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    cpu_used = worker_cpu_ns(server) - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if method == "POST":
        server.post_offset += result["requests"]
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    # Requests still in flight when wrk stopped were served but not counted: a small bias.
    result["cpu_us"] = cpu_used / 1000 / max(1, result["requests"])
    result["bad"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def measure(kind: str, args) -> dict:
    with common.throwaway_database(kind) as database:
        return _measure(database, args)


@dataclass
class Load:
    """A seeded database: every raw token, and the token files wrk reads per method."""

    raw: list[str]
    users: int
    token_files: dict[str, Path]
    post_tokens: int


def seed_load(database: Database, *, invitations: int, salespeople: int, users: int) -> Load:
    """Migrate, seed sent invitations for both apps, and write wrk's token files.

    The first `users` tokens prime sessions. GETs cycle through links nobody answers
    (the first visit's page, in every round: a link answered by an earlier round's
    POSTs would show our "change your answers" page, which the baseline has not got);
    POSTs take the rest, each a link of its own until they run out.
    """
    common.migrate(database)
    app = common.make_app(database)
    raw = common.seed_invitations(app, invitations, status="sent", salespeople=salespeople)
    with app.app_context():
        from feedback.core.extensions import db

        db.engine.dispose()
    get_tokens, post_tokens = raw[users:users + GET_TOKENS], raw[users + GET_TOKENS:]
    token_files = {"GET": database.folder / "get_tokens", "POST": database.folder / "tokens"}
    token_files["GET"].write_text("\n".join(get_tokens) + "\n")
    token_files["POST"].write_text("\n".join(post_tokens) + "\n")
    from benchmarks import minimal_app

    engine = create_engine(database.url)
    minimal_app.create_schema(engine, raw)
    engine.dispose()
    return Load(raw, users, token_files, len(post_tokens))


def start_minimal(database: Database, workers: int, page_bytes: int = 0) -> Server:
    """The baseline app under gunicorn, its page padded to `page_bytes`."""
    env = common.app_env(database, MINI_DATABASE_URL=database.url,
                         MINI_SECRET_KEY=secrets.token_hex(32),
                         MINI_PAGE_BYTES=str(page_bytes))
    return start_gunicorn("minimal", "benchmarks.minimal_app:app", env, database.folder, workers)


def _measure(database: Database, args) -> dict:
    t0 = time.monotonic()
    load = seed_load(database, invitations=args.invitations, salespeople=args.salespeople,
                     users=max(args.users, args.connections))
    raw, users, token_files = load.raw, load.users, load.token_files
    print(f"  [{database.kind}] migrated and seeded {len(raw)} invitations "
          f"in {time.monotonic() - t0:.1f} s", flush=True)

    servers: list[Server] = []
    try:
        ours = start_gunicorn("ours", "wsgi:app", common.app_env(database), database.folder,
                              args.workers)
        servers.append(ours)
        page_bytes = prime_sessions(ours, raw, users, database.folder)
        minimal = start_minimal(database, args.workers, page_bytes)
        servers.append(minimal)
        mini_bytes = prime_sessions(minimal, raw, users, database.folder)
        for round_ in range(args.rounds):
            for method in ("GET", "POST"):
                order = servers if round_ % 2 == 0 else list(reversed(servers))
                for server in order:
                    if args.warmup > 0:
                        run_wrk(server, method, token_files[method], seconds=args.warmup,
                                connections=args.connections, max_requests=args.max_requests)
                    result = run_wrk(server, method, token_files[method],
                                     seconds=args.duration,
                                     connections=args.connections, max_requests=args.max_requests)
                    server.runs[method].append(result)
                    print(f"  [{database.kind}] round {round_ + 1} {method:4} {server.name:7} "
                          f"{result['rps']:8.1f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms  "
                          f"p99 {result['p99_us'] / 1000:6.1f} ms  "
                          f"cpu {result['cpu_us']:6.0f} us/req  bad {result['bad']}",
                          flush=True)
    finally:
        for server in servers:
            stop(server)
    crashes = {s.name: s.log.read_text().count("Traceback") for s in servers}

    from feedback.models import Response

    engine = create_engine(database.url)
    with engine.connect() as conn:
        responses = conn.execute(select(func.count(Response.id))).scalar_one()
        mini_rows = conn.execute(text("SELECT count(*) FROM mini_answers")).scalar_one()
    engine.dispose()
    return {"kind": database.kind, "ours": ours, "minimal": minimal, "page_bytes": page_bytes,
            "mini_bytes": mini_bytes, "responses": responses, "mini_rows": mini_rows,
            "load_tokens": load.post_tokens, "tracebacks": crashes}


def report(result: dict, args) -> bool:
    ours, minimal = result["ours"], result["minimal"]
    print()
    print(f"== {result['kind']}: gunicorn {args.workers} sync workers, "
          f"wrk -t1 -c{args.connections}, "
          f"{args.duration:g} s x {args.rounds} round(s); page {result['page_bytes']} B ours, "
          f"{result['mini_bytes']} B minimal")
    print(f"   {'':14}{'ours req/s':>11}{'p50 ms':>8}{'p99 ms':>8}   {'min req/s':>10}{'p50 ms':>8}"
          f"{'p99 ms':>8}   {'ratio':>6}  target {TARGET}")
    ok = True
    for method in ("GET", "POST"):
        a, b = ours.runs[method], minimal.runs[method]
        rps_a = common.median([r["rps"] for r in a])
        rps_b = common.median([r["rps"] for r in b])
        r = common.ratio(rps_a, rps_b)
        ok &= r >= TARGET
        print(f"   {method + ' /s/<token>':14}{rps_a:11.1f}"
              f"{common.median([x['p50_us'] for x in a]) / 1000:8.1f}"
              f"{common.median([x['p99_us'] for x in a]) / 1000:8.1f}   {rps_b:10.1f}"
              f"{common.median([x['p50_us'] for x in b]) / 1000:8.1f}"
              f"{common.median([x['p99_us'] for x in b]) / 1000:8.1f}   {r:6.2f}  "
              f"{common.verdict(r, TARGET)}")
    # For context, not judged: the app servers' own CPU time per request (the database
    # server's is not in it). It moves less than req/s when other work shares the cores.
    for method in ("GET", "POST"):
        cpu_a = common.median([r["cpu_us"] for r in ours.runs[method]])
        cpu_b = common.median([r["cpu_us"] for r in minimal.runs[method]])
        print(f"   {method + ' CPU':14}ours {cpu_a:5.0f} us/req, minimal {cpu_b:5.0f} us/req, "
              f"minimal/ours {common.ratio(cpu_b, cpu_a):4.2f}")
    bad_a = sum(r["bad"] for m in ours.runs.values() for r in m)
    bad_b = sum(r["bad"] for m in minimal.runs.values() for r in m)
    posts = ours.post_offset
    print(f"   non-2xx/3xx or socket errors: ours {bad_a}, minimal {bad_b}; "
          f"server tracebacks: {result['tracebacks']}")
    print(f"   our POSTs {posts} over {result['load_tokens']} tokens -> {result['responses']} "
          f"response rows ({max(0, posts - result['load_tokens'])} were edits); "
          f"minimal rows {result['mini_rows']}")
    return ok and bad_a == 0 and bad_b == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--rounds", type=int, default=1, help="repeat and report the median")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--users", type=int, default=64, help="virtual users (session cookies)")
    parser.add_argument("--invitations", type=int, default=40000,
                        help="sent invitations with known tokens (POSTs cycle through them)")
    # 200 people share the answers (200 each, all in one week): every answer of one
    # salesperson contending for one rollup row and one batch lock is not a real team.
    parser.add_argument("--salespeople", type=int, default=200)
    parser.add_argument("--max-requests", type=int, default=100000,
                        help="stop a measurement after this many responses")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [measure(kind, args) for kind in kinds]
    ok = all([report(result, args) for result in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
