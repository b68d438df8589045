"""PostgreSQL fan-out: one LISTEN connection per server process.

annotator.events sends `NOTIFY claimmark_events, '<event id>'` inside each writing
transaction; PostgreSQL delivers it to every listening process on commit. This
process's listener thread gathers the ids that arrive together, reads those rows in
one query and gives them to the hub, so a process pays one query per wake-up however
many streams it serves. Presence and typing travel on `claimmark_presence`.

If the connection drops (database restart, the backend terminated, a network cut) the
thread reconnects by itself with a growing pause, then asks the hub to resync: every
article with open streams is read again from its streams' last event id, so nothing
committed during the gap is lost.
"""

import json
import logging
import queue
import threading

import psycopg
from django.db import connections

from annotator import events

log = logging.getLogger(__name__)

PRESENCE_CHANNEL = "claimmark_presence"
WAIT_SECONDS = 0.5  # how often the thread looks at its outbox, presence and stop flag


class PostgresBackend:
    def __init__(self, hub, deliver_ids, resync, params: dict | None = None):
        self.hub = hub
        self._given_params = params
        self._deliver_ids = deliver_ids
        self._resync = resync
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.connected = False
        self.connects = 0
        self.backend_pid: int | None = None

    def ensure_started(self, timeout: float = 5.0) -> bool:
        """Start the listener if needed and wait until it listens (True), so a stream
        that reads its catch-up afterwards cannot miss an event in between."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._ready.clear()
                self._thread = threading.Thread(
                    target=self._run, name="claimmark-listener", daemon=True
                )
                self._thread.start()
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._thread = None

    def send(self, message: dict) -> None:
        """Broadcast a presence or typing message to every process (this one too)."""
        self._outbox.put(json.dumps(message, separators=(",", ":")))

    def _params(self) -> dict:
        if self._given_params is not None:
            return {**self._given_params, "autocommit": True, "connect_timeout": 5}
        params = connections["default"].get_connection_params()
        for name in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(name, None)
        return {**params, "autocommit": True, "connect_timeout": 5}

    def _run(self) -> None:
        pause = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(**self._params()) as conn:
                    conn.execute(f"LISTEN {events.CHANNEL}")
                    conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connected = True
                    self.connects += 1
                    if self.connects > 1:
                        log.info("Event listener reconnected; resyncing open streams.")
                        self._resync()
                    self._ready.set()
                    pause = 0.1
                    self._listen(conn)
            except (psycopg.Error, OSError) as error:
                if not self._stop.is_set():
                    log.warning("Event listener lost its connection (%s); retrying.", error)
            finally:
                self.connected = False
                self._close_django_connection()
            if self._stop.wait(pause):
                break
            pause = min(pause * 2, 5.0)

    def _listen(self, conn) -> None:
        while not self._stop.is_set():
            while True:
                try:
                    message = self._outbox.get_nowait()
                except queue.Empty:
                    break
                conn.execute("SELECT pg_notify(%s, %s)", [PRESENCE_CHANNEL, message])
            received = list(conn.notifies(timeout=WAIT_SECONDS, stop_after=1))
            if received:
                received += list(conn.notifies(timeout=0))
            ids = [int(n.payload) for n in received if n.channel == events.CHANNEL]
            if ids:
                try:
                    self._deliver_ids(ids)
                finally:
                    self._close_django_connection()
            for note in received:
                if note.channel == PRESENCE_CHANNEL:
                    try:
                        self.hub.on_remote(json.loads(note.payload))
                    except (ValueError, KeyError, TypeError):
                        log.warning("Ignored a malformed presence message.")
            self.hub.tick()

    @staticmethod
    def _close_django_connection() -> None:
        # The rows are read through Django's connection of this thread; give it back.
        try:
            connections["default"].close()
        except Exception as error:  # noqa: BLE001 - the database may be down
            log.debug("Closing the listener's query connection failed: %s", error)
