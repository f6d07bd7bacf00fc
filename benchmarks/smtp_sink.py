"""A discarding SMTP server (aiosmtpd) in a process of its own, for benchmarks/sending.py.

Its own process, so it never competes with the sender for the GIL; its handler
counts the message and answers 250, nothing else. `cpu_seconds()` reads the
process's CPU time from /proc, so the benchmark can show the sink had headroom.
"""

from __future__ import annotations

import multiprocessing
import os
import time

from benchmarks.common import free_port


class _Handler:
    def __init__(self, count, size):
        self.count = count
        self.size = size

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
            self.size.value += len(envelope.content)
        return "250 OK discarded"


def _serve(port: int, count, size, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Handler(count, size), hostname="127.0.0.1", port=port,
                            ready_timeout=10, data_size_limit=10 * 1024 * 1024)
    controller.start()
    ready.set()
    stop.wait(3600)  # bounded even if the parent forgets to stop us
    controller.stop()


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.count = ctx.Value("q", 0)
        self.size = ctx.Value("q", 0)
        self._ready = ctx.Event()
        self._stop = ctx.Event()
        self._process = ctx.Process(target=_serve, daemon=True,
                                    args=(self.port, self.count, self.size, self._ready,
                                          self._stop))

    def __enter__(self) -> SmtpSink:
        self._process.start()
        if not self._ready.wait(30):
            self._process.kill()
            raise RuntimeError("SMTP sink did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)

    def received(self) -> tuple[int, int]:
        """(messages, bytes) accepted so far."""
        return self.count.value, self.size.value

    def cpu_seconds(self) -> float:
        """User + system CPU the sink process has used so far."""
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


def busy_fraction(sink: SmtpSink, started_cpu: float, started_wall: float) -> float:
    """Share of one core the sink used since (started_cpu, started_wall)."""
    return (sink.cpu_seconds() - started_cpu) / max(time.perf_counter() - started_wall, 1e-9)
