"""Faults injected into the real app: a commit that fails once it has written a table."""

from __future__ import annotations

import re

from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event

_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)

#: What the injected error says; a response that shows any of it leaks internals.
MARKER = "injected-fault INSERT INTO invitations VALUES ('pat@client.example')"


class InjectedFault(RuntimeError):
    pass


class CommitFault:
    """The next `times` commits (of the app's sessions) whose transaction wrote to
    `table` raise InjectedFault just before committing; other commits go through.

    Failing only the commit that writes the *last* piece of a change is what makes a
    test of atomicity able to fail: had an earlier commit stored part of the change,
    that part would survive.
    """

    def __init__(self, engine, table: str, times: int = 1,
                 error: Exception | None = None):
        self.engine, self.table, self.left, self.fired = engine, table, times, 0
        self.error = error or InjectedFault(MARKER)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "before_cursor_execute", self._note)
        event.listen(AppSession, "before_commit", self._before_commit)

    def remove(self) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "before_cursor_execute", self._note)
        event.remove(AppSession, "before_commit", self._before_commit)

    def _begin(self, conn) -> None:
        conn.info["written"] = set()

    def _note(self, conn, _cursor, statement, _params, _context, _executemany) -> None:
        if match := _WRITE.match(statement):
            conn.info.setdefault("written", set()).add(match.group(1).lower())

    def _before_commit(self, session) -> None:
        if self.left <= 0:
            return
        session.flush()  # what commit would flush, so its tables count too
        if self.table in session.connection().info.get("written", ()):
            self.left -= 1
            self.fired += 1
            raise self.error
