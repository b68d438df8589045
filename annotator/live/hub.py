"""The per-process hub: who is subscribed to which article, and handing each committed
event, presence change and typing notice to them.

A Subscriber is one open event stream. It holds the bytes waiting to be sent and wakes
whoever waits for them: a coroutine in the ASGI event loop (production) or a thread
(the WSGI development server and pytest's live_server). Nothing polls: an idle stream
sleeps until a push or its heartbeat timeout.

Events reach the hub from a backend: PostgresBackend (annotator.live.listener), one
LISTEN connection per process, or, with SQLite, straight from annotator.events after
commit in this same process.
"""

import asyncio
import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from annotator.live import sse

log = logging.getLogger(__name__)

# A stream that falls this far behind is closed; its browser reconnects and resumes.
MAX_PENDING = 2000
# Another process's announcement of its readers counts for this long unless renewed.
PRESENCE_TTL = 25.0
PRESENCE_RENEW = 10.0


@dataclass(frozen=True)
class FeedEvent:
    """A committed event, as the hub hands it out."""

    id: int
    article_id: int | None
    recipient_id: int | None
    kind: str
    frame: bytes


@dataclass(frozen=True)
class Reader:
    user_id: int
    username: str
    name: str

    def as_json(self) -> dict:
        return {"username": self.username, "name": self.name}


class Subscriber:
    """One open stream of `article_id` (or None: only the person's badge) for `reader`."""

    def __init__(self, *, article_id: int | None, reader: Reader, last_id: int):
        self.id = secrets.token_urlsafe(9)
        self.article_id = article_id
        self.reader = reader
        self.last_id = last_id
        self.closed = False
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._pending: deque[bytes] = deque()
        # Until release(): live events wait here, so the catch-up goes out first.
        self._held: list[tuple[int, bytes]] | None = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # Called from any thread ---------------------------------------------------------

    def push(self, chunk: bytes, event_id: int | None = None) -> None:
        with self._lock:
            if self.closed:
                return
            if event_id is not None:
                if self._held is not None:
                    self._held.append((event_id, chunk))
                    return
                if event_id <= self.last_id:
                    return  # already sent (catch-up and live overlap, or an echo)
                self.last_id = event_id
            if len(self._pending) >= MAX_PENDING:
                self.closed = True
                self._pending.clear()
            else:
                self._pending.append(chunk)
            self._notify()

    def release(self, backlog: Iterable[FeedEvent]) -> None:
        """Send the catch-up `backlog`, then what arrived live meanwhile, in id order."""
        with self._lock:
            held, self._held = self._held or [], None
        for event in backlog:
            self.push(event.frame, event.id)
        for event_id, chunk in sorted(held, key=lambda pair: pair[0]):
            self.push(chunk, event_id)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._notify()

    def _notify(self) -> None:
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:  # the loop has closed: the stream is gone
                self.closed = True
        else:
            self._cond.notify_all()

    # Called by the stream's own generator -------------------------------------------

    def _drain(self) -> list[bytes] | None:
        chunks = list(self._pending)
        self._pending.clear()
        if not chunks and self.closed:
            return None
        return chunks

    def take(self, timeout: float) -> list[bytes] | None:
        """What is waiting (blocking up to `timeout` s); [] on timeout; None once closed."""
        with self._cond:
            if not self._pending and not self.closed:
                self._cond.wait(timeout)
            return self._drain()

    async def atake(self, timeout: float) -> list[bytes] | None:
        if self._loop is None:
            with self._lock:
                self._loop = asyncio.get_running_loop()
                self._wake = asyncio.Event()
                if self._pending or self.closed:
                    self._wake.set()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass
        with self._lock:
            self._wake.clear()
            return self._drain()


@dataclass
class _Remote:
    readers: list[Reader]
    expires: float


