"""Sending rate: the outbox worker against plain smtplib, same sink, same run.

    python -m benchmarks.sending --db both

N due invitations are sent by feedback.delivery.worker.send_due (the real
SmtpTransport, claims, tokens, rendering, one commit per message) to a
discarding aiosmtpd server in its own process. The baseline sends N messages of
the same size over one reused smtplib connection to the same server, before and
after the worker, and we compare msgs/s. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import smtplib
import sys
import time
from email import policy
from email.message import EmailMessage

from sqlalchemy import func, select

from benchmarks import common
from benchmarks.smtp_sink import SmtpSink, busy_fraction

TARGET = 0.5


def sample_message_bytes(app) -> bytes:
    """One survey email exactly as the worker would build it (no database change)."""
    from feedback.core import settings as app_settings
    from feedback.core.extensions import db
    from feedback.delivery import survey_email
    from feedback.models import Invitation

    with app.app_context():
        invitation = db.session.execute(select(Invitation).limit(1)).scalar_one()
        settings = app_settings.from_config(app.config)
        message = survey_email.build(invitation, "x" * 32, settings,
                                     message_id=f"<sample.{invitation.id}@localhost>")
        data = message.as_bytes()
        db.session.rollback()
        db.session.remove()
    return data


def _message(rcpt: str, msgid: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "Ana from Acme: how was our conversation?"
    message["From"] = "Ana Seller via Acme <feedback@localhost>"
    message["To"] = rcpt
    message["Reply-To"] = "ana.seller@staff.example"
    message["Message-ID"] = f"<{msgid}@localhost>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def baseline_bodies(size: int) -> tuple[str, str]:
    """Text and HTML parts that make a message of about `size` bytes."""
    bare = len(_message("customer0@client.example", "plain.0", "Hello,\n",
                        "<p>Hello,</p>\n").as_bytes())
    lines = max(0, size - bare) // 2 // 71
    return ("Hello,\n" + ("x" * 70 + "\n") * lines,
            "<p>Hello,</p>\n" + ("y" * 70 + "\n") * lines)


def run_baseline(sink: SmtpSink, count: int, bodies: tuple[str, str], *, build: bool,
                 timeout: float) -> dict:
    """Send `count` messages over one connection.

    build=True: a plain smtplib script (stdlib EmailMessage built per message, then
    send_message). build=False: pre-serialised bytes, the transport floor.
    """
    text_body, html_body = bodies
    prebuilt = None if build else [
        _message(f"customer{i}@client.example", f"plain.{i}", text_body, html_body).as_bytes()
        for i in range(count)]
    before, _ = sink.received()
    cpu0, wall0 = sink.cpu_seconds(), time.perf_counter()
    deadline = wall0 + timeout
    sent = 0
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as smtp:
        for i in range(count):
            rcpt = f"customer{i}@client.example"
            if build:
                smtp.send_message(_message(rcpt, f"plain.{i}", text_body, html_body))
            else:
                smtp.sendmail("feedback@localhost", [rcpt], prebuilt[i])
            sent += 1
            if time.perf_counter() > deadline:
                break
    seconds = time.perf_counter() - wall0
    accepted = sink.received()[0] - before
    return {"sent": sent, "accepted": accepted, "seconds": seconds, "rate": sent / seconds,
            "sink_busy": busy_fraction(sink, cpu0, wall0)}


def run_worker(app, sink: SmtpSink, timeout: float, profile: bool = False) -> dict:
    from feedback.delivery import worker

    before, size_before = sink.received()
    cpu0, wall0 = sink.cpu_seconds(), time.perf_counter()
    deadline = wall0 + timeout
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = worker.send_due(app, should_stop=lambda: time.perf_counter() > deadline)
    if profiler:
        profiler.disable()
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(40)
            print(out.getvalue())
    seconds = time.perf_counter() - wall0
    accepted, size_after = sink.received()
    accepted -= before
    return {"sent": result.sent, "accepted": accepted, "seconds": seconds,
            "rate": result.sent / seconds, "sink_busy": busy_fraction(sink, cpu0, wall0),
            "avg_bytes": (size_after - size_before) / max(accepted, 1),
            "errors": len(result.errors), "failed": result.failed,
            "retrying": result.retrying}


def measure(kind: str, args) -> dict:
    with common.throwaway_database(kind) as database, SmtpSink() as sink:
        t0 = time.monotonic()
        common.migrate(database)
        app = common.make_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                              MAIL_TRANSPORT="smtp", MAIL_USE_TLS=False,
                              WORKER_BATCH_SIZE=args.batch_size)
        common.seed_invitations(app, args.invitations, status="scheduled",
                                salespeople=args.salespeople)
        size = len(sample_message_bytes(app))
        bodies = baseline_bodies(size)
        print(f"  [{kind}] migrated and seeded {args.invitations} due invitations "
              f"in {time.monotonic() - t0:.1f} s", flush=True)
        n, limit = args.invitations, args.timeout
        runs = {"build": [], "floor": []}

        def baselines() -> None:
            for mode in ("build", "floor"):
                run = run_baseline(sink, n, bodies, build=mode == "build", timeout=limit)
                runs[mode].append(run)
                print(f"  [{kind}] plain smtplib ({mode:5}) {run['rate']:8.1f} msgs/s "
                      f"({run['sent']} in {run['seconds']:.2f} s)", flush=True)

        baselines()
        ours = run_worker(app, sink, limit, profile=args.profile)
        print(f"  [{kind}] worker                {ours['rate']:8.1f} msgs/s "
              f"({ours['sent']} in {ours['seconds']:.2f} s)", flush=True)
        baselines()

        from feedback.core.extensions import db
        from feedback.models import Invitation, InvitationStatus

        with app.app_context():
            by_status = dict(db.session.execute(
                select(Invitation.status, func.count()).group_by(Invitation.status)).all())
            db.session.remove()
            db.engine.dispose()
    return {"kind": kind, "baseline": runs, "ours": ours, "sample_bytes": size,
            "sent_rows": by_status.get(InvitationStatus.SENT, 0), "by_status": by_status}


def report(result: dict, args) -> bool:
    ours = result["ours"]
    build = common.median([b["rate"] for b in result["baseline"]["build"]])
    floor = common.median([b["rate"] for b in result["baseline"]["floor"]])
    busy = max(b["sink_busy"] for runs in result["baseline"].values() for b in runs)
    r, r_floor = common.ratio(ours["rate"], build), common.ratio(ours["rate"], floor)
    print()
    print(f"== {result['kind']}: {args.invitations} messages, ~{result['sample_bytes']} B each "
          f"(worker avg {ours['avg_bytes']:.0f} B), batch {args.batch_size}")
    for label, rate, runs in (("plain smtplib, EmailMessage + send_message", build, "build"),
                              ("plain smtplib, pre-serialised bytes", floor, "floor")):
        print(f"   {label:44}: {rate:8.1f} msgs/s  (runs: "
              + ", ".join(f"{b['rate']:.1f}" for b in result["baseline"][runs]) + ")")
    print(f"   {'worker.send_due, SmtpTransport':44}: {ours['rate']:8.1f} msgs/s")
    print(f"   ratio worker/plain smtplib: {r:.2f}  target {TARGET}  {common.verdict(r, TARGET)}"
          f"   (worker/transport floor: {r_floor:.2f})")
    print(f"   sink busy: at most {busy:.0%} of a core during baselines, {ours['sink_busy']:.0%} "
          "during the worker (well under 100%: the sink was not the limit)")
    ok = (ours["sent"] == args.invitations and ours["accepted"] == args.invitations
          and result["sent_rows"] == args.invitations and ours["errors"] == 0)
    print(f"   worker sent {ours['sent']}, sink accepted {ours['accepted']}, rows now sent: "
          f"{result['sent_rows']}, errors {ours['errors']}  {'OK' if ok else 'MISMATCH'}")
    return ok and r >= TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--invitations", type=int, default=2000, help="messages to send")
    parser.add_argument("--batch-size", type=int, default=100, help="WORKER_BATCH_SIZE")
    parser.add_argument("--salespeople", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300,
                        help="stop any one sending run after this many seconds")
    parser.add_argument("--profile", action="store_true",
                        help="run the worker under cProfile and print the top functions "
                             "(its rate is then not comparable)")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [measure(kind, args) for kind in kinds]
    ok = all([report(result, args) for result in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

