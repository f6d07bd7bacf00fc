"""Drop pooled PostgreSQL connections the server has closed, without a round trip.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` before every checkout: a whole round trip
per request, a quarter of the survey page's. A server that restarts, or ends idle
sessions, closes each connection's socket (after a FATAL message): the socket then
polls readable or hung up, which a zero-timeout poll(2) sees at no cost. A healthy idle
connection has nothing to read, because the server speaks only when asked. Raising
DisconnectionError at checkout makes the pool discard the connection and hand out a
fresh one, so the first request after a restart succeeds, as with pre-ping.

What neither catches: a peer that vanished without closing (a pulled cable). Then the
request's first statement fails, that request gets the calm 503, and the pool replaces
the connection for the next one.
"""

from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

_CLOSED_OR_TALKING = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR


def server_closed(dbapi_connection) -> bool:
    """Whether an idle driver connection is known closed or has unasked-for input."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:  # sqlite3: no socket, nothing to lose
        return False
    try:
        descriptor = fileno()
    except Exception:  # the driver knows it has no usable socket any more
        return True
    poller = select.poll()
    poller.register(descriptor, _CLOSED_OR_TALKING)
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkout")
def _refuse_closed_connections(dbapi_connection, _record, _proxy) -> None:
    if server_closed(dbapi_connection):
        raise DisconnectionError("the database server closed this pooled connection")
