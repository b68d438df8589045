"""The PostgreSQL listener reconnects by itself when its connection is cut, and then
resyncs, so a reader misses nothing committed during the gap. Runs against the
PostgreSQL server on 127.0.0.1 in a scratch database, whichever database the rest of
the suite uses."""

import os
import threading
import time

import psycopg
import pytest

from annotator import events
from annotator.live.listener import PRESENCE_CHANNEL, PostgresBackend

SERVER = os.environ.get("CLAIMMARK_TEST_PG", "postgres://postgres@127.0.0.1:5432")


class FakeHub:
    """Records what the listener hands over."""

    def __init__(self):
        self.remote = []

    def on_remote(self, message):
        self.remote.append(message)

    def tick(self):
        pass


def _wait(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def scratch_db():
    name = f"cm_listener_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    yield name
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_listener_reconnects_after_its_connection_is_killed_and_resyncs(scratch_db):
    delivered, resyncs = [], []
    lock = threading.Lock()

    def deliver(ids):
        with lock:
            delivered.extend(ids)

    hub = FakeHub()
    backend = PostgresBackend(
        hub,
        deliver_ids=deliver,
        resync=lambda: resyncs.append(time.monotonic()),
        params={"conninfo": f"{SERVER}/{scratch_db}"},
    )
    try:
        assert backend.ensure_started()
        with psycopg.connect(f"{SERVER}/{scratch_db}", autocommit=True) as other:
            other.execute("SELECT pg_notify(%s, '41')", [events.CHANNEL])
            # A transaction's notifications arrive when it commits.
            with other.transaction():
                other.execute("SELECT pg_notify(%s, '42')", [events.CHANNEL])
                other.execute("SELECT pg_notify(%s, '43')", [events.CHANNEL])
            assert _wait(lambda: delivered == [41, 42, 43])
            assert resyncs == []

            # The database drops the listener's connection (an outage, a failover).
            first_pid = backend.backend_pid
            other.execute("SELECT pg_terminate_backend(%s)", [first_pid])
            assert _wait(lambda: backend.connects == 2 and backend.connected)
            assert backend.backend_pid != first_pid
            assert len(resyncs) == 1  # what was committed during the gap is read again

            other.execute("SELECT pg_notify(%s, '44')", [events.CHANNEL])
            assert _wait(lambda: delivered[-1:] == [44])
            # Presence messages go out through the listener and come back to every process.
            backend.send({"p": "elsewhere", "a": 1, "r": []})
            assert _wait(lambda: hub.remote == [{"p": "elsewhere", "a": 1, "r": []}])
            other.execute("SELECT pg_notify(%s, 'not json')", [PRESENCE_CHANNEL])
            other.execute("SELECT pg_notify(%s, '45')", [events.CHANNEL])
            assert _wait(lambda: delivered[-1:] == [45])  # a bad message stops nothing
    finally:
        backend.stop()
    assert not backend.connected
