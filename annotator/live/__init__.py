"""The live reader's server side: event streams fed by the change feed.

`open_stream()` subscribes a person to an article (or only to their own badge), reads
what they missed since the event id they last saw, and returns the first bytes to send
plus the Subscriber; `stream_sync` / `stream_async` then yield its frames until the
connection closes. The hub (annotator.live.hub) is one per process; its backend is a
PostgreSQL LISTEN thread (annotator.live.listener), or, on SQLite, the commits of this
process itself (annotator.events.LOCAL_LISTENERS), since SQLite means one process.
"""

import threading

from django.db import connection

from annotator import events
from annotator.live import sse
from annotator.live.hub import FeedEvent, Hub, Reader, Subscriber
from annotator.live.listener import PostgresBackend
from annotator.models import Event
from annotator.selectors.discussion import unread_count

__all__ = [
    "HEARTBEAT_SECONDS",
    "Reader",
    "Subscriber",
    "hub",
    "latest_event_id",
    "open_stream",
    "reader_of",
    "shutdown",
    "stream_async",
    "stream_sync",
]

# An idle stream sends a comment this often, so proxies keep it and a dead one is found.
HEARTBEAT_SECONDS = 15.0
# A reader further behind than this many events reloads instead of replaying them.
CATCH_UP_LIMIT = 500

_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    """This process's hub, made (and its backend wired) on first use."""
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = Hub(badge_count=_badge_count)
            if connection.vendor == "postgresql":
                _hub.backend = PostgresBackend(_hub, deliver_ids=_deliver_ids, resync=_resync)
            else:
                events.LOCAL_LISTENERS.append(_on_local_commit)
        return _hub


def shutdown() -> None:
    """Close every stream and stop the listener (tests, before dropping a database)."""
    global _hub
    with _hub_lock:
        current, _hub = _hub, None
        if _on_local_commit in events.LOCAL_LISTENERS:
            events.LOCAL_LISTENERS.remove(_on_local_commit)
    if current is not None:
        current.close_all()
        if current.backend is not None:
            current.backend.stop()


def _badge_count(user_id: int) -> int:
    return unread_count(user_id)


def reader_of(user) -> Reader:
    return Reader(user.pk, user.username, user.get_full_name() or user.username)


def latest_event_id() -> int:
    """The newest event id: a page rendered now has seen everything up to it."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _frame_of(event_id, kind, actor, created, payload) -> bytes:
    body = {"id": event_id, "kind": kind, "actor": actor, "at": created, "data": payload}
    return sse.frame(body, id=event_id)


def _feed(queryset) -> list[FeedEvent]:
    rows = queryset.values_list(
        "id", "article_id", "recipient_id", "kind", "actor__username", "created", "payload"
    )
    return [
        FeedEvent(pk, article_id, recipient_id, kind, _frame_of(pk, kind, actor, at, payload))
        for pk, article_id, recipient_id, kind, actor, at, payload in rows
    ]


def _deliver_ids(ids: list[int]) -> None:
    hub().dispatch(_feed(Event.objects.filter(id__in=ids)))


def _resync() -> None:
    current = hub()
    for article_id, since in current.articles().items():
        backlog = Event.objects.filter(article_id=article_id, id__gt=since).order_by("id")
        current.dispatch(_feed(backlog[:CATCH_UP_LIMIT]))
    for user_id in {s.reader.user_id for a in current.articles() for s in current.subscribers(a)}:
        current.push_badge(user_id)


def _on_local_commit(committed: list[Event]) -> None:
    current = _hub
    if current is None:
        return
    current.dispatch(
        FeedEvent(
            e.pk,
            e.article_id,
            e.recipient_id,
            e.kind,
            _frame_of(e.pk, e.kind, e.actor and e.actor.username, e.created, e.payload),
        )
        for e in committed
    )


def catch_up(article_id: int, since: int) -> list[FeedEvent] | None:
    """The article's events after `since`, or None when the reader should reload:
    events it missed were pruned, or there are too many to replay."""
    oldest = Event.objects.order_by("id").values_list("id", flat=True).first()
    if since > 0 and oldest is not None and since < oldest - 1:
        return None
    backlog = _feed(
        Event.objects.filter(article_id=article_id, id__gt=since).order_by("id")[
            : CATCH_UP_LIMIT + 1
        ]
    )
    return None if len(backlog) > CATCH_UP_LIMIT else backlog


def open_stream(*, article_id: int | None, user, since: int) -> tuple[Subscriber, bytes]:
    """Subscribe `user` and return the subscriber and the first bytes to send: the
    retry hint, a hello (connection id, who else reads, unread count) and, when the
    reader is too far behind, a reset. Reads the database; the caller closes its
    connection afterwards, since the stream itself never needs one."""
    current = hub()
    if current.backend is not None:
        current.backend.ensure_started()
    subscriber = Subscriber(article_id=article_id, reader=reader_of(user), last_id=since)
    current.subscribe(subscriber)
    try:
        backlog = catch_up(article_id, since) if article_id is not None else []
        hello = {
            "conn": subscriber.id,
            "unread": unread_count(user.pk),
            "readers": [r.as_json() for r in current.readers(article_id)]
            if article_id is not None
            else [],
        }
    except BaseException:
        current.unsubscribe(subscriber)
        raise
    first = sse.retry() + sse.frame(hello, event="hello")
    if backlog is None:
        first += sse.frame({"reason": "behind"}, event="reset")
        backlog = []
    subscriber.release(backlog)
    return subscriber, first


def stream_sync(subscriber: Subscriber, first: bytes):
    """The stream for a WSGI server: a thread per connection, asleep while idle."""
    current = hub()
    try:
        yield first
        while True:
            chunks = subscriber.take(HEARTBEAT_SECONDS)
            if chunks is None:
                return
            yield b"".join(chunks) if chunks else sse.comment("ping")
    finally:
        current.unsubscribe(subscriber)


async def stream_async(subscriber: Subscriber, first: bytes):
    """The stream for an ASGI server: a coroutine per connection, asleep while idle.
    Django cancels it when the client disconnects."""
    current = hub()
    try:
        yield first
        while True:
            chunks = await subscriber.atake(HEARTBEAT_SECONDS)
            if chunks is None:
                return
            yield b"".join(chunks) if chunks else sse.comment("ping")
    finally:
        current.unsubscribe(subscriber)
