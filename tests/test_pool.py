"""The pool's check (annotator/pool.py): a connection the server closed is refused
before a request meets it; a quiet one just returned to the pool passes without a
round trip. Runs against the PostgreSQL server on 127.0.0.1, whichever database the
rest of the suite uses."""

import os
import select
import time

import psycopg
import pytest

from annotator import pool

URL = os.environ.get("CLAIMMARK_TEST_PG", "postgres://postgres@127.0.0.1:5432") + "/postgres"


@pytest.fixture
def conn():
    with psycopg.connect(URL, autocommit=True) as connection:
        yield connection


@pytest.fixture
def watcher():
    with psycopg.connect(URL, autocommit=True) as connection:
        yield connection


def _last_query(watcher, conn) -> str:
    row = watcher.execute(
        "SELECT query FROM pg_stat_activity WHERE pid = %s", [conn.info.backend_pid]
    ).fetchone()
    return row[0]


def test_a_quiet_connection_just_returned_passes_without_a_round_trip(conn, watcher):
    conn.execute("SELECT 'the last thing asked'")
    pool.mark_returned(conn)
    pool.check_connection(conn)
    assert _last_query(watcher, conn) == "SELECT 'the last thing asked'"
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_never_returned_or_long_unused_is_asked(conn, watcher):
    conn.execute("SELECT 'before the check'")
    pool.check_connection(conn)  # never returned to the pool: asked
    assert _last_query(watcher, conn) == ""
    conn.execute("SELECT 'before the second check'")
    pool.mark_returned(conn)
    conn._claimmark_returned -= pool.IDLE_SECONDS + 1
    pool.check_connection(conn)
    assert _last_query(watcher, conn) == ""


def test_a_connection_the_server_closed_is_refused(conn, watcher):
    pool.mark_returned(conn)
    watcher.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    # The server says goodbye on the socket; wait until it arrives.
    assert select.select([conn.fileno()], [], [], 10)[0]
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        pool.check_connection(conn)
    assert time.monotonic() - started < 5
