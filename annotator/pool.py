"""The check psycopg's connection pool runs on a connection as it leaves the pool
(settings.DATABASES, "pool"): a dead connection is replaced before a request meets it.

psycopg_pool's own check sends an empty query and waits for the answer: a round trip
on every request. A connection that sat idle in the pool has nothing to read on its
socket; one the server closed or is closing (a restart, an administrator terminating
the backend) has its farewell or end-of-file waiting there. So the socket is looked at
first, without waiting, and the round trip is made only when something is there, or
when the connection has sat unused long enough for a silent network cut to be likely.
"""

import select
import time

from psycopg_pool import ConnectionPool

# After this long unused, a connection is checked with a round trip anyway.
IDLE_SECONDS = 30.0


def check_connection(conn) -> None:
    """Raise if `conn` is unusable (the pool then discards it and takes another)."""
    last = getattr(conn, "_claimmark_returned", None)
    quiet = not select.select([conn.fileno()], [], [], 0)[0]
    if quiet and last is not None and time.monotonic() - last < IDLE_SECONDS:
        return
    ConnectionPool.check_connection(conn)


def mark_returned(conn) -> None:
    """The pool's reset callback: note when the connection went back to the pool."""
    conn._claimmark_returned = time.monotonic()