@dataclass
class Hub:
    """Subscribers of this process, by article and by person."""

    process: str = field(default_factory=lambda: secrets.token_hex(6))
    badge_count: Callable[[int], int] | None = None
    backend: object = None

    def __post_init__(self):
        self._lock = threading.RLock()
        self._by_article: dict[int, set[Subscriber]] = {}
        self._by_user: dict[int, set[Subscriber]] = {}
        self._remote: dict[tuple[str, int], _Remote] = {}
        self._shown: dict[int, tuple] = {}  # article -> readers last sent to its streams
        self._last_renew = 0.0

    # Subscribing --------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber.article_id is not None:
                self._by_article.setdefault(subscriber.article_id, set()).add(subscriber)
            self._by_user.setdefault(subscriber.reader.user_id, set()).add(subscriber)
        if subscriber.article_id is not None:
            self._local_presence_changed(subscriber.article_id)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.close()
        with self._lock:
            for index, key in (
                (self._by_article, subscriber.article_id),
                (self._by_user, subscriber.reader.user_id),
            ):
                group = index.get(key)
                if group is not None:
                    group.discard(subscriber)
                    if not group:
                        del index[key]
        if subscriber.article_id is not None:
            self._local_presence_changed(subscriber.article_id)

    def subscribers(self, article_id: int) -> list[Subscriber]:
        with self._lock:
            return list(self._by_article.get(article_id, ()))

    def articles(self) -> dict[int, int]:
        """{article id: lowest last event id among its streams}, for a resync."""
        with self._lock:
            return {
                article_id: min(s.last_id for s in subs)
                for article_id, subs in self._by_article.items()
                if subs
            }

    def count(self) -> int:
        with self._lock:
            return sum(len(subs) for subs in self._by_user.values())

    def close_all(self) -> None:
        with self._lock:
            everyone = [s for subs in self._by_user.values() for s in subs]
        for subscriber in everyone:
            subscriber.close()

    def close_connection(self, connection_id: str, user_id: int) -> bool:
        """Close this person's stream `connection_id` (the page said goodbye)."""
        with self._lock:
            mine = [s for s in self._by_user.get(user_id, ()) if s.id == connection_id]
        for subscriber in mine:
            self.unsubscribe(subscriber)
        return bool(mine)

    # Events -------------------------------------------------------------------------

    def dispatch(self, events: Iterable[FeedEvent]) -> None:
        """Hand committed events to the streams that want them, in id order."""
        badges = set()
        for event in sorted(events, key=lambda e: e.id):
            if event.article_id is not None:
                for subscriber in self.subscribers(event.article_id):
                    subscriber.push(event.frame, event.id)
            if event.recipient_id is not None and event.kind == "badge.changed":
                badges.add(event.recipient_id)
        for user_id in badges:
            self.push_badge(user_id)

    def push_badge(self, user_id: int) -> None:
        with self._lock:
            subs = list(self._by_user.get(user_id, ()))
        if not subs or self.badge_count is None:
            return
        chunk = sse.frame({"unread": self.badge_count(user_id)}, event="badge")
        for subscriber in subs:
            subscriber.push(chunk)

    # Presence and typing ------------------------------------------------------------

    def local_readers(self, article_id: int) -> list[Reader]:
        return sorted(
            {s.reader for s in self.subscribers(article_id) if not s.closed},
            key=lambda r: r.username,
        )

    def readers(self, article_id: int) -> list[Reader]:
        """Everyone with this article open, in any process."""
        now = time.monotonic()
        found = set(self.local_readers(article_id))
        with self._lock:
            for (_, article), remote in self._remote.items():
                if article == article_id and remote.expires > now:
                    found.update(remote.readers)
        return sorted(found, key=lambda r: r.username)

    def _local_presence_changed(self, article_id: int) -> None:
        self._announce(article_id)
        self._show_presence(article_id)

    def _announce(self, article_id: int) -> None:
        if self.backend is not None:
            readers = [[r.user_id, r.username, r.name] for r in self.local_readers(article_id)]
            self.backend.send({"p": self.process, "a": article_id, "r": readers})

    def _show_presence(self, article_id: int) -> None:
        readers = self.readers(article_id)
        key = tuple(r.username for r in readers)
        with self._lock:
            if self._shown.get(article_id) == key:
                return
            self._shown[article_id] = key
            if not self._by_article.get(article_id):
                self._shown.pop(article_id, None)
        chunk = sse.frame({"readers": [r.as_json() for r in readers]}, event="presence")
        for subscriber in self.subscribers(article_id):
            subscriber.push(chunk)

    def typing(self, article_id: int, reader: Reader, annotation_id: int | None) -> None:
        """`reader` is typing in the thread of `annotation_id` (None: stopped)."""
        message = {"a": article_id, "u": reader.username, "n": reader.name, "t": annotation_id}
        if self.backend is not None:
            self.backend.send({"p": self.process, "typing": message})
        self._show_typing(message)

    def _show_typing(self, message: dict) -> None:
        chunk = sse.frame(
            {"username": message["u"], "name": message["n"], "annotation": message["t"]},
            event="typing",
        )
        for subscriber in self.subscribers(message["a"]):
            if subscriber.reader.username != message["u"]:
                subscriber.push(chunk)

    def on_remote(self, message: dict) -> None:
        """A presence or typing message from another process (or this one's echo)."""
        if message.get("p") == self.process:
            return
        if "typing" in message:
            self._show_typing(message["typing"])
            return
        article_id = message["a"]
        readers = [Reader(*row) for row in message["r"]]
        with self._lock:
            self._remote[(message["p"], article_id)] = _Remote(
                readers, time.monotonic() + PRESENCE_TTL
            )
        self._show_presence(article_id)

    def tick(self) -> None:
        """Renew this process's announcements and forget other processes' stale ones."""
        now = time.monotonic()
        with self._lock:
            gone = [key for key, remote in self._remote.items() if remote.expires <= now]
            for key in gone:
                del self._remote[key]
            articles = list(self._by_article)
        for _, article_id in gone:
            self._show_presence(article_id)
        if now - self._last_renew >= PRESENCE_RENEW:
            self._last_renew = now
            for article_id in articles:
                self._announce(article_id)


def presence_message(data: bytes) -> dict | None:
    try:
        return json.loads(data)
    except ValueError:
        return None
